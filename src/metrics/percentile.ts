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
 * with each value repeated `count` times — without expanding it, and without sorting it: each rank is
 * found by a weighted quickselect (expected O(n)).
 *
 * @example
 * const v = Float64Array.of(1, 3), c = Float64Array.of(2, 2);
 * weightedQuantile(v, c, 0.5) // 2 (data 1,1,3,3)
 */
export function weightedQuantile(values: Float64Array, counts: Float64Array, p: number): number {
  return new WeightedSelector(values, counts).quantile(p);
}

/**
 * Answers rank queries over (value, count) pairs exactly, in expected linear time: a weighted histogram
 * over the value range (built once) locates the bucket holding each rank, and only that bucket is refined
 * — recursively, by a selector over its pairs, cached for later ranks — until small enough to sort.
 * `atRank(r)` is the element with 0-based rank r of the expanded, ascending data.
 */
export class WeightedSelector {
  readonly total: number;
  private min = Infinity;
  private maxValue = -Infinity;
  private scale = 0;
  private bucketOf: Uint16Array | null = null;
  private cumulative: Float64Array | null = null;
  private sortedOrder: number[] | null = null;
  private readonly children = new Map<number, WeightedSelector>();

  constructor(private readonly values: Float64Array, private readonly counts: Float64Array) {
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      const w = counts[i];
      if (w <= 0) continue;
      total += w;
      const x = values[i];
      if (x < this.min) this.min = x;
      if (x > this.maxValue) this.maxValue = x;
    }
    this.total = total;
  }

  quantile(p: number): number {
    if (this.total === 0) return NaN;
    const h = (this.total - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, this.total - 1);
    const a = this.atRank(lo);
    const b = hi === lo ? a : this.atRank(hi);
    return a + (h - lo) * (b - a);
  }

  max(): number {
    return this.total > 0 ? this.maxValue : NaN;
  }

  atRank(rank: number): number {
    if (this.min === this.maxValue) return this.min;
    const n = this.values.length;
    if (n <= SORT_BELOW) return this.rankBySorting(rank);
    if (this.bucketOf === null) this.buildHistogram();
    const cum = this.cumulative!;
    // First bucket whose cumulative weight exceeds rank.
    let lo = 0;
    let hi = BUCKETS;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > rank) hi = mid;
      else lo = mid + 1;
    }
    const before = lo > 0 ? cum[lo - 1] : 0;
    let child = this.children.get(lo);
    if (!child) {
      const bucketOf = this.bucketOf!;
      let k = 0;
      for (let i = 0; i < n; i++) if (bucketOf[i] === lo) k++;
      const v = new Float64Array(k);
      const c = new Float64Array(k);
      k = 0;
      for (let i = 0; i < n; i++) {
        if (bucketOf[i] === lo) {
          v[k] = this.values[i];
          c[k++] = this.counts[i];
        }
      }
      child = new WeightedSelector(v, c);
      this.children.set(lo, child);
    }
    return child.atRank(rank - before);
  }

  private buildHistogram(): void {
    const n = this.values.length;
    const scale = BUCKETS / (this.maxValue - this.min);
    const bucketOf = new Uint16Array(n);
    const cum = new Float64Array(BUCKETS + 1);
    for (let i = 0; i < n; i++) {
      const w = this.counts[i];
      // Empty pairs go to a bucket no rank can land in (they add no weight anywhere).
      const b = w > 0 ? Math.floor((this.values[i] - this.min) * scale) : BUCKETS;
      bucketOf[i] = b;
      cum[b] += w;
    }
    for (let b = 1; b <= BUCKETS; b++) cum[b] += cum[b - 1];
    this.scale = scale;
    this.bucketOf = bucketOf;
    this.cumulative = cum;
  }

  private rankBySorting(rank: number): number {
    const v = this.values;
    const c = this.counts;
    if (this.sortedOrder === null) this.sortedOrder = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
    let acc = 0;
    for (const i of this.sortedOrder) {
      acc += c[i];
      if (acc > rank) return v[i];
    }
    return this.maxValue;
  }
}

/** Buckets of the histogram; values equal to the maximum land in the extra last bucket. */
const BUCKETS = 4096;
/** Below this many pairs a selector just sorts. */
const SORT_BELOW = 2048;
