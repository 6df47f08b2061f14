/**
 * Architecture arithmetic from a ModelProfile: parameter counts, linear-layer shapes (whole and per tensor-
 * parallel shard), weight bytes, KV-cache bytes and FLOPs. Pure functions, no I/O.
 *
 * Conventions (decoder-only transformer, pre-norm, RoPE):
 * - per layer: QKV projection (hidden → (heads + 2·kvHeads)·headDim), O projection (heads·headDim → hidden),
 *   MLP gate+up (hidden → 2·intermediate for a gated MLP, 1· otherwise), MLP down (intermediate → hidden),
 *   two RMSNorm weight vectors (hidden each); optional QKV bias (Qwen2).
 * - MoE layers replace the MLP by a router (hidden → experts), `experts` routed experts and `sharedExperts`
 *   always-on experts, each a (gated) MLP of `expertIntermediateSize`. All layers are taken as MoE layers.
 * - embeddings vocab × hidden, LM head hidden × vocab (shared when tieWordEmbeddings), final norm.
 * - Quantised weights (8- and 4-bit) apply to the linear layers of the decoder blocks only; embeddings,
 *   LM head, norms and biases stay 16-bit (as in vLLM FP8/AWQ/GPTQ checkpoints). 4-bit formats carry one
 *   16-bit scale per group of 128 weights (+2/128 bytes per weight); 8-bit per-channel scales are ignored.
 */
import { UserError } from '../errors/user-error.ts';
import type { ModelProfile } from '../profiles/schema.ts';
import { bytesPerElement, type Parallelism, type Precision } from './precision.ts';

/** Bytes of the per-group scales that 4-bit weight formats add, per weight (group 128, fp16 scale). */
export const INT4_SCALE_BYTES_PER_WEIGHT = 2 / 128;

export type LinearName =
  | 'qkv' | 'o' | 'gateUp' | 'down' | 'router' | 'sharedGateUp' | 'sharedDown' | 'expertGateUp' | 'expertDown';

/**
 * One linear layer: y[T×n] = x[T×k] · W[k×n]. `copies` is how many such matrices the layer holds (routed
 * experts); `split` says how tensor parallelism shards it (column: n / TP, row: k / TP, none: replicated).
 */
export interface LinearShape {
  name: LinearName;
  k: number;
  n: number;
  copies: number;
  biasParams: number;
  split: 'column' | 'row' | 'none';
}

function mlpWidth(model: ModelProfile): number {
  return model.gatedMlp ? 2 : 1;
}

/** Linear layers of one decoder layer, unsharded. */
export function layerLinearShapes(model: ModelProfile): LinearShape[] {
  const h = model.hiddenSize;
  const qkvOut = (model.numHeads + 2 * model.numKvHeads) * model.headDim;
  const shapes: LinearShape[] = [
    { name: 'qkv', k: h, n: qkvOut, copies: 1, biasParams: model.qkvBias ? qkvOut : 0, split: 'column' },
    { name: 'o', k: model.numHeads * model.headDim, n: h, copies: 1, biasParams: 0, split: 'row' },
  ];
  const g = mlpWidth(model);
  if (model.moe === undefined) {
    shapes.push({ name: 'gateUp', k: h, n: g * model.intermediateSize, copies: 1, biasParams: 0, split: 'column' });
    shapes.push({ name: 'down', k: model.intermediateSize, n: h, copies: 1, biasParams: 0, split: 'row' });
  } else {
    const m = model.moe;
    shapes.push({ name: 'router', k: h, n: m.experts, copies: 1, biasParams: 0, split: 'none' });
    if (m.sharedExperts > 0) {
      const si = m.sharedExperts * m.expertIntermediateSize;
      shapes.push({ name: 'sharedGateUp', k: h, n: g * si, copies: 1, biasParams: 0, split: 'column' });
      shapes.push({ name: 'sharedDown', k: si, n: h, copies: 1, biasParams: 0, split: 'row' });
    }
    shapes.push({ name: 'expertGateUp', k: h, n: g * m.expertIntermediateSize, copies: m.experts, biasParams: 0, split: 'column' });
    shapes.push({ name: 'expertDown', k: m.expertIntermediateSize, n: h, copies: m.experts, biasParams: 0, split: 'row' });
  }
  return shapes;
}

