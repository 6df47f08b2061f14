import { z } from 'zod';
import { PRECISIONS } from '../perf/precision.ts';
import { SCHEDULERS } from '../engine/config.ts';
import { ENGINE_KINDS, FRONTENDS } from '../engine/kinds.ts';
import { OverheadsSchema } from '../engine/overheads-file.ts';
export { OverheadsSchema } from '../engine/overheads-file.ts';
import { WorkloadSchema } from '../workload/schema.ts';
import { SloSchema } from './slo-schema.ts';
export { SloSchema } from './slo-schema.ts';
import { MAX_REPLICAS } from './limits.ts';
import { QUEUE_POLICIES } from '../engine/wait-queue.ts';
import { CostBlockSchema } from '../cost/schema.ts';
import { PowerBlockSchema } from '../power/schema.ts';
import { NodeKeySchema, PlacementSchema } from '../topology/schema.ts';
import {
  DisaggregationSchema, FailuresSchema, FleetSchema, PoolSchema, RouterSchema, TenantSchema,
} from './fleet-schema.ts';

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
  kind: z.enum(ENGINE_KINDS).default('vllm').describe('Serving engine: vllm (V1), sglang or trt-llm; sets the scheduler and the defaults below'),
  frontend: z.enum(FRONTENDS).default('http').describe('http: requests pass through an API server on the host CPU (vllm serve, trtllm-serve); in-process: offline use (LLM.generate, trtllm-bench)'),
  frontendCores: positiveInt.optional().describe('Host CPU cores serving the API (default from engine.kind: 1 API-server process)'),
  scheduler: z.enum(SCHEDULERS).optional().describe('Batching policy (default from engine.kind; continuous = vLLM V0)'),
  maxNumSeqs: positiveInt.optional().describe('Most sequences in a batch (vLLM max_num_seqs, TRT-LLM max_batch_size; default from engine.kind)'),
  maxBatchedTokens: positiveInt.optional().describe('Token budget per step (vLLM max_num_batched_tokens, SGLang chunked_prefill_size, TRT-LLM max_num_tokens; default from engine.kind)'),
  blockSize: positiveInt.optional().describe('Tokens per KV-cache block (default from engine.kind)'),
  gpuMemoryUtilization: z.number().gt(0).max(1).optional().describe('Fraction of GPU memory the engine may use (vLLM gpu_memory_utilization, SGLang mem_fraction_static)'),
  kvFreeFraction: z.number().gt(0).max(1).optional().describe('TensorRT-LLM free_gpu_memory_fraction: KV cache share of the memory left after weights and buffers'),
  prefixCaching: z.boolean().optional().describe('Reuse KV blocks of shared prompt prefixes (needs hash ids; default from engine.kind)'),
  watermark: z.number().min(0).lt(1).optional().describe('Free-block fraction kept when admitting prefills (vLLM V0: 0.01)'),
  overlapScheduling: z.boolean().optional().describe('CPU scheduling overlaps the GPU step (vLLM async scheduling, SGLang/TRT-LLM overlap scheduler)'),
  cudaGraphs: z.boolean().optional().describe('Pad decode batches to captured CUDA-graph sizes (default from engine.kind)'),
  chunkedPrefill: z.boolean().optional().describe('Split prompts longer than the step budget across steps (vLLM enable_chunked_prefill, TRT-LLM enable_chunked_prefill; default from engine.kind). Off: a longer prompt is rejected'),
  preemption: z.enum(['recompute', 'swap']).optional().describe('When the KV cache runs out: drop a running sequence\'s KV and recompute it (default), or swap it to host memory and back over the host link (vLLM V0 preemption_mode; decoding sequences, within swapSpaceGiB)'),
  swapSpaceGiB: z.number().positive().optional().describe('Host memory for swapped KV per GPU, GiB (vLLM swap_space; default 4)'),
  guaranteedNoEvict: z.boolean().optional().describe('Admit a request only when its whole input + output fits in the KV cache (TensorRT-LLM GUARANTEED_NO_EVICT)'),
  overheads: z.union([z.string().min(1), OverheadsSchema]).optional().describe('Host-side costs: inline, or a YAML file (relative to the scenario) written by servesim calibrate --bench'),
  maxModelLen: positiveInt.optional().describe('Longest input + output accepted (default: the model maximum)'),
  queuePolicy: z.enum(QUEUE_POLICIES).default('fcfs').describe('Waiting-queue order: fcfs, priority (strict, by tenant priority), wfq (weighted fair across tenants)'),
  priorityPreemption: z.boolean().default(false).describe('With queuePolicy priority: preempt lower-priority running requests'),
}).superRefine((e, ctx) => {
  if (e.gpuMemoryUtilization !== undefined && e.kvFreeFraction !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['kvFreeFraction'], message: 'give gpuMemoryUtilization or kvFreeFraction, not both' });
  }
});

