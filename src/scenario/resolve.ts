import type { Scenario } from './schema.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import type { EngineConfig } from '../engine/config.ts';
import type { PrecisionConfig, Precision } from '../perf/precision.ts';
import type { StepTimeModel } from '../perf/types.ts';
import { createRooflineModel } from '../perf/roofline.ts';
import { kvCapacity } from '../memory/capacity.ts';
import type { KvCapacity } from '../memory/capacity.ts';
import { buildWorkload } from '../workload/build.ts';
import type { LineSource } from '../workload/types.ts';
import type { FleetWorkload } from '../fleet/simulate.ts';
import { UserError } from '../errors/user-error.ts';

/** Everything a run needs, resolved from a validated scenario: profiles, capacity, step-time model. */
export interface ResolvedScenario {
  scenario: Scenario;
  gpu: GpuProfile;
  model: ModelProfile;
  precision: PrecisionConfig;
  engine: EngineConfig;
  capacity: KvCapacity;
  perf: StepTimeModel;
  gpusPerReplica: number;
  gpuHourUsd: number;
  gpuHourUsdSource: string;
  /** Tokens per prefix hash id in the workload (Mooncake: 512), 0 when the workload has none. */
  hashBlockTokens: number;
  notes: string[];
  /** A fresh request stream (each call starts the workload from the beginning). */
  makeWorkload(): FleetWorkload;
}

/** How the resolver reaches profiles and files (Node adapters in the CLI; fakes in tests). */
export interface ResolveEnv {
  loadGpu(id: string): GpuProfile;
  loadModel(id: string): ModelProfile;
  resolvePath(p: string): string;
  openLines(absPath: string): LineSource;
}

const MOONCAKE_HASH_BLOCK_TOKENS = 512;

/**
 * Resolves profile ids, fills derived defaults (KV precision, maxModelLen, price), sizes the KV cache
 * and builds the step-time model. Throws `UserError` for unknown ids, models that do not fit, and
 * inconsistent settings.
 */
export function resolveScenario(s: Scenario, env: ResolveEnv): ResolvedScenario {
  const gpu = env.loadGpu(s.gpu);
  const model = env.loadModel(s.model);
  const notes: string[] = [];
  const weights = s.precision.weights;
  const precision: PrecisionConfig = {
    weights,
    kvCache: s.precision.kvCache ?? defaultKvPrecision(weights),
    ...(s.precision.activations ? { activations: s.precision.activations } : {}),
  };
  const { tensor, pipeline } = s.parallelism;
  if (tensor > 1 && model.numHeads % tensor !== 0) {
    throw new UserError(`tensor parallelism ${tensor} does not divide the ${model.numHeads} attention heads of ${model.id}`, {
      where: 'parallelism.tensor',
      fix: `choose a divisor of ${model.numHeads} (e.g. 1, 2, 4 or 8)`,
    });
  }
  if (pipeline > model.layers) {
    throw new UserError(`pipeline parallelism ${pipeline} exceeds the ${model.layers} layers of ${model.id}`, {
      where: 'parallelism.pipeline',
      fix: `use at most ${model.layers} stages`,
    });
  }
  const maxModelLen = s.engine.maxModelLen ?? model.maxContext;
  if (maxModelLen > model.maxContext) {
    throw new UserError(`engine.maxModelLen ${maxModelLen} exceeds ${model.id}'s maximum context ${model.maxContext}`, {
      where: 'engine.maxModelLen',
      fix: `use at most ${model.maxContext}, or leave it out for the model maximum`,
    });
  }
  const engine: EngineConfig = {
    scheduler: s.engine.scheduler,
    maxNumSeqs: s.engine.maxNumSeqs,
    maxBatchedTokens: s.engine.maxBatchedTokens,
    blockSize: s.engine.blockSize,
    watermark: s.engine.watermark,
    maxModelLen,
    prefixCaching: s.engine.prefixCaching,
  };
  const capacity = kvCapacity({
    gpu, model, precision, parallelism: s.parallelism,
    gpuMemoryUtilization: s.engine.gpuMemoryUtilization,
    blockSize: s.engine.blockSize,
    maxBatchedTokens: s.engine.maxBatchedTokens,
    maxNumSeqs: s.engine.maxNumSeqs,
  });
  const perf = createRooflineModel({ gpu, model, precision, parallelism: s.parallelism });

  const trace = s.workload.trace;
  const hashBlockTokens = trace?.format === 'mooncake' ? MOONCAKE_HASH_BLOCK_TOKENS : 0;
  if (s.engine.prefixCaching) {
    if (hashBlockTokens === 0) {
      notes.push('prefixCaching is on but the workload carries no prefix hashes (only mooncake traces do): no hits possible');
    } else if (hashBlockTokens % s.engine.blockSize !== 0) {
      throw new UserError(`engine.blockSize ${s.engine.blockSize} does not divide the trace's ${hashBlockTokens}-token hash blocks`, {
        where: 'engine.blockSize',
        fix: 'use a power of two up to 512, e.g. 16 (vLLM default)',
      });
    }
  }
  const gpuHourUsd = s.cost.gpuHourUsd ?? gpu.price.onDemandUsdPerHour;
  const gpuHourUsdSource = s.cost.gpuHourUsd !== undefined ? 'scenario cost.gpuHourUsd' : `profile ${gpu.id} price.onDemandUsdPerHour`;
  return {
    scenario: s, gpu, model, precision, engine, capacity, perf,
    gpusPerReplica: tensor * pipeline,
    gpuHourUsd, gpuHourUsdSource, hashBlockTokens, notes,
    makeWorkload: () => buildWorkload(s.workload, { seed: s.seed, resolvePath: env.resolvePath, openLines: env.openLines }),
  };
}

/** vLLM's `kv_cache_dtype: auto`: the model's 16-bit dtype (quantized weights keep a bf16 cache). */
function defaultKvPrecision(weights: Precision): Precision {
  return weights === 'fp16' || weights === 'fp32' ? weights : 'bf16';
}
