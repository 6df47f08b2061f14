/**
 * `table` step-time model: interpolates measured per-op timings (Vidur CSV layout, reduced to
 * profiles/tables/<gpu>/<model>.yaml by `servesim calibrate --tables`) instead of modelling the linear and
 * elementwise ops.
 *
 * Per decoder layer and TP rank, the measured ops at T = prefill tokens + decode sequences are summed —
 * input_layernorm, attn_pre_proj (QKV), attn_rope, attn_post_proj (O), post_attention_layernorm, mlp_up_proj,
 * mlp_act, mlp_down_proj and 2 × add — interpolated linearly in T between the measured token counts (exact at
 * them). Vidur's profiling block times only the second residual add (the first, of the same shape, runs
 * untimed: vidur/profiling/mlp/mlp_impl.py), so `add` counts twice for pre-norm models with a post-attention
 * norm; Vidur's own simulator counts it once. Everything the table does not hold comes from the calibrated
 * roofline's formulas with the same EfficiencyModel: attention (varlen prefill + decode, per layer), TP
 * all-reduces (2 per layer + embedding), once per step the embedding (table), final norm (table:
 * input_layernorm), LM head, logits all-gather, sampler, pipeline hand-offs and the CPU overhead.
 *
 * A step with more tokens than the table holds is a UserError, unless a fallback model is given
 * (`tableFallback: roofline`): then that step is predicted by the roofline and a note is recorded once
 * (`notes`, `fallbackSteps`).
 *
 * `predict` is O(log n) (binary search over the token counts) and allocation-free; `predictDecodeRun` computes
 * the context-independent part once, bit-identical to repeated `predict` calls.
 */
import { UserError } from '../errors/user-error.ts';
import type { TableFile } from '../calibrate/calibration-schema.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import { resolvePrecision } from './compute-precision.ts';
import type { EfficiencyModel } from './efficiency.ts';
import { denseTensorBytesPerElement, kvHeadsPerRank, validateParallelism } from './model-math.ts';
import type { Parallelism, PrecisionConfig } from './precision.ts';
import type { CpuOverhead } from './roofline.ts';
import type { BatchShape, StepCost, StepTimeModel, TpCollectives } from './types.ts';

/** Ops summed per decoder layer (emb is once per step). */
export const TABLE_LAYER_OPS = [
  'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm', 'mlp_up_proj',
  'mlp_act', 'mlp_down_proj', 'add',
] as const;

/** Times an op counts per layer: two residual adds when the table has a post-attention norm (see above). */
export function tableOpWeight(op: (typeof TABLE_LAYER_OPS)[number], hasPostAttentionNorm: boolean): number {
  return op === 'add' && hasPostAttentionNorm ? 2 : 1;
}

export interface TableModelOptions {
  table: TableFile;
  /** File the table came from (for messages). */
  source: string;
  gpu: GpuProfile;
  model: ModelProfile;
  precision: PrecisionConfig;
  parallelism: Parallelism;
  /** Efficiencies for the parts the table lacks (attention, communication, LM head). */
  efficiency: EfficiencyModel;
  cpuOverhead: CpuOverhead;
  /** Roofline of the same configuration: fills StepCost's FLOPs/bytes and predicts out-of-table steps. */
  roofline: StepTimeModel;
  /** Out-of-table steps: 'error' (UserError, default) or 'roofline'. */
  fallback?: 'error' | 'roofline';
  /** Array to record notes into (the factory passes the one it returns); default a new one. */
  notes?: string[];
  /** TP collectives over a node's links (scenario `node`); default the GPU profile's interconnect constant. */
  collectives?: TpCollectives;
}

export interface TableStepTimeModel extends StepTimeModel {
  /** Notes recorded while predicting (a fallback to the roofline is noted once). */
  readonly notes: string[];
  /** Steps predicted by the roofline because they were outside the table. */
  readonly fallbackSteps: number;
  /** Largest token count of the table at this TP degree. */
  readonly maxTokens: number;
  /** Seconds of the tabulated ops of one decoder layer at `tokens` (interpolated; UserError outside the table). */
  layerOpSeconds(tokens: number): number;
}

