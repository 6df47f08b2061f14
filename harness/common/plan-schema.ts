/**
 * The planned sweep that `harness/cuda/run.sh --plan` and `harness/webgpu/run.ts --plan` print: the
 * measurements a run would make, without any timing. Lets the CPU-side logic be checked with no GPU.
 */
import { z } from 'zod';

const int = z.number().int().positive();
const nonnegInt = z.number().int().nonnegative();

export const HarnessPlanSchema = z.strictObject({
  schemaVersion: z.literal(1),
  kind: z.literal('servesim-harness-plan'),
  backend: z.enum(['cuda', 'webgpu']),
  /** full: the whole sweep; quick: a few points per family; smoke: tiny shapes (software adapters, tests). */
  preset: z.enum(['full', 'quick', 'smoke']),
  repeats: int,
  warmup: nonnegInt,
  /** CUDA compute capability the precisions were chosen for; null for webgpu. */
  computeCapability: z.string().nullable(),
  models: z.array(
    z.strictObject({
      name: z.string(), hidden: int, heads: int, kvHeads: int, headDim: int, ffn: int, gatedMlp: z.boolean(),
    }),
  ),
  tp: z.array(int),
  gemm: z.array(
    z.strictObject({
      dtype: z.enum(['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8']),
      m: int, n: int, k: int, op: z.string(), flops: int,
    }),
  ),
  bandwidth: z.array(
    z.strictObject({
      kind: z.enum(['copy', 'triad', 'read', 'gemv']),
      /** Size of each array of a stream kernel. */
      arrayBytes: int.optional(),
      /** GEMV weight matrix: n rows × k columns. */
      n: int.optional(),
      k: int.optional(),
      op: z.string().optional(),
      /** Bytes moved per repetition (reads + writes). */
      bytes: int,
      dtype: z.string(),
    }),
  ),
  attention: z.array(
    z.strictObject({
      phase: z.enum(['prefill', 'decode']),
      batch: int, queryTokens: int, contextTokens: nonnegInt,
      numHeads: int, numKvHeads: int, headDim: int,
      dtype: z.enum(['fp32', 'bf16', 'fp16', 'fp8']),
      causal: z.boolean(),
      flops: int,
      kvBytes: int,
    }),
  ),
  hostTransfer: z.array(z.strictObject({ direction: z.enum(['h2d', 'd2h']), pinned: z.boolean(), bytes: int })),
  allReduce: z.array(z.strictObject({ bytes: int, dtype: z.string() })),
  power: z.array(z.strictObject({ load: z.string(), durationSec: z.number().positive(), sampleIntervalSec: z.number().positive() })),
  notes: z.array(z.string()),
});

export type HarnessPlan = z.infer<typeof HarnessPlanSchema>;
