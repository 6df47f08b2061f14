import { z } from 'zod';

/**
 * The JSON document the microbenchmark harnesses (harness/cuda, harness/webgpu) write and
 * `servesim calibrate` reads. Every timing is a median over repeats after warm-up, in seconds; sizes in
 * bytes; rates in SI units. Documented in docs/harness.md. Version bumps are breaking changes.
 */
const nonneg = z.number().finite().nonnegative();
const pos = z.number().finite().positive();
const int = z.number().int().positive();

export const HARNESS_SCHEMA_VERSION = 1;

export const GemmPointSchema = z.strictObject({
  /** Input element format of the GEMM (A and B); accumulation is fp32 except int8 (int32). */
  dtype: z.enum(['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8']),
  /** Rows of A (the token count in a transformer linear layer). */
  m: int,
  n: int,
  k: int,
  medianSec: pos,
  p10Sec: pos.optional(),
  p90Sec: pos.optional(),
  repeats: int,
  /** Achieved throughput, 2·m·n·k / medianSec / 1e12. */
  tflops: pos,
  /** Optional label of the transformer op this shape comes from (e.g. "llama-3.1-8b/qkv"). */
  op: z.string().optional(),
});

export const BandwidthPointSchema = z.strictObject({
  /** copy: a→b; triad: a = b + s·c; read: reduction over a; gemv: weight streaming y = W·x. */
  kind: z.enum(['copy', 'triad', 'read', 'gemv']),
  /** Bytes moved per repetition (reads + writes). */
  bytes: pos,
  medianSec: pos,
  repeats: int,
  bytesPerSec: pos,
  dtype: z.string().optional(),
});

export const AttentionPointSchema = z.strictObject({
  phase: z.enum(['prefill', 'decode']),
  /** Sequences in the batch. */
  batch: int,
  /** New tokens per sequence (prefill chunk; 1 for decode). */
  queryTokens: int,
  /** KV tokens per sequence before this call (prior context). */
  contextTokens: nonneg,
  numHeads: int,
  numKvHeads: int,
  headDim: int,
  dtype: z.enum(['fp32', 'bf16', 'fp16', 'fp8']),
  causal: z.boolean(),
  medianSec: pos,
  repeats: int,
  /** Which kernel ran (e.g. "naive-tiled", "flash-attn-2", "webgpu-tiled"). */
  kernel: z.string(),
});

export const HostTransferPointSchema = z.strictObject({
  direction: z.enum(['h2d', 'd2h']),
  pinned: z.boolean(),
  /** NUMA node the host buffer was bound to (numactl --membind), null when not bound. */
  numaNode: z.number().int().nonnegative().nullable(),
  bytes: pos,
  medianSec: pos,
  repeats: int,
  bytesPerSec: pos,
});

export const AllReducePointSchema = z.strictObject({
  gpus: int,
  bytes: pos,
  dtype: z.string(),
  medianSec: pos,
  repeats: int,
  /** NCCL bus bandwidth: size / time · 2(n−1)/n. */
  busBytesPerSec: pos,
});

export const PowerSampleSchema = z.strictObject({
  tSec: nonneg,
  powerW: nonneg,
  smClockMHz: nonneg,
  memClockMHz: nonneg.optional(),
  temperatureC: z.number().finite(),
  utilizationPct: nonneg.optional(),
});

export const PowerRunSchema = z.strictObject({
  /** The power limit in force (nvidia-smi -pl), null when the default. */
  capWatts: pos.nullable(),
  /** What ran during sampling, e.g. "gemm bf16 8192^3 loop". */
  load: z.string(),
  durationSec: pos,
  samples: z.array(PowerSampleSchema),
  avgPowerW: nonneg,
  avgSmClockMHz: nonneg,
  maxTemperatureC: z.number().finite(),
  /** Achieved throughput of the load while sampled (TFLOP/s for GEMM loads). */
  achievedTflops: nonneg.optional(),
});

export const HarnessResultSchema = z.strictObject({
  schemaVersion: z.literal(HARNESS_SCHEMA_VERSION),
  harness: z.strictObject({
    backend: z.enum(['cuda', 'webgpu']),
    version: z.string(),
    /** Command line that produced this file. */
    command: z.string().optional(),
  }),
  createdAt: z.string(),
  device: z.strictObject({
    name: z.string(),
    vendor: z.string().optional(),
    driver: z.string().optional(),
    computeCapability: z.string().optional(),
    memoryBytes: pos.optional(),
    multiprocessors: int.optional(),
    maxSmClockMHz: pos.optional(),
    /** WebGPU adapter info (architecture, description) or CUDA runtime version. */
    details: z.record(z.string(), z.string()).optional(),
  }),
  host: z
    .strictObject({
      hostname: z.string().optional(),
      cpu: z.string().optional(),
      numaNodes: z.number().int().nonnegative().optional(),
    })
    .optional(),
  gemm: z.array(GemmPointSchema).default([]),
  bandwidth: z.array(BandwidthPointSchema).default([]),
  attention: z.array(AttentionPointSchema).default([]),
  hostTransfer: z.array(HostTransferPointSchema).default([]),
  allReduce: z.array(AllReducePointSchema).default([]),
  power: z.array(PowerRunSchema).default([]),
  /** Free-form notes (skipped measurements and why). */
  notes: z.array(z.string()).default([]),
});

export type HarnessResult = z.output<typeof HarnessResultSchema>;
export type HarnessResultInput = z.input<typeof HarnessResultSchema>;
export type GemmPoint = z.output<typeof GemmPointSchema>;
export type AttentionPoint = z.output<typeof AttentionPointSchema>;
export type BandwidthPoint = z.output<typeof BandwidthPointSchema>;
