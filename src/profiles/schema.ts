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

/**
 * Scale-up link kinds: NVIDIA NVLink generations (through NVSwitch on SXM boards), AMD Infinity Fabric
 * (`xgmi`, a fully connected point-to-point mesh on 8-GPU OAM boards) and plain PCIe (no GPU-GPU link:
 * peer-to-peer traffic crosses the PCIe switch / root complex).
 */
export const INTERCONNECT_KINDS = ['nvlink3', 'nvlink4', 'nvlink5', 'xgmi', 'pcie3', 'pcie4', 'pcie5', 'pcie6'] as const;

/** An optional NVLink bridge between a few PCIe cards (H100 PCIe, A100 PCIe): not assumed present. */
export const NvlinkBridgeSchema = z.strictObject({
  kind: z.enum(INTERCONNECT_KINDS),
  /** Per direction. */
  bandwidthBytesPerSec: positive,
  /** GPUs one bridge joins (2 for H100 PCIe). */
  maxGpus: z.number().int().min(2),
});

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
  /**
   * Device memory the runtime reports (cudaMemGetInfo / hipMemGetInfo total = torch total_memory) in GiB
   * (2^30 bytes): what vLLM multiplies by gpu_memory_utilization.
   */
  memoryGiB: positive,
  /** Marketing capacity in GB (10^9 bytes), for display only. */
  memoryMarketingGB: positive,
  memoryType: z.string().min(1),
  /** Peak device-memory bandwidth, bytes/s (spec sheet). */
  memoryBandwidthBytesPerSec: positive,
  peakTflops: PeakTflopsSchema,
  l2Bytes: positiveInt,
  /** Memory-side last-level cache beyond L2 (AMD Infinity Cache), bytes; absent when the GPU has none. */
  lastLevelCacheBytes: positiveInt.optional(),
  /** Scale-up (GPU↔GPU) link of one GPU. Bandwidth is per direction. */
  interconnect: z.strictObject({
    kind: z.enum(INTERCONNECT_KINDS),
    /**
     * Per direction, all links of one GPU together (NVLink: the whole NVLink budget; xGMI: the sum of the
     * peer links; PCIe: the slot).
     */
    bandwidthBytesPerSec: positive,
    /** Per-hop latency of a small message (used ×2(TP−1) for a ring all-reduce). */
    latencySec: z.number().finite().nonnegative(),
    /**
     * Fully connected point-to-point mesh (AMD xGMI): number of peer links per GPU, each carrying
     * bandwidthBytesPerSec / meshLinks. A TP group of n GPUs can use only n − 1 of them, so bandwidth
     * at TP < meshLinks + 1 is proportionally lower (not applied by the roofline yet). Absent for switched
     * fabrics (NVSwitch) and PCIe.
     */
    meshLinks: z.number().int().positive().optional(),
    /** Optional NVLink bridge (PCIe cards only); the profile's link stays PCIe. */
    bridge: NvlinkBridgeSchema.optional(),
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
  /**
   * Id of the GPU profile whose measured (microbenchmarked) efficiencies these defaults were transferred
   * from; absent when the efficiencies were fitted to this GPU's own measurements (h100-sxm, a100-80gb).
   * Outputs should mark results on such GPUs as uncalibrated.
   */
  efficiencyTransferredFrom: profileId.optional(),
  sources: SourcesSchema,
});

export const MoeSchema = z.strictObject({
  /** Routed experts per MoE layer (config: num_experts / n_routed_experts / num_local_experts). */
  experts: positiveInt,
  /** Routed experts each token uses (num_experts_per_tok / experts_per_token). */
  topK: positiveInt,
  /** Always-on shared experts per MoE layer (DeepSeek n_shared_experts), each of expertIntermediateSize. */
  sharedExperts: z.number().int().nonnegative(),
  /** FFN inner size of one expert (moe_intermediate_size), per branch of the gated MLP. */
  expertIntermediateSize: positiveInt,
  /**
   * The first N decoder layers use a dense MLP of `intermediateSize` instead of experts (DeepSeek-V3
   * first_k_dense_replace = 3). Absent = 0: every layer is an MoE layer.
   */
  firstDenseLayers: z.number().int().nonnegative().optional(),
});

/**
 * Multi-head latent attention (DeepSeek-V2/V3): K and V are compressed into one latent of kvLoraRank per
 * token (plus a shared RoPE key of qkRopeHeadDim), which is what the KV cache stores.
 */
export const MlaSchema = z.strictObject({
  /** Rank of the compressed KV latent (kv_lora_rank). */
  kvLoraRank: positiveInt,
  /** Rank of the compressed query (q_lora_rank); absent when queries are projected directly (V2-Lite). */
  qLoraRank: positiveInt.optional(),
  /** Decoupled RoPE part of each query/key head (qk_rope_head_dim); the key part is shared by all heads. */
  qkRopeHeadDim: positiveInt,
  /** Non-RoPE part of each query/key head (qk_nope_head_dim). */
  qkNopeHeadDim: positiveInt,
  /** Value head dim (v_head_dim). */
  vHeadDim: positiveInt,
});