/** KV heads held by each tensor-parallel rank: kvHeads / TP, or 1 (replicated) when TP > kvHeads. */
export function kvHeadsPerRank(model: ModelProfile, tp: number): number {
  return Math.max(1, model.numKvHeads / tp);
}

/**
 * Linear layers of one decoder layer as held by ONE tensor-parallel rank. K/V projections are replicated
 * when TP exceeds the KV head count (as vLLM does), so QKV is not simply n / TP.
 */
export function shardedLayerLinearShapes(model: ModelProfile, tp: number): LinearShape[] {
  return layerLinearShapes(model).map((s) => {
    if (s.name === 'qkv') {
      const n = (model.numHeads / tp + 2 * kvHeadsPerRank(model, tp)) * model.headDim;
      return { ...s, n, biasParams: s.biasParams > 0 ? n : 0 };
    }
    if (s.split === 'column') return { ...s, n: s.n / tp };
    if (s.split === 'row') return { ...s, k: s.k / tp };
    return { ...s };
  });
}

function linearParams(shapes: LinearShape[], active?: { experts: number; topK: number }): number {
  let p = 0;
  for (const s of shapes) {
    const copies = active !== undefined && (s.name === 'expertGateUp' || s.name === 'expertDown') ? active.topK : s.copies;
    p += copies * s.k * s.n;
  }
  return p;
}

function biasParams(shapes: LinearShape[]): number {
  let p = 0;
  for (const s of shapes) p += s.copies * s.biasParams;
  return p;
}

/** Linear-layer weights (matrix elements) of one decoder layer. */
export function linearParamsPerLayer(model: ModelProfile): number {
  return linearParams(layerLinearShapes(model));
}

/** Linear-layer weights one token actually multiplies in one layer (top-k experts for MoE). */
export function activeLinearParamsPerLayer(model: ModelProfile): number {
  return model.moe ? linearParams(layerLinearShapes(model), model.moe) : linearParamsPerLayer(model);
}

/** Non-linear parameters of one decoder layer: 2 RMSNorm vectors + biases. */
export function otherParamsPerLayer(model: ModelProfile): number {
  return 2 * model.hiddenSize + biasParams(layerLinearShapes(model));
}

/** Total parameter count computed from the architecture. */
export function paramCount(model: ModelProfile): number {
  const embed = model.vocabSize * model.hiddenSize * (model.tieWordEmbeddings ? 1 : 2);
  return model.layers * (linearParamsPerLayer(model) + otherParamsPerLayer(model)) + embed + model.hiddenSize;
}

/** Parameters touched per token (differs from paramCount for MoE). */
export function activeParamCount(model: ModelProfile): number {
  const embed = model.vocabSize * model.hiddenSize * (model.tieWordEmbeddings ? 1 : 2);
  return model.layers * (activeLinearParamsPerLayer(model) + otherParamsPerLayer(model)) + embed + model.hiddenSize;
}

/** Bytes per stored linear weight, including 4-bit group scales. */
export function linearWeightBytesPerElement(weights: Precision): number {
  const b = bytesPerElement(weights);
  return b < 1 ? b + INT4_SCALE_BYTES_PER_WEIGHT : b;
}

/** Bytes per element of the tensors that stay unquantised (embeddings, LM head, norms, biases). */
export function denseTensorBytesPerElement(weights: Precision): number {
  return weights === 'fp32' ? 4 : 2;
}

export interface WeightBytesBreakdown {
  /** Linear weights of one decoder layer. */
  linearPerLayer: number;
  /** Norms + biases of one decoder layer. */
  otherPerLayer: number;
  embedding: number;
  /** LM head; 0 when tied to the embedding (single-stage deployments share the tensor). */
  lmHead: number;
  finalNorm: number;
  total: number;
}

