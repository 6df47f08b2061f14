import { z } from 'zod';
import { PRECISIONS } from '../perf/precision.ts';
import { SCHEDULERS } from '../engine/config.ts';
import { ROUTERS } from '../fleet/router.ts';
import { WorkloadSchema } from '../workload/schema.ts';

/**
 * The scenario file: the single source of truth for its keys, their defaults and their documentation.
 * `docs/scenario.schema.json` is generated from this (`npm run schema`); docs/scenario.md explains it.
 * Objects are strict: an unknown or misspelt key is an error, not silently ignored.
 */

const positiveInt = z.number().int().positive();

const PrecisionEnum = z.enum(PRECISIONS);

export const PrecisionSchema = z
  .strictObject({
    weights: PrecisionEnum.default('bf16').describe('Weight format'),
    kvCache: PrecisionEnum.optional().describe('KV-cache format (default: 16-bit unless weights are fp8)'),
    activations: PrecisionEnum.optional().describe('Activation/GEMM input format (default: derived from weights)'),
  })
  .describe('Numeric formats');

export const ParallelismSchema = z.strictObject({
  tensor: positiveInt.default(1).describe('Tensor-parallel GPUs per replica'),
  pipeline: positiveInt.default(1).describe('Pipeline-parallel stages per replica'),
});

export const EngineSchema = z.strictObject({
  scheduler: z.enum(SCHEDULERS).default('continuous').describe('Batching policy'),
  maxNumSeqs: positiveInt.default(256).describe('Most sequences in a batch (vLLM max_num_seqs)'),
  maxBatchedTokens: positiveInt.default(8192).describe('Token budget per step (vLLM max_num_batched_tokens)'),
  blockSize: positiveInt.default(16).describe('Tokens per KV-cache block'),
  gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9).describe('Fraction of GPU memory the engine may use'),
  prefixCaching: z.boolean().default(false).describe('Reuse KV blocks of shared prompt prefixes (needs hash ids)'),
  watermark: z.number().min(0).lt(1).default(0.01).describe('Free-block fraction kept when admitting prefills'),
  maxModelLen: positiveInt.optional().describe('Longest input + output accepted (default: the model maximum)'),
});

const statLimits = z
  .strictObject({
    mean: z.number().positive().optional(),
    p50: z.number().positive().optional(),
    p90: z.number().positive().optional(),
    p95: z.number().positive().optional(),
    p99: z.number().positive().optional(),
    max: z.number().positive().optional(),
  })
  .describe('Upper limits in milliseconds, by statistic');

export const SloSchema = z
  .strictObject({
    ttftMs: statLimits.optional(),
    tpotMs: statLimits.optional(),
    itlMs: statLimits.optional(),
    e2eMs: statLimits.optional(),
    queueMs: statLimits.optional(),
  })
  .describe('Service-level objectives checked after the run');

export const CostSchema = z.strictObject({
  gpuHourUsd: z.number().nonnegative().optional().describe('Price of one GPU-hour (default: the GPU profile price)'),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1).describe('Scenario name, echoed in outputs'),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().default(42).describe('Seed of every random stream'),
  model: z.string().min(1).describe('Id of a file in profiles/models/'),
  gpu: z.string().min(1).describe('Id of a file in profiles/gpus/'),
  precision: PrecisionSchema.prefault({}),
  parallelism: ParallelismSchema.prefault({}),
  replicas: positiveInt.default(1).describe('Identical model replicas in the fleet'),
  engine: EngineSchema.prefault({}),
  perfModel: z.enum(['roofline']).default('roofline').describe('Step-time model'),
  router: z.enum(ROUTERS).default('round-robin').describe('How requests are spread over replicas'),
  workload: WorkloadSchema,
  slo: SloSchema.optional(),
  cost: CostSchema.prefault({}),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type SloSpec = z.output<typeof SloSchema>;
