/**
 * gpustack-bench-serve.csv rows (parsed `vllm bench serve` outputs of the gpustack performance lab) →
 * validation cases. The launch command comes from the row's `serve` column (with the variant named by a
 * result label applied), or for "Other Benchmark Cases" from validation/rows.yaml; the workload from the
 * run's prompt count, concurrency and token totals. Pure.
 */
import type { Precision } from '../perf/precision.ts';
import { applyLabelFlags, ConditionError, mapGpu, mapModel, modelFromPath, parseCommand } from './conditions.ts';
import type { Command } from './conditions.ts';
import { describeSpec } from './measured-public.ts';
import type { RowsFile } from './rows-file.ts';
import type { CaseSpec, EngineFlags, EnginePreset, LengthSpec, Measured, MetricId, SkippedRow, ValidationCase } from './types.ts';

export interface GpustackRow {
  key: string;
  rec: Record<string, string>;
}

/** Keys `gs:<doc>#k` (k = 1-based position of the run within its doc). */
export function keyGpustackRows(records: readonly Record<string, string>[]): GpustackRow[] {
  const seen = new Map<string, number>();
  return records.map((rec) => {
    const file = rec['file']!;
    const k = (seen.get(file) ?? 0) + 1;
    seen.set(file, k);
    return { key: `gs:${file.replace(/\.md$/, '')}#${k}`, rec };
  });
}

/** "A single NVIDIA A100 SXM 80GB GPU." → "A100 SXM 80GB"; "8 × NVIDIA H200 SXM GPUs on a single node." → "H200 SXM". */
export function gpustackGpuName(hardware: string): string {
  return hardware
    .replace(/^(A single|\d+\s*[×x])\s*/i, '')
    .replace(/^NVIDIA\s+/i, '')
    .replace(/\s*GPUs?\b.*$/i, '')
    .replace(/x\d+$/i, '')
    .replace(/\.$/, '')
    .trim();
}

const METRIC_COLUMNS: [string, MetricId][] = [
  ['out_tok_s', 'throughput.output'], ['tot_tok_s', 'throughput.total'], ['req_s', 'throughput.requests'],
  ['ttft_mean', 'ttft.mean'], ['ttft_p50', 'ttft.p50'], ['ttft_p99', 'ttft.p99'],
  ['tpot_mean', 'tpot.mean'], ['tpot_p50', 'tpot.p50'], ['tpot_p99', 'tpot.p99'],
  ['itl_mean', 'itl.mean'], ['itl_p50', 'itl.p50'], ['itl_p99', 'itl.p99'],
];

export function gpustackMeasured(rec: Record<string, string>): Measured[] {
  const out: Measured[] = [];
  for (const [col, metric] of METRIC_COLUMNS) {
    const v = rec[col];
    if (v !== undefined && v.trim() !== '') out.push({ metric, value: Number(v) });
  }
  return out;
}

/** Runs within a doc whose numbers are identical to an earlier run (the same result quoted twice). */
export function gpustackInternalDuplicates(rows: readonly GpustackRow[]): Map<string, string> {
  const first = new Map<string, string>();
  const dup = new Map<string, string>();
  for (const r of rows) {
    const sig = [r.rec['file'], r.rec['n'], r.rec['max_conc'], r.rec['in_tok'], r.rec['out_tok'], r.rec['req_s'], r.rec['ttft_mean'], r.rec['tpot_mean'], r.rec['itl_mean']].join('|');
    const f = first.get(sig);
    if (f !== undefined) dup.set(r.key, f);
    else first.set(sig, r.key);
  }
  return dup;
}

interface FlagResult {
  flags: EngineFlags;
  tensor: number;
  pipeline: number;
  notes: string[];
}

