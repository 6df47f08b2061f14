import { quantileSorted as ssQuantileSorted } from 'simple-statistics';

/**
 * Exact quantile of ascending-sorted data by linear interpolation between closest ranks (Hyndman & Fan
 * type 7 — numpy's default, which `vllm bench serve` uses for its p50/p99), via simple-statistics. NaN for
 * empty input (simple-statistics throws). The one quantile definition of the project: latency reports,
 * trace statistics and the ITL histogram's rank arithmetic all follow it.
 *
 * @example
 * quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5) // 2.5
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return ssQuantileSorted(sorted as unknown as number[], p);
}
