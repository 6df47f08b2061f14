/**
 * Engine presets → scenario engine settings. The numbers and their sources are in validation/rows.yaml
 * (`engines:`); this module applies the selection rules (which GPU gets which vLLM default, the
 * trtllm-bench tuning heuristic, flags that override defaults). Pure.
 */
import type { SchedulerKind } from '../engine/config.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import type { Precision } from '../perf/precision.ts';
import type { EnginePresetConfig } from './rows-file.ts';
import type { CaseSpec } from './types.ts';

export interface EngineSettings {
  scheduler: SchedulerKind;
  maxNumSeqs: number;
  maxBatchedTokens: number;
  blockSize: number;
  /** vLLM-style fraction of total GPU memory (absent when `kvFreeFraction` sizes the cache). */
  gpuMemoryUtilization?: number;
  /** TensorRT-LLM-style fraction of the memory left after weights and buffers. */
  kvFreeFraction?: number;
  maxModelLen?: number;
  /** How the numbers were chosen, for the report. */
  notes: string[];
}

/** vLLM's "large GPU" test: ≥ 70 GiB of device memory and a device name without "a100". */
export function isVllmLargeGpu(gpu: GpuProfile): boolean {
  return gpu.memoryGiB >= 70 && !/a100/i.test(`${gpu.id} ${gpu.name}`);
}

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

/** Resolves the engine settings of a case from its preset, the profiles, and the benchmark's flags. */
export function engineSettings(spec: CaseSpec, preset: EnginePresetConfig, gpu: GpuProfile, model: ModelProfile): EngineSettings {
  const f = spec.flags;
  const notes: string[] = [];
  const base = { blockSize: preset.blockSize, notes };
  switch (spec.engine) {
    case 'vllm-v1-serve': {
      const large = isVllmLargeGpu(gpu);
      const d = large ? preset.large : preset.other;
      if (!d) throw new Error(`engines.${spec.engine} lacks ${large ? 'large' : 'other'}`);
      const maxBatchedTokens = f.maxBatchedTokens ?? d.maxBatchedTokens;
      const maxNumSeqs = f.maxNumSeqs ?? Math.min(d.maxNumSeqs, maxBatchedTokens);
      notes.push(`vLLM V1 serve defaults for ${large ? '≥70 GiB non-A100' : 'A100 / <70 GiB'} GPUs: max_num_seqs ${maxNumSeqs}, max_num_batched_tokens ${maxBatchedTokens}${f.maxBatchedTokens ? ' (set by flag)' : ''}`);
      return {
        ...base, scheduler: preset.scheduler, maxNumSeqs, maxBatchedTokens,
        gpuMemoryUtilization: f.gpuMemoryUtilization ?? preset.gpuMemoryUtilization ?? 0.9,
        ...(f.maxModelLen ? { maxModelLen: f.maxModelLen } : {}),
      };
    }
    case 'vllm-v0-serve': {
      const maxModelLen = f.maxModelLen ?? model.maxContext;
      const lc = preset.longContext;
      const long = lc !== undefined && maxModelLen > lc.aboveMaxModelLen;
      const scheduler = long ? lc.scheduler : preset.scheduler;
      const maxBatchedTokens = f.maxBatchedTokens ?? (long ? lc.maxBatchedTokens : Math.max(maxModelLen, 2048));
      const maxNumSeqs = f.maxNumSeqs ?? preset.maxNumSeqs ?? 256;
      notes.push(`vLLM V0 defaults: ${scheduler}, max_num_seqs ${maxNumSeqs}, max_num_batched_tokens ${maxBatchedTokens} (max_model_len ${maxModelLen})`);
      return {
        ...base, scheduler, maxNumSeqs, maxBatchedTokens, maxModelLen,
        gpuMemoryUtilization: f.gpuMemoryUtilization ?? preset.gpuMemoryUtilization ?? 0.9,
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
      notes.push(`trtllm-bench heuristic: max_batch_size ${maxNumSeqs}, max_num_tokens ${maxBatchedTokens} (KV room for ~${Math.floor(t.kvCacheMaxRequests)} requests)`);
      return { ...base, scheduler: preset.scheduler, maxNumSeqs, maxBatchedTokens, kvFreeFraction: f.kvFreeFraction ?? preset.kvFreeFraction ?? 0.95 };
    }
    case 'trtllm-serve': {
      const maxNumSeqs = f.maxNumSeqs ?? preset.maxNumSeqs ?? 2048;
      const maxBatchedTokens = f.maxBatchedTokens ?? preset.maxBatchedTokens ?? 8192;
      notes.push(`trtllm-serve defaults: max_batch_size ${maxNumSeqs}, max_num_tokens ${maxBatchedTokens}`);
      return {
        ...base, scheduler: preset.scheduler, maxNumSeqs, maxBatchedTokens,
        kvFreeFraction: f.kvFreeFraction ?? preset.kvFreeFraction ?? 0.9,
        ...(f.maxModelLen ? { maxModelLen: f.maxModelLen } : {}),
      };
    }
    case 'trt-static': {
      const batch = f.staticBatch;
      if (batch === undefined) throw new Error('trt-static needs a static batch size');
      const { input } = meanLengths(spec);
      const maxBatchedTokens = Math.max(1, Math.round(batch * input));
      notes.push(`static batch ${batch}: context phase of ${maxBatchedTokens} tokens in one pass`);
      return {
        ...base, scheduler: preset.scheduler, maxNumSeqs: batch, maxBatchedTokens,
        gpuMemoryUtilization: f.gpuMemoryUtilization ?? preset.gpuMemoryUtilization ?? 0.9,
      };
    }
  }
}

/**
 * gpuMemoryUtilization that gives a TensorRT-LLM-style cache: `fraction` of what is left after weights and
 * the activation/runtime reserve, i.e. (W + R + f·(M − W − R)) / M.
 */
export function utilizationForFreeFraction(memoryBytes: number, weightBytes: number, reserveBytes: number, fraction: number): number {
  const left = memoryBytes - weightBytes - reserveBytes;
  if (left <= 0) return 1;
  return Math.min(1, (weightBytes + reserveBytes + fraction * left) / memoryBytes);
}
