/**
 * measured-public.csv rows → validation cases. Conditions are parsed from the row's text (hardware, model,
 * precision, framework, workload, load) and measured numbers from its `metric` / `value` columns; the
 * row's entry in validation/rows.yaml adds notes, overrides conditions, splits the row into cases or skips
 * it. Rows that copy a run of gpustack-bench-serve.csv are matched to it and counted there. Pure.
 */
import type { Precision } from '../perf/precision.ts';
import {
  ConditionError, mapGpu, mapModel, parseFramework, parseHardware, parseLoad, parseMeasuredValues, parseNumber,
  parsePrecision, parseWorkload,
} from './conditions.ts';
import type { Framework } from './conditions.ts';
import type { CaseYaml, MeasuredPublicRowYaml, RowsFile } from './rows-file.ts';
import type { ArrivalSpec, CaseSpec, EnginePreset, LengthSpec, Measured, SkippedRow, ValidationCase } from './types.ts';

/** One measured-public.csv record with its unique key. */
export interface MeasuredPublicRow {
  key: string;
  baseId: string;
  rec: Record<string, string>;
}

/** Unique keys: the `id` column, with `#k` (1-based occurrence) where an id repeats. */
export function keyMeasuredPublicRows(records: readonly Record<string, string>[]): MeasuredPublicRow[] {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r['id']!, (counts.get(r['id']!) ?? 0) + 1);
  const seen = new Map<string, number>();
  return records.map((rec) => {
    const id = rec['id']!;
    const k = (seen.get(id) ?? 0) + 1;
    seen.set(id, k);
    return { key: counts.get(id)! > 1 ? `${id}#${k}` : id, baseId: id, rec };
  });
}

/** The gpustack row ids (file#k) whose numbers appear in a measured-public row copied from the gpustack lab. */
export function findGpustackDuplicates(
  row: Record<string, string>, gpustack: readonly { key: string; rec: Record<string, string> }[],
): string[] | null {
  const m = /gpustack\/gpustack\b.*?docs\/performance-lab\/([^/]+)\/([^ .]+)\.md/.exec(row['source'] ?? '');
  if (!m) return null;
  const file = `${m[1]}__${m[2]}.md`;
  const value = (row['value'] ?? '').replace(/,/g, '');
  const numbers = new Set((value.match(/\d+(?:\.\d+)?/g) ?? []).map((s) => Number(s)));
  const hits: string[] = [];
  for (const g of gpustack) {
    if (g.rec['file'] !== file) continue;
    // A run matches when at least two of its headline numbers appear in the row's value text.
    const cols = ['req_s', 'out_tok_s', 'tot_tok_s', 'ttft_mean', 'tpot_mean', 'ttft_p99'];
    let n = 0;
    for (const c of cols) {
      const v = g.rec[c];
      if (v === undefined || v === '') continue;
      const x = Number(v);
      // measured-public rounds some values (e.g. 22,141 for 22141.21; 6,595.7 for 6595.66).
      for (const y of numbers) {
        if (y > 0 && Math.abs(x - y) <= Math.max(0.006, 0.0006 * Math.abs(x))) { n++; break; }
      }
    }
    if (n >= 2) hits.push(g.key);
  }
  return hits.length > 0 ? hits : [];
}

/** Picks the engine preset for a framework (unless rows.yaml names one). */
export function presetForFramework(fw: Framework): EnginePreset {
  if (fw.engine === 'sglang') return 'sglang-serve';
  if (fw.engine === 'vllm') {
    const [maj, min] = fw.version.split('.').map(Number);
    if (fw.version === '') throw new ConditionError('vLLM version not stated: V0 or V1 defaults unknown', 'engine version unknown');
    return maj! > 0 || min! >= 8 ? 'vllm-v1-serve' : 'vllm-v0-serve';
  }
  switch (fw.tool) {
    case 'trtllm-bench': return 'trtllm-bench';
    case 'trtllm-serve': return 'trtllm-serve';
    case 'static': return 'trt-static';
    default: throw new ConditionError('TensorRT-LLM run without a known benchmark tool', 'engine not modelled');
  }
}

