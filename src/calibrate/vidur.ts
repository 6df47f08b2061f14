/**
 * Readers for the Vidur profiling layout (microsoft/vidur, MIT licence): the per-layer compute table
 * (compute/<gpu>/<org>/<model>/mlp.csv), NCCL collectives (network/<node>/all_reduce.csv, send_recv.csv),
 * the FlashAttention table (attention.csv: prefill chunk × KV context, decode batch × context) and vLLM CPU
 * overheads (cpu-overhead/<gpu>.csv). Times in the files are milliseconds per tensor-parallel worker;
 * these readers keep milliseconds and the files' median statistic.
 *
 * Pure: the functions take file text and a source name for error messages. `fs.ts` reads the files.
 */
import { messages } from '../errors/messages.ts';
import { CsvColumns, parseCsv } from './csv.ts';
import { median } from '../metrics/median.ts';

/** Ops of one decoder layer (and the embedding) in Vidur's compute table, in layer order. */
export const VIDUR_COMPUTE_OPS = [
  'emb', 'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm',
  'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add',
] as const;
export type VidurOp = (typeof VIDUR_COMPUTE_OPS)[number];

export const VIDUR_GEMM_OPS = ['attn_pre_proj', 'attn_post_proj', 'mlp_up_proj', 'mlp_down_proj'] as const;
export type VidurGemmOp = (typeof VIDUR_GEMM_OPS)[number];
export const VIDUR_ELEMENTWISE_OPS = ['emb', 'input_layernorm', 'attn_rope', 'post_attention_layernorm', 'mlp_act', 'add'] as const;
export type VidurElementwiseOp = (typeof VIDUR_ELEMENTWISE_OPS)[number];

export function isGemmOp(op: VidurOp): op is VidurGemmOp {
  return (VIDUR_GEMM_OPS as readonly string[]).includes(op);
}

/** The architecture columns of a compute table. */
export interface VidurArch {
  numHeads: number;
  numKvHeads: number;
  hiddenSize: number;
  /** FFN inner size (n_expanded_embd). */
  intermediateSize: number;
  vocabSize: number;
  gatedMlp: boolean;
}

export interface VidurTpTable {
  tp: number;
  /** Distinct token counts, increasing. */
  tokens: number[];
  /** Median milliseconds per op at each token count (duplicate rows → median of their medians). */
  ms: Partial<Record<VidurOp, number[]>>;
}

export interface VidurComputeTable {
  source: string;
  arch: VidurArch;
  /** Ops present in the file (phi-2 has no post_attention_layernorm). */
  ops: VidurOp[];
  byTp: VidurTpTable[];
}

