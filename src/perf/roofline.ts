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
 * Model structures (layer counts are precomputed; the step sums the layer kinds):
 * - MoE: routed experts read only the experts the batch touches: E·(1 − (1 − 1/E)^(T·topK)) expected
 *   distinct experts per layer, each GEMM run with T·topK / that many tokens; shared experts and the router
 *   are dense GEMMs of every MoE layer; the first `moe.firstDenseLayers` layers (DeepSeek-V3: 3) are dense-MLP
 *   layers. Without expert parallelism each expert is split over the TP ranks.
 * - MLA (DeepSeek-V3): q/kv down-projections (replicated per rank), q_b and kv_b up-projections (column) and
 *   O are GEMMs; kv_b runs over the step's tokens plus the prefill chunks' prior context (vLLM decompresses
 *   the cached latents of the prior context for prefill; in decode kv_b is absorbed into the query and output
 *   — the same FLOPs and weight bytes per token). Attention FLOPs per (query, key): prefill (decompressed,
 *   FlashAttention) 2·heads·(qkNope+qkRope) + 2·heads·vHead; decode (absorbed, FlashMLA) 2·heads·(kvLoraRank
 *   + qkRope) + 2·heads·kvLoraRank. Bytes: decode reads context × (kvLoraRank + qkRope) × kvBytes per layer
 *   (the latent cache, whole on every rank); prefill reads the decompressed K and V, heads/TP × (qk + vHead)
 *   × activation bytes per context token.
 * - Sliding-window layers: each query sees at most `window` keys, so per sliding layer the prefill pairs are
 *   min(pairs, prefillTokens·window), the prefill KV read min(prefillKv, prefillSeqs·window + prefillTokens)
 *   and the decode KV read min(decodeContext, decodeSeqs·window): O(1) upper bounds from the aggregates,
 *   exact when every sequence's context is at least the window (all of them once past 128 tokens for gpt-oss).
 *
 * `predict` is O(1) and allocation-free: all shapes are precomputed in the factory.
 */
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import { resolvePrecision } from './compute-precision.ts';
import { defaultEfficiencyModel, type EfficiencyModel } from './efficiency.ts';
import {
  attentionFlopsPerPair, denseMlpLayerCount, denseTensorBytesPerElement, kvHeadsPerRank, linearWeightBytesPerElement,
  shardedLayerLinearShapes, slidingLayerCount, validateParallelism, type MlpKind,
} from './model-math.ts';
import type { Parallelism, PrecisionConfig } from './precision.ts';
import type { BatchShape, StepCost, StepTimeModel, TpCollectives } from './types.ts';

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
 * Weight-only quantised GEMMs (W4A16 AWQ/GPTQ, W8A16 FP8-on-Ampere): Marlin-style kernels stream the narrow
 * weights and dequantise them in registers, overlapped with the loads, so a memory-bound GEMM speeds up by
 * the weight-bytes ratio ("ideal" 3.87× for 4-bit with group-128 scales over fp16) until the tensor cores
 * become the limit (IST-DASLab/marlin README §Benchmarks, peak.png: ideal up to batch 16–32, ~95 % of ideal at
 * 64–128). The model:
 *
 *   t_q = max( t16 × ((W_q + act) / (W_16 + act) + u(hidden)),   c_large )
 *
 * t16 = the calibrated 16-bit GEMM time at this shape, W_q = quantised weight bytes incl. group scales,
 * c_large = the GEMM's FLOPs at the 16-bit peak × the efficiency the calibrated curve reaches at large M (the
 * compute-bound floor), and u = the part of the 16-bit time a real weight-only kernel does not shrink, from
 * Marlin's measured speed-ups S on real layer shapes at batch 16 on A100 (assets/models.png: Llama-7B 2.2×,
 * 13B 2.8×, 33B 3.0×, 65B 3.2×, Falcon-180B 3.6× against the 3.87× ideal): u = 1/S − 1/3.87, interpolated by
 * hidden size. With it an 8-bit weight-only GEMM speeds up 1.4× (7B-sized) to 1.8× (65B-sized), in line with
 * "up to 2x in memory-bound scenarios" for FP8 Marlin (vllm-project/vllm PR #5975). The A100 values are used
 * for every GPU (A10 reaches ~0.97 of ideal: conservative where bandwidth per FLOP is lower).
 */
export const WEIGHT_ONLY_SPEEDUP_BY_HIDDEN: readonly (readonly [number, number])[] = [
  [4096, 2.2], [5120, 2.8], [6656, 3.0], [8192, 3.2], [14848, 3.6],
];
/** Marlin's ideal 4-bit speed-up over fp16 (4 bits + 0.125 bit of group-128 scales). */
export const WEIGHT_ONLY_IDEAL_SPEEDUP = 3.87;
/** Tokens at which the calibrated GEMM efficiency is taken as the compute-bound floor of a weight-only GEMM. */
export const WEIGHT_ONLY_LARGE_M = 4096;

/**
 * The share of a 16-bit GEMM's time that a weight-only kernel does not shrink, for a model of this hidden size
 * (clamped interpolation of Marlin's A100 real-layer speed-ups).
 * @example weightOnlyUnshrunk(4096) // 1/2.2 − 1/3.87 ≈ 0.196
 */
export function weightOnlyUnshrunk(hidden: number): number {
  const t = WEIGHT_ONLY_SPEEDUP_BY_HIDDEN;
  let s = t[t.length - 1]![1];
  if (hidden <= t[0]![0]) s = t[0]![1];
  else {
    for (let i = 1; i < t.length; i++) {
      const [h1, s1] = t[i]!;
      const [h0, s0] = t[i - 1]!;
      if (hidden <= h1) { s = s0 + ((s1 - s0) * (hidden - h0)) / (h1 - h0); break; }
    }
  }
  return 1 / s - 1 / WEIGHT_ONLY_IDEAL_SPEEDUP;
}

/** Elementwise kernels per layer: 2 fused add+RMSNorm, RoPE, activation (SiLU·mul). */
const ELEMENTWISE_KERNELS = 4;
/** Extra kernels per MLA layer: RMSNorm of the q and kv latents. */
const MLA_NORM_KERNELS = 2;
/** Extra kernels per Qwen3 layer: the per-head q/k RMSNorm (one fused kernel). */
const QK_NORM_KERNELS = 1;
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
  /** TP collectives over a node's links (scenario `node`); default the GPU profile's interconnect constant. */
  collectives?: TpCollectives;
}

