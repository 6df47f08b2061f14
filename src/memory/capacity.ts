/**
 * KV-cache capacity of one replica, the way vLLM sizes it at start-up:
 *
 *   budget per GPU   = memoryGiB × gpuMemoryUtilization
 *   free per GPU     = budget − weights on that GPU − activation reserve
 *   blocks           = min over pipeline stages of floor(free / (blockSize × KV bytes per token on that GPU))
 *   capacity tokens  = blocks × blockSize
 *
 * Weights per GPU: a stage's decoder layers (floor(L/PP), remainder to the first stages), linear weights
 * split over TP (K/V projections replicated when TP > kvHeads), norms replicated, embedding on the first
 * stage and LM head on the last, both vocab-split over TP (a tied LM head is a second copy when PP > 1).
 *
 * KV bytes per token per GPU = full-attention stage layers × (2 × max(1, kvHeads/TP) × headDim) × kvBytes; for
 * MLA (DeepSeek-V3) the latent (kvLoraRank + qkRopeHeadDim) per layer, whole on every TP rank (vLLM
 * replicates it): DeepSeek-V3 bf16 = 61 × 576 × 2 = 70,272 B/token per GPU.
 *
 * Sliding-window layers (gpt-oss: every other layer, 128 tokens) hold at most the window per sequence, so
 * they do not scale with context: like vLLM's hybrid KV-cache manager, which sizes the pool for the
 * full-attention layers and frees a sliding layer's blocks once they leave the window, this model reserves
 * maxNumSeqs × (ceil((window − 1)/blockSize) + 1) × blockSize tokens of sliding-layer KV per GPU up front
 * and expresses the capacity in tokens of the full-attention layers. A model whose every layer is sliding
 * (Phi-3-mini-4k: window 2047 of 4096) is treated as full attention — conservative: the engine's KV cache
 * tracks whole contexts, so it cannot use the window bound (capacity under-estimated by up to context/window).
 *
 * Activation reserve = peak activations of a forward pass of maxBatchedTokens tokens + a runtime reserve:
 *   tokens × actBytes × (2·hidden + QKV out/TP + (3 or 2)·intermediate/TP)     (residual + normed input,
 *        QKV output, gate+up output and SiLU·mul output alive together at the MLP; MoE: (topK + shared)
 *        × expert intermediate; MLA: latents + q_b and kv_b outputs instead of QKV; the larger of the
 *        dense-MLP and MoE layers when a model has both)
 *   + maxNumSeqs × vocab × 4 bytes × 2                                         (fp32 logits + sampler
 *        copy, gathered to full vocab, on the last stage)
 *   + runtime reserve 1.75 GiB (CUDA context, cuBLAS workspaces, allocator slack; vLLM's profiler logged
 *     "non_torch_memory 1.79GiB" for Llama-3-8B TP1 on H100) + 1.75 GiB more when the replica spans more
 *     than one GPU (NCCL / custom all-reduce buffers: the same log shows 3.58 GiB at TP2).
 *   Source: vllm-project/vllm PR #10511 (2024-12), Llama-3-8B on H100: total 79.22 GiB × 0.90, weights
 *   14.96 GiB, activation peak 1.26 GiB, non-torch 1.79 GiB → 53.29 GiB of KV cache. This model gives 53.4.
 */
import { UserError } from '../errors/user-error.ts';
import { resolvePrecision } from '../perf/compute-precision.ts';
import {
  denseMlpLayerCount, denseTensorBytesPerElement, divisors, fullAttentionLayerCount, kvBytesPerTokenPerLayerPerRank,
  kvHeadsPerRank, linearWeightBytesPerElement, moeLayerCount, otherParamsPerLayer, shardedLayerLinearShapes,
  slidingLayerCount, stageLayerCounts, validateParallelism, type MlpKind,
} from '../perf/model-math.ts';
import { bytesPerElement, type Parallelism, type Precision, type PrecisionConfig } from '../perf/precision.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';

export const GIB = 2 ** 30;
/** Runtime reserve per GPU (CUDA context, cuBLAS workspace, allocator slack). */
export const DEFAULT_RUNTIME_RESERVE_BYTES = 1.75 * GIB;
/** Extra reserve per GPU when the replica spans several GPUs (NCCL and custom all-reduce buffers). */
export const DEFAULT_COMM_RESERVE_BYTES = 1.75 * GIB;

