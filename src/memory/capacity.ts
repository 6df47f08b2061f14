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
 * KV bytes per token per GPU = 2 × stage layers × max(1, kvHeads/TP) × headDim × kvBytes.
 *
 * Activation reserve = peak activations of a forward pass of maxBatchedTokens tokens + a runtime reserve:
 *   tokens × actBytes × (2·hidden + QKV out/TP + (3 or 2)·intermediate/TP)     (residual + normed input,
 *        QKV output, gate+up output and SiLU·mul output alive together at the MLP)
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
  denseTensorBytesPerElement, divisors, kvHeadsPerRank, linearWeightBytesPerElement, otherParamsPerLayer,
  shardedLayerLinearShapes, stageLayerCounts, validateParallelism,
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
}

export interface KvCapacity {
  /** numBlocks × blockSize. */
  capacityTokens: number;
  numBlocks: number;
  blockSize: number;
  /** On the GPU that limits the capacity (the pipeline stage with the fewest blocks). */
  kvBytesPerTokenPerGpu: number;
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
  weightBytes: number;
  activationPeak: number;
  runtimeReserve: number;
  free: number;
  budget: number;
}

function plan(input: KvCapacityInput, weights: Precision, tp: number, pp: number): StagePlan {
  const { gpu, model } = input;
  const budget = gpu.memoryGiB * GIB * input.gpuMemoryUtilization;
  const wB = linearWeightBytesPerElement(weights);
  const dB = denseTensorBytesPerElement(weights);
  let linearPerLayer = 0;
  for (const s of shardedLayerLinearShapes(model, tp)) linearPerLayer += s.copies * s.k * s.n * wB;
  const otherPerLayer = otherParamsPerLayer(model) * dB;
  const embedding = (model.vocabSize * model.hiddenSize * dB) / tp;
  const kvR = kvHeadsPerRank(model, tp);
  const kvB = bytesPerElement(input.precision.kvCache);
  const actB = (input.precision.activations ?? (weights === 'fp32' ? 'fp32' : 'bf16')) === 'fp32' ? 4 : 2;
  const h = model.hiddenSize;
  const qkvOut = (model.numHeads / tp + 2 * kvR) * model.headDim;
  const inner = model.moe
    ? ((model.moe.topK + model.moe.sharedExperts) * model.moe.expertIntermediateSize) / tp
    : model.intermediateSize / tp;
  const actPerToken = actB * (2 * h + qkvOut + (model.gatedMlp ? 3 : 2) * inner);
  const logits = input.maxNumSeqs * model.vocabSize * 4 * 2;
  const runtime = input.runtimeReserveBytes
    ?? DEFAULT_RUNTIME_RESERVE_BYTES + (tp * pp > 1 ? DEFAULT_COMM_RESERVE_BYTES : 0);

  const counts = stageLayerCounts(model.layers, pp);
  let best: StagePlan | undefined;
  for (let s = 0; s < pp; s++) {
    const first = s === 0;
    const last = s === pp - 1;
    let w = counts[s]! * (linearPerLayer + otherPerLayer);
    if (first) w += embedding;
    if (last) {
      w += model.hiddenSize * dB; // final norm
      if (!model.tieWordEmbeddings || pp > 1) w += embedding; // LM head (a tied one is shared only if PP = 1)
    }
    const act = input.maxBatchedTokens * actPerToken + (last ? logits : 0);
    const free = budget - w - act - runtime;
    const kvTok = 2 * counts[s]! * kvR * model.headDim * kvB;
    const blocks = free > 0 ? Math.floor(free / (input.blockSize * kvTok)) : 0;
    if (best === undefined || blocks < best.numBlocks) {
      best = { numBlocks: blocks, stage: s, kvBytesPerToken: kvTok, weightBytes: w, activationPeak: act,
        runtimeReserve: runtime, free, budget };
    }
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
  const need = p.weightBytes + p.activationPeak + p.runtimeReserve + input.blockSize * p.kvBytesPerToken;
  const stage = pp > 1 ? ` (pipeline stage ${p.stage})` : '';
  const msg =
    `${model.id} with ${precision.weights} weights does not fit on ${gpu.id} at TP=${tp}, PP=${pp}: each GPU${stage} ` +
    `needs ${gib(need)} (weights ${gib(p.weightBytes)}, activations ${gib(p.activationPeak)}, runtime reserve ` +
    `${gib(p.runtimeReserve)}, one KV block) but ${gib(p.budget)} is available ` +
    `(gpuMemoryUtilization ${input.gpuMemoryUtilization} × ${gpu.memoryGiB} GiB)`;

  const fixes: string[] = [];
  const tps = divisors(model.numHeads).filter(
    (d) => d > tp && d <= 64 && (model.numKvHeads % d === 0 || d % model.numKvHeads === 0));
  const fitTp = tps.find((d) => plan(input, precision.weights, d, pp).numBlocks >= 1);
  if (fitTp !== undefined) fixes.push(`use tensor parallelism ${fitTp} (parallelism.tensor)`);
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
  return new UserError(msg, { where: 'parallelism / precision.weights', fix: fixes.join(', ') });
}
