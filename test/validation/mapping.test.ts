import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyGpustackRows, mapFlags, mapGpustack } from '../../src/validation/gpustack.ts';
import { parseCommand } from '../../src/validation/conditions.ts';
import { findGpustackDuplicates, keyMeasuredPublicRows, mapMeasuredPublic } from '../../src/validation/measured-public.ts';
import { parseRowsFile } from '../../src/validation/rows-file.ts';
import { parseCsvRecords } from '../../src/validation/csv.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rows = parseRowsFile(readFileSync(path.join(root, 'validation/rows.yaml'), 'utf8'));

// Rows copied from ../shared/data/validation/measured-public.csv (header + representative rows).
const MP = `id,source,hardware,model,precision,framework,workload,load,metric,value,trust
GS-c8,gpustack/gpustack @47277d79 : docs/performance-lab/qwen3-8b/h100-latency.md (baseline block),1x H100 SXM,Qwen3-8B,BF16,vLLM v0.11.0 (\`vllm serve Qwen/Qwen3-8B\`),"ShareGPT V3 (vllm bench serve), 100 prompts, 23,260 in / 22,061 out tokens total (avg 233/221)",max concurrency 8,TTFT mean/p50/p99 ms; TPOT mean/p50/p99 ms; output tok/s; req/s,TTFT 74.57/60.77/204.11; TPOT 7.71/7.67/8.19; 917.28 out tok/s; 4.16 req/s,A
TRT17,NVIDIA/TensorRT-LLM @258c7540 : docs/source/performance/perf-overview.md (v0.17),1x A100-SXM4-80GB,Llama-3.1-8B,FP16,"TensorRT-LLM v0.17 (trtllm-bench, engine flow)","synthetic fixed ISL/OSL (token-norm-dist, stdev 0), 1k–30k requests, ISL/OSL 128/128",offline max-throughput (infinite rate),token throughput tok/s (system),"6,627.27",B
TRT17,NVIDIA/TensorRT-LLM @258c7540 : docs/source/performance/perf-overview.md (v0.17),4x H100 SXM TP4,Llama-3.1-70B,FP8,"TensorRT-LLM v0.17 (trtllm-bench, engine flow)","synthetic fixed ISL/OSL (token-norm-dist, stdev 0), 1k–30k requests, ISL/OSL 1000/1000",offline max-throughput (infinite rate),token throughput tok/s (system),"7,430.99",B
TRT05-ttft,NVIDIA/TensorRT-LLM @138f96d4 : docs/source/performance.md (v0.5/v0.6.1),4x H100 SXM TP4,LLaMA-70B,FP8,TensorRT-LLM v0.5,ISL 2048,batch size 1 (no queueing),1st-token latency,TTFT 109 ms,B
TRT06-bs,NVIDIA/TensorRT-LLM @138f96d4 : docs/source/performance.md (v0.5/v0.6.1),1x H100 SXM,LLaMA-7B,FP8,TensorRT-LLM v0.6.1,ISL/OSL 128/128,static batch 768,output tok/s,"19,694 out tok/s/GPU (v0.6.1)",B
VLLM-blog-8B,vllm-project/vllm-project.github.io @c3a01c4a : _posts/2024-09-05-perf-update.md,1x H100,Llama-3-8B,BF16 (default; not stated),"vLLM v0.6.0, --num-scheduler-steps 10",ShareGPT 500 prompts (avg 202 in / 179 out),QPS inf; and Poisson QPS 2/32,req/s; TPOT,"≈fig 36.5 req/s (QPS inf; v0.5.3 ≈13.5); TPOT ≈13.5 ms @32 QPS (v0.5.3 ≈70), ≈8 ms @2 QPS",C
TRT-blog-H100vA100,NVIDIA/TensorRT-LLM @15ed7809 : docs/source/blogs/H100vsA100.md,1x H100 SXM / 1x A100 SXM,GPT-J 6B,FP8 (H100) / FP16 (A100),"TensorRT-LLM v0.5.0, TensorRT 9.1",ISL/OSL 128/128,static batch 64; and batch 1 for TTFT,out tok/s; TTFT,"H100: 10,907 tok/s @BS64, TTFT 102 ms; BS1 TTFT 7.1 ms. A100: 3,679 tok/s @BS64, TTFT 481 ms; BS1 TTFT 12.5 ms",B
`;