/**
 * Sliding-window attention: `pattern` repeats over the decoder layers from layer 0, one letter per layer,
 * S = sliding window of `window` tokens, F = full attention ("SF": gpt-oss alternates starting with a
 * sliding layer; "S": every layer, Mistral-7B-v0.1 / Phi-3-mini-4k).
 */
export const SlidingWindowSchema = z.strictObject({
  window: positiveInt,
  pattern: z.string().regex(/^[SF]*S[SF]*$/, 'letters S (sliding) and F (full), at least one S'),
});

export const ATTENTION_KINDS = ['mha', 'gqa', 'mqa', 'mla'] as const;

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
    /** Bias on the Q, K and V projections (Qwen2, gpt-oss). */
    qkvBias: z.boolean().default(false),
    /** RMSNorm on each query and key head before RoPE (Qwen3): 2 × headDim weights per layer. */
    qkNorm: z.boolean().optional(),
    /** Learned per-head attention-sink logits (gpt-oss): numHeads weights per layer; no KV-cache cost. */
    attentionSinks: z.boolean().optional(),
    maxContext: positiveInt,
    /**
     * mha / gqa / mqa follow from numHeads and numKvHeads; mla (multi-head latent attention) needs the
     * `mla` block, and then numKvHeads and headDim describe the decompressed heads (headDim = the query/key
     * head dim qkNope + qkRope), not what the cache stores.
     */
    attention: z.enum(ATTENTION_KINDS),
    mla: MlaSchema.optional(),
    slidingWindow: SlidingWindowSchema.optional(),
    /** Parameter count in billions as published (model card / safetensors metadata). MoE: total. */
    paramsB: positive,
    moe: MoeSchema.optional(),
    sources: SourcesSchema,
  })
  .superRefine((m, ctx) => {
    if (m.numHeads % m.numKvHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numKvHeads'],
        message: `numKvHeads (${m.numKvHeads}) must divide numHeads (${m.numHeads})` });
    }
    if (m.attention === 'mla') {
      if (m.mla === undefined) {
        ctx.addIssue({ code: 'custom', path: ['mla'], message: 'attention "mla" needs an mla block (kvLoraRank, qkRopeHeadDim, qkNopeHeadDim, vHeadDim)' });
      } else if (m.headDim !== m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) {
        ctx.addIssue({ code: 'custom', path: ['headDim'],
          message: `headDim (${m.headDim}) must be qkNopeHeadDim + qkRopeHeadDim (${m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim}) for MLA` });
      }
    } else {
      if (m.mla !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['mla'], message: `an mla block needs attention: mla (got "${m.attention}")` });
      }
      const kind = m.numKvHeads === m.numHeads ? 'mha' : m.numKvHeads === 1 ? 'mqa' : 'gqa';
      if (kind !== m.attention) {
        ctx.addIssue({ code: 'custom', path: ['attention'],
          message: `attention is "${m.attention}" but ${m.numHeads} heads with ${m.numKvHeads} KV heads is "${kind}"` });
      }
    }
    if (m.moe && m.moe.topK > m.moe.experts) {
      ctx.addIssue({ code: 'custom', path: ['moe', 'topK'],
        message: `topK (${m.moe.topK}) exceeds experts (${m.moe.experts})` });
    }
    if (m.moe?.firstDenseLayers !== undefined && m.moe.firstDenseLayers >= m.layers) {
      ctx.addIssue({ code: 'custom', path: ['moe', 'firstDenseLayers'],
        message: `firstDenseLayers (${m.moe.firstDenseLayers}) must be below layers (${m.layers})` });
    }
    if (m.slidingWindow && m.slidingWindow.pattern.length > m.layers) {
      ctx.addIssue({ code: 'custom', path: ['slidingWindow', 'pattern'],
        message: `pattern (${m.slidingWindow.pattern.length} letters) is longer than the ${m.layers} layers` });
    }
  });

export type GpuProfile = z.infer<typeof GpuProfileSchema>;
export type GpuEfficiency = z.infer<typeof GpuEfficiencySchema>;
export type PeakTflops = z.infer<typeof PeakTflopsSchema>;
export type ModelProfile = z.infer<typeof ModelProfileSchema>;
/** What a caller may write by hand (qkvBias optional). */
export type ModelProfileInput = z.input<typeof ModelProfileSchema>;
export type MoeConfig = z.infer<typeof MoeSchema>;
export type MlaConfig = z.infer<typeof MlaSchema>;
export type SlidingWindowConfig = z.infer<typeof SlidingWindowSchema>;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];
export type InterconnectKind = (typeof INTERCONNECT_KINDS)[number];
