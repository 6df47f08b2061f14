/**
 * Engine presets → scenario engine settings. The numbers and their sources are in validation/rows.yaml
 * (`engines:`); this module applies the selection rules (which GPU gets which vLLM default, the
 * trtllm-bench tuning heuristic, flags that override defaults). Pure.
 */
import type { ScenarioInput } from '../scenario/schema.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import type { Precision } from '../perf/precision.ts';
import type { EnginePresetConfig } from './rows-file.ts';
import type { CaseSpec } from './types.ts';

/**
 * The `engine` block of a case's scenario: the engine kind and frontend of the way the benchmark ran, plus
 * only the settings the benchmark (or its tool's own tuning) fixed — everything else is the engine kind's
 * default, resolved by the product (src/engine/kinds.ts), exactly as for a user's scenario.
 */
export interface EngineSettings {
  engine: NonNullable<ScenarioInput['engine']>;
  /** The running-set cap the benchmark implies (for the mechanism notes), when the case fixes it. */
  maxNumSeqs?: number;
  /** How the settings were chosen, for the report. */
  notes: string[];
}

export { isVllmLargeGpu } from '../engine/kinds.ts';

/**
 * trtllm-bench's engine-setting heuristic (tensorrt_llm/bench/build/tuning.py: calc_engine_setting +
 * finetune_setting), for a dataset of fixed ISL/OSL.
 *
 * @example
 * trtllmBenchSettings({ paramsB: 8.03, layers: 32, kvHeads: 8, headDim: 128, tp: 1, pp: 1, memoryGiB: 79.19,
 *   weights: 'fp8', kvCache: 'fp8', isl: 128, osl: 128, kvFraction: 0.95 }) // { maxBatchSize: 4096, maxNumTokens: 8192 }
 */
export function trtllmBenchSettings(a: {
  paramsB: number; layers: number; kvHeads: number; headDim: number; tp: number; pp: number; memoryGiB: number;
  weights: Precision; kvCache: Precision; isl: number; osl: number; kvFraction: number;
}): { maxBatchSize: number; maxNumTokens: number; kvCacheMaxRequests: number } {
  const bytesPerElem = a.weights === 'fp8' ? 1 : a.weights === 'fp4' || a.weights === 'int4' ? 0.5 : 2;
  const bytesPerKv = a.kvCache === 'fp8' ? 1 : 2;
  const kvHeads = Math.max(a.tp, a.kvHeads);
  const gib = 1024 ** 3;
  const bytePerToken = (2 * a.layers * kvHeads * a.headDim * bytesPerKv) / gib;
  const nGpus = a.tp * a.pp;
  const engineSize = (a.paramsB * 1e9 * bytesPerElem) / gib;
  const available = a.memoryGiB * nGpus - engineSize;
  const cache = available * a.kvFraction;
  const kvCacheMaxRequests = cache / (bytePerToken * (a.isl + a.osl));
  // finetune_setting (optimistic tuning)
  const rawBs = Math.min(kvCacheMaxRequests, 4096) / a.pp;
  const rawToken = Math.min(rawBs * (1 + a.isl / a.osl), 32768);
  let maxBatchSize: number;
  if (rawBs < 256) maxBatchSize = Math.max(64, 32 * Math.ceil(rawBs / 32));
  else if (rawBs < 1024) maxBatchSize = 128 * Math.ceil(rawBs / 128);
  else maxBatchSize = 256 * Math.ceil(rawBs / 256);
  let maxNumTokens: number;
  if (rawToken < 4096) maxNumTokens = Math.max(2048, 256 * Math.ceil(rawToken / 256));
  else if (rawToken < 8192) maxNumTokens = 512 * Math.ceil(rawToken / 512);
  else maxNumTokens = 1024 * Math.ceil(rawToken / 1024);
  return { maxBatchSize, maxNumTokens, kvCacheMaxRequests };
}

/** Mean prompt and output lengths of a case (for heuristics that use them). */
export function meanLengths(spec: CaseSpec): { input: number; output: number } {
  const l = spec.lengths;
  if (l.kind === 'fixed') return { input: l.input, output: l.output };
  const input = l.inTotal !== undefined ? l.inTotal / l.n : (l.meanIn ?? 0);
  const output = l.outTotal !== undefined ? l.outTotal / l.n : (l.meanOut ?? 0);
  return { input, output };
}

/** Explicit flags of the benchmark → engine keys (left out when the benchmark kept the default). */
function flagKeys(f: CaseSpec['flags']): Partial<NonNullable<ScenarioInput['engine']>> {
  return {
    ...(f.maxNumSeqs !== undefined ? { maxNumSeqs: f.maxNumSeqs } : {}),
    ...(f.maxBatchedTokens !== undefined ? { maxBatchedTokens: f.maxBatchedTokens } : {}),
    ...(f.maxModelLen !== undefined ? { maxModelLen: f.maxModelLen } : {}),
    ...(f.gpuMemoryUtilization !== undefined ? { gpuMemoryUtilization: f.gpuMemoryUtilization } : {}),
    ...(f.kvFreeFraction !== undefined ? { kvFreeFraction: f.kvFreeFraction } : {}),
  };
}