// Runs copied from ../shared/data/validation/gpustack-bench-serve.csv.
const GS_HEADER = 'file,hardware,versions,section,sub,engine,label,serve,n,max_conc,rate,dur_s,in_tok,out_tok,req_s,out_tok_s,tot_tok_s,ttft_mean,ttft_p50,ttft_p99,tpot_mean,tpot_p50,tpot_p99,itl_mean,itl_p50,itl_p99';
const GS = `${GS_HEADER}
qwen3-8b__h100-latency.md,A single NVIDIA H100 SXM GPU.,vLLM: v0.11.0 ; SGLang: v0.5.3.post3 ; TensorRT-LLM: v1.2.0rc1,Other Benchmark Cases,,TensorRT-LLM,# BS=8,python3 -m sglang.launch_server --model-path Qwen/Qwen3-8B-FP8 --enable-torch-compile,100,8,,24.05,23260,22061,4.16,917.28,1884.42,74.57,60.77,204.11,7.71,7.67,8.19,8.57,7.63,45.48
qwen3-14b__a100.md,A single NVIDIA A100 SXM GPU.,vLLM: v0.11.0 ; SGLang: v0.5.5.post1 ; TensorRT-LLM: v1.2.0rc1,3. Max Batched Token Numbers in TensorRT-LLM,,vLLM AWQ,# --max_num_tokens=32768,trtllm-serve Qwen/Qwen3-14B --max_num_tokens=16384,1000,,,74.2,217393,201567,13.48,2716.13,5645.0,16776.11,16000,30000,234.79,200,500,100,50,900
qwen3-14b__a100.md,A single NVIDIA A100 SXM GPU.,vLLM: v0.11.0 ; SGLang: v0.5.5.post1 ; TensorRT-LLM: v1.2.0rc1,Other Benchmark Cases,,vLLM AWQ,# random 32K input,trtllm-serve Qwen/Qwen3-14B --max_num_tokens=16384,100,,,724.56,3200000,9891,0.14,13.65,4430.14,359648.08,359424.54,714338.15,445.58,462.54,463.96,441.08,448.05,594.59
qwen3-14b__a100.md,A single NVIDIA A100 SXM GPU.,vLLM: v0.11.0 ; SGLang: v0.5.5.post1 ; TensorRT-LLM: v1.2.0rc1,Other Benchmark Cases,,vLLM AWQ,# random 32K input,trtllm-serve Qwen/Qwen3-14B --max_num_tokens=16384,100,,,727.25,3200000,9932,0.14,13.66,4413.82,361107.28,361543.94,716851.4,493.18,500.49,590.17,488.09,48.22,2215.91
qwen3-14b__h100.md,A single NVIDIA H100 SXM GPU.,vLLM: v0.11.0 ; SGLang: v0.5.5.post1 ; TensorRT-LLM: v1.2.0rc1,1. Choosing the Inference Engine,,SGLang,python3 -m sglang.launch_server --model-path Qwen/,python3 -m sglang.launch_server --model-path Qwen/Qwen3-14B,1000,,,49.86,217393,201628,20.06,4043.89,8403.97,9230.85,8812.15,19581.07,235.33,118.67,1462.03,91.54,51.39,442.65
qwen3-235b-a22b__h100.md,8 × NVIDIA H100 SXM GPUs on a single node.,vLLM: v0.11.0 ; SGLang: v0.5.5.post1,3. Parallelism in vLLM,,SGLang,vllm serve Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 ,vllm serve Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 -tp 4 --enable-expert-parallel,984,,,57.08,214311,192752,17.24,3376.99,7131.69,10706.1,10676.53,17226.88,190.24,131.62,432.31,96.98,60.65,408.09
glm-4.x__h200.md,8 × NVIDIA H200 SXM GPUs on a single node.,vLLM: v0.11.0 ; SGLang: v0.5.3,1. Choosing the Inference Engine,,vLLM,vllm serve zai-org/GLM-4.6 -tp 8,vllm serve zai-org/GLM-4.6 -tp 8,1000,,,68.7,214465,199702,14.56,2907.97,6029.9,15339.53,15000,25000,197.85,150,500,80,60,700
`;

