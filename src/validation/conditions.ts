/**
 * Parsers for the free-text conditions of measured-public.csv (hardware, precision, framework, workload,
 * load, and the measured values) and for the launch commands of gpustack-bench-serve.csv. Pure functions;
 * each returns `null` or throws a `ConditionError` rather than guessing.
 */
import type { Precision } from '../perf/precision.ts';
import type { GpuRule, ModelAlias } from './rows-file.ts';
import type { ArrivalSpec, LengthSpec, Measured, MetricId } from './types.ts';

/** A condition the parser cannot map (becomes a skipped row with this message). */
export class ConditionError extends Error {
  constructor(message: string, readonly category = 'conditions not parseable') {
    super(message);
    this.name = 'ConditionError';
  }
}

/** "6,595.7" → 6595.7; "≈201.6k" → 201600. */
export function parseNumber(s: string): number {
  const t = s.trim().replace(/^[≈~]/, '').replace(/,/g, '');
  const m = /^(\d+(?:\.\d+)?)([kK])?$/.exec(t);
  if (!m) throw new ConditionError(`not a number: "${s}"`);
  return Number(m[1]) * (m[2] ? 1000 : 1);
}

export interface Hardware {
  /** GPUs the row's number covers. */
  count: number;
  /** GPU name as written (e.g. "H100 SXM"). */
  name: string;
  /** Tensor parallelism (from "TPn"; else 1 for a single GPU). */
  tensor: number;
}

/**
 * "4x H100 SXM TP4" → { count 4, name "H100 SXM", tensor 4 }; "1x A100-SXM4-80GB" → tensor 1.
 * Rows naming several configurations ("1x H100 SXM / 1x A100 SXM") need explicit cases.
 */
export function parseHardware(text: string): Hardware {
  const t = text.trim();
  if (t.includes('/')) throw new ConditionError(`several hardware configurations in one row: "${t}"`, 'needs cases');
  const m = /^(\d+)\s*[x×]\s*(.+?)(?:\s+TP(\d+))?$/.exec(t);
  if (!m) throw new ConditionError(`hardware not recognised: "${t}"`);
  const count = Number(m[1]);
  const tensor = m[3] ? Number(m[3]) : 1;
  if (count !== tensor) {
    throw new ConditionError(`"${t}": ${count} GPUs but TP${tensor} (data parallel replicas are not stated)`);
  }
  return { count, name: m[2]!.trim(), tensor };
}

/** GPU name → profile id through the ordered rules of rows.yaml. */
export function mapGpu(name: string, rules: readonly GpuRule[]): { id: string; note?: string } {
  for (const r of rules) {
    if (new RegExp(r.pattern).test(name)) {
      if (r.unsupported) throw new ConditionError(r.unsupported, 'hardware not modelled');
      if (!r.id) throw new ConditionError(`rule ${r.pattern} has neither id nor unsupported`);
      return r.note ? { id: r.id, note: r.note } : { id: r.id };
    }
  }
  throw new ConditionError(`GPU "${name}" has no mapping in validation/rows.yaml gpus`, 'hardware not modelled');
}

/** Model name → alias entry (exact name, or with an "-Instruct" / "-0528" style suffix removed). */
export function mapModel(name: string, aliases: Readonly<Record<string, ModelAlias>>): ModelAlias {
  const n = name.trim();
  const direct = aliases[n];
  if (direct) return direct;
  const base = n.replace(/-(Instruct|Chat|hf)$/i, '');
  const a = aliases[base];
  if (a) return a;
  throw new ConditionError(`model "${n}" has no mapping in validation/rows.yaml models`, 'model not modelled');
}

/** "BF16 (default; not stated)" → bf16; "FP8" → fp8; "FP16" → fp16. */
export function parsePrecision(text: string): Precision {
  const t = text.trim().toUpperCase();
  if (t.includes('/')) throw new ConditionError(`several precisions in one row: "${text}"`, 'needs cases');
  if (t.startsWith('FP8')) return 'fp8';
  if (t.startsWith('BF16')) return 'bf16';
  if (t.startsWith('FP16')) return 'fp16';
  if (t.startsWith('INT4') || t.startsWith('AWQ')) return 'int4';
  throw new ConditionError(`precision not recognised: "${text}"`);
}

export interface Framework {
  engine: 'vllm' | 'sglang' | 'trtllm';
  version: string;
  /** How it was driven: trtllm-bench, trtllm-serve, a static-batching benchmark, or a server. */
  tool: 'trtllm-bench' | 'trtllm-serve' | 'static' | 'serve' | 'unknown';
}

