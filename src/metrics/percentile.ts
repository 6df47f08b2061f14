/**
 * Exact quantile of ascending-sorted data by linear interpolation between closest ranks (Hyndman & Fan
 * type 7 — numpy's default, which `vllm bench serve` uses for its p50/p99). NaN for empty input.
 *
 * @example
 * quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5) // 2.5
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The same type-7 quantile over data given as (value, count) pairs, equal to `quantileSorted` of the data
 * with each value repeated `count` times — without expanding it. `order` is the pair indices sorted by
 * value; `cumulative[k]` the running total of counts in that order.
 *
 * @example
 * const v = Float64Array.of(1, 3), c = Float64Array.of(2, 2);
 * weightedQuantile(v, c, 0.5) // 2 (data 1,1,3,3)
 */
export function weightedQuantile(values: Float64Array, counts: Float64Array, p: number): number {
  const prep = prepareWeighted(values, counts);
  return weightedQuantilePrepared(prep, p);
}

export interface WeightedPrepared {
  sortedValues: Float64Array;
  cumulative: Float64Array;
  total: number;
}

/** Sorts (value, count) pairs by value once, for several quantiles. */
export function prepareWeighted(values: Float64Array, counts: Float64Array): WeightedPrepared {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b] || a - b);
  const sortedValues = new Float64Array(n);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    sortedValues[k] = values[order[k]];
    total += counts[order[k]];
    cumulative[k] = total;
  }
  return { sortedValues, cumulative, total };
}

/** Element with 0-based rank `r` of the expanded data. */
function atRank(w: WeightedPrepared, r: number): number {
  // First k with cumulative[k] > r (binary search).
  let lo = 0;
  let hi = w.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (w.cumulative[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return w.sortedValues[lo];
}

export function weightedQuantilePrepared(w: WeightedPrepared, p: number): number {
  if (w.total === 0) return NaN;
  const h = (w.total - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, w.total - 1);
  const a = atRank(w, lo);
  const b = hi === lo ? a : atRank(w, hi);
  return a + (h - lo) * (b - a);
}
