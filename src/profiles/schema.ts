/**
 * Zod schemas for the hardware (GPU) and model profiles under `profiles/`.
 *
 * Layout shared by both kinds of YAML file: plain values at the top level, and a `sources:` map whose keys
 * are dotted field paths ("peakTflops.bf16") or a path prefix ("peakTflops" covers every field under it),
 * and whose values say where the number comes from (document/URL + date, or the justification of an
 * assumed default). `test/profiles/profiles.test.ts` checks that every leaf value has a source.
 */
import { z } from 'zod';

const positive = z.number().finite().positive();
const fraction = z.number().finite().gt(0).lte(1);
const positiveInt = z.number().int().positive();
const profileId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"');

/** Dotted field path (or prefix) → source / justification. */
const SourcesSchema = z.record(z.string(), z.string().min(1));

/** Peak DENSE (not 2:4-sparse) tensor throughput per precision, in TFLOP/s (TOP/s for int formats). */
export const PeakTflopsSchema = z.strictObject({
  fp32: positive,
  tf32: positive.optional(),
  bf16: positive.optional(),
  fp16: positive,
  fp8: positive.optional(),
  int8: positive.optional(),
  fp4: positive.optional(),
  int4: positive.optional(),
});

export const INTERCONNECT_KINDS = ['nvlink3', 'nvlink4', 'nvlink5', 'pcie3', 'pcie4', 'pcie5', 'pcie6'] as const;

/**
 * Default efficiencies applied to spec-sheet peaks by the roofline model (see src/perf/efficiency.ts).
 * A calibrated EfficiencyModel replaces them later.
 */
export const GpuEfficiencySchema = z.strictObject({
  /** Fraction of the dense tensor peak reached by large GEMMs. */
  gemmComputeMax: fraction,
  /**
   * Exponent p blending a GEMM's compute time c and memory time m: t = (c^p + m^p)^(1/p). Large p is the
   * hard roofline max(c, m); p = 2 reproduces the measured slow-down of mid-size GEMMs near the ridge point.
   */
  gemmBlendExponent: z.number().finite().gte(1),
  /** Fraction of peak memory bandwidth reached by streaming kernels (weights, KV cache, elementwise). */
  memoryBw: fraction,
  /** Asymptotic fraction of the 16-bit tensor peak reached by prefill attention (FlashAttention). */
  attentionComputeMax: fraction,
  /** Mean keys per query at which prefill attention efficiency is half of attentionComputeMax. */
  attentionHalfKeys: positive,
  /** Fraction of the scale-up link bandwidth reached by collectives (NCCL bus bandwidth / link bandwidth). */
  interconnect: fraction,
  /** Fixed time per kernel (launch + ramp/tail), seconds. */
  launchOverheadSec: z.number().finite().nonnegative(),
});

export const GpuProfileSchema = z.strictObject({
  id: profileId,
  name: z.string().min(1),
  vendor: z.string().min(1),
  architecture: z.string().min(1),
  /** Device memory visible to CUDA (cudaMemGetInfo total / torch total_memory) in GiB (2^30 bytes). */
  memoryGiB: positive,
  /** Marketing capacity in GB (10^9 bytes), for display only. */
  memoryMarketingGB: positive,
  memoryType: z.string().min(1),
  /** Peak device-memory bandwidth, bytes/s (spec sheet). */
  memoryBandwidthBytesPerSec: positive,
  peakTflops: PeakTflopsSchema,
  l2Bytes: positiveInt,
  /** Scale-up (GPU↔GPU) link of one GPU. Bandwidth is per direction. */
  interconnect: z.strictObject({
    kind: z.enum(INTERCONNECT_KINDS),
    bandwidthBytesPerSec: positive,
    /** Per-hop latency of a small message (used ×2(TP−1) for a ring all-reduce). */
    latencySec: z.number().finite().nonnegative(),
  }),
  /** Host link (weight loading, KV swap). Bandwidth is per direction. */
  pcie: z.strictObject({
    gen: z.number().int().min(3).max(6),
    lanes: positiveInt,
    bandwidthBytesPerSec: positive,
  }),
  tdpWatts: positive,
  price: z.strictObject({
    onDemandUsdPerHour: positive,
    purchaseUsd: positive,
  }),
  efficiency: GpuEfficiencySchema,
  sources: SourcesSchema,
});

export const MoeSchema = z.strictObject({
  experts: positiveInt,
  topK: positiveInt,
  sharedExperts: z.number().int().nonnegative(),
  expertIntermediateSize: positiveInt,
});

export const ATTENTION_KINDS = ['mha', 'gqa', 'mqa'] as const;

export const ModelProfileSchema = z
  .strictObject({
    id: profileId,
    name: z.string().min(1),
    /** Hugging Face repository the architecture numbers come from. */
    huggingfaceId: z.string().min(1),
    layers: positiveInt,
    hiddenSize: positiveInt,
    numHeads: positiveInt,
    numKvHeads: positiveInt,
    headDim: positiveInt,
    /** FFN inner size (per branch for gated MLPs). For MoE models: the dense layers' size. */
    intermediateSize: positiveInt,
    vocabSize: positiveInt,
    /** SwiGLU-style gated MLP (gate + up projections) vs a plain two-matrix MLP. */
    gatedMlp: z.boolean(),
    tieWordEmbeddings: z.boolean(),
    /** Bias on the Q, K and V projections (Qwen2). */
    qkvBias: z.boolean().default(false),
    maxContext: positiveInt,
    attention: z.enum(ATTENTION_KINDS),
    /** Parameter count in billions as published (model card / safetensors metadata). */
    paramsB: positive,
    moe: MoeSchema.optional(),
    sources: SourcesSchema,
  })
  .superRefine((m, ctx) => {
    if (m.numHeads % m.numKvHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numKvHeads'],
        message: `numKvHeads (${m.numKvHeads}) must divide numHeads (${m.numHeads})` });
    }
    const kind = m.numKvHeads === m.numHeads ? 'mha' : m.numKvHeads === 1 ? 'mqa' : 'gqa';
    if (kind !== m.attention) {
      ctx.addIssue({ code: 'custom', path: ['attention'],
        message: `attention is "${m.attention}" but ${m.numHeads} heads with ${m.numKvHeads} KV heads is "${kind}"` });
    }
    if (m.moe && m.moe.topK > m.moe.experts) {
      ctx.addIssue({ code: 'custom', path: ['moe', 'topK'],
        message: `topK (${m.moe.topK}) exceeds experts (${m.moe.experts})` });
    }
  });

export type GpuProfile = z.infer<typeof GpuProfileSchema>;
export type GpuEfficiency = z.infer<typeof GpuEfficiencySchema>;
export type PeakTflops = z.infer<typeof PeakTflopsSchema>;
export type ModelProfile = z.infer<typeof ModelProfileSchema>;
/** What a caller may write by hand (qkvBias optional). */
export type ModelProfileInput = z.input<typeof ModelProfileSchema>;
export type MoeConfig = z.infer<typeof MoeSchema>;
export type InterconnectKind = (typeof INTERCONNECT_KINDS)[number];
