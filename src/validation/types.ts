/**
 * Types of the validation harness: measured serving results (rows of ../shared/data/validation/*.csv)
 * turned into scenarios, run, and compared metric by metric. Pure data: no Node APIs.
 */
import type { Precision } from '../perf/precision.ts';

/** Which data file a row comes from. */
export type SourceId = 'measured-public' | 'gpustack';

/** Metric families that the summary groups by. */
export const METRIC_FAMILIES = ['throughput', 'ttft', 'tpot', 'itl', 'e2e'] as const;
export type MetricFamily = (typeof METRIC_FAMILIES)[number];

/**
 * One comparable metric. Throughput: `output` = output tokens/s of the whole replica (all its GPUs),
 * `total` = input + output tokens/s, `requests` = requests/s, `outputPerGpu` = output tokens/s per GPU.
 * Latencies in milliseconds: mean / p50 / p99 (and max for the batch latency of a fixed-batch run).
 */
export const METRIC_IDS = [
  'throughput.output', 'throughput.total', 'throughput.requests', 'throughput.outputPerGpu',
  'ttft.mean', 'ttft.p50', 'ttft.p99',
  'tpot.mean', 'tpot.p50', 'tpot.p99',
  'itl.mean', 'itl.p50', 'itl.p99',
  'e2e.mean', 'e2e.max',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

export function metricFamily(m: MetricId): MetricFamily {
  return m.slice(0, m.indexOf('.')) as MetricFamily;
}

export function metricUnit(m: MetricId): string {
  switch (m) {
    case 'throughput.output': case 'throughput.total': return 'tok/s';
    case 'throughput.outputPerGpu': return 'tok/s/GPU';
    case 'throughput.requests': return 'req/s';
    default: return 'ms';
  }
}

/** A measured number with the metric it measures. */
export interface Measured {
  metric: MetricId;
  value: number;
}

/** How requests arrive in the benchmark. */
export type ArrivalSpec =
  | { kind: 'burst' }
  | { kind: 'closed-loop'; concurrency: number }
  | { kind: 'poisson'; ratePerSec: number };

/**
 * Request lengths of the benchmark.
 * - fixed: every request has `input` prompt tokens and `output` generated tokens (random / synthetic datasets).
 * - sharegpt: `vllm bench`-style ShareGPT sample of `n` prompts; `inTotal`/`outTotal` (or means) are the
 *   token totals the benchmark reported, to which the empirical distribution is rescaled.
 */
export type LengthSpec =
  | { kind: 'fixed'; input: number; output: number }
  | { kind: 'sharegpt'; n: number; inTotal?: number; outTotal?: number; meanIn?: number; meanOut?: number };

/** Engine presets (their numbers and citations live in validation/rows.yaml `engines:`). */
export const ENGINE_PRESETS = ['vllm-v1-serve', 'vllm-v0-serve', 'trtllm-bench', 'trtllm-serve', 'sglang-serve', 'trt-static'] as const;
export type EnginePreset = (typeof ENGINE_PRESETS)[number];

/** Explicit engine settings of the benchmark (flags it was launched with) that override the preset. */
export interface EngineFlags {
  maxNumSeqs?: number;
  maxBatchedTokens?: number;
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  /** TensorRT-LLM: fraction of the memory left after weights and buffers that goes to the KV cache. */
  kvFreeFraction?: number;
  /** trt-static: the static batch size. */
  staticBatch?: number;
  /** TensorRT-LLM --enable_chunked_prefill. */
  chunkedPrefill?: boolean;
}

/** Everything needed to build one scenario; the parsed, hand-checkable conditions of a measurement. */
export interface CaseSpec {
  gpu: string;
  tensor: number;
  pipeline: number;
  model: string;
  weights: Precision;
  kvCache?: Precision;
  engine: EnginePreset;
  /** Engine name + version as the source states it (e.g. "vLLM v0.11.0"). */
  engineLabel: string;
  flags: EngineFlags;
  /** The benchmark drove the engine in process (an offline script) rather than through its HTTP server. */
  frontend?: 'http' | 'in-process';
  lengths: LengthSpec;
  arrivals: ArrivalSpec;
  requests: number;
  measured: Measured[];
}

/** A mapped measurement: one scenario run, compared on one or more metrics. */
export interface ValidationCase {
  /** Unique id (row key, plus `/case` for rows that hold several measurements). */
  key: string;
  rowKey: string;
  source: SourceId;
  /** Where the number was published (repository@commit: path, or URL). */
  citation: string;
  trust?: string;
  /** One line of conditions for the tables. */
  conditions: string;
  spec: CaseSpec;
  notes: string[];
  /** Ids of mechanism explanations (validation/rows.yaml `mechanisms:`). */
  mechanisms: string[];
}

/** A row (or a case of a row) that was not mapped, with the reason. */
export interface SkippedRow {
  key: string;
  source: SourceId;
  /** Short category used in the tallies (e.g. "missing profile", "engine not modelled"). */
  category: string;
  reason: string;
  conditions?: string;
}

/** One predicted-vs-measured comparison. */
export interface Comparison {
  metric: MetricId;
  measured: number;
  predicted: number;
  /** (predicted − measured) / measured. */
  error: number;
}

/** The outcome of one mapped case. */
export interface CaseResult {
  key: string;
  rowKey: string;
  source: SourceId;
  citation: string;
  trust?: string;
  conditions: string;
  tags: { engine: string; gpu: string; model: string; precision: string; tp: number; load: string };
  notes: string[];
  mechanisms: string[];
  comparisons: Comparison[];
  /** A few predicted facts worth showing next to the errors. */
  facts: { kvCapacityTokens: number; simulatedSec: number; preemptions: number; completed: number; requests: number };
}

/** Everything the report is generated from. */
export interface ValidationRun {
  /** ISO date (YYYY-MM-DD) printed in the header; the only non-deterministic input. */
  date: string;
  results: CaseResult[];
  /** Rows or cases that could not be mapped or run. */
  skipped: SkippedRow[];
  /** Rows reported in both files: key → key of the row that is counted. */
  duplicates: { key: string; source: SourceId; countedAs: string }[];
  /** Total data rows read per source. */
  rowCounts: Record<SourceId, number>;
}