const gsRows = keyGpustackRows(parseCsvRecords(GS));
const mpRows = keyMeasuredPublicRows(parseCsvRecords(MP));
const mp = mapMeasuredPublic(mpRows, rows, gsRows);
const gs = mapGpustack(gsRows, rows);
const byKey = (k: string) => [...mp.cases, ...gs.cases].find((c) => c.key === k);

describe('measured-public rows', () => {
  it('gives repeated ids unique keys', () => {
    expect(mpRows.map((r) => r.key)).toEqual(['GS-c8', 'TRT17#1', 'TRT17#2', 'TRT05-ttft', 'TRT06-bs', 'VLLM-blog-8B', 'TRT-blog-H100vA100']);
  });
  it('counts a gpustack run quoted in measured-public once', () => {
    expect(findGpustackDuplicates(mpRows[0]!.rec, gsRows)).toEqual(['gs:qwen3-8b__h100-latency#1']);
    expect(mp.duplicates).toEqual([{ key: 'GS-c8', source: 'measured-public', countedAs: 'gs:qwen3-8b__h100-latency#1' }]);
    expect(byKey('GS-c8')).toBeUndefined();
  });
  it('maps a trtllm-bench row: GPU, TP, precision, fp8 KV, request count from the perf-overview table', () => {
    const c = byKey('TRT17#2')!;
    expect(c.spec).toMatchObject({
      gpu: 'h100-sxm', tensor: 4, model: 'llama-3.1-70b', weights: 'fp8', kvCache: 'fp8', engine: 'trtllm-bench',
      lengths: { kind: 'fixed', input: 1000, output: 1000 }, arrivals: { kind: 'burst' }, requests: 3000,
      measured: [{ metric: 'throughput.output', value: 7430.99 }],
    });
    expect(byKey('TRT17#1')!.spec).toMatchObject({ gpu: 'a100-80gb', tensor: 1, weights: 'fp16', requests: 30000 });
    expect(byKey('TRT17#1')!.spec.kvCache).toBeUndefined();
  });
  it('maps a first-token-latency row to one static request with one output token', () => {
    expect(byKey('TRT05-ttft')!.spec).toMatchObject({
      model: 'llama-2-70b', tensor: 4, engine: 'trt-static', lengths: { kind: 'fixed', input: 2048, output: 1 },
      requests: 1, flags: { staticBatch: 1 }, measured: [{ metric: 'ttft.mean', value: 109 }],
    });
  });
  it('maps a static-batch throughput row', () => {
    expect(byKey('TRT06-bs')!.spec).toMatchObject({ requests: 768, flags: { staticBatch: 768 }, measured: [{ metric: 'throughput.outputPerGpu', value: 19694 }] });
  });
  it('splits a multi-measurement row into cases with their own conditions and numbers', () => {
    const inf = byKey('VLLM-blog-8B/qps-inf')!;
    expect(inf.spec).toMatchObject({ engine: 'vllm-v0-serve', model: 'llama-3.1-8b', flags: { maxModelLen: 8192 }, arrivals: { kind: 'burst' },
      lengths: { kind: 'sharegpt', n: 500, meanIn: 202, meanOut: 179 }, measured: [{ metric: 'throughput.requests', value: 36.5 }] });
    expect(byKey('VLLM-blog-8B/qps-32')!.spec).toMatchObject({ arrivals: { kind: 'poisson', ratePerSec: 32 }, measured: [{ metric: 'tpot.mean', value: 13.5 }] });
    expect(byKey('VLLM-blog-8B/qps-2')!.spec.measured).toEqual([{ metric: 'tpot.mean', value: 8 }]);
    const h = byKey('TRT-blog-H100vA100/h100-bs64')!;
    expect(h.spec).toMatchObject({ gpu: 'h100-sxm', model: 'gpt-j-6b', weights: 'fp8', requests: 64 });
    expect(h.spec.measured).toEqual([{ metric: 'throughput.output', value: 10907 }, { metric: 'ttft.mean', value: 102 }]);
    expect(byKey('TRT-blog-H100vA100/a100-bs1')!.spec.measured).toEqual([{ metric: 'ttft.mean', value: 12.5 }]);
  });
});

