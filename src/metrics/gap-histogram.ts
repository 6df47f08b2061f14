import { GrowableFloat64 } from './growable.ts';
import type { LatencyStats } from './summary.ts';

/** Resolution of inter-token gaps: 1 µs. */
export const GAP_RESOLUTION_SEC = 1e-6;
/** Gaps below this are counted in the dense 1-µs bins; longer ones are kept exactly. */
const DENSE_LIMIT_SEC = 1;
const DENSE_BINS = Math.round(DENSE_LIMIT_SEC / GAP_RESOLUTION_SEC);

/**
 * Inter-token gaps — one per output token after the first, so billions in a long run — counted in bounded
 * memory: gaps under 1 s in 1-µs bins (8 MB), longer gaps (preemption stalls, prefill stalls) exactly.
 * Percentiles are exact over the gaps rounded to the nearest microsecond; the mean is exact.
 *
 * @example
 * const h = new GapHistogram(); h.add(0.0081234, 10); h.stats().p50 // 8.123 (ms)
 */
export class GapHistogram {
  private readonly dense = new Float64Array(DENSE_BINS);
  private readonly longGap = new GrowableFloat64();
  private readonly longCount = new GrowableFloat64();
  private denseTotal = 0;
  private longTotal = 0;
  private sumSec = 0;
  private minBin = DENSE_BINS;
  private maxBin = -1;

  /** Records `count` gaps of `gapSec`. */
  add(gapSec: number, count: number): void {
    this.sumSec += gapSec * count;
    // Gaps in [0.9999995 s, 1 s) round to bin DENSE_BINS, one past the end: they are kept exactly instead.
    const b = Math.round(gapSec / GAP_RESOLUTION_SEC);
    if (b < DENSE_BINS) {
      this.dense[b] += count;
      this.denseTotal += count;
      if (b < this.minBin) this.minBin = b;
      if (b > this.maxBin) this.maxBin = b;
    } else {
      this.longGap.push(gapSec);
      this.longCount.push(count);
      this.longTotal += count;
    }
  }

  get count(): number {
    return this.denseTotal + this.longTotal;
  }

  /** Statistics in milliseconds (type-7 quantiles of the µs-rounded gaps). */
  stats(): LatencyStats {
    const n = this.count;
    if (n === 0) return { mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN, count: 0 };
    const long = this.sortedLong();
    const q = (p: number): number => {
      const h = (n - 1) * p;
      const lo = Math.floor(h);
      const hi = Math.min(lo + 1, n - 1);
      const a = this.atRank(lo, long);
      const b = hi === lo ? a : this.atRank(hi, long);
      return (a + (h - lo) * (b - a)) * 1e3;
    };
    const max = long.values.length > 0 ? long.values[long.values.length - 1] : this.maxBin * GAP_RESOLUTION_SEC;
    return {
      mean: (this.sumSec / n) * 1e3,
      p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99),
      max: max * 1e3,
      count: n,
    };
  }

  private sortedLong(): { values: Float64Array; cumulative: Float64Array } {
    const v = this.longGap.toArray();
    const c = this.longCount.toArray();
    const order = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
    const values = Float64Array.from(order, (i) => v[i]);
    const cumulative = new Float64Array(order.length);
    let acc = 0;
    order.forEach((i, k) => { acc += c[i]; cumulative[k] = acc; });
    return { values, cumulative };
  }

  /** Gap (seconds) of 0-based rank `r`. */
  private atRank(r: number, long: { values: Float64Array; cumulative: Float64Array }): number {
    if (r < this.denseTotal) {
      let acc = 0;
      for (let b = this.minBin; b <= this.maxBin; b++) {
        acc += this.dense[b];
        if (acc > r) return b * GAP_RESOLUTION_SEC;
      }
    }
    const rr = r - this.denseTotal;
    let k = 0;
    while (long.cumulative[k] <= rr) k++;
    return long.values[k];
  }
}
