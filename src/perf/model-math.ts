/**
 * Architecture arithmetic from a ModelProfile: parameter counts, linear-layer shapes (whole and per tensor-
 * parallel shard), weight bytes, KV-cache bytes and FLOPs. Pure functions, no I/O.
 *
 * Conventions (decoder-only transformer, pre-norm, RoPE):
 * - per layer: QKV projection (hidden → (heads + 2·kvHeads)·headDim), O projection (heads·headDim → hidden),
 *   MLP gate+up (hidden → 2·intermediate for a gated MLP, 1· otherwise), MLP down (intermediate → hidden),
 *   two RMSNorm weight vectors (hidden each); optional QKV bias (Qwen2, gpt-oss), per-head q/k RMSNorm
 *   (Qwen3: 2·headDim), attention-sink logits (gpt-oss: heads).
 * - MLA layers (DeepSeek-V3) replace QKV by: fused q_a + kv_a down-projection (hidden → qLoraRank +
 *   kvLoraRank + qkRopeHeadDim, replicated on every TP rank as in vLLM), q_b (qLoraRank → heads·(qkNope +
 *   qkRope)), kv_b (kvLoraRank → heads·(qkNope + vHead)) and O (heads·vHead → hidden); two extra RMSNorms
 *   (qLoraRank, kvLoraRank). Without qLoraRank, q is projected directly (hidden → heads·(qkNope + qkRope)).
 * - MoE layers replace the MLP by a router (hidden → experts), `experts` routed experts and `sharedExperts`
 *   always-on experts, each a (gated) MLP of `expertIntermediateSize`. The first `moe.firstDenseLayers`
 *   layers (DeepSeek-V3: 3) keep a dense MLP of `intermediateSize`; all others are MoE layers. Expert and
 *   router biases (gpt-oss) are not modelled (< 0.05% of the parameters).
 * - embeddings vocab × hidden, LM head hidden × vocab (shared when tieWordEmbeddings), final norm.
 * - Quantised weights (8- and 4-bit) apply to the linear layers of the decoder blocks only; embeddings,
 *   LM head, norms and biases stay 16-bit (as in vLLM FP8/AWQ/GPTQ checkpoints). 4-bit formats carry one
 *   16-bit scale per group of 128 weights (+2/128 bytes per weight); 8-bit per-channel scales are ignored.
 * - KV cache: 2·kvHeads·headDim elements per token per layer; MLA stores the compressed latent
 *   kvLoraRank + qkRopeHeadDim per token per layer instead, replicated on every TP rank (vLLM). Sliding-window
 *   layers hold at most `window` tokens (see kvBytesPerTokenFullAttention and src/memory/capacity.ts).
 */
import { UserError } from '../errors/user-error.ts';
import type { ModelProfile } from '../profiles/schema.ts';
import { bytesPerElement, type Parallelism, type Precision } from './precision.ts';

/** Bytes of the per-group scales that 4-bit weight formats add, per weight (group 128, fp16 scale). */
export const INT4_SCALE_BYTES_PER_WEIGHT = 2 / 128;

export type LinearName =
  | 'qkv' | 'o' | 'gateUp' | 'down' | 'router' | 'sharedGateUp' | 'sharedDown' | 'expertGateUp' | 'expertDown'
  // MLA projections
  | 'qkvA' | 'q' | 'kvA' | 'qB' | 'kvB';

/** Which MLP a decoder layer has: a dense (gated) MLP, or router + experts. */
export type MlpKind = 'dense' | 'moe';

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

/** The MLP kind of most layers: 'moe' for MoE models, 'dense' otherwise. */
export function defaultMlpKind(model: ModelProfile): MlpKind {
  return model.moe ? 'moe' : 'dense';
}

/** Decoder layers in [start, end) with a dense MLP (all of them for dense models). */
export function denseMlpLayerCount(model: ModelProfile, start = 0, end = model.layers): number {
  if (end <= start) return 0;
  if (model.moe === undefined) return end - start;
  const d = model.moe.firstDenseLayers ?? 0;
  const hi = end < d ? end : d;
  return hi > start ? hi - start : 0;
}

/** Decoder layers in [start, end) with router + experts. */
export function moeLayerCount(model: ModelProfile, start = 0, end = model.layers): number {
  return end > start ? end - start - denseMlpLayerCount(model, start, end) : 0;
}

