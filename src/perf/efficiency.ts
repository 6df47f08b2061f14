/**
 * Efficiency lookups used by the roofline model: what fraction of a spec-sheet peak an operation reaches.
 * The default implementation reads the documented constants of a GPU profile's `efficiency` block; a
 * calibrated implementation (curves fitted from microbenchmarks) can replace it behind the same interface.
 *
 * Every method is called from `StepTimeModel.predict`, which must stay O(1) and allocation-free: return a
 * plain number and do not allocate.
 */
import type { GpuEfficiency } from '../profiles/schema.ts';

export interface EfficiencyModel {
  /**
   * Fraction (0, 1] of the tensor-core peak reached by a GEMM y[M×n] = x[M×k]·W[k×n] with M = `tokens`
   * (per expert for MoE). Called only with tokens > 0.
   */
  gemmCompute(tokens: number, k: number, n: number): number;
  /** Fraction (0, 1] of peak memory bandwidth for a streaming kernel moving `bytes`. */
  memory(bytes: number): number;
  /**
   * Fraction (0, 1] of the 16-bit tensor peak reached by attention math, given the mean number of keys each
   * query attends to (prefill: pairs / prefill tokens; decode: mean context length).
   */
  attentionCompute(meanKeysPerQuery: number): number;
  /** Fraction (0, 1] of peak memory bandwidth for attention reading/writing `bytes` of KV cache + Q/O. */
  attentionMemory(bytes: number): number;
  /** Fraction (0, 1] of scale-up link bandwidth achieved by a collective moving `bytes` per rank. */
  interconnect(bytes: number): number;
  /** Fixed seconds added per kernel (launch, ramp-up, tail). */
  readonly launchOverheadSec: number;
  /**
   * Exponent p of the GEMM time blend t = (c^p + m^p)^(1/p) of compute time c and memory time m
   * (Infinity: the hard roofline max).
   */
  readonly gemmBlendExponent: number;
}

/**
 * Spec-sheet peaks × documented constants:
 * - GEMM: constant gemmComputeMax; the slow-down of mid-size GEMMs near the ridge point comes from the
 *   p-norm blend of compute and memory time (gemmBlendExponent), not from a token-dependent efficiency.
 * - memory and attention memory: constant `memoryBw`.
 * - attention compute: attentionComputeMax · a / (a + attentionHalfKeys), a = mean keys per query.
 * - interconnect: constant `interconnect`.
 */
export function defaultEfficiencyModel(e: GpuEfficiency): EfficiencyModel {
  const gMax = e.gemmComputeMax;
  const aMax = e.attentionComputeMax;
  const aHalf = e.attentionHalfKeys;
  const mem = e.memoryBw;
  const link = e.interconnect;
  return {
    gemmCompute: () => gMax,
    memory: () => mem,
    attentionCompute: (a: number) => (a > 0 ? (aMax * a) / (a + aHalf) : aMax * 1e-3),
    attentionMemory: () => mem,
    interconnect: () => link,
    launchOverheadSec: e.launchOverheadSec,
    gemmBlendExponent: e.gemmBlendExponent,
  };
}