/** Parses compute/<gpu>/<org>/<model>/mlp.csv. */
export function parseVidurCompute(text: string, source: string): VidurComputeTable {
  const t = parseCsv(text, source);
  const c = new CsvColumns(t);
  const ops = VIDUR_COMPUTE_OPS.filter((op) => c.has(`time_stats.${op}.median`));
  if (ops.length === 0) {
    throw messages.calibrateInput(`${source}:1`, 'no time_stats.<op>.median columns found',
      `a Vidur compute table has columns such as time_stats.attn_pre_proj.median (ops: ${VIDUR_COMPUTE_OPS.join(', ')})`, 'no-such-column');
  }
  if (t.rows.length === 0) throw messages.noDataRows(source, 'Vidur compute table');
  const iHead = c.index('n_head'), iKv = c.index('n_kv_head'), iEmbd = c.index('n_embd'), iExp = c.index('n_expanded_embd');
  const iVocab = c.index('vocab_size'), iGated = c.index('use_gated_mlp'), iTok = c.index('num_tokens');
  const iTp = c.index('num_tensor_parallel_workers');
  const opCols = ops.map((op) => c.index(`time_stats.${op}.median`));
  let arch: VidurArch | undefined;
  const groups = new Map<number, Map<number, number[][]>>();
  for (let r = 0; r < t.rows.length; r++) {
    const a: VidurArch = {
      numHeads: c.num(r, iHead, { min: 1 }), numKvHeads: c.num(r, iKv, { min: 1 }), hiddenSize: c.num(r, iEmbd, { min: 1 }),
      intermediateSize: c.num(r, iExp, { min: 1 }), vocabSize: c.num(r, iVocab, { min: 1 }), gatedMlp: c.bool(r, iGated),
    };
    if (arch === undefined) arch = a;
    else if (JSON.stringify(a) !== JSON.stringify(arch)) {
      throw messages.calibrateInput(c.where(r), 'the architecture columns change within the file (one model per table expected)', 'split the file per model');
    }
    const tok = c.num(r, iTok, { min: 1 });
    const tp = c.num(r, iTp, { min: 1 });
    if (!Number.isInteger(tok) || !Number.isInteger(tp)) {
      throw messages.calibrateInput(c.where(r), 'num_tokens and num_tensor_parallel_workers must be integers', 'fix the row', 'bad-field');
    }
    let byTok = groups.get(tp);
    if (byTok === undefined) groups.set(tp, (byTok = new Map()));
    let rows = byTok.get(tok);
    if (rows === undefined) byTok.set(tok, (rows = []));
    rows.push(opCols.map((col) => c.num(r, col, { min: 0 })));
  }
  const byTp: VidurTpTable[] = [...groups.keys()].sort((a, b) => a - b).map((tp) => {
    const byTok = groups.get(tp)!;
    const tokens = [...byTok.keys()].sort((a, b) => a - b);
    const ms: Partial<Record<VidurOp, number[]>> = {};
    ops.forEach((op, j) => { ms[op] = tokens.map((tok) => median(byTok.get(tok)!.map((row) => row[j]!))); });
    return { tp, tokens, ms };
  });
  return { source, arch: arch!, ops, byTp };
}

export interface VidurCollectiveRow {
  collective: string;
  numWorkers: number;
  devicesPerNode: number;
  sizeBytes: number;
  medianMs: number;
}

/** Parses network/<node>/all_reduce.csv or send_recv.csv. */
export function parseVidurCollective(text: string, source: string): VidurCollectiveRow[] {
  const t = parseCsv(text, source);
  const c = new CsvColumns(t);
  const iColl = c.index('collective');
  const iN = c.index('num_workers');
  const iDev = c.index('devices_per_node');
  const iSize = c.index('size');
  const timeCol = t.header.find((h) => /^time_stats\.[a-z_]+\.median$/.test(h));
  if (timeCol === undefined) {
    throw messages.calibrateInput(`${source}:1`, 'no time_stats.<collective>.median column', 'a Vidur network table has e.g. time_stats.all_reduce.median', 'no-such-column');
  }
  const iT = c.index(timeCol);
  const out: VidurCollectiveRow[] = [];
  for (let r = 0; r < t.rows.length; r++) {
    out.push({
      collective: c.str(r, iColl), numWorkers: c.num(r, iN, { min: 1 }), devicesPerNode: c.num(r, iDev, { min: 1 }),
      sizeBytes: c.num(r, iSize, { min: 1 }), medianMs: c.num(r, iT, { min: 0 }),
    });
  }
  if (out.length === 0) throw messages.noDataRows(source, 'Vidur network table');
  return out;
}

export interface VidurAttentionArch {
  hiddenSize: number;
  numHeads: number;
  numKvHeads: number;
  tp: number;
  blockSize: number;
  backend: string;
}

export interface VidurAttentionTable {
  source: string;
  arch: VidurAttentionArch;
  /** Prefill of one sequence: `chunk` new tokens after `kv` tokens already cached. */
  prefill: Array<{ chunk: number; kv: number; batch: number; ms: number }>;
  /** Decode of `batch` sequences each with `context` tokens of KV. */
  decode: Array<{ batch: number; context: number; ms: number }>;
}

