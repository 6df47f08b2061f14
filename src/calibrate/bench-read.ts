/**
 * Readers of serving-benchmark result files for `servesim calibrate --bench`:
 *
 * - `vllm bench serve --save-result` JSON (also `benchmarks/benchmark_serving.py`): flat keys
 *   `max_concurrency`, `request_rate` (a number or "inf"), `num_prompts`, `completed`, `total_input_tokens`,
 *   `total_output_tokens`, `duration`, `request_throughput`, `output_throughput`, `total_token_throughput`,
 *   `{mean,median,std,pNN}_{ttft,tpot,itl,e2el}_ms`, and with `--save-detailed` the per-request
 *   `input_lens` / `output_lens`;
 * - genai-perf `profile_export_genai_perf.json` and AIPerf `profile_export_aiperf.json`: one object per
 *   metric `{unit, avg, p50, p90, p99, …}` (`time_to_first_token`, `inter_token_latency`, `request_latency`,
 *   `request_throughput`, `output_token_throughput`, `input_sequence_length`, `output_sequence_length`,
 *   `request_count`), the load in `input_config` (genai-perf: `concurrency`, `request_rate`; AIPerf:
 *   `loadgen.concurrency`, `loadgen.request_rate`). genai-perf's and AIPerf's inter-token latency is the
 *   per-request (latency − TTFT) / (output tokens − 1), i.e. what vLLM and servesim call TPOT, so it is read
 *   as TPOT.
 *
 * Any subset of the statistics may be present; what is there is fitted. Pure (text in, data out); bad input
 * → UserError naming the file and key.
 */
import { UserError } from '../errors/user-error.ts';

/** Statistics servesim can predict, as `metric.stat`; latencies in ms, throughputs per second. */
export const BENCH_STATS = [
  'ttft.mean', 'ttft.p50', 'ttft.p90', 'ttft.p99',
  'tpot.mean', 'tpot.p50', 'tpot.p90', 'tpot.p99',
  'itl.mean', 'itl.p50', 'itl.p90', 'itl.p99',
  'e2e.mean', 'e2e.p50', 'e2e.p90', 'e2e.p99',
  'throughput.output', 'throughput.requests', 'throughput.total',
] as const;
export type BenchStat = (typeof BENCH_STATS)[number];

/** How the benchmark client drove the server. */
export type BenchLoad =
  | { kind: 'closed'; concurrency: number }
  | { kind: 'poisson'; ratePerSec: number }
  | { kind: 'burst' };

export interface BenchResult {
  file: string;
  format: 'vllm-bench-serve' | 'genai-perf';
  load: BenchLoad;
  /** Requests the run completed (what it measured). */
  prompts: number;
  /** Per-request lengths in order, when the file has them (a replayed trace); else the means are used. */
  inputLens?: number[];
  outputLens?: number[];
  meanInput: number;
  meanOutput: number;
  stats: Partial<Record<BenchStat, number>>;
  /** Things the reader assumed or dropped. */
  notes: string[];
}

type Json = Record<string, unknown>;

function bad(file: string, key: string, message: string, fix: string): UserError {
  return new UserError(`${file}: ${key}: ${message}`, { where: 'calibrate --bench', fix });
}

/** A finite number at `key` (or undefined when absent / null). */
function num(doc: Json, key: string, file: string): number | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw bad(file, key, `expected a number, got ${JSON.stringify(v)}`, 'fix or remove the value; the file should be as the benchmark wrote it');
  }
  return v;
}

function lengths(doc: Json, key: string, file: string): number[] | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0)) {
    throw bad(file, key, 'expected an array of token counts', 'give per-request token counts (vllm bench serve --save-detailed writes them)');
  }
  return v.map((x) => Math.max(1, Math.round(x as number)));
}

/**
 * Parses one result file's text. `file` names it in messages.
 *
 * @throws UserError for invalid JSON, a file of neither format, missing load or length information, or no
 *   statistic servesim can compare with
 */
