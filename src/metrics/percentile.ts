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

