/**
 * Analytical roofline step-time model: one forward pass of a mixed prefill/decode batch on one replica
 * (TP × PP GPUs). Spec-sheet peaks × efficiencies from an EfficiencyModel (default: the GPU profile's
 * documented constants). See docs for the derivation; in short, per decoder layer and TP rank:
 *
 *   linear (QKV, O, gate+up, down):  (c^p + m^p)^(1/p) + launch, with c = 2·T·k·n / (peak·effGemm) and
 *        m = (weights + T·(k+n)·act) / (BW·effMem); p = 2 by default (a smoothed roofline: mid-size GEMMs near
 *        the ridge point are slower than either bound, as measured)
 *   attention:   max(4·heads/TP·headDim·(prefillPairs/effAttn(a_p) + decodeContext/effAttn(a_d)) / peak16,
 *                    (KV read + KV write + Q/O) bytes / (BW·effMem)) + 2·launch
 *   elementwise: T·act·(8·hidden + 2·(heads+kv)/TP·headDim + 3·I/TP) bytes / (BW·effMem) + 4·launch
 *   TP all-reduce ×2: 2(TP−1)·latency + 2(TP−1)/TP · T·hidden·act / (link·effLink)
 * and once per step: embedding (+ all-reduce), final norm, LM head over logitSeqs (+ logits all-gather),
 * sampler, (PP−1) stage hand-offs (pipeline stages run one after another: no micro-batching), and a CPU
 * overhead base + perSeq × sequences.
 *
 * `predict` is O(1) and allocation-free: all shapes are precomputed in the factory.
 */
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import { resolvePrecision } from './compute-precision.ts';
import { defaultEfficiencyModel, type EfficiencyModel } from './efficiency.ts';
import {
  denseTensorBytesPerElement, kvHeadsPerRank, linearWeightBytesPerElement, shardedLayerLinearShapes,
  validateParallelism,
} from './model-math.ts';
import type { Parallelism, PrecisionConfig } from './precision.ts';
import type { BatchShape, StepCost, StepTimeModel } from './types.ts';

/** CPU work on the critical path of every engine step (input preparation, sampling, launch). */
export interface CpuOverhead {
  baseSec: number;
  perSeqSec: number;
}

/**
 * Default CPU overhead: a linear fit of Vidur's vLLM CPU-overhead measurements (data/microbench/vidur/
 * cpu-overhead/a100.csv, Llama-2-7B TP1, batch 8–128) of the parts that stay on the critical path in an
 * engine that overlaps scheduling and output processing with the GPU: sampler_e2e (0.44 ms + 6.0 µs/seq) +
 * prepare_inputs_e2e (0.22 ms + 7.6 µs/seq). Scheduling (15.5 µs/seq) and output processing (15.2 µs/seq)
 * are assumed overlapped; add them for a synchronous engine.
 */
export const DEFAULT_CPU_OVERHEAD: Readonly<CpuOverhead> = { baseSec: 0.65e-3, perSeqSec: 14e-6 };

/**
 * Weight-only dequantisation cost: fp32-equivalent CUDA-core ops per weight element, per tile of this many
 * tokens (Marlin-style kernels dequantise each weight once per M-tile with a bit-op and a packed half2 FMA;
 * MARLIN, Frantar et al. 2024, reports near-ideal 4-bit speed-ups up to batch 16-32). An assumption.
 */
export const DEQUANT_OPS_PER_WEIGHT = 2;
export const DEQUANT_TILE_TOKENS = 64;

/** Elementwise kernels per layer: 2 fused add+RMSNorm, RoPE, activation (SiLU·mul). */
const ELEMENTWISE_KERNELS = 4;
/** Extra kernels per MoE layer: top-k routing and token permutation. */
const MOE_ROUTING_KERNELS = 2;
/** Kernels in the sampler (softmax/top-k/sample). */
const SAMPLER_KERNELS = 3;

export interface RooflineOptions {
  gpu: GpuProfile;
  model: ModelProfile;
  precision: PrecisionConfig;
  parallelism: Parallelism;
  /** Replaces the GPU profile's default efficiencies (e.g. a calibrated model). */
  efficiency?: EfficiencyModel;
  cpuOverhead?: CpuOverhead;
}