/** "vLLM v0.11.0 (`vllm serve Qwen/Qwen3-8B`)" → vllm 0.11.0 serve; "TensorRT-LLM v0.17 (trtllm-bench, …)". */
export function parseFramework(text: string): Framework {
  const t = text.trim();
  const ver = /\bv?(\d+\.\d+(?:\.\d+)?(?:\.post\d+|rc\d+)?)/.exec(t)?.[1] ?? '';
  if (/^SGLang/i.test(t)) return { engine: 'sglang', version: ver, tool: 'serve' };
  if (/^vLLM/i.test(t)) return { engine: 'vllm', version: /CI/.test(t) ? '' : ver, tool: 'serve' };
  if (/^TensorRT-LLM/i.test(t)) {
    const tool = /trtllm-bench/.test(t) ? 'trtllm-bench' : /trtllm-serve/.test(t) ? 'trtllm-serve' : /v0\.[56]\b/.test(t) ? 'static' : 'unknown';
    return { engine: 'trtllm', version: ver, tool };
  }
  throw new ConditionError(`framework not recognised: "${t}"`, 'engine not modelled');
}

/** Parsed `workload` column of measured-public.csv. */
export interface WorkloadText {
  lengths: LengthSpec | { kind: 'input-only'; input: number };
  /** Requests in the run when stated ("100 prompts", "500 requests"); null for "1k–30k requests". */
  requests: number | null;
}

/**
 * - "ShareGPT V3 (vllm bench serve), 100 prompts, 23,260 in / 22,061 out tokens total (avg 233/221)"
 * - "ShareGPT V3, 1000 prompts, 217,393 in / ≈201.6k out tokens"
 * - "ShareGPT 500 prompts (avg 202 in / 179 out)"
 * - "random ISL 32000 / OSL 100, 100 requests (seed 42)", "random 2000/100, 500 req"
 * - "synthetic fixed ISL/OSL (token-norm-dist, stdev 0), 1k–30k requests, ISL/OSL 128/128", "ISL/OSL 128/128"
 * - "ISL 2048" (input only: a first-token-latency measurement)
 */
export function parseWorkload(text: string): WorkloadText {
  const t = text.trim();
  if (/ShareGPT/i.test(t)) {
    const n = /(\d[\d,]*)\s+prompts/i.exec(t);
    if (!n) throw new ConditionError(`ShareGPT workload without a prompt count: "${t}"`);
    const count = parseNumber(n[1]!);
    const totals = /([\d,.]+k?)\s+in\s*\/\s*([≈~]?[\d,.]+k?)\s+out\s+tokens/i.exec(t);
    const avg = /avg\s+(\d+(?:\.\d+)?)\s*(?:in\s*)?\/\s*(\d+(?:\.\d+)?)/i.exec(t);
    const spec: LengthSpec = { kind: 'sharegpt', n: count };
    if (totals) {
      spec.inTotal = parseNumber(totals[1]!);
      spec.outTotal = parseNumber(totals[2]!);
    } else if (avg) {
      spec.meanIn = Number(avg[1]);
      spec.meanOut = Number(avg[2]);
    }
    return { lengths: spec, requests: count };
  }
  if (/;/.test(t)) throw new ConditionError(`several workloads in one row: "${t}"`, 'needs cases');
  const reqM = /(\d[\d,]*)\s+(?:requests|req)\b/i.exec(t);
  const requests = reqM && !/[–-]\s*\d+k?\s+requests/.test(t) ? parseNumber(reqM[1]!) : null;
  const rand = /random\s+(?:ISL\s+)?(\d+)\s*\/\s*(?:OSL\s+)?(\d+)/i.exec(t);
  if (rand) return { lengths: { kind: 'fixed', input: Number(rand[1]), output: Number(rand[2]) }, requests };
  const io = /ISL\/OSL\s+(\d+)\s*\/\s*(\d+)/i.exec(t);
  if (io) return { lengths: { kind: 'fixed', input: Number(io[1]), output: Number(io[2]) }, requests };
  const isl = /^ISL\s+(\d+)$/i.exec(t);
  if (isl) return { lengths: { kind: 'input-only', input: Number(isl[1]) }, requests };
  throw new ConditionError(`workload not recognised: "${t}"`);
}

/** Parsed `load` column: how requests arrive, and a static batch size when the run used one. */
export interface LoadText {
  arrivals: ArrivalSpec;
  staticBatch?: number;
}

