/**
 * Statistics of repeated timings. Quantiles use linear interpolation between closest ranks (Hyndman & Fan
 * type 7, numpy's default): q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with h = (n − 1)p on sorted x.
 * harness/cuda/src/stats.h implements the same definition; a test compares the two.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (h - lo) * (b - a);
}

export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  for (const x of samples) if (!Number.isFinite(x)) throw new Error(`summarize: non-finite sample ${x}`);
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return {
    n: s.length,
    median: quantileSorted(s, 0.5),
    p10: quantileSorted(s, 0.1),
    p90: quantileSorted(s, 0.9),
    min: s[0]!,
    max: s[s.length - 1]!,
    mean: sum / s.length,
  };
}

/**
 * How many back-to-back launches one timed repeat should hold so that it lasts at least `minSeconds`
 * (timer resolution and launch overhead then matter little), given one launch's estimated time.
 * Capped at `maxInner`; at least 1.
 */
export function innerIterations(estimateSeconds: number, minSeconds: number, maxInner = 1000): number {
  if (!(estimateSeconds > 0) || !Number.isFinite(estimateSeconds)) return maxInner;
  return Math.max(1, Math.min(maxInner, Math.ceil(minSeconds / estimateSeconds)));
}