export interface KvCapacityInput {
  gpu: GpuProfile;
  model: ModelProfile;
  precision: PrecisionConfig;
  parallelism: Parallelism;
  /** Fraction of GPU memory the engine may use (vLLM --gpu-memory-utilization), in (0, 1]. */
  gpuMemoryUtilization: number;
  /** Tokens per KV block. */
  blockSize: number;
  /** Token budget of one step (sizes the activation reserve). */
  maxBatchedTokens: number;
  /** Sequences per step (sizes the logits/sampler reserve). */
  maxNumSeqs: number;
  /** Replaces DEFAULT_RUNTIME_RESERVE_BYTES (+ DEFAULT_COMM_RESERVE_BYTES) per GPU. */
  runtimeReserveBytes?: number;
  /** Key path of this replica's parallelism in the scenario, for messages (default `parallelism`). */
  parallelismPath?: string;
  /**
   * How the engine sizes its KV pool (default `budget`):
   * - `budget` (vLLM): memory × gpuMemoryUtilization − weights − activation peak − runtime reserve;
   * - `static-fraction` (SGLang mem_fraction_static): memory × gpuMemoryUtilization − weights (activations and
   *   the runtime live in the reserved rest);
   * - `free-fraction` (TensorRT-LLM free_gpu_memory_fraction): kvFreeFraction × (memory − weights − activation
   *   peak − runtime reserve).
   */
  memoryMode?: 'budget' | 'static-fraction' | 'free-fraction';
  /** Fraction of the free memory for `memoryMode: free-fraction`, in (0, 1]. */
  kvFreeFraction?: number;
}

export interface KvCapacity {
  /** numBlocks × blockSize. */
  capacityTokens: number;
  numBlocks: number;
  blockSize: number;
  /**
   * On the GPU that limits the capacity (the pipeline stage with the fewest blocks): bytes per token of the
   * layers whose KV grows with context (full-attention layers; all layers for an all-sliding model).
   */
  kvBytesPerTokenPerGpu: number;
  /** Sliding-window KV reserved up front on that GPU (maxNumSeqs windows); 0 without sliding layers. */
  slidingWindowReserveBytesPerGpu: number;
  weightBytesPerGpu: number;
  /** Activation peak + runtime reserve. */
  activationReserveBytesPerGpu: number;
  /** Budget − weights − activation reserve: the bytes the KV cache may use on that GPU. */
  freeBytesPerGpu: number;
  /** memoryGiB × gpuMemoryUtilization, bytes. */
  budgetBytesPerGpu: number;
  activationPeakBytesPerGpu: number;
  runtimeReserveBytesPerGpu: number;
  /** Index of the pipeline stage that limits the capacity. */
  limitingStage: number;
}

interface StagePlan {
  numBlocks: number;
  stage: number;
  kvBytesPerToken: number;
  slidingReserve: number;
  weightBytes: number;
  activationPeak: number;
  runtimeReserve: number;
  free: number;
  budget: number;
}

function linearBytesPerLayer(model: ModelProfile, tp: number, kind: MlpKind, wB: number): number {
  let b = 0;
  for (const s of shardedLayerLinearShapes(model, tp, kind)) b += s.copies * s.k * s.n * wB;
  return b;
}

/** Activation elements per token at the widest point of one layer of the given kind, on one TP rank. */
function activationWidthPerToken(model: ModelProfile, tp: number, kind: MlpKind): number {
  const h = model.hiddenSize;
  const mla = model.mla;
  const attn = mla !== undefined
    ? (mla.qLoraRank ?? 0) + mla.kvLoraRank + mla.qkRopeHeadDim +
      (model.numHeads / tp) * (mla.qkNopeHeadDim + mla.qkRopeHeadDim + mla.qkNopeHeadDim + mla.vHeadDim)
    : (model.numHeads / tp + 2 * kvHeadsPerRank(model, tp)) * model.headDim;
  const m = model.moe;
  const inner = kind === 'moe' && m !== undefined
    ? ((m.topK + m.sharedExperts) * m.expertIntermediateSize) / tp
    : model.intermediateSize / tp;
  return 2 * h + attn + (model.gatedMlp ? 3 : 2) * inner;
}