/** Resolves the engine block of a case from its preset, the profiles, and the benchmark's flags. */
export function engineSettings(spec: CaseSpec, preset: EnginePresetConfig, gpu: GpuProfile, model: ModelProfile): EngineSettings {
  const f = spec.flags;
  const notes: string[] = [];
  switch (spec.engine) {
    case 'vllm-v1-serve': {
      const fe = spec.frontend ?? 'http';
      notes.push(`vLLM V1 ${fe === 'http' ? 'behind `vllm serve`' : 'in process (offline script)'} (engine.kind vllm, frontend ${fe}): the engine's own defaults for ${gpu.id}${Object.keys(flagKeys(f)).length > 0 ? `, with the benchmark's flags ${JSON.stringify(flagKeys(f))}` : ''}`);
      return { engine: { kind: 'vllm', frontend: fe, ...flagKeys(f) }, ...(f.maxNumSeqs ? { maxNumSeqs: f.maxNumSeqs } : {}), notes };
    }
    case 'vllm-v0-serve': {
      const maxModelLen = f.maxModelLen ?? model.maxContext;
      const lc = preset.longContext;
      const long = lc !== undefined && maxModelLen > lc.aboveMaxModelLen;
      const scheduler = long ? lc.scheduler : preset.scheduler;
      const maxBatchedTokens = f.maxBatchedTokens ?? (long ? lc.maxBatchedTokens : Math.max(maxModelLen, 2048));
      const maxNumSeqs = f.maxNumSeqs ?? preset.maxNumSeqs ?? 256;
      const fe = spec.frontend ?? 'http';
      notes.push(`vLLM V0 defaults (frontend ${fe}): ${scheduler}, max_num_seqs ${maxNumSeqs}, max_num_batched_tokens ${maxBatchedTokens} (max_model_len ${maxModelLen}); synchronous engine loop, no prefix caching`);
      return {
        engine: {
          kind: 'vllm', frontend: fe, scheduler, maxNumSeqs, maxBatchedTokens, maxModelLen, blockSize: preset.blockSize,
          gpuMemoryUtilization: f.gpuMemoryUtilization ?? preset.gpuMemoryUtilization ?? 0.9,
          overlapScheduling: false, prefixCaching: false, watermark: 0.01,
        },
        maxNumSeqs, notes,
      };
    }
    case 'trtllm-bench': {
      const { input, output } = meanLengths(spec);
      const t = trtllmBenchSettings({
        paramsB: model.paramsB, layers: model.layers, kvHeads: model.numKvHeads, headDim: model.headDim,
        tp: spec.tensor, pp: spec.pipeline, memoryGiB: gpu.memoryGiB, weights: spec.weights,
        kvCache: spec.kvCache ?? 'bf16', isl: input, osl: output, kvFraction: preset.kvFreeFraction ?? 0.95,
      });
      const maxNumSeqs = f.maxNumSeqs ?? t.maxBatchSize;
      const maxBatchedTokens = f.maxBatchedTokens ?? t.maxNumTokens;
      notes.push(`trtllm-bench (engine.kind trt-llm, in-process): max_batch_size ${maxNumSeqs}, max_num_tokens ${maxBatchedTokens} from its tuning heuristic (KV room for ~${Math.floor(t.kvCacheMaxRequests)} requests), chunked context`);
      return {
        engine: {
          kind: 'trt-llm', frontend: 'in-process', maxNumSeqs, maxBatchedTokens, chunkedPrefill: true,
          kvFreeFraction: f.kvFreeFraction ?? preset.kvFreeFraction ?? 0.95,
        },
        maxNumSeqs, notes,
      };
    }
    case 'trtllm-serve': {
      notes.push(`trtllm-serve (engine.kind trt-llm, frontend http): the engine's own defaults${Object.keys(flagKeys(f)).length > 0 ? `, with the benchmark's flags ${JSON.stringify(flagKeys(f))}` : ''}${f.chunkedPrefill ? '; chunked prefill on (--enable_chunked_prefill)' : ''}`);
      return {
        engine: { kind: 'trt-llm', frontend: 'http', ...flagKeys(f), ...(f.chunkedPrefill ? { chunkedPrefill: true } : {}) },
        ...(f.maxNumSeqs ? { maxNumSeqs: f.maxNumSeqs } : {}), notes,
      };
    }
    case 'sglang-serve': {
      notes.push(`SGLang launch_server (engine.kind sglang, frontend http): the engine's own defaults${Object.keys(flagKeys(f)).length > 0 ? `, with the benchmark's flags ${JSON.stringify(flagKeys(f))}` : ''}`);
      return { engine: { kind: 'sglang', frontend: 'http', ...flagKeys(f) }, ...(f.maxNumSeqs ? { maxNumSeqs: f.maxNumSeqs } : {}), notes };
    }
    case 'trt-static': {
      const batch = f.staticBatch;
      if (batch === undefined) throw new Error('trt-static needs a static batch size');
      const { input } = meanLengths(spec);
      const maxBatchedTokens = Math.max(1, Math.round(batch * input));
      notes.push(`static batch ${batch}: context phase of ${maxBatchedTokens} tokens in one pass`);
      return {
        engine: {
          kind: 'trt-llm', frontend: 'in-process', scheduler: 'static', maxNumSeqs: batch, maxBatchedTokens,
          blockSize: preset.blockSize, gpuMemoryUtilization: f.gpuMemoryUtilization ?? preset.gpuMemoryUtilization ?? 0.9,
        },
        maxNumSeqs: batch, notes,
      };
    }
  }
}