/** Weight bytes of the whole model at the given weight precision (see the file comment for conventions). */
export function weightBytesBreakdown(model: ModelProfile, weights: Precision): WeightBytesBreakdown {
  const wb = linearWeightBytesPerElement(weights);
  const db = denseTensorBytesPerElement(weights);
  const linearPerLayer = linearParamsPerLayer(model) * wb;
  const otherPerLayer = otherParamsPerLayer(model) * db;
  const embedding = model.vocabSize * model.hiddenSize * db;
  const lmHead = model.tieWordEmbeddings ? 0 : embedding;
  const finalNorm = model.hiddenSize * db;
  const total = model.layers * (linearPerLayer + otherPerLayer) + embedding + lmHead + finalNorm;
  return { linearPerLayer, otherPerLayer, embedding, lmHead, finalNorm, total };
}

/** Total weight bytes of the model. */
export function weightBytes(model: ModelProfile, weights: Precision): number {
  return weightBytesBreakdown(model, weights).total;
}

/** KV-cache bytes per token for the whole model: 2 (K and V) × layers × kvHeads × headDim × bytes. */
export function kvBytesPerToken(model: ModelProfile, kvCache: Precision): number {
  return 2 * model.layers * model.numKvHeads * model.headDim * bytesPerElement(kvCache);
}

/** KV-cache bytes per token per layer held by one TP rank (KV heads replicated when TP > kvHeads). */
export function kvBytesPerTokenPerLayerPerRank(model: ModelProfile, kvCache: Precision, tp: number): number {
  return 2 * kvHeadsPerRank(model, tp) * model.headDim * bytesPerElement(kvCache);
}

/**
 * Forward FLOPs for one token: 2 × active linear weights over all layers + 2 × hidden × vocab (LM head) +
 * attention 4 × layers × heads × headDim × contextTokens (QKᵀ and PV against `contextTokens` keys).
 */
export function flopsPerToken(model: ModelProfile, contextTokens = 0): number {
  return (
    2 * model.layers * activeLinearParamsPerLayer(model) +
    2 * model.hiddenSize * model.vocabSize +
    4 * model.layers * model.numHeads * model.headDim * contextTokens
  );
}

/** Decoder layers per pipeline stage: floor(L/PP), the remainder going to the first stages. */
export function stageLayerCounts(layers: number, pp: number): number[] {
  const base = Math.floor(layers / pp);
  const rem = layers % pp;
  return Array.from({ length: pp }, (_, i) => base + (i < rem ? 1 : 0));
}

/**
 * Checks that a tensor/pipeline split is possible for the model (positive integers, TP divides the head
 * count, KV heads shard or replicate evenly, no more stages than layers). Throws UserError otherwise.
 */
export function validateParallelism(model: ModelProfile, par: Parallelism, where = 'parallelism'): void {
  const { tensor: tp, pipeline: pp } = par;
  if (!Number.isInteger(tp) || tp < 1) {
    throw new UserError(`tensor parallelism must be a positive integer, got ${tp}`, {
      where: `${where}.tensor`, fix: 'use 1, 2, 4 or 8' });
  }
  if (!Number.isInteger(pp) || pp < 1) {
    throw new UserError(`pipeline parallelism must be a positive integer, got ${pp}`, {
      where: `${where}.pipeline`, fix: 'use 1 or a small integer' });
  }
  if (model.numHeads % tp !== 0) {
    const ok = divisors(model.numHeads).filter((d) => d <= 16).join(', ');
    throw new UserError(`tensor parallelism ${tp} does not divide the ${model.numHeads} attention heads of ${model.id}`, {
      where: `${where}.tensor`, fix: `use a tensor parallelism that divides ${model.numHeads}: ${ok}` });
  }
  if (model.numKvHeads % tp !== 0 && tp % model.numKvHeads !== 0) {
    throw new UserError(
      `tensor parallelism ${tp} neither divides nor is a multiple of the ${model.numKvHeads} KV heads of ${model.id}`,
      { where: `${where}.tensor`, fix: `use a divisor or a multiple of ${model.numKvHeads}` });
  }
  if (pp > model.layers) {
    throw new UserError(`pipeline parallelism ${pp} exceeds the ${model.layers} layers of ${model.id}`, {
      where: `${where}.pipeline`, fix: `use at most ${model.layers} stages` });
  }
}

/** Divisors of n in increasing order. */
export function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}
