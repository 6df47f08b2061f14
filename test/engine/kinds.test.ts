/**
 * Engine kinds: the defaults each engine picks for itself, the engine step model (overlap, CUDA-graph
 * padding, efficiency), the API-server host path, and the SGLang prefill-first scheduler — each checked by a
 * property that would fail if the mechanism were wrong.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import {
  engineKindDefaults, isVllmLargeGpu, sglangMemFractionStatic, sglangMemoryTier, vllmCudaGraphSizes,
} from '../../src/engine/kinds.ts';
import { createEngineStepModel } from '../../src/engine/step-model.ts';
import { Frontend } from '../../src/engine/frontend.ts';
import { parseOverheadsText } from '../../src/engine/overheads-file.ts';
import { loadGpuProfile, loadModelProfile } from '../../src/profiles/fs.ts';
import { emptyBatch } from '../../src/perf/types.ts';
import type { BatchShape } from '../../src/perf/types.ts';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { linearPerf } from '../helpers/fakes.ts';
import type { Request } from '../../src/workload/types.ts';

const h100 = loadGpuProfile('h100-sxm');
const a100 = loadGpuProfile('a100-80gb');
const l40s = loadGpuProfile('l40s');
const b200 = loadGpuProfile('b200');
const l8 = loadModelProfile('llama-3.1-8b');
const dir = mkdtempSync(path.join(tmpdir(), 'servesim-kinds-'));

function run(yaml: string, overrides: string[] = []) {
  const file = path.join(dir, 'k.yaml');
  writeFileSync(file, yaml);
  return runScenario(resolveScenario(parseScenario(yaml, file, overrides), nodeResolveEnv(file)));
}

const ctx = (gpu = h100, frontend: 'http' | 'in-process' = 'http', tensor = 1) => ({ gpu, model: l8, tensor, pipeline: 1, frontend });

describe('engine kind defaults', () => {
  it('vLLM: batch defaults by GPU memory and usage context (API server vs LLM class)', () => {
    expect(isVllmLargeGpu(h100)).toBe(true);
    expect(isVllmLargeGpu(a100)).toBe(false); // excluded by name (vLLM PR #17885)
    expect(engineKindDefaults('vllm', ctx(h100, 'http'))).toMatchObject({ maxBatchedTokens: 8192, maxNumSeqs: 1024, scheduler: 'chunked-prefill', prefixCaching: true, overlapScheduling: true });
    expect(engineKindDefaults('vllm', ctx(h100, 'in-process'))).toMatchObject({ maxBatchedTokens: 16384, maxNumSeqs: 1024 });
    expect(engineKindDefaults('vllm', ctx(a100, 'http'))).toMatchObject({ maxBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(engineKindDefaults('vllm', ctx(l40s, 'in-process'))).toMatchObject({ maxBatchedTokens: 8192, maxNumSeqs: 256 });
    // in-process: no API server costs
    const off = engineKindDefaults('vllm', ctx(h100, 'in-process')).overheads;
    expect([off.frontendRequestSec, off.frontendInputTokenSec, off.frontendOutputTokenSec]).toEqual([0, 0, 0]);
  });
  it('vLLM CUDA-graph capture sizes: 1, 2, 4, 8-step to 248, 16-step from 256, up to min(2·maxNumSeqs, 512)', () => {
    const s = vllmCudaGraphSizes(1024, 8192);
    expect(s.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(s.at(-1)).toBe(512);
    expect(s.length).toBe(3 + 31 + 17);
    expect(vllmCudaGraphSizes(128, 8192).at(-1)).toBe(256);
    expect(vllmCudaGraphSizes(1024, 100).at(-1)).toBe(96); // capped at the token budget
  });
  it('SGLang: memory tiers and mem_fraction_static', () => {
    expect(sglangMemoryTier(h100, 1)).toEqual({ chunkedPrefillSize: 8192, cudaGraphMaxBs: 256 });
    expect(sglangMemoryTier(h100, 8)).toEqual({ chunkedPrefillSize: 8192, cudaGraphMaxBs: 512 });
    expect(sglangMemoryTier(b200, 1).chunkedPrefillSize).toBe(16384);
    expect(sglangMemoryTier(l40s, 1)).toEqual({ chunkedPrefillSize: 4096, cudaGraphMaxBs: 32 });
    // 80 GB H100: the 10 GiB floor sets the reserve → (79.19 − 10) / 79.19
    expect(sglangMemFractionStatic(h100, 1, 1, 8192, 256)).toBeCloseTo((79.19 * 1024 - 13_440) / (79.19 * 1024), 3);
    expect(engineKindDefaults('sglang', ctx())).toMatchObject({ scheduler: 'prefill-first', blockSize: 1, prefixCaching: true });
  });
  it('TensorRT-LLM: trtllm-serve budgets, GUARANTEED_NO_EVICT, no chunked context, free-memory KV fraction', () => {
    expect(engineKindDefaults('trt-llm', ctx())).toMatchObject({
      maxNumSeqs: 2048, maxBatchedTokens: 8192, guaranteedNoEvict: true, wholePrompt: true, kvFreeFraction: 0.9, blockSize: 32,
    });
  });
  it('every kind cites where its values come from', () => {
    for (const k of ['vllm', 'sglang', 'trt-llm'] as const) expect(engineKindDefaults(k, ctx()).sources.length).toBeGreaterThan(2);
  });
});

describe('engine step model', () => {
  const decode = (n: number, ctxTok = 100): BatchShape => {
    const b = emptyBatch();
    b.decodeSeqs = n; b.decodeContextTokens = n * ctxTok; b.logitSeqs = n;
    return b;
  };
  const base = { stepSec: 0.002, perSeqSec: 0, perTpWorkerSec: 0, gpuEfficiency: 1, cudaGraphSizes: [] as number[], tensor: 1 };
  it('overlap: step = max(GPU, CPU); synchronous: GPU + CPU', () => {
    const gpu = linearPerf(0.005);
    expect(createEngineStepModel(gpu, { ...base, overlapScheduling: true }).predict(decode(4))).toBeCloseTo(0.005, 12);
    expect(createEngineStepModel(gpu, { ...base, overlapScheduling: false }).predict(decode(4))).toBeCloseTo(0.007, 12);
    // CPU-bound steps: the CPU sets the pace even with overlap
    expect(createEngineStepModel(linearPerf(0.001), { ...base, overlapScheduling: true }).predict(decode(4))).toBeCloseTo(0.002, 12);
  });
  it('pads a decode batch to the next CUDA-graph size, never a mixed batch', () => {
    const gpu = linearPerf(0, 0, 1e-3); // 1 ms per decode sequence
    const m = createEngineStepModel(gpu, { ...base, stepSec: 0, overlapScheduling: true, cudaGraphSizes: [1, 2, 4, 8, 16] });
    expect(m.predict(decode(5))).toBeCloseTo(0.008, 12);
    expect(m.predict(decode(16))).toBeCloseTo(0.016, 12);
    expect(m.predict(decode(17))).toBeCloseTo(0.017, 12); // beyond the largest graph: eager, unpadded
    const mixed = decode(5);
    mixed.prefillTokens = 10; mixed.prefillSeqs = 1;
    expect(m.predict(mixed)).toBeCloseTo(0.005, 12);
  });
  it('gpuEfficiency scales GPU time only', () => {
    const m = createEngineStepModel(linearPerf(0.01), { ...base, stepSec: 0, overlapScheduling: false, gpuEfficiency: 2 });
    expect(m.predict(decode(1))).toBeCloseTo(0.005, 12);
  });
  it('the fused decode run is bit-identical to stepping', () => {
    const gpu = linearPerf(0.003, 0, 2e-5);
    const m = createEngineStepModel(gpu, { ...base, perSeqSec: 1e-5, overlapScheduling: true, cudaGraphSizes: [1, 2, 4, 8] });
    const b = decode(5);
    const ends = new Float64Array(11);
    ends[0] = 1;
    m.predictDecodeRun!(b, 10, ends);
    let t = 1;
    for (let k = 1; k <= 10; k++) {
      b.decodeContextTokens = 500 + 5 * k;
      t += m.predict(b);
      expect(ends[k]).toBe(t);
    }
  });
});

describe('API-server frontend', () => {
  const req = (inputTokens: number): Request => ({ id: 0, arrivalSec: 0, inputTokens, outputTokens: 10 });
  it('serves intakes one after another on one core, and in parallel on more', () => {
    const one = new Frontend({ cores: 1, requestSec: 0.01, inputTokenSec: 0, outputTokenSec: 0 });
    const ends = [0, 1, 2, 3].map(() => one.intake(req(100), 0));
    expect(ends.map((x) => +x.toFixed(9))).toEqual([0.01, 0.02, 0.03, 0.04]);
    const four = new Frontend({ cores: 4, requestSec: 0.01, inputTokenSec: 0, outputTokenSec: 0 });
    expect(four.intake(req(100), 0)).toBeCloseTo(0.01, 12);
    expect(four.intake(req(100), 0)).toBeLessThan(0.02);
  });
  it('delays a step\'s tokens by their streaming work and queues behind a backlog', () => {
    const f = new Frontend({ cores: 1, requestSec: 0, inputTokenSec: 0, outputTokenSec: 1e-4 });
    expect(f.output(1, 10)).toBeCloseTo(1.001, 12);
    // a saturating stream: 100 tokens every 5 ms need 10 ms of CPU: deliveries fall behind linearly
    let d = 0;
    for (let k = 0; k < 100; k++) d = f.output(2 + k * 0.005, 100);
    expect(d).toBeCloseTo(2 + 100 * 0.01, 6);
    expect(f.output(2.5, 0)).toBeCloseTo(d, 12); // in order
    expect(f.workSec).toBeCloseTo(0.001 + 100 * 0.01, 9);
  });
  it('adds the host path to TTFT and reports it; in-process does not', () => {
    const yaml = `
name: f
model: llama-3.1-8b
gpu: h100-sxm
engine: { kind: vllm, frontend: http, overheads: { frontendRequestSec: 0.02, frontendOutputTokenSec: 0 } }
workload:
  arrivals: { kind: poisson, ratePerSec: 2 }
  lengths: { input: { kind: fixed, value: 200 }, output: { kind: fixed, value: 20 } }
  requests: 200
`;
    const http = run(yaml).report;
    const inproc = run(yaml, ['engine.frontend=in-process']).report;
    expect(http.latencyMs.frontend!.p50).toBeGreaterThanOrEqual(20);
    expect(http.latencyMs.ttft.mean - inproc.latencyMs.ttft.mean).toBeGreaterThan(19);
    expect(http.host!.frontendUtilization).toBeGreaterThan(0.03); // 2 req/s × 20 ms
    expect(inproc.latencyMs.frontend).toBeUndefined();
  });
  it('saturates: a burst behind a slow API server queues at the server, not the GPU', () => {
    const yaml = `
name: s
model: llama-3.1-8b
gpu: h100-sxm
engine: { kind: vllm, frontend: http, overheads: { frontendRequestSec: 0.01, frontendOutputTokenSec: 0 } }
workload:
  arrivals: { kind: burst }
  lengths: { input: { kind: fixed, value: 100 }, output: { kind: fixed, value: 50 } }
  requests: 300
`;
    const r = run(yaml).report;
    // 300 intakes × 10 ms back to back: the last request reaches the engine at ~3 s
    expect(r.latencyMs.ttft.max).toBeGreaterThan(2900);
    expect(r.latencyMs.ttft.mean).toBeGreaterThan(1400);
    expect(r.host!.frontendUtilization).toBeGreaterThan(0.5);
  });
  it('streaming shares the CPU with an intake backlog instead of waiting behind it', () => {
    const f = new Frontend({ cores: 1, requestSec: 1, inputTokenSec: 0, outputTokenSec: 1e-3 });
    for (let i = 0; i < 10; i++) f.intake(req(10), 0); // 10 s of intake queued
    // 10 ms of streaming at half the CPU while the intake backlog lasts: 20 ms
    expect(f.output(0.5, 10)).toBeCloseTo(0.52, 12);
    const g = new Frontend({ cores: 1, requestSec: 1, inputTokenSec: 0, outputTokenSec: 1e-3 });
    expect(g.output(0.5, 10)).toBeCloseTo(0.51, 12); // alone: full speed
    // and the intake behind a streaming backlog is slowed in turn
    const h = new Frontend({ cores: 1, requestSec: 0.01, inputTokenSec: 0, outputTokenSec: 1e-3 });
    h.output(0, 1000); // 1 s of streaming
    expect(h.intake(req(10), 0)).toBeCloseTo(0.02, 12);
  });
});

describe('engine.overheads files', () => {
  it('reads the keys at the top level or under overheads:, and names the bad key', () => {
    expect(parseOverheadsText('stepSec: 0.001\nperSeqSec: 2e-6\n', 'o.yaml')).toEqual({ stepSec: 0.001, perSeqSec: 2e-6 });
    expect(parseOverheadsText('fit: { files: 3 }\noverheads: { frontendRequestSec: 0.004 }\n', 'o.yaml')).toEqual({ frontendRequestSec: 0.004 });
    expect(() => parseOverheadsText('stepSecs: 1\n', 'o.yaml')).toThrow(/o\.yaml: .*stepSecs|Unrecognized/);
    expect(() => parseOverheadsText('stepSec: -1\n', 'o.yaml')).toThrow(/stepSec/);
  });
  it('a scenario uses a file relative to itself', () => {
    writeFileSync(path.join(dir, 'fit.yaml'), 'overheads: { frontendRequestSec: 0.05, frontendOutputTokenSec: 0 }\n');
    const yaml = `
name: o
model: llama-3.1-8b
gpu: h100-sxm
engine: { overheads: fit.yaml }
workload:
  arrivals: { kind: poisson, ratePerSec: 1 }
  lengths: { input: { kind: fixed, value: 100 }, output: { kind: fixed, value: 5 } }
  requests: 20
`;
    const r = run(yaml).report;
    expect(r.engine.overheads.frontendRequestSec).toBe(0.05);
    expect(r.engine.overheadsSource.frontendRequestSec).toBe('fit.yaml');
    expect(r.latencyMs.ttft.p50).toBeGreaterThan(50);
  });
});

describe('schedulers of the engine kinds', () => {
  const yaml = (kind: string) => `
name: s
model: llama-3.1-8b
gpu: h100-sxm
engine: { kind: ${kind}, frontend: in-process }
workload:
  arrivals: { kind: poisson, ratePerSec: 8 }
  lengths: { input: { kind: fixed, value: 3000 }, output: { kind: fixed, value: 100 } }
  requests: 400
`;
  it('vLLM V1 admits a prompt longer than the token budget (chunked); V0 rejects it', () => {
    const long = `
name: l
model: llama-3.1-8b
gpu: a100-80gb
engine: { kind: vllm }
workload:
  arrivals: { kind: poisson, ratePerSec: 1 }
  lengths: { input: { kind: fixed, value: 6000 }, output: { kind: fixed, value: 10 } }
  requests: 10
`;
    expect(run(long).report.requests.completed).toBe(10); // budget 2048 on A100: spread over 3 steps
    expect(run(long, ['engine.scheduler=continuous']).report.requests.rejectedByReason).toEqual({ 'prompt-exceeds-max-batched-tokens': 10 });
    expect(run(long, ['engine.kind=trt-llm']).report.requests.completed).toBe(10); // 6000 < max_num_tokens 8192
  });
  it('SGLang (prefill-first, no mixing) stalls decodes for prompts: worse TPOT tail, better TTFT than vLLM V1', () => {
    const v = run(yaml('vllm')).report;
    const s = run(yaml('sglang')).report;
    expect(s.latencyMs.tpot.p99).toBeGreaterThan(v.latencyMs.tpot.p99);
    expect(s.latencyMs.ttft.p50).toBeLessThanOrEqual(v.latencyMs.ttft.p50 * 1.05);
    expect(s.requests.completed).toBe(400);
  });
  it('TensorRT-LLM GUARANTEED_NO_EVICT never preempts, even when the KV cache is tight', () => {
    const tight = (kind: string) => run(`
name: t
model: llama-3.1-8b
gpu: h100-sxm
engine: { kind: ${kind}, frontend: in-process, gpuMemoryUtilization: 0.3 }
workload:
  arrivals: { kind: burst }
  lengths: { input: { kind: fixed, value: 1000 }, output: { kind: fixed, value: 3000 } }
  requests: 300
`).report;
    expect(tight('vllm').requests.preemptions).toBeGreaterThan(0);
    expect(tight('trt-llm').requests.preemptions).toBe(0);
    expect(tight('trt-llm').requests.completed).toBe(300);
  });
});
