/**
 * Predicted-vs-measured arithmetic and summary statistics. Pure.
 */
import type { RunReport } from '../report/result.ts';
import { METRIC_FAMILIES, metricFamily } from './types.ts';
import type { CaseResult, Comparison, Measured, MetricFamily, MetricId } from './types.ts';
import { median } from '../metrics/median.ts';

/** The simulator's value of a metric, from the run report. */
export function predictedValue(r: RunReport, m: MetricId): number {
  switch (m) {
    case 'throughput.output': return r.throughput.outputTokensPerSec;
    case 'throughput.total': return r.throughput.totalTokensPerSec;
    case 'throughput.requests': return r.throughput.requestsPerSec;
    case 'throughput.outputPerGpu': return r.throughput.outputTokensPerSec / r.gpus.count;
    case 'ttft.mean': return r.latencyMs.ttft.mean;
    case 'ttft.p50': return r.latencyMs.ttft.p50;
    case 'ttft.p99': return r.latencyMs.ttft.p99;
    case 'tpot.mean': return r.latencyMs.tpot.mean;
    case 'tpot.p50': return r.latencyMs.tpot.p50;
    case 'tpot.p99': return r.latencyMs.tpot.p99;
    case 'itl.mean': return r.latencyMs.itl.mean;
    case 'itl.p50': return r.latencyMs.itl.p50;
    case 'itl.p99': return r.latencyMs.itl.p99;
    case 'e2e.mean': return r.latencyMs.e2e.mean;
    case 'e2e.max': return r.latencyMs.e2e.max;
  }
}

/** Signed relative error (pred − meas) / meas. */
export function signedError(predicted: number, measured: number): number {
  if (typeof predicted !== 'number' || !Number.isFinite(predicted)) return NaN;
  if (!(measured !== 0) || !Number.isFinite(measured)) return NaN;
  return (predicted - measured) / measured;
}

export function compare(measured: readonly Measured[], predict: (m: MetricId) => number): Comparison[] {
  return measured.map((x) => {
    const p = predict(x.metric);
    const predicted = typeof p === 'number' ? p : NaN;
    return { metric: x.metric, measured: x.value, predicted, error: signedError(predicted, x.value) };
  });
}

/** Median of a list (mean of the two middle values for an even count); NaN when empty: the project's one median. */
export { median };

export interface ErrorSummary {
  /** Comparisons counted. */
  n: number;
  /** Distinct cases contributing. */
  cases: number;
  medianAbs: number;
  /** The signed error with the largest magnitude. */
  worst: number;
  worstKey: string;
  /** Median signed error (positive: the simulator over-predicts). */
  medianSigned: number;
  /** Share of comparisons within ±10 % / ±25 %. */
  within10: number;
  within25: number;
}

export function summarize(items: readonly { key: string; error: number }[]): ErrorSummary {
  const finite = items.filter((i) => Number.isFinite(i.error));
  let worst = NaN;
  let worstKey = '';
  for (const i of finite) {
    if (!(Math.abs(i.error) <= Math.abs(worst))) {
      worst = i.error;
      worstKey = i.key;
    }
  }
  const abs = finite.map((i) => Math.abs(i.error));
  return {
    n: finite.length,
    cases: new Set(finite.map((i) => i.key)).size,
    medianAbs: median(abs),
    worst,
    worstKey,
    medianSigned: median(finite.map((i) => i.error)),
    within10: finite.length ? abs.filter((a) => a <= 0.1).length / finite.length : NaN,
    within25: finite.length ? abs.filter((a) => a <= 0.25).length / finite.length : NaN,
  };
}

/**
 * The comparisons a case contributes to a family's summary. Throughput: one headline value per case (output
 * tokens/s when measured, else output/GPU, total tokens/s, requests/s — they differ only by constant factors
 * for a fixed workload, so counting all would weight a case three times). Latency families: every reported
 * statistic (mean, p50, p99).
 */
export function familyComparisons(r: CaseResult, fam: MetricFamily): Comparison[] {
  const own = r.comparisons.filter((c) => metricFamily(c.metric) === fam);
  if (fam !== 'throughput') return own;
  for (const m of ['throughput.output', 'throughput.outputPerGpu', 'throughput.total', 'throughput.requests'] as const) {
    const c = own.find((x) => x.metric === m);
    if (c) return [c];
  }
  return [];
}

/** Summary per metric family over all results. */
export function summarizeFamilies(results: readonly CaseResult[]): Record<MetricFamily, ErrorSummary> {
  const out = {} as Record<MetricFamily, ErrorSummary>;
  for (const fam of METRIC_FAMILIES) {
    out[fam] = summarize(results.flatMap((r) => familyComparisons(r, fam).map((c) => ({ key: r.key, error: c.error }))));
  }
  return out;
}

/** Summary per individual metric (e.g. ttft.p99) over all results. */
export function summarizeMetrics(results: readonly CaseResult[]): Map<MetricId, ErrorSummary> {
  const by = new Map<MetricId, { key: string; error: number }[]>();
  for (const r of results) {
    for (const c of r.comparisons) {
      const l = by.get(c.metric) ?? [];
      l.push({ key: r.key, error: c.error });
      by.set(c.metric, l);
    }
  }
  const out = new Map<MetricId, ErrorSummary>();
  for (const [m, l] of by) out.set(m, summarize(l));
  return out;
}

/** Targets of issue 3: median |error| ≤ 10 % on throughput and TPOT (and ITL), ≤ 20 % on TTFT. */
export const TARGETS: Partial<Record<MetricFamily, number>> = { throughput: 0.1, tpot: 0.1, itl: 0.1, ttft: 0.2 };