/** Maps a command's flags to engine flags, or throws ConditionError for a flag that cannot be modelled. */
export function mapFlags(cmd: Command, file: RowsFile): FlagResult {
  const cfg = file.gpustack.flags;
  const flags: EngineFlags = {};
  const notes: string[] = [];
  let tensor = 1;
  let pipeline = 1;
  const num = (k: string, v: string | true): number => {
    const x = Number(v);
    if (v === true || !Number.isFinite(x)) throw new ConditionError(`flag ${k} without a number`);
    return x;
  };
  for (const [k, v] of cmd.flags) {
    if (k.startsWith('env:')) throw new ConditionError(`environment variable ${k.slice(4)}=${String(v)} changes kernels or scheduling: not modelled`, 'flag not modelled');
    if (cfg.ignore.includes(k)) continue;
    const skip = cfg.skip[k];
    if (skip !== undefined) throw new ConditionError(`${k}: ${skip}`, 'feature not modelled');
    const note = cfg.note[k];
    switch (k) {
      case '--tensor-parallel-size': case '--tp_size': case '--tp-size': case '--tp': tensor = num(k, v); break;
      case '--pipeline-parallel-size': case '--pp_size': case '--pp-size': pipeline = num(k, v); break;
      case '--max-model-len': case '--context-length': flags.maxModelLen = num(k, v); break;
      case '--max-num-batched-tokens': case '--max_num_tokens': case '--chunked-prefill-size': flags.maxBatchedTokens = num(k, v); break;
      case '--max-num-seqs': case '--max_batch_size': case '--max-running-requests': flags.maxNumSeqs = num(k, v); break;
      case '--gpu-memory-utilization': case '--mem-fraction-static': flags.gpuMemoryUtilization = num(k, v); break;
      case '--kv_cache_free_gpu_memory_fraction': flags.kvFreeFraction = num(k, v); break;
      case '--enable_chunked_prefill':
        flags.chunkedPrefill = true;
        break;
      case '--max_seq_len': break;
      default:
        if (note === undefined) throw new ConditionError(`flag ${k} is not mapped`, 'flag not modelled');
    }
    if (note !== undefined) notes.push(note);
  }
  return { flags, tensor, pipeline, notes };
}

function engineFor(cmd: Command, versions: string): { preset: EnginePreset; label: string } {
  if (cmd.engine === 'sglang') {
    const v = /SGLang:?\s*v?([\d.]+(?:\.post\d+|rc\d+)?)/i.exec(versions)?.[1] ?? '';
    return { preset: 'sglang-serve', label: `SGLang ${v} launch_server` };
  }
  if (cmd.engine === 'trtllm') {
    const v = /TensorRT-LLM:?\s*v?([\d.]+(?:rc\d+)?)/i.exec(versions)?.[1] ?? '';
    return { preset: 'trtllm-serve', label: `TensorRT-LLM ${v} trtllm-serve` };
  }
  const v = /vLLM:?\s*v?(\d+)\.(\d+)(\.\d+)?/i.exec(versions);
  if (!v) throw new ConditionError(`vLLM version not found in "${versions}"`, 'engine version unknown');
  const preset: EnginePreset = Number(v[1]) > 0 || Number(v[2]) >= 8 ? 'vllm-v1-serve' : 'vllm-v0-serve';
  return { preset, label: `vLLM v${v[1]}.${v[2]}${v[3] ?? ''}` };
}

export interface MappedGpustack {
  cases: ValidationCase[];
  skipped: SkippedRow[];
  duplicates: { key: string; source: 'gpustack'; countedAs: string }[];
}

