/**
 * Summary statistics of a request stream (a trace or a synthetic workload), computed in one pass.
 * Memory: O(1) for rates, gaps and burstiness; the input and output lengths are kept in two growable
 * Int32Arrays (8 bytes per request) so their percentiles are exact.
 */
import { quantileSorted } from '../metrics/percentile.ts';
import type { RequestSource } from './types.ts';

export { formatTraceStats } from './format-stats.ts';

/** Distribution summary of token lengths (NaN when there are no requests). */
export interface LengthSummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What {@link traceStats} reports. Undefined quantities (e.g. a rate from one request) are NaN. */
export interface TraceStats {
  rows: number;
  /** Last arrival − first arrival, seconds. */
  spanSec: number;
  /** (rows − 1) / spanSec: the reciprocal of the mean inter-arrival gap. */
  ratePerSec: number;
  interArrival: { meanSec: number; cv: number };
  inputTokens: LengthSummary;
  outputTokens: LengthSummary;
  burstiness: {
    /** Coefficient of variation of the inter-arrival gaps (1 for Poisson). */
    cv: number;
    /** Busiest 1 s window's rate ÷ the mean rate (windows aligned at the first arrival). */
    peakToMeanRate1s: number;
    /** Busiest 60 s window's rate ÷ the mean rate. */
    peakToMeanRate60s: number;
  };
}

/** Counts arrivals in tumbling windows and remembers the busiest one. */
class WindowPeak {
  private bin = -1;
  private count = 0;
  max = 0;
  constructor(readonly widthSec: number) {}
  add(t: number): void {
    const b = Math.floor(t / this.widthSec);
    if (b !== this.bin) {
      this.bin = b;
      this.count = 0;
    }
    this.count++;
    if (this.count > this.max) this.max = this.count;
  }
}

/** A growable Int32Array. */
class IntBuffer {
  data = new Int32Array(1 << 16);
  length = 0;
  sum = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
    this.sum += v;
  }
  summary(): LengthSummary {
    const n = this.length;
    if (n === 0) return { mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
    const sorted = this.data.subarray(0, n).sort();
    const q = (p: number): number => quantileSorted(sorted, p);
    return { mean: this.sum / n, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: sorted[n - 1] };
  }
}

/**
 * Reads `source` to its end and summarises it: request rate, inter-arrival mean and CV (Welford),
 * exact length percentiles (linear interpolation, numpy's default), and burstiness (peak 1 s / 60 s window
 * rate over the mean rate).
 *
 * @example
 * const s = traceStats(readAzureTrace(openLineSource('azure-2023-conv.csv')));
 * s.rows; // 19366
 * console.log(formatTraceStats(s));
 */
export function traceStats(source: RequestSource): TraceStats {
  let rows = 0;
  let first = NaN;
  let prev = NaN;
  // Welford over inter-arrival gaps.
  let gaps = 0;
  let gapMean = 0;
  let gapM2 = 0;
  const w1 = new WindowPeak(1);
  const w60 = new WindowPeak(60);
  const input = new IntBuffer();
  const output = new IntBuffer();

  for (let r = source.next(); r !== null; r = source.next()) {
    const t = r.arrivalSec;
    if (rows === 0) first = t;
    else {
      const gap = t - prev;
      gaps++;
      const d = gap - gapMean;
      gapMean += d / gaps;
      gapM2 += d * (gap - gapMean);
    }
    prev = t;
    rows++;
    w1.add(t - first);
    w60.add(t - first);
    input.push(r.inputTokens);
    output.push(r.outputTokens);
  }

  const spanSec = rows > 0 ? prev - first : NaN;
  const ratePerSec = rows > 1 && spanSec > 0 ? (rows - 1) / spanSec : NaN;
  const meanSec = gaps > 0 ? gapMean : NaN;
  const cv = gaps > 0 && gapMean > 0 ? Math.sqrt(gapM2 / gaps) / gapMean : NaN;
  return {
    rows,
    spanSec,
    ratePerSec,
    interArrival: { meanSec, cv },
    inputTokens: input.summary(),
    outputTokens: output.summary(),
    burstiness: {
      cv,
      peakToMeanRate1s: w1.max / w1.widthSec / ratePerSec,
      peakToMeanRate60s: w60.max / w60.widthSec / ratePerSec,
    },
  };
}

/**
 * Statistics of a length file (no arrival times): the length percentiles; span, rate, inter-arrival and
 * burstiness are NaN.
 */
export function lengthPairStats(input: Int32Array, output: Int32Array): TraceStats {
  const a = new IntBuffer();
  const b = new IntBuffer();
  for (let i = 0; i < input.length; i++) {
    a.push(input[i]);
    b.push(output[i]);
  }
  return {
    rows: input.length, spanSec: NaN, ratePerSec: NaN, interArrival: { meanSec: NaN, cv: NaN },
    inputTokens: a.summary(), outputTokens: b.summary(),
    burstiness: { cv: NaN, peakToMeanRate1s: NaN, peakToMeanRate60s: NaN },
  };
}