/**
 * "max concurrency 8" → closed loop of 8; "request rate inf (…)", "rate inf", "QPS inf",
 * "offline max-throughput (infinite rate)" → burst; "static batch 768" / "batch size 1 (no queueing)" →
 * one static batch (burst of that many requests).
 */
export function parseLoad(text: string): LoadText {
  const t = text.trim();
  if (/;|\band\b/.test(t)) throw new ConditionError(`several loads in one row: "${t}"`, 'needs cases');
  const conc = /max(?:imum)?\s+(?:request\s+)?concurrency\s+(\d+)/i.exec(t);
  if (conc) return { arrivals: { kind: 'closed-loop', concurrency: Number(conc[1]) } };
  const stat = /static batch\s+(\d+)/i.exec(t) ?? /^batch size\s+(\d+)/i.exec(t);
  if (stat) return { arrivals: { kind: 'burst' }, staticBatch: Number(stat[1]) };
  if (/(rate|QPS)\s+inf|infinite rate|offline/i.test(t)) return { arrivals: { kind: 'burst' } };
  const qps = /(?:poisson\s+)?(?:QPS|rate)\s+(\d+(?:\.\d+)?)/i.exec(t);
  if (qps) return { arrivals: { kind: 'poisson', ratePerSec: Number(qps[1]) } };
  throw new ConditionError(`load not recognised: "${t}"`);
}

const STAT_NAMES = new Set(['mean', 'p50', 'p99']);

/** "TTFT mean/p50/p99 ms; TPOT mean/p99; output tok/s" → the stat lists per latency metric. */
function statsDeclared(metricText: string, name: string): string[] | null {
  const m = new RegExp(`${name}\\s+((?:mean|p50|p99)(?:\\s*/\\s*(?:mean|p50|p99))*)`, 'i').exec(metricText);
  return m ? m[1]!.split('/').map((s) => s.trim().toLowerCase()) : null;
}

/**
 * Reads the measured numbers of a measured-public row from its `metric` (what is reported) and `value`
 * (the numbers) columns. Every `;`-separated part of `value` must be understood, or this throws.
 *
 * @example
 * parseMeasuredValues('TTFT mean/p50/p99 ms; output tok/s', 'TTFT 59.01/60.38/73.49; 132.86 out tok/s')
 * // → ttft.mean 59.01, ttft.p50 60.38, ttft.p99 73.49, throughput.output 132.86
 */
export function parseMeasuredValues(metricText: string, valueText: string): Measured[] {
  const out: Measured[] = [];
  const push = (metric: MetricId, v: string): void => {
    out.push({ metric, value: parseNumber(v) });
  };
  for (const rawPart of valueText.split(';')) {
    const part = rawPart.trim().replace(/\s*\(v[\d.]+\)$/, '');
    if (part === '') continue;
    const lat = /^(TTFT|TPOT|ITL)\s+(?:(mean)\s+)?([\d.,]+(?:\s*\/\s*[\d.,]+)*)\s*(?:ms)?$/i.exec(part);
    if (lat) {
      const fam = lat[1]!.toLowerCase() as 'ttft' | 'tpot' | 'itl';
      const nums = lat[3]!.split('/').map((s) => s.trim());
      let stats = lat[2] ? ['mean'] : statsDeclared(metricText, lat[1]!);
      if (stats === null && nums.length === 1 && (/1st-token latency/i.test(metricText) || new RegExp(`${lat[1]} mean`, 'i').test(metricText))) {
        stats = ['mean'];
      }
      if (stats === null || stats.length !== nums.length || !stats.every((s) => STAT_NAMES.has(s))) {
        throw new ConditionError(`cannot tell which statistics "${part}" holds (metric column: "${metricText}")`);
      }
      stats.forEach((s, i) => push(`${fam}.${s}` as MetricId, nums[i]!));
      continue;
    }
    let m = /^([\d.,]+)\s*out(?:put)? tok\/s\/GPU$/i.exec(part);
    if (m) { push('throughput.outputPerGpu', m[1]!); continue; }
    m = /^([\d.,]+)\s*out(?:put)? tok\/s$/i.exec(part);
    if (m) { push('throughput.output', m[1]!); continue; }
    m = /^([\d.,]+)\s*req\/s$/i.exec(part);
    if (m) { push('throughput.requests', m[1]!); continue; }
    m = /^([\d.,]+)\s*tok\/s\s*\(([\d.,]+)\s*out\)$/i.exec(part);
    if (m) { push('throughput.total', m[1]!); push('throughput.output', m[2]!); continue; }
    m = /^([\d.,]+)\s*tok\/s$/i.exec(part);
    if (m) {
      if (/total tok\/s/i.test(metricText)) { push('throughput.total', m[1]!); continue; }
      throw new ConditionError(`"${part}": total or output tokens? (metric column: "${metricText}")`);
    }
    m = /^([\d.,]+)$/.exec(part);
    if (m) {
      // Bare number: the metric column says what it is.
      if (/output tok\/s/i.test(metricText) || /token throughput/i.test(metricText)) { push('throughput.output', m[1]!); continue; }
      throw new ConditionError(`bare number "${part}" with metric "${metricText}"`);
    }
    throw new ConditionError(`value part not understood: "${part}"`);
  }
  if (out.length === 0) throw new ConditionError(`no measured value in "${valueText}"`);
  return out;
}