/** Why a model profile cannot use a table (undefined when it can). */
export function tableMismatch(table: TableFile, model: ModelProfile, tp: number): string | undefined {
  const a = table.architecture;
  const diffs: string[] = [];
  if (a.hiddenSize !== model.hiddenSize) diffs.push(`hiddenSize ${model.hiddenSize} ≠ ${a.hiddenSize}`);
  if (a.numHeads !== model.numHeads) diffs.push(`numHeads ${model.numHeads} ≠ ${a.numHeads}`);
  if (a.numKvHeads !== model.numKvHeads) diffs.push(`numKvHeads ${model.numKvHeads} ≠ ${a.numKvHeads}`);
  if (a.intermediateSize !== model.intermediateSize) diffs.push(`intermediateSize ${model.intermediateSize} ≠ ${a.intermediateSize}`);
  if (a.gatedMlp !== model.gatedMlp) diffs.push(`gatedMlp ${model.gatedMlp} ≠ ${a.gatedMlp}`);
  if (model.headDim * model.numHeads !== model.hiddenSize) diffs.push(`headDim × heads ≠ hidden (table assumes hidden / heads)`);
  if (model.moe !== undefined) diffs.push('MoE layers');
  if (model.qkvBias) diffs.push('QKV bias');
  if (model.mla !== undefined) diffs.push('MLA attention');
  if (model.slidingWindow !== undefined) diffs.push('sliding-window attention');
  if (model.qkNorm) diffs.push('per-head q/k norms');
  if (model.attentionSinks) diffs.push('attention sinks');
  if (diffs.length > 0) return `architecture differs: ${diffs.join(', ')}`;
  if (!table.tp.some((t) => t.tensor === tp)) return `no TP${tp} entry (has TP ${table.tp.map((t) => t.tensor).join(', ')})`;
  return undefined;
}

