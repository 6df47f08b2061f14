// Statistics of repeated timings: quantiles by linear interpolation between closest ranks (Hyndman & Fan
// type 7, numpy's default) — the same definition as harness/common/stats.ts (a test compares them).
#pragma once
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

struct Summary {
  int n = 0;
  double median = 0, p10 = 0, p90 = 0, min = 0, max = 0, mean = 0;
};

inline double quantileSorted(const std::vector<double>& s, double p) {
  if (s.empty()) throw std::runtime_error("quantile of an empty sample");
  const double h = (s.size() - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

inline Summary summarize(std::vector<double> v) {
  Summary r;
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  r.n = static_cast<int>(v.size());
  r.median = quantileSorted(v, 0.5);
  r.p10 = quantileSorted(v, 0.1);
  r.p90 = quantileSorted(v, 0.9);
  r.min = v.front();
  r.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  r.mean = sum / v.size();
  return r;
}

/** Launches per timed repeat so that one repeat lasts at least minSeconds (see stats.ts innerIterations). */
inline int innerIterations(double estimateSeconds, double minSeconds, int maxInner = 1000) {
  if (!(estimateSeconds > 0) || !std::isfinite(estimateSeconds)) return maxInner;
  double k = std::ceil(minSeconds / estimateSeconds);
  if (k < 1) k = 1;
  if (k > maxInner) k = maxInner;
  return static_cast<int>(k);
}
