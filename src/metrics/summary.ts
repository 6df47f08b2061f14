import { quantileSorted } from './percentile.ts';

/** The statistics reported for every latency metric. */
export interface LatencyStats {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  /** Samples behind the statistics (requests; inter-token gaps for ITL). */
  count: number;
}

export const STAT_KEYS = ['mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const;
export type StatKey = (typeof STAT_KEYS)[number];

/**
 * Exact statistics of samples in seconds, reported in milliseconds. Sorts `samplesSec` in place.
 *
 * @example
 * latencyStatsMs(Float64Array.of(0.1, 0.2)).p50 // 150
 */
export function latencyStatsMs(samplesSec: Float64Array): LatencyStats {
  const n = samplesSec.length;
  if (n === 0) return { mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN, count: 0 };
  const sorted = samplesSec.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    mean: (sum / n) * 1e3,
    p50: quantileSorted(sorted, 0.5) * 1e3,
    p90: quantileSorted(sorted, 0.9) * 1e3,
    p95: quantileSorted(sorted, 0.95) * 1e3,
    p99: quantileSorted(sorted, 0.99) * 1e3,
    max: sorted[n - 1] * 1e3,
    count: n,
  };
}