export function createTableModel(opts: TableModelOptions): TableStepTimeModel {
  const { table, gpu, model, precision, parallelism, source } = opts;
  validateParallelism(model, parallelism);
  const tp = parallelism.tensor;
  const coll = opts.collectives;
  const pp = parallelism.pipeline;
  const why = tableMismatch(table, model, tp);
  if (why !== undefined) {
    throw new UserError(`table ${table.model} on ${table.gpu} does not fit ${model.id} at TP${tp}: ${why}`, {
      where: source, fix: 'use perfModel: roofline, or a model/TP the table was measured for',
    });
  }
  const rp = resolvePrecision(gpu, precision);
  if (rp.weights !== 'bf16' && rp.weights !== 'fp16' || rp.activations !== 'bf16' && rp.activations !== 'fp16') {
    throw new UserError(`the ${table.gpu}/${table.model} table was measured with ${table.dtype} weights and activations, not ${rp.weights}/${rp.activations}`, {
      where: 'precision', fix: 'use perfModel: roofline for quantised precisions',
    });
  }
  const entry = table.tp.find((t) => t.tensor === tp)!;
  const n = entry.tokens.length;
  const tok = Float64Array.from(entry.tokens);
  const layerSec = new Float64Array(n);
  const embSec = new Float64Array(n);
  const normSec = new Float64Array(n);
  const postNorm = entry.ms.post_attention_layernorm !== undefined;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const op of TABLE_LAYER_OPS) {
      const arr = entry.ms[op];
      if (arr !== undefined) s += tableOpWeight(op, postNorm) * arr[i]!;
    }
    layerSec[i] = s / 1e3;
    embSec[i] = entry.ms.emb[i]! / 1e3;
    normSec[i] = entry.ms.input_layernorm[i]! / 1e3;
  }
  const maxTokens = tok[n - 1]!;
  const minTokens = tok[0]!;

  const eff = opts.efficiency;
  const cpuBase = opts.cpuOverhead.baseSec;
  const cpuPerSeq = opts.cpuOverhead.perSeqSec;
  const roofline = opts.roofline;
  const useFallback = opts.fallback === 'roofline';
  const notes: string[] = opts.notes ?? [];
  let fallbackSteps = 0;
  let noted = false;

  const L = model.layers;
  const H = model.hiddenSize;
  const V = model.vocabSize;
  const hd = model.headDim;
  const bw = gpu.memoryBandwidthBytesPerSec;
  const linkBw = gpu.interconnect.bandwidthBytesPerSec;
  const linkLat = gpu.interconnect.latencySec;
  const launch = eff.launchOverheadSec;
  const actB = rp.activationBytes;
  const denseB = denseTensorBytesPerElement(rp.weights);
  const attnPeak = rp.attentionPeakFlops;
  const blendP = eff.gemmBlendExponent;
  const hardMax = !(blendP < 64);
  const headsR = model.numHeads / tp;
  const kvR = kvHeadsPerRank(model, tp);
  const attnFlopsPerPair = 4 * headsR * hd;
  const kvBytesTokLayer = 2 * kvR * hd * rp.kvBytes;
  const qoBytesTok = 2 * headsR * hd * actB;
  const lmN = V / tp;
  const lmW = H * lmN * denseB;
  const lmAct = (H + lmN) * actB;

  const clamp = (e: number) => (e > 1e-6 ? (e < 1 ? e : 1) : 1e-6);

  // interpolation state of the last lookup (closure scalars: no allocation)
  let ix = 0;
  let iw = 0;
  function locate(T: number): void {
    let lo = 0;
    let hi = n - 1;
    if (T <= tok[0]!) { ix = 0; iw = 0; return; }
    if (T >= tok[hi]!) { ix = hi; iw = 0; return; }
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (tok[mid]! <= T) lo = mid;
      else hi = mid;
    }
    ix = lo;
    iw = (T - tok[lo]!) / (tok[lo + 1]! - tok[lo]!);
  }
  function at(arr: Float64Array): number {
    return iw === 0 ? arr[ix]! : arr[ix]! + iw * (arr[ix + 1]! - arr[ix]!);
  }

  function allReduce(size: number): number {
    if (tp <= 1) return 0;
    if (coll !== undefined) return coll.allReduceSec(size);
    return 2 * (tp - 1) * linkLat + (2 * (tp - 1) / tp) * size / (linkBw * clamp(eff.interconnect(size)));
  }
  function allGather(size: number): number {
    if (tp <= 1) return 0;
    if (coll !== undefined) return coll.allGatherSec(size);
    return (tp - 1) * linkLat + ((tp - 1) / tp) * size / (linkBw * clamp(eff.interconnect(size)));
  }
  function streaming(bytes: number, kernels: number): number {
    return bytes / (bw * clamp(eff.memory(bytes))) + kernels * launch;
  }
  function lmHead(m: number): number {
    const comp = (2 * m * H * lmN) / (attnPeak * clamp(eff.gemmCompute(m, H, lmN)));
    const by = lmW + m * lmAct;
    const mem = by / (bw * clamp(eff.memory(by)));
    const t = hardMax ? (comp > mem ? comp : mem) : Math.pow(Math.pow(comp, blendP) + Math.pow(mem, blendP), 1 / blendP);
    return t + launch;
  }

  let lastComm = 0;
  /** Everything but attention (depends only on token counts); T within the table. */
  function others(b: BatchShape, T: number, cpuSec: number): number {
    locate(T);
    const layerComm = 2 * allReduce(T * H * actB);
    let seconds = L * (at(layerSec) + layerComm);
    let comm = L * layerComm;
    seconds += at(embSec);
    const embComm = allReduce(T * H * actB);
    seconds += embComm + at(normSec);
    comm += embComm;
    const m = b.logitSeqs > 0 ? (b.logitSeqs < T ? b.logitSeqs : T) : 0;
    if (m > 0) {
      seconds += lmHead(m);
      const g = allGather(m * V * 4);
      seconds += g + streaming(3 * m * V * 4, 3);
      comm += g;
    }
    if (pp > 1) {
      const size = 2 * T * H * actB;
      const h = (pp - 1) * (linkLat + size / (linkBw * clamp(eff.interconnect(size))));
      seconds += h;
      comm += h;
    }
    lastComm = comm;
    return seconds + cpuSec;
  }

  function attentionLayer(pairs: number, pTok: number, pKv: number, dCtx: number, dSeq: number, T: number): number {
    const pFl = attnFlopsPerPair * pairs;
    const dFl = attnFlopsPerPair * dCtx;
    let comp = 0;
    if (pFl > 0) comp += pFl / (attnPeak * clamp(eff.attentionCompute(pTok > 0 ? pairs / pTok : 0)));
    if (dFl > 0) comp += dFl / (attnPeak * clamp(eff.attentionCompute(dSeq > 0 ? dCtx / dSeq : 0)));
    const by = (pKv + dCtx) * kvBytesTokLayer + T * (qoBytesTok + kvBytesTokLayer);
    const mem = by / (bw * clamp(eff.attentionMemory(by)));
    return (comp > mem ? comp : mem) + 2 * launch;
  }

  function outside(T: number): boolean {
    return T > maxTokens || T < minTokens;
  }

  function noteFallback(T: number): void {
    fallbackSteps++;
    if (!noted) {
      noted = true;
      notes.push(`table ${table.gpu}/${table.model} TP${tp} covers ${minTokens}-${maxTokens} tokens per step; steps outside it ` +
        `(first: ${T} tokens) were predicted by the calibrated roofline (tableFallback: roofline)`);
    }
  }

  function outOfTable(T: number): UserError {
    return new UserError(`a step of ${T} tokens is outside the ${table.gpu}/${table.model} TP${tp} table (${minTokens}-${maxTokens} tokens)`, {
      where: source,
      fix: `keep the engine's maxBatchedTokens ≤ ${maxTokens}, or set tableFallback: roofline to predict such steps with the roofline`,
    });
  }

  function predict(b: BatchShape, cost?: StepCost): number {
    const pTok = b.prefillTokens > 0 ? b.prefillTokens : 0;
    const dSeq = b.decodeSeqs > 0 ? b.decodeSeqs : 0;
    const T = pTok + dSeq;
    const seqs = (b.prefillSeqs > 0 ? b.prefillSeqs : 0) + dSeq;
    const cpuSec = cpuBase + cpuPerSeq * seqs;
    if (!(T > 0)) {
      if (cost !== undefined) {
        cost.seconds = cpuSec; cost.flops = 0; cost.bytes = 0; cost.computeBoundSec = 0; cost.commSec = 0; cost.overheadSec = cpuSec;
      }
      return cpuSec;
    }
    if (outside(T)) {
      if (!useFallback) throw outOfTable(T);
      noteFallback(T);
      return roofline.predict(b, cost);
    }
    const other = others(b, T, cpuSec);
    const comm = lastComm;
    const attn = attentionLayer(
      b.prefillAttnPairs > 0 ? b.prefillAttnPairs : 0, pTok, b.prefillKvTokens > 0 ? b.prefillKvTokens : 0,
      b.decodeContextTokens > 0 ? b.decodeContextTokens : 0, dSeq, T,
    );
    const seconds = other + L * attn;
    if (cost !== undefined) {
      // FLOPs and bytes from the roofline of the same configuration; times from the table
      const rs = roofline.predict(b, cost);
      cost.computeBoundSec = rs > 0 ? Math.min(seconds, cost.computeBoundSec * (seconds / rs)) : 0;
      cost.seconds = seconds;
      cost.commSec = comm;
      cost.overheadSec = cpuSec;
    }
    return seconds;
  }

  function predictDecodeRun(b: BatchShape, extra: number, ends: Float64Array): void {
    const dSeq = b.decodeSeqs;
    const T = dSeq;
    if (outside(T)) {
      if (!useFallback) throw outOfTable(T);
      noteFallback(T);
      if (roofline.predictDecodeRun) { roofline.predictDecodeRun(b, extra, ends); return; }
      let t = ends[0]!;
      const ctx0 = b.decodeContextTokens;
      for (let k = 1; k <= extra; k++) {
        b.decodeContextTokens = ctx0 + k * dSeq;
        t += roofline.predict(b);
        ends[k] = t;
      }
      b.decodeContextTokens = ctx0;
      return;
    }
    const cpuSec = cpuBase + cpuPerSeq * dSeq;
    const other = others(b, T, cpuSec);
    const ctx0 = b.decodeContextTokens;
    let t = ends[0]!;
    for (let k = 1; k <= extra; k++) {
      t += other + L * attentionLayer(0, 0, 0, ctx0 + k * dSeq, dSeq, T);
      ends[k] = t;
    }
  }

  function layerOpSeconds(T: number): number {
    if (outside(T)) throw outOfTable(T);
    locate(T);
    return at(layerSec);
  }

  return {
    name: 'table',
    predict,
    predictDecodeRun,
    notes,
    get fallbackSteps() { return fallbackSteps; },
    maxTokens,
    layerOpSeconds,
  };
}
