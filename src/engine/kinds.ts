/**
 * Engines as deployed (`engine.kind`): the scheduler semantics and the defaults each serving engine picks
 * for itself, as a function of the GPU, the parallelism and how the engine is driven (`engine.frontend`:
 * an HTTP API server, or in-process offline use). Every value carries its source; docs/engines.md explains
 * each one. Any `engine.*` key a scenario sets overrides the kind's default.
 *
 * Pure: no I/O. `resolveScenario` applies these and records what it chose in the report.
 */
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import type { SchedulerKind } from './config.ts';
import { FITTED_HOST_COSTS } from './host-costs.ts';

export const ENGINE_KINDS = ['vllm', 'sglang', 'trt-llm'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export const FRONTENDS = ['http', 'in-process'] as const;
export type FrontendKind = (typeof FRONTENDS)[number];

/**
 * Host-side costs of an engine. Step costs are CPU time on the engine's critical path per engine step;
 * frontend costs are CPU time of the API server per request and per token (only with `frontend: http`).
 */
export interface EngineOverheads {
  /** Fixed CPU time per engine step: scheduling, input preparation, sampling launch (s). */
  stepSec: number;
  /** CPU time per sequence in the step (s). */
  perSeqSec: number;
  /** CPU time per extra tensor-parallel worker per step (broadcast of the step's inputs) (s). */
  perTpWorkerSec: number;
  /** API-server time per request: HTTP handling, validation, request set-up (s). */
  frontendRequestSec: number;
  /** Tokenisation time per input token (s). */
  frontendInputTokenSec: number;
  /** Detokenisation + streaming time per output token (s). */
  frontendOutputTokenSec: number;
  /** Multiplies the GPU's throughput: GPU time ÷ gpuEfficiency (1 = the calibrated kernels as they are). */
  gpuEfficiency: number;
}

export const OVERHEAD_KEYS = [
  'stepSec', 'perSeqSec', 'perTpWorkerSec', 'frontendRequestSec', 'frontendInputTokenSec', 'frontendOutputTokenSec',
  'gpuEfficiency',
] as const satisfies readonly (keyof EngineOverheads)[];

/** Everything an engine kind decides for a deployment. */
export interface EngineKindDefaults {
  kind: EngineKind;
  scheduler: SchedulerKind;
  maxNumSeqs: number;
  maxBatchedTokens: number;
  blockSize: number;
  /** vLLM-style fraction of total GPU memory for weights + activations + KV cache. */
  gpuMemoryUtilization: number;
  /**
   * TensorRT-LLM-style fraction of the memory left after weights and buffers given to the KV cache; when set
   * it sizes the cache instead of `gpuMemoryUtilization`.
   */
  kvFreeFraction?: number;
  prefixCaching: boolean;
  /** Free-block fraction kept back when admitting prompts (vLLM V0 only). */
  watermark: number;
  /** CPU scheduling overlapped with the GPU's step (vLLM async scheduling, SGLang/TRT-LLM overlap scheduler). */
  overlapScheduling: boolean;
  /** Decode batch sizes with a captured CUDA graph (a decode batch is padded to the next one); empty = none. */
  cudaGraphSizes: number[];
  /** Admit a request only when its whole input + output fits in the KV cache (TensorRT-LLM GUARANTEED_NO_EVICT). */
  guaranteedNoEvict: boolean;
  /** A prompt must fit in one step's budget (no chunked prefill / chunked context). */
  wholePrompt: boolean;
  /** API-server CPU cores that serve requests (one asyncio process per API server). */
  frontendCores: number;
  overheads: EngineOverheads;
  /** Where each value comes from, for the report and docs. */
  sources: string[];
}

export interface EngineKindContext {
  gpu: GpuProfile;
  model: ModelProfile;
  tensor: number;
  pipeline: number;
  frontend: FrontendKind;
}

/**
 * Host costs per engine. The step costs are replaced by the calibrated CPU overhead of the GPU's data
 * (Vidur's vLLM CPU-overhead measurements, data/microbench/vidur/cpu-overhead, one line per TP degree: prepare
 * inputs + sampler) when a calibration exists; the values here are that fit at TP 1. The frontend costs are
 * fitted per engine kind by `npm run fit:host` (src/engine/host-costs.ts, docs/host-costs.md) and fall back to
 * these assumptions for a kind without a fit; `servesim calibrate --bench` fits all of them to a user's own
 * runs. `gpuEfficiency` 1: the kernels are the calibrated ones.
 */
export const DEFAULT_OVERHEADS: Readonly<EngineOverheads> = {
  stepSec: 0.65e-3,
  perSeqSec: 14e-6,
  perTpWorkerSec: 0, // the calibrated CPU overhead already has one line per TP degree
  frontendRequestSec: 1.0e-3,
  frontendInputTokenSec: 0.5e-6,
  frontendOutputTokenSec: 15e-6,
  gpuEfficiency: 1,
};

/**
 * vLLM V1's CUDA-graph capture sizes: 1, 2, 4, multiples of 8 up to 248, multiples of 16 from 256, up to
 * min(2 × maxNumSeqs, 512) capped at maxBatchedTokens (vllm/config/vllm.py `_set_cudagraph_sizes`).
 * @example vllmCudaGraphSizes(8, 8192) // [1, 2, 4, 8, 16]
 */
export function vllmCudaGraphSizes(maxNumSeqs: number, maxBatchedTokens: number): number[] {
  const max = Math.min(maxNumSeqs * 2, 512, maxBatchedTokens);
  const out: number[] = [];
  for (const s of [1, 2, 4]) if (s <= max) out.push(s);
  for (let s = 8; s <= 248 && s <= max; s += 8) out.push(s);
  for (let s = 256; s <= max; s += 16) out.push(s);
  return out;
}

/** SGLang's decode CUDA-graph sizes up to `maxBs`: 1, 2, 4, then multiples of 8 (the list shape is an assumption). */
export function sglangCudaGraphSizes(maxBs: number): number[] {
  const out: number[] = [];
  for (const s of [1, 2, 4]) if (s <= maxBs) out.push(s);
  for (let s = 8; s <= maxBs; s += 8) out.push(s);
  return out;
}

/** vLLM's "large GPU" rule for its batch defaults: ≥ 70 GiB and a device name without "a100". */
export function isVllmLargeGpu(gpu: GpuProfile): boolean {
  return gpu.memoryGiB >= 70 && !/a100/i.test(`${gpu.id} ${gpu.name}`);
}

/**
 * SGLang's memory tier (handle_gpu_memory_settings): chunked_prefill_size and the decode CUDA-graph max batch.
 */
export function sglangMemoryTier(gpu: GpuProfile, tensor: number): { chunkedPrefillSize: number; cudaGraphMaxBs: number } {
  const g = gpu.memoryGiB;
  const big = tensor >= 4;
  if (g < 20) return { chunkedPrefillSize: 2048, cudaGraphMaxBs: 8 };
  if (g < 35) return { chunkedPrefillSize: 4096, cudaGraphMaxBs: big ? 160 : 48 };
  if (g < 60) return { chunkedPrefillSize: 4096, cudaGraphMaxBs: big ? 160 : 32 };
  if (g < 160) return { chunkedPrefillSize: 8192, cudaGraphMaxBs: big ? 512 : 256 };
  return { chunkedPrefillSize: 16384, cudaGraphMaxBs: 512 };
}

/**
 * SGLang's default mem_fraction_static: (memory − reserved) / memory, reserved (MiB) = 512 + 1.5 ×
 * max(chunk, 2048) + TP·PP/8 × 1024 + 2 × decode graph max batch, floored at 10 GiB on GPUs over 60 GiB.
 * Prefill CUDA graphs and DP-attention extras are left out.
 */
export function sglangMemFractionStatic(gpu: GpuProfile, tensor: number, pipeline: number, chunk: number, graphMaxBs: number): number {
  const memMiB = gpu.memoryGiB * 1024;
  let reserved = 512 + 1.5 * Math.max(chunk, 2048) + ((tensor * pipeline) / 8) * 1024 + 2 * graphMaxBs;
  if (gpu.memoryGiB > 60) reserved = Math.max(reserved, 10 * 1024);
  return Math.round(((memMiB - reserved) / memMiB) * 1000) / 1000;
}

/** The defaults of an engine kind for a deployment. */
export function engineKindDefaults(kind: EngineKind, ctx: EngineKindContext): EngineKindDefaults {
  const overheads = { ...DEFAULT_OVERHEADS };
  const fitted = (FITTED_HOST_COSTS as Partial<Record<EngineKind, { frontendRequestSec: number; frontendOutputTokenSec: number }>>)[kind];
  if (fitted !== undefined) {
    overheads.frontendRequestSec = fitted.frontendRequestSec;
    overheads.frontendOutputTokenSec = fitted.frontendOutputTokenSec;
  }
  if (ctx.frontend === 'in-process') {
    overheads.frontendRequestSec = 0;
    overheads.frontendInputTokenSec = 0;
    overheads.frontendOutputTokenSec = 0;
  }
  switch (kind) {
    case 'vllm': {
      const large = isVllmLargeGpu(ctx.gpu);
      const api = ctx.frontend === 'http';
      const maxBatchedTokens = large ? (api ? 8192 : 16384) : (api ? 2048 : 8192);
      const maxNumSeqs = Math.min(large ? 1024 : 256, maxBatchedTokens);
      return {
        kind, scheduler: 'chunked-prefill', maxNumSeqs, maxBatchedTokens,
        blockSize: ctx.model.mla !== undefined ? 64 : 16,
        gpuMemoryUtilization: 0.9, prefixCaching: true, watermark: 0, overlapScheduling: true,
        cudaGraphSizes: vllmCudaGraphSizes(maxNumSeqs, maxBatchedTokens),
        guaranteedNoEvict: false, wholePrompt: false, frontendCores: 1, overheads,
        sources: [
          `vLLM V1 EngineArgs batch defaults (${large ? '≥ 70 GiB, not A100' : 'A100 or < 70 GiB'}, ${api ? 'OpenAI API server' : 'LLM class'}): max_num_batched_tokens ${maxBatchedTokens}, max_num_seqs ${maxNumSeqs} (vllm/engine/arg_utils.py _set_default_args, v0.11)`,
          'vLLM V1 scheduler: one token budget per step, running requests first then waiting ones, chunked prefill always on, recompute preemption of the newest request, prefix caching on (vllm/v1/core/sched/scheduler.py)',
          'vLLM async scheduling on by default: CPU scheduling of step n+1 overlaps GPU step n (vllm/config/vllm.py)',
          'vLLM CUDA graphs FULL_AND_PIECEWISE: decode batches padded to the next capture size (vllm/config/vllm.py _set_cudagraph_sizes)',
          `block size ${ctx.model.mla !== undefined ? '64 (MLA backends need a multiple of 64)' : '16 (CUDA platform default)'}; gpu_memory_utilization 0.9 (vllm/config/cache.py)`,
        ],
      };
    }
    case 'sglang': {
      const tier = sglangMemoryTier(ctx.gpu, ctx.tensor);
      const frac = sglangMemFractionStatic(ctx.gpu, ctx.tensor, ctx.pipeline, tier.chunkedPrefillSize, tier.cudaGraphMaxBs);
      return {
        kind, scheduler: 'prefill-first', maxNumSeqs: 4096, maxBatchedTokens: tier.chunkedPrefillSize,
        blockSize: 1, gpuMemoryUtilization: frac, prefixCaching: true, watermark: 0, overlapScheduling: true,
        cudaGraphSizes: sglangCudaGraphSizes(tier.cudaGraphMaxBs),
        guaranteedNoEvict: false, wholePrompt: false, frontendCores: 1, overheads,
        sources: [
          `SGLang memory tier for ${ctx.gpu.memoryGiB} GiB: chunked_prefill_size ${tier.chunkedPrefillSize}, decode CUDA-graph max batch ${tier.cudaGraphMaxBs} (python/sglang/srt/arg_groups/memory_hook.py handle_gpu_memory_settings)`,
          `SGLang mem_fraction_static ${frac} from the reserved-memory rule (memory_hook.py)`,
          'SGLang scheduler: prefill batches first, decodes not mixed with prefill chunks (enable_mixed_chunk False), radix cache on, overlap scheduler on (arg_groups/fields/schedule.py, memory.py)',
          'SGLang max_running_requests: derived from the KV pool (clamped to 2048–4096 request slots); the KV pool is the binding limit here',
          'SGLang page size 1 (token-granular KV pool)',
        ],
      };
    }
    case 'trt-llm': {
      return {
        kind, scheduler: 'chunked-prefill', maxNumSeqs: 2048, maxBatchedTokens: 8192, blockSize: 32,
        gpuMemoryUtilization: 0.9, kvFreeFraction: 0.9, prefixCaching: true, watermark: 0, overlapScheduling: true,
        cudaGraphSizes: [], guaranteedNoEvict: true, wholePrompt: true, frontendCores: 1, overheads,
        sources: [
          'TensorRT-LLM trtllm-serve (PyTorch backend): max_batch_size 2048, max_num_tokens 8192 (BuildConfig defaults), free_gpu_memory_fraction 0.9, capacity scheduler GUARANTEED_NO_EVICT, enable_chunked_prefill False (tensorrt_llm/commands/serve.py)',
          'TensorRT-LLM in-flight batching: context and generation requests in one forward pass (docs features/paged-attention-ifb-scheduler)',
          'TensorRT-LLM overlap scheduler on by default (docs features/overlap-scheduler); KV block reuse on; tokens_per_block 32',
          'TensorRT-LLM CUDA graphs: default configuration unconfirmed for 1.x — no padding modelled',
        ],
      };
    }
  }
}