/** A launch command split into the engine, the model path, and its flags (`--flag value` / `--flag=value` / `-tp 8`). */
export interface Command {
  engine: 'vllm' | 'sglang' | 'trtllm';
  model: string;
  flags: Map<string, string | true>;
}

const SHORT_FLAGS: Record<string, string> = { '-tp': '--tensor-parallel-size', '-pp': '--pipeline-parallel-size' };

/**
 * "vllm serve Qwen/Qwen3-8B -tp 8 --max-model-len 32768" → vllm, Qwen/Qwen3-8B, {--tensor-parallel-size: 8, …}.
 * Leading comments ("# TP8 only is not compatible … ") and `export VAR=x` prefixes are reported as flags
 * named `env:VAR` so that the caller can refuse them.
 */
export function parseCommand(text: string): Command {
  let t = text.trim();
  const flags = new Map<string, string | true>();
  // Environment prefixes.
  for (;;) {
    const env = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(\S+)\s+/.exec(t);
    if (!env) break;
    flags.set(`env:${env[1]}`, env[2]!);
    t = t.slice(env[0].length);
  }
  const start = t.search(/\b(vllm serve|trtllm-serve|python3? -m sglang\.launch_server)\b/);
  if (start < 0) throw new ConditionError(`not a serving command: "${text}"`);
  t = t.slice(start);
  let engine: Command['engine'];
  let rest: string;
  if (t.startsWith('vllm serve')) { engine = 'vllm'; rest = t.slice('vllm serve'.length); }
  else if (t.startsWith('trtllm-serve')) { engine = 'trtllm'; rest = t.slice('trtllm-serve'.length); }
  else { engine = 'sglang'; rest = t.replace(/^python3? -m sglang\.launch_server/, ''); }
  const tok = rest.trim().split(/\s+/).filter(Boolean);
  let model = '';
  for (let i = 0; i < tok.length; i++) {
    let w = tok[i]!;
    if (w.startsWith('-')) {
      let v: string | true = true;
      const eq = w.indexOf('=');
      if (eq > 0) { v = w.slice(eq + 1); w = w.slice(0, eq); }
      else if (i + 1 < tok.length && !tok[i + 1]!.startsWith('-')) { v = tok[++i]!; }
      w = SHORT_FLAGS[w] ?? w;
      if (w === '--model-path') { model = String(v); continue; }
      flags.set(w, v);
    } else if (model === '') {
      model = w;
    }
  }
  if (model === '') throw new ConditionError(`no model in command "${text}"`);
  return { engine, model, flags };
}

/** Applies a result label such as "# --max-num-batched-tokens 8192" or "# --max_num_tokens=32768" to a command. */
export function applyLabelFlags(cmd: Command, label: string): Command {
  const m = /^#\s*(--[A-Za-z0-9_-]+)(?:[=\s]+(\S+))?\s*$/.exec(label.trim());
  if (!m) return cmd;
  const flags = new Map(cmd.flags);
  flags.set(SHORT_FLAGS[m[1]!] ?? m[1]!, m[2] ?? true);
  return { ...cmd, flags };
}

/** "Qwen/Qwen3-14B-FP8" → { base: "Qwen3-14B", weights: fp8 }; "-AWQ" → int4. */
export function modelFromPath(path: string): { base: string; weights?: Precision } {
  const name = path.split('/').pop()!;
  const q = /^(.*?)-(FP8|AWQ|GPTQ-Int4|Int4)$/i.exec(name);
  if (!q) return { base: name };
  const kind = q[2]!.toUpperCase();
  return { base: q[1]!, weights: kind === 'FP8' ? 'fp8' : 'int4' };
}