export function readBenchResult(text: string, file: string): BenchResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`, {
      where: 'calibrate --bench', fix: 'give the JSON file that vllm bench serve --save-result or genai-perf/AIPerf wrote',
    });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw bad(file, '(top level)', 'expected a JSON object', 'give a vllm bench serve result or a genai-perf/AIPerf profile export');
  }
  const d = doc as Json;
  if ('time_to_first_token' in d || 'request_throughput' in d && typeof d['request_throughput'] === 'object') return readGenaiPerf(d, file);
  if ('completed' in d || 'mean_ttft_ms' in d || 'output_throughput' in d) return readVllm(d, file);
  throw bad(file, '(top level)', 'neither a vllm bench serve result (completed, mean_ttft_ms, …) nor a genai-perf/AIPerf export (time_to_first_token: {avg, …})',
    'give the JSON file that vllm bench serve --save-result or genai-perf/AIPerf wrote');
}

const VLLM_METRICS: [string, 'ttft' | 'tpot' | 'itl' | 'e2e'][] = [['ttft', 'ttft'], ['tpot', 'tpot'], ['itl', 'itl'], ['e2el', 'e2e']];
const VLLM_STATS: [string, 'mean' | 'p50' | 'p90' | 'p99'][] = [['mean', 'mean'], ['median', 'p50'], ['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99']];

function readVllm(d: Json, file: string): BenchResult {
  const notes: string[] = [];
  const completed = num(d, 'completed', file) ?? num(d, 'num_prompts', file);
  const inputLens = lengths(d, 'input_lens', file);
  const outputLens = lengths(d, 'output_lens', file);
  const prompts = completed ?? inputLens?.length;
  if (prompts === undefined || prompts < 1) {
    throw bad(file, 'completed', 'missing: the number of requests the run completed', 'the file needs completed (or num_prompts), as vllm bench serve writes it');
  }
  const totalIn = num(d, 'total_input_tokens', file);
  const totalOut = num(d, 'total_output_tokens', file);
  const meanInput = inputLens ? mean(inputLens) : totalIn !== undefined ? totalIn / prompts : undefined;
  const meanOutput = outputLens ? mean(outputLens) : totalOut !== undefined ? totalOut / prompts : undefined;
  if (meanInput === undefined) throw bad(file, 'total_input_tokens', 'missing: input lengths', 'the file needs input_lens or total_input_tokens');
  if (meanOutput === undefined) throw bad(file, 'total_output_tokens', 'missing: output lengths', 'the file needs output_lens or total_output_tokens');

  const rateRaw = d['request_rate'];
  let rate: number | undefined;
  if (rateRaw === 'inf' || rateRaw === 'Infinity' || rateRaw === undefined || rateRaw === null) rate = undefined;
  else if (typeof rateRaw === 'number' && rateRaw > 0) rate = Number.isFinite(rateRaw) ? rateRaw : undefined;
  else throw bad(file, 'request_rate', `expected a rate in requests per second or "inf", got ${JSON.stringify(rateRaw)}`, 'request_rate is a positive number or "inf"');
  const conc = num(d, 'max_concurrency', file);
  if (conc !== undefined && (conc < 1 || !Number.isInteger(conc))) throw bad(file, 'max_concurrency', `expected a whole number ≥ 1, got ${conc}`, 'max_concurrency is the client concurrency');
  let load: BenchLoad;
  if (rate !== undefined) {
    load = { kind: 'poisson', ratePerSec: rate };
    if (conc !== undefined) notes.push(`max_concurrency ${conc} with a finite request_rate: simulated as Poisson arrivals without the concurrency cap`);
  } else if (conc !== undefined) {
    load = { kind: 'closed', concurrency: conc };
  } else {
    load = { kind: 'burst' };
  }

  const stats: Partial<Record<BenchStat, number>> = {};
  for (const [k, m] of VLLM_METRICS) {
    for (const [sk, s] of VLLM_STATS) {
      const v = num(d, `${sk}_${k}_ms`, file);
      if (v !== undefined) stats[`${m}.${s}` as BenchStat] = v;
    }
  }
  const tput: [string, BenchStat][] = [['output_throughput', 'throughput.output'], ['request_throughput', 'throughput.requests'], ['total_token_throughput', 'throughput.total']];
  for (const [k, s] of tput) {
    const v = num(d, k, file);
    if (v !== undefined) stats[s] = v;
  }
  return finish({ file, format: 'vllm-bench-serve', load, prompts, inputLens, outputLens, meanInput, meanOutput, stats, notes });
}

const GENAI_METRICS: [string, 'ttft' | 'tpot' | 'e2e'][] = [
  ['time_to_first_token', 'ttft'], ['inter_token_latency', 'tpot'], ['request_latency', 'e2e'],
];
const UNIT_TO_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, sec: 1e3 };

function statObject(d: Json, key: string, file: string): Json | undefined {
  const v = d[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(file, key, 'expected an object {unit, avg, p50, p99, …}', 'the file should be as genai-perf/AIPerf wrote it');
  return v as Json;
}

function readGenaiPerf(d: Json, file: string): BenchResult {
  const notes: string[] = [];
  const stats: Partial<Record<BenchStat, number>> = {};
  for (const [key, m] of GENAI_METRICS) {
    const o = statObject(d, key, file);
    if (!o) continue;
    const unit = typeof o['unit'] === 'string' ? o['unit'] : 'ms';
    const scale = UNIT_TO_MS[unit];
    if (scale === undefined) throw bad(file, `${key}.unit`, `unknown time unit "${unit}"`, 'use ns, us, ms or s');
    for (const [sk, s] of [['avg', 'mean'], ['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99']] as const) {
      const v = num(o, sk, `${file}: ${key}`);
      if (v !== undefined) stats[`${m}.${s}` as BenchStat] = v * scale;
    }
  }
  const avgOf = (key: string): number | undefined => {
    const v = d[key];
    if (typeof v === 'number') return num(d, key, file);
    const o = statObject(d, key, file);
    return o ? num(o, 'avg', `${file}: ${key}`) : undefined;
  };
  const rt = avgOf('request_throughput');
  if (rt !== undefined) stats['throughput.requests'] = rt;
  const ot = avgOf('output_token_throughput');
  if (ot !== undefined) stats['throughput.output'] = ot;
  const meanInput = avgOf('input_sequence_length');
  const meanOutput = avgOf('output_sequence_length');
  if (meanInput === undefined) throw bad(file, 'input_sequence_length', 'missing: the mean input length', 'genai-perf/AIPerf exports carry input_sequence_length.avg');
  if (meanOutput === undefined) throw bad(file, 'output_sequence_length', 'missing: the mean output length', 'genai-perf/AIPerf exports carry output_sequence_length.avg');
  const cfg = (typeof d['input_config'] === 'object' && d['input_config'] !== null ? d['input_config'] : {}) as Json;
  const loadgen = (typeof cfg['loadgen'] === 'object' && cfg['loadgen'] !== null ? cfg['loadgen'] : cfg) as Json;
  const conc = num(loadgen, 'concurrency', `${file}: input_config`);
  const rate = num(loadgen, 'request_rate', `${file}: input_config`);
  let prompts = avgOf('request_count') ?? num(loadgen, 'request_count', `${file}: input_config`);
  let load: BenchLoad;
  if (rate !== undefined && rate > 0) load = { kind: 'poisson', ratePerSec: rate };
  else if (conc !== undefined && conc >= 1) load = { kind: 'closed', concurrency: Math.round(conc) };
  else {
    throw bad(file, 'input_config', 'no load: neither concurrency nor request_rate', 'the export needs input_config.concurrency or request_rate (AIPerf: input_config.loadgen.…)');
  }
  if (prompts === undefined) {
    const dur = avgOf('benchmark_duration');
    if (dur !== undefined && rt !== undefined) prompts = Math.round(dur * rt);
  }
  if (prompts === undefined || prompts < 1) {
    prompts = load.kind === 'closed' ? Math.max(100, 10 * load.concurrency) : 500;
    notes.push(`no request_count: ${prompts} requests simulated`);
  }
  return finish({ file, format: 'genai-perf', load, prompts: Math.round(prompts), meanInput, meanOutput, stats, notes });
}

function finish(r: BenchResult): BenchResult {
  if (Object.keys(r.stats).length === 0) {
    throw bad(r.file, '(statistics)', 'no statistic servesim can compare with (TTFT, TPOT, ITL, E2E or throughput)',
      'the file needs e.g. mean_ttft_ms / output_throughput (vllm) or time_to_first_token.avg (genai-perf)');
  }
  if (r.inputLens && r.outputLens && r.inputLens.length !== r.outputLens.length) {
    throw bad(r.file, 'output_lens', `${r.outputLens.length} entries but input_lens has ${r.inputLens.length}`, 'the two arrays must have one entry per request');
  }
  if (r.meanInput < 1 || r.meanOutput < 1) throw bad(r.file, 'lengths', 'mean input and output lengths must be ≥ 1 token', 'check total_input_tokens / total_output_tokens');
  return r;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : NaN;
}