const MIN_EFF = 1e-6;
function clampEff(e: number): number {
  return e > MIN_EFF ? (e < 1 ? e : 1) : MIN_EFF;
}

export function createRooflineModel(opts: RooflineOptions): StepTimeModel {
  const { gpu, model, precision, parallelism } = opts;
  validateParallelism(model, parallelism);
  const rp = resolvePrecision(gpu, precision);
  const eff = opts.efficiency ?? defaultEfficiencyModel(gpu.efficiency);
  const cpu = opts.cpuOverhead ?? DEFAULT_CPU_OVERHEAD;
  const cpuBase = cpu.baseSec;
  const cpuPerSeq = cpu.perSeqSec;

  const tp = parallelism.tensor;
  const pp = parallelism.pipeline;
  const L = model.layers;
  const H = model.hiddenSize;
  const V = model.vocabSize;
  const hd = model.headDim;
  const bw = gpu.memoryBandwidthBytesPerSec;
  const linkBw = gpu.interconnect.bandwidthBytesPerSec;
  const linkLat = gpu.interconnect.latencySec;
  const launch = eff.launchOverheadSec;
  const actB = rp.activationBytes;
  const wB = linearWeightBytesPerElement(rp.weights);
  const denseB = denseTensorBytesPerElement(rp.weights);
  const gemmPeak = rp.gemmPeakFlops;
  const attnPeak = rp.attentionPeakFlops;
  const scalarPeak = rp.scalarPeakFlops;
  const weightOnly = rp.weightOnly;
  const blendP = eff.gemmBlendExponent;
  const hardMax = !(blendP < 64);
  const sqrtBlend = blendP === 2;

  // Dense (non-expert) linears of one layer on one TP rank.
  const shapes = shardedLayerLinearShapes(model, tp);
  const dense = shapes.filter((s) => s.name !== 'expertGateUp' && s.name !== 'expertDown');
  const nDense = dense.length;
  const dK = Float64Array.from(dense, (s) => s.k);
  const dN = Float64Array.from(dense, (s) => s.n);
  const dW = Float64Array.from(dense, (s) => s.k * s.n * wB);
  const dAct = Float64Array.from(dense, (s) => (s.k + s.n) * actB);

  // Routed experts (MoE), per TP rank.
  const moe = model.moe;
  const E = moe?.experts ?? 0;
  const topK = moe?.topK ?? 0;
  const guShape = shapes.find((s) => s.name === 'expertGateUp');
  const dnShape = shapes.find((s) => s.name === 'expertDown');
  const guK = guShape?.k ?? 0, guN = guShape?.n ?? 0;
  const dnK = dnShape?.k ?? 0, dnN = dnShape?.n ?? 0;
  const logMiss = E > 0 ? Math.log1p(-1 / E) : 0;

  // Attention, per layer per TP rank.
  const headsR = model.numHeads / tp;
  const kvR = kvHeadsPerRank(model, tp);
  const attnFlopsPerPair = 4 * headsR * hd;
  const kvBytesTokLayer = 2 * kvR * hd * rp.kvBytes;
  const qoBytesTok = 2 * headsR * hd * actB;

  // Elementwise bytes per token per layer per rank: 2 fused add+norm (read x, residual; write both),
  // RoPE on Q and K (read + write), activation (read gate+up, write one).
  const mlpInnerR = moe ? (topK + moe.sharedExperts) * moe.expertIntermediateSize / tp : model.intermediateSize / tp;
  const ewBytesTok = actB * (8 * H + 2 * (headsR + kvR) * hd + (model.gatedMlp ? 3 : 2) * mlpInnerR);
  const ewKernels = ELEMENTWISE_KERNELS + (moe ? MOE_ROUTING_KERNELS : 0);

  // LM head per TP rank.
  const lmN = V / tp;
  const lmW = H * lmN * denseB;
  const lmAct = (H + lmN) * actB;

  // Accumulators of the current predict call (closure scalars: no allocation).
  let accFlops = 0;
  let accBytes = 0;
  let accCompute = 0;
  let accLaunch = 0;

  /** One GEMM; `weightElems` > 0 marks quantised weights (dequantisation cost when weight-only). */
  function linear(m: number, k: number, n: number, weightBytes: number, weightElems: number, actBytes: number,
    effTokens: number, peak: number): number {
    const fl = 2 * m * k * n;
    let comp = fl / (peak * clampEff(eff.gemmCompute(effTokens, k, n)));
    if (weightOnly && weightElems > 0) comp += (DEQUANT_OPS_PER_WEIGHT * weightElems * Math.ceil(effTokens / DEQUANT_TILE_TOKENS)) / scalarPeak;
    const by = weightBytes + actBytes;
    const mem = by / (bw * clampEff(eff.memory(by)));
    accFlops += fl;
    accBytes += by;
    accLaunch += launch;
    let t: number;
    if (hardMax) t = comp > mem ? comp : mem;
    else if (sqrtBlend) t = Math.sqrt(comp * comp + mem * mem);
    else {
      const hi = comp > mem ? comp : mem; // scale to avoid overflow
      t = hi * Math.pow(Math.pow(comp / hi, blendP) + Math.pow(mem / hi, blendP), 1 / blendP);
    }
    if (comp >= mem) accCompute += t;
    return t + launch;
  }

  function streaming(bytes: number, kernels: number): number {
    accBytes += bytes;
    accLaunch += kernels * launch;
    return bytes / (bw * clampEff(eff.memory(bytes))) + kernels * launch;
  }

  function allReduce(size: number): number {
    if (tp <= 1) return 0;
    return 2 * (tp - 1) * linkLat + (2 * (tp - 1) / tp) * size / (linkBw * clampEff(eff.interconnect(size)));
  }

  function allGather(size: number): number {
    if (tp <= 1) return 0;
    return (tp - 1) * linkLat + ((tp - 1) / tp) * size / (linkBw * clampEff(eff.interconnect(size)));
  }

  function fill(cost: StepCost | undefined, seconds: number, comm: number, overhead: number): void {
    if (cost === undefined) return;
    cost.seconds = seconds;
    cost.flops = accFlops * tp;
    cost.bytes = accBytes * tp;
    cost.computeBoundSec = accCompute;
    cost.commSec = comm;
    cost.overheadSec = overhead;
  }

  /** Attention of one layer on one TP rank (prefill and decode in one varlen kernel); adds to attn accumulators. */
  let attnFlopsAcc = 0;
  let attnBytesAcc = 0;
  let attnComputeAcc = 0;
  function attentionLayer(pairs: number, pTok: number, pKv: number, dCtx: number, dSeq: number, T: number): number {
    const pFl = attnFlopsPerPair * pairs;
    const dFl = attnFlopsPerPair * dCtx;
    let attnComp = 0;
    if (pFl > 0) attnComp += pFl / (attnPeak * clampEff(eff.attentionCompute(pTok > 0 ? pairs / pTok : 0)));
    if (dFl > 0) attnComp += dFl / (attnPeak * clampEff(eff.attentionCompute(dSeq > 0 ? dCtx / dSeq : 0)));
    const attnBytes = (pKv + dCtx) * kvBytesTokLayer + T * (qoBytesTok + kvBytesTokLayer);
    const attnMem = attnBytes / (bw * clampEff(eff.attentionMemory(attnBytes)));
    attnFlopsAcc = pFl + dFl;
    attnBytesAcc = attnBytes;
    if (attnComp >= attnMem) {
      attnComputeAcc = attnComp;
      return attnComp + 2 * launch;
    }
    attnComputeAcc = 0;
    return attnMem + 2 * launch;
  }

  // Parts of the last `others` call, used by `predict` to fill StepCost.
  let otherComm = 0;

  /**
   * Everything in a step except attention: linears, elementwise, communication, LM head, sampler, CPU.
   * Depends only on token counts, not on context lengths (so a run of decode steps shares it).
   */
  function others(b: BatchShape, T: number, cpuSec: number): number {
    accFlops = 0; accBytes = 0; accCompute = 0; accLaunch = 0;
    // ---- one decoder layer on one TP rank ----
    let layer = 0;
    for (let i = 0; i < nDense; i++) {
      layer += linear(T, dK[i]!, dN[i]!, dW[i]!, dK[i]! * dN[i]!, T * dAct[i]!, T, gemmPeak);
    }
    if (E > 0) {
      const routed = T * topK;
      const active = E * -Math.expm1(routed * logMiss); // expected distinct experts hit
      const perExpert = routed / active;
      layer += linear(routed, guK, guN, active * guK * guN * wB, active * guK * guN, routed * (guK + guN) * actB, perExpert, gemmPeak);
      layer += linear(routed, dnK, dnN, active * dnK * dnN * wB, active * dnK * dnN, routed * (dnK + dnN) * actB, perExpert, gemmPeak);
    }
    layer += streaming(T * ewBytesTok, ewKernels);
    const layerComm = 2 * allReduce(T * H * actB);

    // scale the per-layer accumulators to all L layers (summed over the PP stages, which run in sequence)
    let seconds = L * (layer + layerComm);
    let comm = L * layerComm;
    accFlops *= L; accBytes *= L; accCompute *= L; accLaunch *= L;
    accLaunch += L * 2 * launch; // the attention kernels

    // ---- once per step ----
    // embedding lookup (vocab-parallel: masked gather then all-reduce) and final norm over all tokens
    seconds += streaming(T * H * (denseB + actB), 1);
    const embComm = allReduce(T * H * actB);
    seconds += embComm;
    comm += embComm;
    seconds += streaming(2 * T * H * actB, 1);

    const m = b.logitSeqs > 0 ? (b.logitSeqs < T ? b.logitSeqs : T) : 0;
    if (m > 0) {
      // the LM head stays 16-bit in quantised checkpoints
      seconds += linear(m, H, lmN, lmW, 0, m * lmAct, m, attnPeak);
      const gather = allGather(m * V * 4);
      seconds += gather;
      comm += gather;
      seconds += streaming(3 * m * V * 4, SAMPLER_KERNELS);
    }

    if (pp > 1) {
      const size = 2 * T * H * actB; // hidden states + residual
      const handoff = (pp - 1) * (linkLat + size / (linkBw * clampEff(eff.interconnect(size))));
      seconds += handoff;
      comm += handoff;
    }
    otherComm = comm;
    return seconds + cpuSec;
  }

  function predict(b: BatchShape, cost?: StepCost): number {
    const pTok = b.prefillTokens > 0 ? b.prefillTokens : 0;
    const dSeq = b.decodeSeqs > 0 ? b.decodeSeqs : 0;
    const T = pTok + dSeq;
    const seqs = (b.prefillSeqs > 0 ? b.prefillSeqs : 0) + dSeq;
    const cpuSec = cpuBase + cpuPerSeq * seqs;
    if (!(T > 0)) {
      accFlops = 0; accBytes = 0; accCompute = 0; accLaunch = 0;
      fill(cost, cpuSec, 0, cpuSec);
      return cpuSec;
    }
    const other = others(b, T, cpuSec);
    const attn = attentionLayer(
      b.prefillAttnPairs > 0 ? b.prefillAttnPairs : 0, pTok, b.prefillKvTokens > 0 ? b.prefillKvTokens : 0,
      b.decodeContextTokens > 0 ? b.decodeContextTokens : 0, dSeq, T,
    );
    const seconds = other + L * attn;
    if (cost !== undefined) {
      accFlops += L * attnFlopsAcc;
      accBytes += L * attnBytesAcc;
      accCompute += L * attnComputeAcc;
      fill(cost, seconds, otherComm, cpuSec + accLaunch);
    }
    return seconds;
  }

  /**
   * Ends of `extra` further decode steps of an unchanging batch whose contexts grow by one token per step:
   * ends[k] = ends[k−1] + predict(batch with decodeContextTokens + k·decodeSeqs), bit for bit, but computing
   * the context-independent part once.
   */
  function predictDecodeRun(b: BatchShape, extra: number, ends: Float64Array): void {
    const dSeq = b.decodeSeqs;
    const T = dSeq;
    const cpuSec = cpuBase + cpuPerSeq * dSeq;
    const other = others(b, T, cpuSec);
    const ctx0 = b.decodeContextTokens;
    let t = ends[0];
    for (let k = 1; k <= extra; k++) {
      t += other + L * attentionLayer(0, 0, 0, ctx0 + k * dSeq, dSeq, T);
      ends[k] = t;
    }
  }

  return { name: 'roofline', predict, predictDecodeRun };
}