/**
 * `cost`: the GPU-hour price, and with `mode` the full cost of ownership (src/cost/schema.ts, the key names are
 * a contract). Without `mode` only gpuHourUsd applies.
 */
export const CostSchema = CostBlockSchema.extend({
  mode: CostBlockSchema.shape.mode.optional(),
  gpuHourUsd: z.number().nonnegative().optional().describe('Price of one cloud GPU-hour (default: the GPU profile price; with mode, the price class default from profiles/power)'),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1).describe('Scenario name, echoed in outputs'),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().default(42).describe('Seed of every random stream'),
  model: z.string().min(1).describe('Id of a file in profiles/models/'),
  gpu: z.string().min(1).optional().describe('Id of a file in profiles/gpus/ (required unless pools give theirs)'),
  precision: PrecisionSchema.prefault({}),
  parallelism: ParallelismSchema.prefault({}),
  replicas: positiveInt.max(MAX_REPLICAS).default(1).describe('Identical model replicas in the fleet'),
  engine: EngineSchema.prefault({}),
  perfModel: z.enum(['roofline', 'table']).default('roofline').describe('Step-time model: roofline (calibrated efficiencies) or table (measured per-op timings)'),
  tableFallback: z.enum(['error', 'roofline']).default('error').describe('perfModel table: a step outside the measured table is an error, or uses the roofline'),
  router: RouterSchema.default('round-robin').describe('How requests are spread over replicas'),
  workload: WorkloadSchema.optional().describe('The traffic (required unless tenants are given)'),
  tenants: z.array(TenantSchema).min(1).optional().describe('Tenants, each with its own traffic, weight, priority and quota'),
  fleet: FleetSchema.prefault({}),
  pools: z.array(PoolSchema).min(1).optional().describe('Heterogeneous pools (replace gpu/replicas/parallelism)'),
  disaggregation: DisaggregationSchema.optional().describe('Separate prefill and decode pools'),
  failures: FailuresSchema.optional(),
  slo: SloSchema.optional(),
  cost: CostSchema.prefault({}),
  node: NodeKeySchema.optional().describe('Node profile id (profiles/nodes/): TP collectives, weight loading and KV hand-offs follow its links'),
  placement: PlacementSchema.optional().describe('With node: topology-aware (a replica\'s GPUs in one NVLink island / PCIe switch, CPU on their socket; default) or naive (GPUs alternate sockets)'),
  power: PowerBlockSchema.optional(),
}).superRefine((s, ctx) => {
  if (s.placement !== undefined && s.node === undefined) {
    ctx.addIssue({ code: 'custom', path: ['placement'], message: 'placement needs a node (profiles/nodes/) to place replicas on' });
  }
  if (!s.workload && !s.tenants) {
    ctx.addIssue({ code: 'custom', path: ['workload'], message: 'a workload (or tenants with their own traffic) is required' });
  }
  if (s.workload && s.tenants) {
    ctx.addIssue({ code: 'custom', path: ['tenants'], message: "tenants bring their own traffic, which replaces workload's — remove workload or move it into a tenant" });
  }
  if (s.workload?.trace?.tenantColumn !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['workload', 'trace', 'tenantColumn'], message: 'tenantColumn splits a trace among tenants: list them under tenants, each with this trace' });
  }
  if (!s.gpu && !s.pools) {
    ctx.addIssue({ code: 'custom', path: ['gpu'], message: 'gpu is required (or give pools with their own gpu)' });
  }
  if (s.pools && s.disaggregation) {
    ctx.addIssue({ code: 'custom', path: ['disaggregation'], message: 'pools and disaggregation cannot be combined: disaggregation defines its own prefill and decode pools' });
  }
  if (s.pools) {
    const seen = new Set<string>();
    s.pools.forEach((p, i) => {
      if (seen.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: ['pools', i, 'name'], message: `duplicate pool name "${p.name}"`, params: { fix: 'give every pool its own name' } });
      }
      seen.add(p.name);
    });
  }
  if (s.tenants) {
    const seen = new Set<string>();
    s.tenants.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'name'], message: `duplicate tenant name "${t.name}"` });
      seen.add(t.name);
    });
  }
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type SloSpec = z.output<typeof SloSchema>;
