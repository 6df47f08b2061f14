/**
 * The aggregate shape of one engine step (one forward pass over a mixed batch).
 * Aggregates (sums) rather than per-sequence lists keep `predict` O(1) and allocation-free.
 */
export interface BatchShape {
  /** New prompt tokens processed this step, summed over prefill chunks. */
  prefillTokens: number;
  /** Number of sequences with a prefill chunk in this step. */
  prefillSeqs: number;
  /**
   * Σ over prefill chunks of chunk × (priorContext + (chunk + 1) / 2): the number of (query, key) pairs the
   * causal attention of the chunks computes. For a whole prompt of n tokens: n(n+1)/2.
   */
  prefillAttnPairs: number;
  /** Σ over prefill chunks of (priorContext + chunk): KV tokens the prefill attention reads. */
  prefillKvTokens: number;
  /** Number of sequences generating one token this step. */
  decodeSeqs: number;
  /** Σ of the decode sequences' context lengths (tokens of KV read by decode attention). */
  decodeContextTokens: number;
  /** Sequences whose logits are computed this step (decodes + prefills finishing their prompt). */
  logitSeqs: number;
}

/** Breakdown of a predicted step, filled in place by `predict` when asked (no allocation). */
export interface StepCost {
  seconds: number;
  flops: number;
  bytes: number;
  /** Part of `seconds` spent in compute-bound ops (for power/utilisation models). */
  computeBoundSec: number;
  /** Part of `seconds` in communication (TP all-reduce, PP send/recv). */
  commSec: number;
  /** Fixed/CPU overhead part of `seconds`. */
  overheadSec: number;
}

/** Predicts the wall time of one engine step on one replica (all its TP×PP GPUs). */
export interface StepTimeModel {
  readonly name: string;
  /**
   * Seconds for the step. When `cost` is given, fills it with the breakdown. `gpuScale` (default 1) multiplies
   * the GPU part of the step (a lower clock); only models with `scalesGpu` honour it.
   */
  predict(batch: BatchShape, cost?: StepCost, gpuScale?: number): number;
  /** Whether `predict` / `predictDecodeRun` apply `gpuScale` (the engine step model does). */
  readonly scalesGpu?: boolean;
  /** With `scalesGpu`: the last predicted step at another `gpuScale`, as `predict` would give it (no recompute). */
  rescaleLast?(gpuScale: number): number;
  /**
   * Optional fast path for a run of decode-only steps of an unchanging batch (no prefill): fills
   * ends[1..extra] with ends[k] = ends[k−1] + predict(batch with decodeContextTokens + k × decodeSeqs),
   * exactly as `predict` would, given ends[0]. The engine falls back to calling `predict` per step.
   */
  predictDecodeRun?(batch: BatchShape, extra: number, ends: Float64Array, gpuScale?: number): void;
  /**
   * Optional: the durations of `extra` further decode steps of an unchanging batch, step by step:
   * out[k] = predict(batch with decodeContextTokens + k × ctxStep) for k = 1..extra (ctxStep defaults to
   * decodeSeqs; a padded batch grows by its real sequences only), bit for bit, computing the
   * context-independent part once (the engine layer combines each with its CPU time).
   */
  predictDecodeSteps?(batch: BatchShape, extra: number, out: Float64Array, ctxStep?: number): void;
}

export function emptyBatch(): BatchShape {
  return {
    prefillTokens: 0, prefillSeqs: 0, prefillAttnPairs: 0, prefillKvTokens: 0,
    decodeSeqs: 0, decodeContextTokens: 0, logitSeqs: 0,
  };
}

export function emptyCost(): StepCost {
  return { seconds: 0, flops: 0, bytes: 0, computeBoundSec: 0, commSec: 0, overheadSec: 0 };
}

/**
 * Tensor-parallel collectives of one replica's GPUs from a node topology (src/topology/collective.ts): when
 * given, they replace the GPU profile's interconnect constant in the step-time models.
 */
export interface TpCollectives {
  /** Seconds of an all-reduce of `bytes` over the replica's TP group. */
  allReduceSec(bytes: number): number;
  /** Seconds of an all-gather producing `bytes` on every rank. */
  allGatherSec(bytes: number): number;
}