/** Whether decoder layer `i` (0-based) uses sliding-window attention. */
export function isSlidingLayer(model: ModelProfile, i: number): boolean {
  const sw = model.slidingWindow;
  if (sw === undefined) return false;
  return sw.pattern[i % sw.pattern.length] === 'S';
}

/** Sliding-window layers in [start, end). */
export function slidingLayerCount(model: ModelProfile, start = 0, end = model.layers): number {
  if (model.slidingWindow === undefined) return 0;
  let n = 0;
  for (let i = start; i < end; i++) if (isSlidingLayer(model, i)) n++;
  return n;
}

/** Full-attention layers in [start, end). */
export function fullAttentionLayerCount(model: ModelProfile, start = 0, end = model.layers): number {
  return end > start ? end - start - slidingLayerCount(model, start, end) : 0;
}

function attentionShapes(model: ModelProfile): LinearShape[] {
  const h = model.hiddenSize;
  const heads = model.numHeads;
  const mla = model.mla;
  if (mla !== undefined) {
    const qk = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
    const shapes: LinearShape[] = [];
    if (mla.qLoraRank !== undefined) {
      shapes.push({ name: 'qkvA', k: h, n: mla.qLoraRank + mla.kvLoraRank + mla.qkRopeHeadDim, copies: 1, biasParams: 0, split: 'none' });
      shapes.push({ name: 'qB', k: mla.qLoraRank, n: heads * qk, copies: 1, biasParams: 0, split: 'column' });
    } else {
      shapes.push({ name: 'q', k: h, n: heads * qk, copies: 1, biasParams: 0, split: 'column' });
      shapes.push({ name: 'kvA', k: h, n: mla.kvLoraRank + mla.qkRopeHeadDim, copies: 1, biasParams: 0, split: 'none' });
    }
    shapes.push({ name: 'kvB', k: mla.kvLoraRank, n: heads * (mla.qkNopeHeadDim + mla.vHeadDim), copies: 1, biasParams: 0, split: 'column' });
    shapes.push({ name: 'o', k: heads * mla.vHeadDim, n: h, copies: 1, biasParams: 0, split: 'row' });
    return shapes;
  }
  const qkvOut = (heads + 2 * model.numKvHeads) * model.headDim;
  return [
    { name: 'qkv', k: h, n: qkvOut, copies: 1, biasParams: model.qkvBias ? qkvOut : 0, split: 'column' },
    { name: 'o', k: heads * model.headDim, n: h, copies: 1, biasParams: 0, split: 'row' },
  ];
}

/**
 * Linear layers of one decoder layer, unsharded. `kind` chooses the MLP (default: the model's MoE layers for
 * MoE models, the dense MLP otherwise).
 */