/** Maps every gpustack run to a case, a skip (with reason) or a duplicate of an earlier run. */
export function mapGpustack(rows: readonly GpustackRow[], file: RowsFile): MappedGpustack {
  const out: MappedGpustack = { cases: [], skipped: [], duplicates: [] };
  const dups = gpustackInternalDuplicates(rows);
  const otherSeen = new Map<string, number>();
  for (const row of rows) {
    const rec = row.rec;
    const docName = rec['file']!;
    const doc = file.gpustack.files[docName];
    const label = (rec['label'] ?? '').trim();
    const isOther = /^Other Benchmark Cases/i.test(rec['section'] ?? '');
    let block: 'baseline' | 'optimized' | null = null;
    if (isOther) {
      const k = `${docName}|${label}|${rec['max_conc']}`;
      const nth = (otherSeen.get(k) ?? 0) + 1;
      otherSeen.set(k, nth);
      block = nth === 1 ? 'baseline' : 'optimized';
    }
    const section = `${(rec['section'] ?? '').replace(/^\d+\.\s*/, '')}${rec['sub'] ? ` / ${rec['sub']}` : ''}${label.startsWith('#') ? ` ${label}` : ''}${block ? ` [${block}]` : ''}`;
    const conditionsText = `${docName}: ${section}`;
    const skip = (category: string, reason: string): void => {
      out.skipped.push({ key: row.key, source: 'gpustack', category, reason, conditions: conditionsText });
    };
    const dupOf = dups.get(row.key);
    if (dupOf !== undefined) {
      out.duplicates.push({ key: row.key, source: 'gpustack', countedAs: dupOf });
      continue;
    }
    if (!doc) {
      skip('conditions missing', `no entry for ${docName} in validation/rows.yaml gpustack.files`);
      continue;
    }
    if (doc.skip) {
      skip(/NPU|Ascend|hardware/i.test(doc.skip) ? 'hardware not modelled' : /Sparse|linear attention/i.test(doc.skip) ? 'architecture not modelled' : 'model not modelled', doc.skip);
      continue;
    }
    try {
      let cmdText: string | undefined;
      if (isOther) {
        cmdText = block === 'baseline' ? doc.otherBaseline : doc.otherOptimized;
        if (cmdText === undefined) throw new ConditionError(`"Other Benchmark Cases" ${block} serving script not verified from the doc`, 'conditions missing');
      } else {
        cmdText = rec['serve'] ?? '';
      }
      let cmd = parseCommand(cmdText);
      if (!isOther) cmd = applyLabelFlags(cmd, label);
      const { preset, label: engineLabel } = engineFor(cmd, rec['versions'] ?? '');
      const fl = mapFlags(cmd, file);
      const notes = [...fl.notes];
      if (isOther) notes.push(`"Other Benchmark Cases" ${block} block: \`${cmdText}\` (${doc.verified ?? 'not verified'})`);
      const gpuName = gpustackGpuName(rec['hardware'] ?? '');
      const gpuMap = mapGpu(gpuName, file.gpus);
      if (gpuMap.note) notes.push(gpuMap.note);
      if (!doc.model) throw new ConditionError(`no model for ${docName} in validation/rows.yaml`, 'conditions missing');
      const alias = mapModel(doc.model, file.models);
      if (alias.note) notes.push(alias.note);
      const fromCmd = modelFromPath(cmd.model);
      const docBase = doc.model.replace(/-Instruct-\d+$/, '');
      if (!fromCmd.base.startsWith(docBase) && !docBase.startsWith(fromCmd.base)) {
        notes.push(`the command names ${cmd.model}; the doc (and its results) are about ${doc.model}, which is used`);
      }
      const weights: Precision = fromCmd.weights ?? doc.weights ?? alias.weights ?? 'bf16';
      const n = Number(rec['n']);
      const inTok = Number(rec['in_tok']);
      const outTok = Number(rec['out_tok']);
      if (!(n > 0 && inTok > 0 && outTok > 0)) throw new ConditionError('request count or token totals missing', 'conditions missing');
      const random = /random|input/i.test(label);
      let lengths: LengthSpec;
      if (random) {
        lengths = { kind: 'fixed', input: Math.max(1, Math.round(inTok / n)), output: Math.max(1, Math.round(outTok / n)) };
        notes.push(`random dataset: every request ${lengths.input} in / ${lengths.output} out (the run's token totals / ${n})`);
      } else {
        lengths = { kind: 'sharegpt', n, inTotal: inTok, outTotal: outTok };
      }
      const conc = Number(rec['max_conc']);
      const arrivals = rec['max_conc'] && conc > 0 ? { kind: 'closed-loop' as const, concurrency: conc } : { kind: 'burst' as const };
      const flags: EngineFlags = { ...fl.flags };
      if (alias.maxModelLen && flags.maxModelLen === undefined) flags.maxModelLen = alias.maxModelLen;
      const spec: CaseSpec = {
        gpu: gpuMap.id, tensor: fl.tensor, pipeline: fl.pipeline, model: alias.id, weights,
        engine: preset, engineLabel, flags, lengths, arrivals, requests: n, measured: gpustackMeasured(rec),
      };
      out.cases.push({
        key: row.key, rowKey: row.key, source: 'gpustack',
        citation: `gpustack/gpustack docs/performance-lab/${docName.replace('__', '/')} — ${section}`,
        conditions: describeSpec(spec), spec, notes, mechanisms: [],
      });
    } catch (e) {
      if (e instanceof ConditionError) skip(e.category, e.message);
      else throw e;
    }
  }
  return out;
}