function plan(input: KvCapacityInput, weights: Precision, tp: number, pp: number): StagePlan {
  const { gpu, model } = input;
  const budget = gpu.memoryGiB * GIB * input.gpuMemoryUtilization;
  const wB = linearWeightBytesPerElement(weights);
  const dB = denseTensorBytesPerElement(weights);
  const Ld = denseMlpLayerCount(model);
  const Lm = model.layers - Ld;
  const linearDense = Ld > 0 ? linearBytesPerLayer(model, tp, 'dense', wB) : 0;
  const linearMoe = Lm > 0 ? linearBytesPerLayer(model, tp, 'moe', wB) : 0;
  const otherPerLayer = otherParamsPerLayer(model) * dB;
  const embedding = (model.vocabSize * model.hiddenSize * dB) / tp;
  const kvLayerTok = kvBytesPerTokenPerLayerPerRank(model, input.precision.kvCache, tp);
  // activations are 16-bit between kernels unless the math is fp32 (as resolvePrecision's activationBytes)
  const actB = (input.precision.activations ?? (weights === 'fp32' ? 'fp32' : 'bf16')) === 'fp32' ? 4 : 2;
  const width = Math.max(Ld > 0 ? activationWidthPerToken(model, tp, 'dense') : 0, Lm > 0 ? activationWidthPerToken(model, tp, 'moe') : 0);
  const actPerToken = actB * width;
  const logits = input.maxNumSeqs * model.vocabSize * 4 * 2;
  const runtime = input.runtimeReserveBytes
    ?? DEFAULT_RUNTIME_RESERVE_BYTES + (tp * pp > 1 ? DEFAULT_COMM_RESERVE_BYTES : 0);
  // tokens a sliding-window layer keeps per sequence (vLLM: the blocks covering the last window − 1 tokens
  // plus the block being written)
  const sw = model.slidingWindow;
  const allSliding = sw !== undefined && fullAttentionLayerCount(model) === 0;
  const windowTokens = sw !== undefined && !allSliding
    ? (Math.ceil((sw.window - 1) / input.blockSize) + 1) * input.blockSize
    : 0;

  const counts = stageLayerCounts(model.layers, pp);
  let best: StagePlan | undefined;
  let start = 0;
  for (let s = 0; s < pp; s++) {
    const n = counts[s]!;
    const end = start + n;
    const first = s === 0;
    const last = s === pp - 1;
    const nDense = denseMlpLayerCount(model, start, end);
    const nMoe = moeLayerCount(model, start, end);
    let w = nDense * linearDense + nMoe * linearMoe + n * otherPerLayer;
    if (first) w += embedding;
    if (last) {
      w += model.hiddenSize * dB; // final norm
      if (!model.tieWordEmbeddings || pp > 1) w += embedding; // LM head (a tied one is shared only if PP = 1)
    }
    const act = input.maxBatchedTokens * actPerToken + (last ? logits : 0);
    const sliding = allSliding ? 0 : slidingLayerCount(model, start, end);
    const slidingReserve = sliding * kvLayerTok * windowTokens * input.maxNumSeqs;
    const mode = input.memoryMode ?? 'budget';
    const free = mode === 'budget' ? budget - w - act - runtime - slidingReserve
      : mode === 'static-fraction' ? budget - w - slidingReserve
        : (input.kvFreeFraction ?? 0.9) * (gpu.memoryGiB * GIB - w - act - runtime) - slidingReserve;
    const kvTok = (n - sliding) * kvLayerTok;
    const blocks = free > 0 && kvTok > 0 ? Math.floor(free / (input.blockSize * kvTok)) : 0;
    if (best === undefined || blocks < best.numBlocks) {
      best = { numBlocks: blocks, stage: s, kvBytesPerToken: kvTok, slidingReserve, weightBytes: w, activationPeak: act,
        runtimeReserve: runtime, free, budget };
    }
    start = end;
  }
  return best!;
}

function checkPositiveInt(v: number, where: string, fix: string): void {
  if (!Number.isInteger(v) || v < 1) throw new UserError(`${where} must be a positive integer, got ${v}`, { where, fix });
}

const gib = (b: number): string => `${(b / GIB).toFixed(1)} GiB`;

/** Sizes the KV cache of one replica. Throws UserError when the model does not fit (fewer than one block). */
export function kvCapacity(input: KvCapacityInput): KvCapacity {
  const { gpu, model, precision, parallelism } = input;
  validateParallelism(model, parallelism);
  resolvePrecision(gpu, precision); // same precision errors as the step-time model
  const u = input.gpuMemoryUtilization;
  if (!(u > 0 && u <= 1)) {
    throw new UserError(`gpuMemoryUtilization must be in (0, 1], got ${u}`, {
      where: 'engine.gpuMemoryUtilization', fix: 'use e.g. 0.9 (vLLM default)' });
  }
  checkPositiveInt(input.blockSize, 'engine.blockSize', 'use 16 (vLLM default)');
  checkPositiveInt(input.maxBatchedTokens, 'engine.maxBatchedTokens', 'use e.g. 8192');
  checkPositiveInt(input.maxNumSeqs, 'engine.maxNumSeqs', 'use e.g. 256 (vLLM default)');
  if (input.runtimeReserveBytes !== undefined && !(input.runtimeReserveBytes >= 0)) {
    throw new UserError(`runtimeReserveBytes must be >= 0, got ${input.runtimeReserveBytes}`, {
      where: 'runtimeReserveBytes', fix: 'leave it out for the documented default' });
  }

  const tp = parallelism.tensor;
  const pp = parallelism.pipeline;
  const p = plan(input, precision.weights, tp, pp);
  if (p.numBlocks < 1) throw notFitting(input, p);
  return {
    capacityTokens: p.numBlocks * input.blockSize,
    numBlocks: p.numBlocks,
    blockSize: input.blockSize,
    kvBytesPerTokenPerGpu: p.kvBytesPerToken,
    slidingWindowReserveBytesPerGpu: p.slidingReserve,
    weightBytesPerGpu: p.weightBytes,
    activationReserveBytesPerGpu: p.activationPeak + p.runtimeReserve,
    freeBytesPerGpu: p.free,
    budgetBytesPerGpu: p.budget,
    activationPeakBytesPerGpu: p.activationPeak,
    runtimeReserveBytesPerGpu: p.runtimeReserve,
    limitingStage: p.stage,
  };
}