export function layerLinearShapes(model: ModelProfile, kind: MlpKind = defaultMlpKind(model)): LinearShape[] {
  const h = model.hiddenSize;
  const shapes = attentionShapes(model);
  const g = mlpWidth(model);
  if (kind === 'dense' || model.moe === undefined) {
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

/**
 * KV heads held by each tensor-parallel rank: kvHeads / TP, or 1 (replicated) when TP > kvHeads. For MLA
 * the cache holds one latent per token, replicated on every rank: 1.
 */
export function kvHeadsPerRank(model: ModelProfile, tp: number): number {
  if (model.mla !== undefined) return 1;
  return Math.max(1, model.numKvHeads / tp);
}

/**
 * Linear layers of one decoder layer as held by ONE tensor-parallel rank. K/V projections are replicated
 * when TP exceeds the KV head count (as vLLM does), so QKV is not simply n / TP.
 */
export function shardedLayerLinearShapes(model: ModelProfile, tp: number, kind: MlpKind = defaultMlpKind(model)): LinearShape[] {
  return layerLinearShapes(model, kind).map((s) => {
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

/** Linear-layer weights (matrix elements) of one decoder layer of the given kind (default: the MoE layers of MoE models). */
export function linearParamsPerLayer(model: ModelProfile, kind: MlpKind = defaultMlpKind(model)): number {
  return linearParams(layerLinearShapes(model, kind));
}

/** Linear-layer weights one token actually multiplies in one layer (top-k experts for MoE layers). */
export function activeLinearParamsPerLayer(model: ModelProfile, kind: MlpKind = defaultMlpKind(model)): number {
  return model.moe && kind === 'moe' ? linearParams(layerLinearShapes(model, kind), model.moe) : linearParamsPerLayer(model, kind);
}

/**
 * Non-linear parameters of one decoder layer: 2 RMSNorm vectors + biases, plus Qwen3 q/k norms (2·headDim),
 * MLA latent norms (qLoraRank + kvLoraRank) and gpt-oss attention sinks (one logit per head).
 */
export function otherParamsPerLayer(model: ModelProfile): number {
  let p = 2 * model.hiddenSize + biasParams(layerLinearShapes(model));
  if (model.qkNorm) p += 2 * model.headDim;
  if (model.mla !== undefined) p += (model.mla.qLoraRank ?? 0) + model.mla.kvLoraRank;
  if (model.attentionSinks) p += model.numHeads;
  return p;
}

/** Linear weights over all decoder layers (dense-MLP and MoE layers each with their own shapes). */
export function linearParamsAllLayers(model: ModelProfile): number {
  const ld = denseMlpLayerCount(model);
  const lm = model.layers - ld;
  return (ld > 0 ? ld * linearParamsPerLayer(model, 'dense') : 0) + (lm > 0 ? lm * linearParamsPerLayer(model, 'moe') : 0);
}

/** Linear weights one token multiplies over all decoder layers. */
export function activeLinearParamsAllLayers(model: ModelProfile): number {
  const ld = denseMlpLayerCount(model);
  const lm = model.layers - ld;
  return (ld > 0 ? ld * activeLinearParamsPerLayer(model, 'dense') : 0) + (lm > 0 ? lm * activeLinearParamsPerLayer(model, 'moe') : 0);
}

function embeddingParams(model: ModelProfile): number {
  return model.vocabSize * model.hiddenSize * (model.tieWordEmbeddings ? 1 : 2);
}

/** Total parameter count computed from the architecture (MoE: all experts). */
export function paramCount(model: ModelProfile): number {
  return linearParamsAllLayers(model) + model.layers * otherParamsPerLayer(model) + embeddingParams(model) + model.hiddenSize;
}

/**
 * Parameters touched per token (differs from paramCount for MoE: top-k routed experts only). Counts the
 * input embedding and the LM head; publishers differ (gpt-oss counts the unembedding only, Qwen3 and
 * DeepSeek both).
 */
export function activeParamCount(model: ModelProfile): number {
  return activeLinearParamsAllLayers(model) + model.layers * otherParamsPerLayer(model) + embeddingParams(model) + model.hiddenSize;
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
  /** Linear weights of one decoder layer (mean over the layers when dense-MLP and MoE layers differ). */
  linearPerLayer: number;
  /** Linear weights of all decoder layers. */
  linearAllLayers: number;
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
  const linearAllLayers = linearParamsAllLayers(model) * wb;
  const linearPerLayer = linearAllLayers / model.layers;
  const otherPerLayer = otherParamsPerLayer(model) * db;
  const embedding = model.vocabSize * model.hiddenSize * db;
  const lmHead = model.tieWordEmbeddings ? 0 : embedding;
  const finalNorm = model.hiddenSize * db;
  const total = linearAllLayers + model.layers * otherPerLayer + embedding + lmHead + finalNorm;
  return { linearPerLayer, linearAllLayers, otherPerLayer, embedding, lmHead, finalNorm, total };
}

/** Total weight bytes of the model. */
export function weightBytes(model: ModelProfile, weights: Precision): number {
  return weightBytesBreakdown(model, weights).total;
}

/**
 * KV-cache elements one token occupies in one layer of the whole (unsharded) model: 2·kvHeads·headDim (K and
 * V), or kvLoraRank + qkRopeHeadDim for MLA (the compressed latent and the shared RoPE key).
 */
export function kvElementsPerTokenPerLayer(model: ModelProfile): number {
  const mla = model.mla;
  return mla !== undefined ? mla.kvLoraRank + mla.qkRopeHeadDim : 2 * model.numKvHeads * model.headDim;
}

/**
 * KV-cache bytes per token for the whole model if every layer holds the token (sliding-window layers
 * included): layers × kvElementsPerTokenPerLayer × bytes. For MLA this is also what each TP rank holds.
 * @example kvBytesPerToken(deepseekV3, 'bf16') // 61 × 576 × 2 = 70,272
 */
export function kvBytesPerToken(model: ModelProfile, kvCache: Precision): number {
  return model.layers * kvElementsPerTokenPerLayer(model) * bytesPerElement(kvCache);
}

/**
 * KV-cache bytes per token of the full-attention layers only: what grows with context length. Sliding-window
 * layers hold at most `window` tokens per sequence (a fixed cost per sequence, see capacity.ts). A model
 * whose every layer is sliding returns kvBytesPerToken (treated as full attention: conservative).
 */
export function kvBytesPerTokenFullAttention(model: ModelProfile, kvCache: Precision): number {
  const full = fullAttentionLayerCount(model);
  const layers = full > 0 ? full : model.layers;
  return layers * kvElementsPerTokenPerLayer(model) * bytesPerElement(kvCache);
}

/**
 * KV-cache bytes one sequence of `contextTokens` tokens holds in the whole model (one copy, unsharded):
 * full-attention layers hold every token, sliding-window layers at most `window` of them. Use it for KV
 * transfers (prefill → decode hand-off, swap); per-GPU capacity is in src/memory/capacity.ts.
 * @example kvBytesForContext(gptOss120b, 'bf16', 1000) // 18 × 1000 × 2048 + 18 × 128 × 2048
 */
export function kvBytesForContext(model: ModelProfile, kvCache: Precision, contextTokens: number): number {
  const perLayer = kvElementsPerTokenPerLayer(model) * bytesPerElement(kvCache);
  const sliding = slidingLayerCount(model);
  const sw = model.slidingWindow;
  const windowed = sw !== undefined && contextTokens > sw.window ? sw.window : contextTokens;
  return perLayer * ((model.layers - sliding) * contextTokens + sliding * windowed);
}

/** KV-cache bytes per token per layer held by one TP rank (KV heads replicated when TP > kvHeads; MLA latent replicated). */
export function kvBytesPerTokenPerLayerPerRank(model: ModelProfile, kvCache: Precision, tp: number): number {
  if (model.mla !== undefined) return kvElementsPerTokenPerLayer(model) * bytesPerElement(kvCache);
  return 2 * kvHeadsPerRank(model, tp) * model.headDim * bytesPerElement(kvCache);
}

/**
 * Attention FLOPs per (query, key) pair in one layer, all heads:
 * - MHA/GQA/MQA: 4·heads·headDim (QKᵀ and PV).
 * - MLA prefill (vLLM/FlashAttention on decompressed heads): 2·heads·(qkNope + qkRope) + 2·heads·vHead.
 * - MLA decode (absorbed weights, FlashMLA: attention is MQA over the latent): 2·heads·(kvLoraRank + qkRope)
 *   for QKᵀ + 2·heads·kvLoraRank for PV.
 */
export function attentionFlopsPerPair(model: ModelProfile, phase: 'prefill' | 'decode'): number {
  const mla = model.mla;
  const h = model.numHeads;
  if (mla === undefined) return 4 * h * model.headDim;
  if (phase === 'prefill') return 2 * h * (mla.qkNopeHeadDim + mla.qkRopeHeadDim) + 2 * h * mla.vHeadDim;
  return 2 * h * (mla.kvLoraRank + mla.qkRopeHeadDim) + 2 * h * mla.kvLoraRank;
}

/**
 * Forward FLOPs for one decoded token: 2 × active linear weights over all layers + 2 × hidden × vocab (LM
 * head) + attention against `contextTokens` keys in every full-attention layer and min(contextTokens, window)
 * keys in every sliding-window layer (attentionFlopsPerPair(model, 'decode') per key).
 */
export function flopsPerToken(model: ModelProfile, contextTokens = 0): number {
  const perPair = attentionFlopsPerPair(model, 'decode');
  const sw = model.slidingWindow;
  const sliding = slidingLayerCount(model);
  const slidingKeys = sw !== undefined && contextTokens > sw.window ? sw.window : contextTokens;
  return (
    2 * activeLinearParamsAllLayers(model) +
    2 * model.hiddenSize * model.vocabSize +
    perPair * ((model.layers - sliding) * contextTokens + sliding * slidingKeys)
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
  if (model.mla === undefined && model.numKvHeads % tp !== 0 && tp % model.numKvHeads !== 0) {
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