/** Slots of the roofline's accumulator array (see createRooflineModel). */
const ACC_FLOPS = 0;
const ACC_BYTES = 1;
const ACC_COMPUTE = 2;
const ACC_LAUNCH = 3;
const ATTN_FLOPS = 4;
const ATTN_BYTES = 5;
const ATTN_COMPUTE = 6;
const ATTN_FLOPS_TOT = 7;
const ATTN_BYTES_TOT = 8;
const ATTN_COMPUTE_TOT = 9;
const OTHER_COMM = 10;

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
  const coll = opts.collectives;
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
  const weightOnly = rp.weightOnly;
  const woUnshrunk = weightOnlyUnshrunk(model.hiddenSize);
  const blendP = eff.gemmBlendExponent;
  const hardMax = !(blendP < 64);
  const sqrtBlend = blendP === 2;

  // Layer counts by kind (summed over the PP stages, which run one after another).
  const Ld = denseMlpLayerCount(model);
  const Lm = L - Ld;
  const Ls = slidingLayerCount(model);
  const Lf = L - Ls;
  const window = model.slidingWindow?.window ?? 0;
  const mla = model.mla;

  // Attention, per layer per TP rank.
  const headsR = model.numHeads / tp;
  const kvR = kvHeadsPerRank(model, tp);
  const prefillFlopsPerPair = attentionFlopsPerPair(model, 'prefill') / tp;
  const decodeFlopsPerPair = attentionFlopsPerPair(model, 'decode') / tp;
  // bytes per token per layer of the KV cache (read in decode, written for every new token)
  const kvBytesTokLayer = mla !== undefined ? (mla.kvLoraRank + mla.qkRopeHeadDim) * rp.kvBytes : 2 * kvR * hd * rp.kvBytes;
  // MLA prefill reads decompressed K and V (heads/TP × (qk + v) per context token) instead of the latent
  const prefillKvReadTok = mla !== undefined ? headsR * (hd + mla.vHeadDim) * actB : kvBytesTokLayer;
  const qoBytesTok = mla !== undefined
    ? headsR * (mla.kvLoraRank + mla.qkRopeHeadDim + mla.kvLoraRank) * actB // absorbed q in, latent out
    : 2 * headsR * hd * actB;

  /**
   * The linears, elementwise traffic and extra kernels of one decoder layer on one TP rank, for one MLP kind.
   * Built once in the factory; read (never written) by `predict`.
   */
  interface LayerPlan {
    n: number;
    K: Float64Array; N: Float64Array; W: Float64Array; Act: Float64Array;
    /** Index of MLA's kv_b up-projection (runs over the prefill prior context too), −1 when none. */
    kvB: number;
    E: number; topK: number; guK: number; guN: number; dnK: number; dnN: number; logMiss: number;
    ewBytesTok: number; ewKernels: number;
  }
  function buildPlan(kind: MlpKind): LayerPlan {
    const shapes = shardedLayerLinearShapes(model, tp, kind);
    const dense = shapes.filter((x) => x.name !== 'expertGateUp' && x.name !== 'expertDown');
    const isMoe = kind === 'moe' && model.moe !== undefined;
    const moe = isMoe ? model.moe : undefined;
    const gu = shapes.find((x) => x.name === 'expertGateUp');
    const dn = shapes.find((x) => x.name === 'expertDown');
    const E = moe?.experts ?? 0;
    // Elementwise bytes per token per layer per rank: 2 fused add+norm (read x, residual; write both),
    // RoPE on Q and K (read + write), activation (read gate+up, write one); MLA adds the two latent norms
    // and RoPE on the rope parts only; Qwen3 adds the per-head q/k norm.
    const mlpInnerR = moe ? (moe.topK + moe.sharedExperts) * moe.expertIntermediateSize / tp : model.intermediateSize / tp;
    const act = (model.gatedMlp ? 3 : 2) * mlpInnerR;
    let ew: number;
    let kernels = ELEMENTWISE_KERNELS + (moe ? MOE_ROUTING_KERNELS : 0);
    if (mla !== undefined) {
      ew = actB * (8 * H + 2 * ((mla.qLoraRank ?? 0) + mla.kvLoraRank) + 2 * (headsR + 1) * mla.qkRopeHeadDim + act);
      kernels += MLA_NORM_KERNELS;
    } else {
      ew = actB * (8 * H + 2 * (headsR + kvR) * hd + act);
      if (model.qkNorm) {
        ew += actB * 2 * (headsR + kvR) * hd;
        kernels += QK_NORM_KERNELS;
      }
    }
    return {
      n: dense.length,
      K: Float64Array.from(dense, (x) => x.k),
      N: Float64Array.from(dense, (x) => x.n),
      W: Float64Array.from(dense, (x) => x.k * x.n * wB),
      Act: Float64Array.from(dense, (x) => (x.k + x.n) * actB),
      kvB: dense.findIndex((x) => x.name === 'kvB'),
      E, topK: moe?.topK ?? 0,
      guK: gu?.k ?? 0, guN: gu?.n ?? 0, dnK: dn?.k ?? 0, dnN: dn?.n ?? 0,
      logMiss: E > 0 ? Math.log1p(-1 / E) : 0,
      ewBytesTok: ew, ewKernels: kernels,
    };
  }
  // Two plans only when a model mixes dense-MLP and MoE layers (DeepSeek-V3); otherwise one.
  const densePlan = Ld > 0 ? buildPlan('dense') : undefined;
  const moePlan = Lm > 0 ? buildPlan('moe') : undefined;
  const hasKvB = (densePlan?.kvB ?? -1) >= 0 || (moePlan?.kvB ?? -1) >= 0;

  // LM head per TP rank.
  const lmN = V / tp;
  const lmW = H * lmN * denseB;
  const lmAct = (H + lmN) * actB;

  // Accumulators of the current predict call, in one preallocated Float64Array: doubles stored in closure
  // variables would be boxed (a heap number per write in V8); typed-array slots are written in place.
  const st = new Float64Array(11);

  /** One GEMM; `weightElems` > 0 marks quantised weights (weight-only kernels when the math is 16-bit). */
  function linear(m: number, k: number, n: number, weightBytes: number, weightElems: number, actBytes: number,
    effTokens: number, peak: number): number {
    const fl = 2 * m * k * n;
    const comp = fl / (peak * clampEff(eff.gemmCompute(effTokens, k, n)));
    const wo = weightOnly && weightElems > 0;
    // A weight-only GEMM is timed as the 16-bit GEMM it replaces, then sped up by the bytes ratio (see above).
    const by16 = wo ? weightElems * actB + actBytes : weightBytes + actBytes;
    const mem = by16 / (bw * clampEff(eff.memory(by16)));
    st[ACC_FLOPS] += fl;
    st[ACC_BYTES] += weightBytes + actBytes;
    st[ACC_LAUNCH] += launch;
    let t: number;
    if (hardMax) t = comp > mem ? comp : mem;
    else if (sqrtBlend) t = Math.sqrt(comp * comp + mem * mem);
    else {
      const hi = comp > mem ? comp : mem; // scale to avoid overflow
      t = hi * Math.pow(Math.pow(comp / hi, blendP) + Math.pow(mem / hi, blendP), 1 / blendP);
    }
    if (wo) {
      const ideal = (weightBytes + actBytes) / by16 + woUnshrunk;
      // compute-bound floor; once the 16-bit GEMM itself is compute-bound a weight-only one is no faster
      const cLarge = fl / (peak * clampEff(eff.gemmCompute(WEIGHT_ONLY_LARGE_M, k, n)));
      const floor = comp >= mem && t > cLarge ? t : cLarge;
      const tq = t * ideal;
      t = tq > floor ? tq : floor;
      if (floor >= tq) st[ACC_COMPUTE] += t;
      return t + launch;
    }
    if (comp >= mem) st[ACC_COMPUTE] += t;
    return t + launch;
  }

  function streaming(bytes: number, kernels: number): number {
    st[ACC_BYTES] += bytes;
    st[ACC_LAUNCH] += kernels * launch;
    return bytes / (bw * clampEff(eff.memory(bytes))) + kernels * launch;
  }

  function allReduce(size: number): number {
    if (tp <= 1) return 0;
    if (coll !== undefined) return coll.allReduceSec(size);
    return 2 * (tp - 1) * linkLat + (2 * (tp - 1) / tp) * size / (linkBw * clampEff(eff.interconnect(size)));
  }

  function allGather(size: number): number {
    if (tp <= 1) return 0;
    if (coll !== undefined) return coll.allGatherSec(size);
    return (tp - 1) * linkLat + ((tp - 1) / tp) * size / (linkBw * clampEff(eff.interconnect(size)));
  }

  function fill(cost: StepCost | undefined, seconds: number, comm: number, overhead: number): void {
    if (cost === undefined) return;
    cost.seconds = seconds;
    cost.flops = st[ACC_FLOPS] * tp;
    cost.bytes = st[ACC_BYTES] * tp;
    cost.computeBoundSec = st[ACC_COMPUTE];
    cost.commSec = comm;
    cost.overheadSec = overhead;
  }

  /** Attention of one layer on one TP rank (prefill and decode in one varlen kernel); sets the ATTN_* slots. */
  function attentionLayer(pairs: number, pTok: number, pKv: number, dCtx: number, dSeq: number, T: number): number {
    const pFl = prefillFlopsPerPair * pairs;
    const dFl = decodeFlopsPerPair * dCtx;
    let attnComp = 0;
    if (pFl > 0) attnComp += pFl / (attnPeak * clampEff(eff.attentionCompute(pTok > 0 ? pairs / pTok : 0)));
    if (dFl > 0) attnComp += dFl / (attnPeak * clampEff(eff.attentionCompute(dSeq > 0 ? dCtx / dSeq : 0)));
    const attnBytes = mla === undefined
      ? (pKv + dCtx) * kvBytesTokLayer + T * (qoBytesTok + kvBytesTokLayer)
      : pKv * prefillKvReadTok + dCtx * kvBytesTokLayer + T * (qoBytesTok + kvBytesTokLayer);
    const attnMem = attnBytes / (bw * clampEff(eff.attentionMemory(attnBytes)));
    st[ATTN_FLOPS] = pFl + dFl;
    st[ATTN_BYTES] = attnBytes;
    if (attnComp >= attnMem) {
      st[ATTN_COMPUTE] = attnComp;
      return attnComp + 2 * launch;
    }
    st[ATTN_COMPUTE] = 0;
    return attnMem + 2 * launch;
  }

  /**
   * Attention of all layers (full-attention layers see every key; sliding-window layers at most `window`
   * per query, bounded from the aggregates): seconds, with the FLOPs/bytes/compute parts in the ATTN_*_TOT slots.
   */
  function attentionAll(pairs: number, pTok: number, pKv: number, pSeqs: number, dCtx: number, dSeq: number, T: number): number {
    let t = 0;
    st[ATTN_FLOPS_TOT] = 0; st[ATTN_BYTES_TOT] = 0; st[ATTN_COMPUTE_TOT] = 0;
    if (Lf > 0) {
      t += Lf * attentionLayer(pairs, pTok, pKv, dCtx, dSeq, T);
      st[ATTN_FLOPS_TOT] += Lf * st[ATTN_FLOPS]; st[ATTN_BYTES_TOT] += Lf * st[ATTN_BYTES]; st[ATTN_COMPUTE_TOT] += Lf * st[ATTN_COMPUTE];
    }
    if (Ls > 0) {
      const wp = pTok * window;
      const wkv = pSeqs * window + pTok;
      const wd = dSeq * window;
      t += Ls * attentionLayer(pairs < wp ? pairs : wp, pTok, pKv < wkv ? pKv : wkv, dCtx < wd ? dCtx : wd, dSeq, T);
      st[ATTN_FLOPS_TOT] += Ls * st[ATTN_FLOPS]; st[ATTN_BYTES_TOT] += Ls * st[ATTN_BYTES]; st[ATTN_COMPUTE_TOT] += Ls * st[ATTN_COMPUTE];
    }
    return t;
  }

  /** One decoder layer of the given plan on one TP rank (linears, experts, elementwise); adds to the ACC_* slots. */
  function layerTime(p: LayerPlan, T: number, prior: number): number {
    let layer = 0;
    const K = p.K, N = p.N, W = p.W, A = p.Act;
    for (let i = 0; i < p.n; i++) {
      const m = i === p.kvB ? T + prior : T;
      layer += linear(m, K[i]!, N[i]!, W[i]!, K[i]! * N[i]!, m * A[i]!, m, gemmPeak);
    }
    const E = p.E;
    if (E > 0) {
      const routed = T * p.topK;
      const active = E * -Math.expm1(routed * p.logMiss); // expected distinct experts hit
      const perExpert = routed / active;
      const guK = p.guK, guN = p.guN, dnK = p.dnK, dnN = p.dnN;
      layer += linear(routed, guK, guN, active * guK * guN * wB, active * guK * guN, routed * (guK + guN) * actB, perExpert, gemmPeak);
      layer += linear(routed, dnK, dnN, active * dnK * dnN * wB, active * dnK * dnN, routed * (dnK + dnN) * actB, perExpert, gemmPeak);
    }
    layer += streaming(T * p.ewBytesTok, p.ewKernels);
    return layer;
  }

  /**
   * Everything in a step except attention: linears, elementwise, communication, LM head, sampler, CPU.
   * Depends only on token counts, not on context lengths (so a run of decode steps shares it).
   */
  function others(b: BatchShape, T: number, cpuSec: number): number {
    st[ACC_FLOPS] = 0; st[ACC_BYTES] = 0; st[ACC_COMPUTE] = 0; st[ACC_LAUNCH] = 0;
    // MLA decompresses the cached latents of the prefill chunks' prior context (kv_b over those tokens)
    const priorRaw = hasKvB ? b.prefillKvTokens - b.prefillTokens : 0;
    const prior = priorRaw > 0 ? priorRaw : 0;
    const layerComm = 2 * allReduce(T * H * actB);
    // ---- decoder layers on one TP rank, scaled to all L layers (summed over the PP stages) ----
    let seconds: number;
    if (moePlan === undefined || densePlan === undefined) {
      const layer = layerTime((moePlan ?? densePlan)!, T, prior);
      seconds = L * (layer + layerComm);
      st[ACC_FLOPS] *= L; st[ACC_BYTES] *= L; st[ACC_COMPUTE] *= L; st[ACC_LAUNCH] *= L;
    } else {
      const layerD = layerTime(densePlan, T, prior);
      const fD = st[ACC_FLOPS], bD = st[ACC_BYTES], cD = st[ACC_COMPUTE], lD = st[ACC_LAUNCH];
      st[ACC_FLOPS] = 0; st[ACC_BYTES] = 0; st[ACC_COMPUTE] = 0; st[ACC_LAUNCH] = 0;
      const layerM = layerTime(moePlan, T, prior);
      seconds = Ld * (layerD + layerComm) + Lm * (layerM + layerComm);
      st[ACC_FLOPS] = Ld * fD + Lm * st[ACC_FLOPS]; st[ACC_BYTES] = Ld * bD + Lm * st[ACC_BYTES];
      st[ACC_COMPUTE] = Ld * cD + Lm * st[ACC_COMPUTE]; st[ACC_LAUNCH] = Ld * lD + Lm * st[ACC_LAUNCH];
    }
    let comm = L * layerComm;
    st[ACC_LAUNCH] += L * 2 * launch; // the attention kernels

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
    st[OTHER_COMM] = comm; // read by predict to fill StepCost
    return seconds + cpuSec;
  }

  /**
   * `others` memoised by (tokens, logit rows) when no cost breakdown is asked for and no MLA prior context
   * is involved: decode-heavy runs repeat the same batch sizes, and the GEMM/efficiency lookups dominate.
   * Bit-identical: the cached part is exactly what `others` computes before adding the CPU term.
   */
  const CACHE_SLOTS = 1 << 14; // direct-mapped, typed arrays: lookups and fills allocate nothing
  const cacheKey = new Float64Array(CACHE_SLOTS).fill(-1);
  const cacheVal = new Float64Array(CACHE_SLOTS);
  function othersCached(b: BatchShape, T: number, cpuSec: number): number {
    const m = b.logitSeqs > 0 ? (b.logitSeqs < T ? b.logitSeqs : T) : 0;
    if (hasKvB && b.prefillKvTokens > b.prefillTokens) return others(b, T, cpuSec);
    const key = T * 1048576 + m;
    const slot = (Math.imul(T, 0x9e3779b1) ^ Math.imul(m, 0x85ebca6b)) >>> 18;
    if (cacheKey[slot] !== key) {
      cacheVal[slot] = others(b, T, 0);
      cacheKey[slot] = key;
    }
    return cacheVal[slot] + cpuSec;
  }

  function predict(b: BatchShape, cost?: StepCost): number {
    const pTok = b.prefillTokens > 0 ? b.prefillTokens : 0;
    const dSeq = b.decodeSeqs > 0 ? b.decodeSeqs : 0;
    const T = pTok + dSeq;
    const seqs = (b.prefillSeqs > 0 ? b.prefillSeqs : 0) + dSeq;
    const cpuSec = cpuBase + cpuPerSeq * seqs;
    if (!(T > 0)) {
      st[ACC_FLOPS] = 0; st[ACC_BYTES] = 0; st[ACC_COMPUTE] = 0; st[ACC_LAUNCH] = 0;
      fill(cost, cpuSec, 0, cpuSec);
      return cpuSec;
    }
    const other = cost === undefined ? othersCached(b, T, cpuSec) : others(b, T, cpuSec);
    const attn = attentionAll(
      b.prefillAttnPairs > 0 ? b.prefillAttnPairs : 0, pTok, b.prefillKvTokens > 0 ? b.prefillKvTokens : 0,
      b.prefillSeqs > 0 ? b.prefillSeqs : 0, b.decodeContextTokens > 0 ? b.decodeContextTokens : 0, dSeq, T,
    );
    const seconds = other + attn;
    if (cost !== undefined) {
      st[ACC_FLOPS] += st[ATTN_FLOPS_TOT];
      st[ACC_BYTES] += st[ATTN_BYTES_TOT];
      st[ACC_COMPUTE] += st[ATTN_COMPUTE_TOT];
      fill(cost, seconds, st[OTHER_COMM], cpuSec + st[ACC_LAUNCH]);
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
    const other = othersCached(b, T, cpuSec);
    const ctx0 = b.decodeContextTokens;
    let t = ends[0];
    for (let k = 1; k <= extra; k++) {
      t += other + attentionAll(0, 0, 0, 0, ctx0 + k * dSeq, dSeq, T);
      ends[k] = t;
    }
  }

  function predictDecodeSteps(b: BatchShape, extra: number, out: Float64Array, ctxStep = b.decodeSeqs): void {
    const dSeq = b.decodeSeqs;
    const other = othersCached(b, dSeq, cpuBase + cpuPerSeq * dSeq);
    const ctx0 = b.decodeContextTokens;
    for (let k = 1; k <= extra; k++) out[k] = other + attentionAll(0, 0, 0, 0, ctx0 + k * ctxStep, dSeq, dSeq);
  }

  return { name: 'roofline', predict, predictDecodeRun, predictDecodeSteps };
}