function shortWorkload(l: LengthSpec): string {
  if (l.kind === 'fixed') return `${l.input}/${l.output} tokens`;
  const inM = l.inTotal !== undefined ? l.inTotal / l.n : l.meanIn;
  const outM = l.outTotal !== undefined ? l.outTotal / l.n : l.meanOut;
  return `ShareGPT ×${l.n}${inM !== undefined ? ` (mean ${inM.toFixed(0)}/${outM?.toFixed(0)})` : ''}`;
}

function shortArrivals(a: ArrivalSpec, requests: number, staticBatch?: number): string {
  if (staticBatch !== undefined) return `static batch ${staticBatch}`;
  if (a.kind === 'burst') return `${requests} at t=0`;
  if (a.kind === 'closed-loop') return `concurrency ${a.concurrency}, ${requests} req`;
  return `Poisson ${a.ratePerSec}/s, ${requests} req`;
}

/** One line of conditions for the tables. */
export function describeSpec(s: CaseSpec): string {
  const prec = s.kvCache && s.kvCache !== s.weights ? `${s.weights}/kv ${s.kvCache}` : s.weights;
  const par = `TP${s.tensor}${s.pipeline > 1 ? ` PP${s.pipeline}` : ''}`;
  return `${s.gpu} ${par}, ${s.model}, ${prec}, ${s.engineLabel}; ${shortWorkload(s.lengths)}, ${shortArrivals(s.arrivals, s.requests, s.flags.staticBatch)}`;
}

/** Applies a case's `measure` patterns to the row's value text. */
function measureFromPatterns(c: CaseYaml, valueText: string): Measured[] {
  return (c.measure ?? []).map((m) => {
    const hit = new RegExp(m.pattern).exec(valueText);
    if (!hit || hit[1] === undefined) throw new ConditionError(`pattern ${m.pattern} does not match "${valueText}"`, 'mapping file out of date');
    return { metric: m.metric, value: parseNumber(hit[1]) };
  });
}

function arrivalsFromYaml(a: CaseYaml['arrivals']): ArrivalSpec | undefined {
  if (a === undefined) return undefined;
  if (a === 'burst') return { kind: 'burst' };
  if ('poisson' in a) return { kind: 'poisson', ratePerSec: a.poisson };
  return { kind: 'closed-loop', concurrency: a.closedLoop };
}

/** Lazily parsed fields of a row (a case may override the ones the row's text cannot give). */
function rowField<T>(fn: () => T): () => T {
  let done = false;
  let v: T;
  return () => {
    if (!done) { v = fn(); done = true; }
    return v;
  };
}

export interface MappedRows {
  cases: ValidationCase[];
  skipped: SkippedRow[];
  duplicates: { key: string; source: 'measured-public'; countedAs: string }[];
}