describe('gpustack runs', () => {
  it('keys runs by doc and position', () => {
    expect(gsRows.map((r) => r.key)).toEqual([
      'gs:qwen3-8b__h100-latency#1', 'gs:qwen3-14b__a100#1', 'gs:qwen3-14b__a100#2', 'gs:qwen3-14b__a100#3',
      'gs:qwen3-14b__h100#1', 'gs:qwen3-235b-a22b__h100#1', 'gs:glm-4.x__h200#1',
    ]);
  });
  it('takes the baseline command of "Other Benchmark Cases" from rows.yaml, not from the CSV', () => {
    const c = byKey('gs:qwen3-8b__h100-latency#1')!;
    expect(c.spec).toMatchObject({ engine: 'vllm-v1-serve', model: 'qwen3-8b', weights: 'bf16', arrivals: { kind: 'closed-loop', concurrency: 8 },
      lengths: { kind: 'sharegpt', n: 100, inTotal: 23260, outTotal: 22061 }, requests: 100 });
    expect(c.spec.measured).toContainEqual({ metric: 'itl.p99', value: 45.48 });
    expect(c.notes.join(' ')).toMatch(/baseline block: `vllm serve Qwen\/Qwen3-8B`/);
  });
  it('tells the baseline and optimized blocks apart and uses the run totals for random datasets', () => {
    const base = byKey('gs:qwen3-14b__a100#2')!;
    const opt = byKey('gs:qwen3-14b__a100#3')!;
    expect(base.spec).toMatchObject({ engine: 'vllm-v1-serve', lengths: { kind: 'fixed', input: 32000, output: 99 }, requests: 100, arrivals: { kind: 'burst' } });
    expect(opt.spec.engine).toBe('trtllm-serve');
    expect(opt.spec.lengths).toEqual({ kind: 'fixed', input: 32000, output: 99 });
  });
  it('applies the result label to the tuning-section command', () => {
    expect(byKey('gs:qwen3-14b__a100#1')!.spec).toMatchObject({ engine: 'trtllm-serve', flags: { maxBatchedTokens: 32768 } });
  });
  it('maps SGLang runs to engine.kind sglang; skips expert parallelism and unprofiled docs with reasons', () => {
    const reason = (k: string) => gs.skipped.find((s) => s.key === k);
    expect(gs.cases.find((c) => c.key === 'gs:qwen3-14b__h100#1')?.spec.engine).toBe('sglang-serve');
    expect(reason('gs:qwen3-235b-a22b__h100#1')!.reason).toMatch(/expert parallelism/);
    expect(reason('gs:glm-4.x__h200#1')).toMatchObject({ category: 'model not modelled' });
  });
  it('maps TP and batch flags, refuses unknown ones', () => {
    const f = mapFlags(parseCommand('vllm serve m/x -tp 2 -pp 2 --max-model-len 32768 --async-scheduling --host 0.0.0.0'), rows);
    expect(f).toMatchObject({ tensor: 2, pipeline: 2, flags: { maxModelLen: 32768 } });
    expect(f.notes.join(' ')).toMatch(/async-scheduling/);
    expect(() => mapFlags(parseCommand('vllm serve m/x --swap-space 8'), rows)).toThrow(/not mapped/);
  });
});