function notFitting(input: KvCapacityInput, p: StagePlan): UserError {
  const { gpu, model, precision, parallelism } = input;
  const tp = parallelism.tensor;
  const pp = parallelism.pipeline;
  const need = p.weightBytes + p.activationPeak + p.runtimeReserve + p.slidingReserve + input.blockSize * p.kvBytesPerToken;
  const stage = pp > 1 ? ` (pipeline stage ${p.stage})` : '';
  const msg =
    `${model.id} with ${precision.weights} weights does not fit on ${gpu.id} at TP=${tp}, PP=${pp}: each GPU${stage} ` +
    `needs ${gib(need)} (weights ${gib(p.weightBytes)}, activations ${gib(p.activationPeak)}, runtime reserve ` +
    `${gib(p.runtimeReserve)}${p.slidingReserve > 0 ? `, sliding-window KV ${gib(p.slidingReserve)}` : ''}, one KV block) ` +
    `but ${gib(p.budget)} is available ` +
    `(gpuMemoryUtilization ${input.gpuMemoryUtilization} × ${gpu.memoryGiB} GiB)`;

  const fixes: string[] = [];
  const tps = divisors(model.numHeads).filter(
    (d) => d > tp && d <= 64 && (model.mla !== undefined || model.numKvHeads % d === 0 || d % model.numKvHeads === 0));
  const fitTp = tps.find((d) => plan(input, precision.weights, d, pp).numBlocks >= 1);
  if (fitTp !== undefined) fixes.push(`use tensor parallelism ${fitTp} (${input.parallelismPath ?? 'parallelism'}.tensor)`);
  const fitPp = [2, 4, 8].find((d) => d * pp <= model.layers && plan(input, precision.weights, tp, d * pp).numBlocks >= 1);
  if (fitTp === undefined && fitPp !== undefined) fixes.push(`use pipeline parallelism ${fitPp * pp}`);
  const hasFp8 = (gpu.peakTflops.fp8 ?? 0) > 0;
  for (const w of (hasFp8 ? ['fp8', 'int4'] : ['int8', 'int4']) as Precision[]) {
    if (bytesPerElement(w) < bytesPerElement(precision.weights) && plan(input, w, tp, pp).numBlocks >= 1) {
      fixes.push(`use ${w} weights (precision.weights)`);
      break;
    }
  }
  if (input.gpuMemoryUtilization < 0.95) fixes.push('raise engine.gpuMemoryUtilization');
  if (p.activationPeak > 2 * GIB) fixes.push('lower engine.maxBatchedTokens or engine.maxNumSeqs');
  fixes.push('or pick a GPU with more memory');
  // Name the key that caused it: the activation reserve (maxBatchedTokens) when everything else fits, a
  // lowered gpuMemoryUtilization when the default 0.9 would fit, else the replica's parallelism.
  const parPath = input.parallelismPath ?? 'parallelism';
  const where = need - p.activationPeak <= p.budget ? 'engine.maxBatchedTokens'
    : input.gpuMemoryUtilization < 0.9 && need <= (p.budget / input.gpuMemoryUtilization) * 0.9 ? 'engine.gpuMemoryUtilization'
      : parPath;
  if (where === 'engine.maxBatchedTokens') {
    const i = fixes.findIndex((f) => f.includes('maxBatchedTokens'));
    fixes.unshift(i >= 0 ? fixes.splice(i, 1)[0] : 'lower engine.maxBatchedTokens (the activation reserve grows with it)');
  }
  return new UserError(msg, { where, code: 'does-not-fit', fix: fixes.join(', ') });
}