/** Maps every measured-public row to cases, skips (with reasons) and duplicates. */
export function mapMeasuredPublic(
  rows: readonly MeasuredPublicRow[], file: RowsFile, gpustack: readonly { key: string; rec: Record<string, string> }[],
): MappedRows {
  const out: MappedRows = { cases: [], skipped: [], duplicates: [] };
  for (const row of rows) {
    const rec = row.rec;
    const yaml: MeasuredPublicRowYaml = { ...(file.measuredPublic[row.baseId] ?? {}), ...(file.measuredPublic[row.key] ?? {}) };
    const citation = rec['source'] ?? '';
    const conditionsText = `${rec['hardware']}, ${rec['model']}, ${rec['precision']}, ${rec['framework']}; ${rec['workload']}; ${rec['load']}`;
    const skip = (key: string, category: string, reason: string): void => {
      out.skipped.push({ key, source: 'measured-public', category, reason, conditions: conditionsText });
    };
    const dups = findGpustackDuplicates(rec, gpustack);
    if (dups !== null && dups.length > 0) {
      for (const d of dups) out.duplicates.push({ key: row.key, source: 'measured-public', countedAs: d });
      continue;
    }
    if (yaml.skip) {
      skip(row.key, 'skipped in mapping', yaml.skip);
      continue;
    }
    const hw = rowField(() => parseHardware(rec['hardware'] ?? ''));
    const fw = rowField(() => parseFramework(rec['framework'] ?? ''));
    const wl = rowField(() => parseWorkload(rec['workload'] ?? ''));
    const load = rowField(() => parseLoad(rec['load'] ?? ''));
    const prec = rowField(() => parsePrecision(rec['precision'] ?? ''));
    const caseList: (CaseYaml | null)[] = yaml.cases ?? [null];
    for (const c of caseList) {
      const key = c ? `${row.key}/${c.key}` : row.key;
      if (c?.skip) {
        skip(key, 'skipped in mapping', c.skip);
        continue;
      }
      try {
        const notes: string[] = [...(yaml.notes ?? []), ...(c?.notes ?? [])];
        const gpuMap = c?.gpu ? { id: c.gpu } : mapGpu(hw().name, file.gpus);
        if ('note' in gpuMap && gpuMap.note) notes.push(gpuMap.note);
        const alias = mapModel(c?.model ?? rec['model'] ?? '', file.models);
        if (alias.note) notes.push(alias.note);
        const weights: Precision = c?.weights ?? alias.weights ?? prec();
        const kvCache = c?.kvCache ?? yaml.kvCache ?? (weights === 'fp8' ? yaml.kvCacheForFp8 : undefined);
        const engine = yaml.engine ?? presetForFramework(fw());
        const tensor = c?.tensor ?? (c?.gpu ? 1 : hw().tensor);
        let lengths: LengthSpec;
        let requests: number | null = c?.requests ?? null;
        if (c?.lengths) lengths = { kind: 'fixed', input: c.lengths.input, output: c.lengths.output };
        else if (c?.sharegpt) lengths = { kind: 'sharegpt', n: c.sharegpt.n, meanIn: c.sharegpt.meanIn, meanOut: c.sharegpt.meanOut };
        else {
          const w = wl();
          lengths = w.lengths.kind === 'input-only' ? { kind: 'fixed', input: w.lengths.input, output: 1 } : w.lengths;
          requests = requests ?? w.requests;
        }
        if (lengths.kind === 'sharegpt') requests = requests ?? lengths.n;
        let arrivals = arrivalsFromYaml(c?.arrivals);
        let staticBatch = c?.staticBatch;
        if (arrivals === undefined) {
          if (staticBatch !== undefined) arrivals = { kind: 'burst' };
          else {
            const l = load();
            arrivals = l.arrivals;
            staticBatch = l.staticBatch;
          }
        }
        if (engine === 'trt-static') {
          if (staticBatch === undefined) throw new ConditionError('static-batching row without a batch size');
          requests = staticBatch;
        } else {
          staticBatch = undefined;
        }
        if (requests === null && engine === 'trtllm-bench' && lengths.kind === 'fixed') {
          requests = file.trtllmBenchRequests[`${lengths.input}/${lengths.output}`] ?? null;
          if (requests !== null) notes.push(`${requests} requests: trtllm-bench perf-overview request count for ISL/OSL ${lengths.input}/${lengths.output}`);
        }
        if (requests === null) throw new ConditionError('request count not stated', 'conditions missing');
        const measured = c?.measure ? measureFromPatterns(c, rec['value'] ?? '') : parseMeasuredValues(rec['metric'] ?? '', rec['value'] ?? '');
        const spec: CaseSpec = {
          gpu: gpuMap.id, tensor, pipeline: 1, model: alias.id, weights,
          ...(kvCache ? { kvCache } : {}),
          engine,
          engineLabel: yaml.engineLabel ?? (rec['framework'] ?? '').replace(/\s*\(.*$/, ''),
          ...(yaml.frontend ? { frontend: yaml.frontend } : {}),
          flags: { ...(staticBatch !== undefined ? { staticBatch } : {}), ...(alias.maxModelLen ? { maxModelLen: alias.maxModelLen } : {}) },
          lengths, arrivals, requests, measured,
        };
        out.cases.push({
          key, rowKey: row.key, source: 'measured-public', citation,
          ...(rec['trust'] ? { trust: rec['trust'] } : {}),
          conditions: describeSpec(spec), spec, notes, mechanisms: [...(yaml.mechanisms ?? [])],
        });
      } catch (e) {
        if (e instanceof ConditionError) skip(key, e.category, e.message);
        else throw e;
      }
    }
  }
  return out;
}