/** Parses the attention table (attention.csv). */
export function parseVidurAttention(text: string, source: string): VidurAttentionTable {
  const t = parseCsv(text, source);
  const c = new CsvColumns(t);
  const iEmbd = c.index('n_embd'), iQ = c.index('n_q_head'), iKv = c.index('n_kv_head'), iTp = c.index('num_tensor_parallel_workers');
  const iBlock = c.index('block_size'), iBackend = c.index('attention_backend');
  const iBatch = c.index('batch_size'), iChunk = c.index('prefill_chunk_size'), iKvSize = c.index('kv_cache_size');
  const iPre = c.index('is_prefill'), iTp_ = c.index('time_stats.attn_prefill.median'), iTd = c.index('time_stats.attn_decode.median');
  let arch: VidurAttentionArch | undefined;
  const prefill: VidurAttentionTable['prefill'] = [];
  const decode: VidurAttentionTable['decode'] = [];
  for (let r = 0; r < t.rows.length; r++) {
    const a: VidurAttentionArch = {
      hiddenSize: c.num(r, iEmbd, { min: 1 }), numHeads: c.num(r, iQ, { min: 1 }), numKvHeads: c.num(r, iKv, { min: 1 }),
      tp: c.num(r, iTp, { min: 1 }), blockSize: c.num(r, iBlock, { min: 1 }), backend: c.str(r, iBackend),
    };
    if (arch === undefined) arch = a;
    else if (JSON.stringify(a) !== JSON.stringify(arch)) {
      throw messages.calibrateInput(c.where(r), 'the architecture columns change within the attention table', 'split the file per model and TP degree');
    }
    const batch = c.num(r, iBatch, { min: 1 });
    const kv = c.num(r, iKvSize, { min: 0 });
    if (c.bool(r, iPre)) {
      prefill.push({ chunk: c.num(r, iChunk, { min: 1 }), kv, batch, ms: c.num(r, iTp_, { min: 0 }) });
    } else {
      decode.push({ batch, context: kv, ms: c.num(r, iTd, { min: 0 }) });
    }
  }
  if (arch === undefined) throw messages.noDataRows(source, 'Vidur attention table');
  return { source, arch, prefill, decode };
}

export const VIDUR_CPU_COMPONENTS = [
  'schedule', 'sampler_e2e', 'prepare_inputs_e2e', 'process_model_outputs', 'model_execution_e2e',
] as const;
export type VidurCpuComponent = (typeof VIDUR_CPU_COMPONENTS)[number];

export interface VidurCpuRow {
  model: string;
  batch: number;
  tp: number;
  medianMs: Record<VidurCpuComponent, number>;
}

/** Parses cpu-overhead/<gpu>.csv (vLLM engine CPU work per step, by model, batch size and TP). */
export function parseVidurCpuOverhead(text: string, source: string): VidurCpuRow[] {
  const t = parseCsv(text, source);
  const c = new CsvColumns(t);
  const iModel = c.index('model_name'), iBatch = c.index('batch_size'), iTp = c.index('tensor_parallel_degree');
  const cols = VIDUR_CPU_COMPONENTS.map((k) => c.index(`${k}_median`));
  const out: VidurCpuRow[] = [];
  for (let r = 0; r < t.rows.length; r++) {
    const medianMs = {} as Record<VidurCpuComponent, number>;
    VIDUR_CPU_COMPONENTS.forEach((k, j) => { medianMs[k] = c.num(r, cols[j]!, { min: 0 }); });
    out.push({ model: c.str(r, iModel), batch: c.num(r, iBatch, { min: 1 }), tp: c.num(r, iTp, { min: 1 }), medianMs });
  }
  if (out.length === 0) throw messages.noDataRows(source, 'Vidur CPU-overhead table');
  return out;
}

/** Everything `calibrate` reads from a Vidur data directory for one GPU. */
export interface VidurDataset {
  /** The GPU directory name in the Vidur layout (h100, a100, a40). */
  vidurGpu: string;
  /** Compute tables, keyed by their path relative to the data directory. */
  compute: VidurComputeTable[];
  /** all_reduce rows of the chosen node type (sources relative to the data directory). */
  allReduce: { source: string; rows: VidurCollectiveRow[] } | undefined;
  sendRecv: { source: string; rows: VidurCollectiveRow[] } | undefined;
  attention: VidurAttentionTable | undefined;
  cpu: { source: string; rows: VidurCpuRow[] } | undefined;
}
