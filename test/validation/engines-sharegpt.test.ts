import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GpuProfile, ModelProfile } from '../../src/profiles/schema.ts';
import { engineSettings, isVllmLargeGpu, trtllmBenchSettings } from '../../src/validation/engines.ts';
import { parseRowsFile } from '../../src/validation/rows-file.ts';
import { filterShareGpt, rescaleToTotal, sampleShareGpt, sampleToSplitwiseCsv } from '../../src/validation/sharegpt.ts';
import type { CaseSpec } from '../../src/validation/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rows = parseRowsFile(readFileSync(path.join(root, 'validation/rows.yaml'), 'utf8'));

const gpu = (id: string, name: string, memoryGiB: number) => ({ id, name, memoryGiB }) as unknown as GpuProfile;
const H100 = gpu('h100-sxm', 'NVIDIA H100 SXM5 80GB', 79.19);
const A100 = gpu('a100-80gb', 'NVIDIA A100 SXM4 80GB', 79.15);
const L40S = gpu('l40s', 'NVIDIA L40S', 44.4);
const model = { id: 'm', maxContext: 40960, paramsB: 8, layers: 32, numKvHeads: 8, headDim: 128 } as unknown as ModelProfile;

function spec(over: Partial<CaseSpec>): CaseSpec {
  return {
    gpu: 'h100-sxm', tensor: 1, pipeline: 1, model: 'm', weights: 'bf16', engine: 'vllm-v1-serve', engineLabel: 'x', flags: {},
    lengths: { kind: 'fixed', input: 1000, output: 1000 }, arrivals: { kind: 'burst' }, requests: 10, measured: [], ...over,
  };
}

describe('vLLM V1 serve defaults', () => {
  it('uses the large-GPU budget only for ≥ 70 GiB non-A100 devices', () => {
    expect(isVllmLargeGpu(H100)).toBe(true);
    expect(isVllmLargeGpu(A100)).toBe(false);
    expect(isVllmLargeGpu(L40S)).toBe(false);
    // The defaults themselves are the product's (engine.kind vllm, test/engine/kinds.test.ts): a case
    // passes only the kind, the frontend and the benchmark's own flags.
    const p = rows.engines['vllm-v1-serve']!;
    expect(engineSettings(spec({}), p, H100, model).engine).toEqual({ kind: 'vllm', frontend: 'http' });
  });
  it('passes the benchmark flags through', () => {
    const p = rows.engines['vllm-v1-serve']!;
    expect(engineSettings(spec({ flags: { maxBatchedTokens: 512 } }), p, H100, model).engine).toEqual({ kind: 'vllm', frontend: 'http', maxBatchedTokens: 512 });
    expect(engineSettings(spec({ flags: { maxModelLen: 32768 } }), p, H100, model).engine.maxModelLen).toBe(32768);
  });
});

describe('vLLM V0 defaults', () => {
  it('uses max(max_model_len, 2048) without chunked prefill and 512 with it', () => {
    const p = rows.engines['vllm-v0-serve']!;
    expect(engineSettings(spec({ engine: 'vllm-v0-serve', flags: { maxModelLen: 8192 } }), p, H100, model).engine)
      .toMatchObject({ scheduler: 'continuous', maxNumSeqs: 256, maxBatchedTokens: 8192, overlapScheduling: false });
    expect(engineSettings(spec({ engine: 'vllm-v0-serve' }), p, H100, { ...model, maxContext: 131072 }).engine)
      .toMatchObject({ scheduler: 'chunked-prefill', maxBatchedTokens: 512 });
  });
});

describe('TensorRT-LLM', () => {
  it('reproduces the trtllm-bench tuning heuristic', () => {
    // 8B FP8 on one H100, 128/128: KV room for thousands of requests → batch capped at 4096, tokens 4096·2 → 8192.
    const a = trtllmBenchSettings({ paramsB: 8.03, layers: 32, kvHeads: 8, headDim: 128, tp: 1, pp: 1, memoryGiB: 79.19,
      weights: 'fp8', kvCache: 'fp8', isl: 128, osl: 128, kvFraction: 0.95 });
    expect(a.maxBatchSize).toBe(4096);
    expect(a.maxNumTokens).toBe(8192);
    // Small KV room: batch rounded up to a multiple of 32 (at least 64), tokens at least 2048.
    const b = trtllmBenchSettings({ paramsB: 8.03, layers: 32, kvHeads: 8, headDim: 128, tp: 1, pp: 1, memoryGiB: 79.19,
      weights: 'bf16', kvCache: 'bf16', isl: 20000, osl: 2000, kvFraction: 0.95 });
    expect(b.maxBatchSize).toBe(64);
    expect(b.maxNumTokens).toBe(2048);
    expect(b.kvCacheMaxRequests).toBeCloseTo(((79.19 - 8.03e9 * 2 / 2 ** 30) * 0.95) / ((2 * 32 * 8 * 128 * 2) / 2 ** 30 * 22000), 6);
  });
  it('sizes static batches from the batch and prompt length', () => {
    const p = rows.engines['trt-static']!;
    expect(engineSettings(spec({ engine: 'trt-static', flags: { staticBatch: 64 }, lengths: { kind: 'fixed', input: 128, output: 128 } }), p, H100, model).engine)
      .toMatchObject({ scheduler: 'static', maxNumSeqs: 64, maxBatchedTokens: 8192 });
  });
});

describe('ShareGPT lengths', () => {
  const pairs = Array.from({ length: 400 }, (_, i) => [3 + ((i * 37) % 1500), 2 + ((i * 53) % 1200)] as const);
  const cfg = rows.sharegpt;

  it('rescales to an exact integer total', () => {
    expect(rescaleToTotal([1, 1, 2], 8)).toEqual([2, 2, 4]);
    const r = rescaleToTotal([5, 7, 11, 13], 100);
    expect(r.reduce((a, b) => a + b, 0)).toBe(100);
    expect(r.every((x) => x >= 1)).toBe(true);
  });
  it('applies vLLM’s ShareGPT filter', () => {
    const f = filterShareGpt([[3, 10], [10, 3], [1025, 10], [1000, 1049], [1000, 1048], [4, 4]], cfg);
    expect(f).toEqual([[1000, 1048], [4, 4]]);
  });
  it('draws n pairs deterministically and matches the reported totals', () => {
    const spec = { kind: 'sharegpt' as const, n: 100, inTotal: 23260, outTotal: 22061 };
    const a = sampleShareGpt(pairs, cfg, spec);
    const b = sampleShareGpt(pairs, cfg, spec);
    expect(a).toEqual(b);
    expect(a.input).toHaveLength(100);
    expect(a.input.reduce((x, y) => x + y, 0)).toBe(23260);
    expect(a.output.reduce((x, y) => x + y, 0)).toBe(22061);
    expect(a.description).toMatch(/mean 232\.6 in \/ 220\.6 out/);
    const csv = sampleToSplitwiseCsv(a).split('\n');
    expect(csv[0]).toBe('arrived_at,num_prefill_tokens,num_decode_tokens');
    expect(csv[1]).toBe(`0,${a.input[0]},${a.output[0]}`);
  });
  it('uses means × n when only averages are stated', () => {
    const s = sampleShareGpt(pairs, cfg, { kind: 'sharegpt', n: 500, meanIn: 202, meanOut: 179 });
    expect(s.input.reduce((x, y) => x + y, 0)).toBe(101000);
    expect(s.output.reduce((x, y) => x + y, 0)).toBe(89500);
  });
});
