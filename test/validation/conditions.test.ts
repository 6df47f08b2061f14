import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applyLabelFlags, ConditionError, mapGpu, mapModel, modelFromPath, parseCommand, parseFramework, parseHardware,
  parseLoad, parseMeasuredValues, parseNumber, parsePrecision, parseWorkload,
} from '../../src/validation/conditions.ts';
import { gpustackGpuName } from '../../src/validation/gpustack.ts';
import { parseRowsFile } from '../../src/validation/rows-file.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rows = parseRowsFile(readFileSync(path.join(root, 'validation/rows.yaml'), 'utf8'));

describe('numbers', () => {
  it('reads separators, approximations and k suffixes', () => {
    expect(parseNumber('6,595.7')).toBe(6595.7);
    expect(parseNumber('≈201.6k')).toBeCloseTo(201600, 6);
    expect(() => parseNumber('abc')).toThrow(ConditionError);
  });
});

describe('hardware', () => {
  it('parses GPU count and TP', () => {
    expect(parseHardware('4x H100 SXM TP4')).toEqual({ count: 4, name: 'H100 SXM', tensor: 4 });
    expect(parseHardware('1x A100-SXM4-80GB')).toEqual({ count: 1, name: 'A100-SXM4-80GB', tensor: 1 });
    expect(parseHardware('8x A100-SXM4-80GB TP8').tensor).toBe(8);
  });
  it('refuses rows with several configurations or unstated data parallelism', () => {
    expect(() => parseHardware('1x H100 SXM / 1x A100 SXM')).toThrow(/several hardware/);
    expect(() => parseHardware('2x H100 SXM')).toThrow(/data parallel/);
  });
  it('maps names to profiles through rows.yaml', () => {
    expect(mapGpu('H100 SXM', rows.gpus).id).toBe('h100-sxm');
    expect(mapGpu('H100', rows.gpus).note).toMatch(/assumed SXM/);
    expect(mapGpu('A100-SXM4-80GB', rows.gpus).id).toBe('a100-80gb');
    expect(mapGpu('H200 SXM', rows.gpus).id).toBe('h200');
    expect(() => mapGpu('Ascend 910B NPU', rows.gpus)).toThrow(/Ascend/);
  });
  it('normalises the gpustack hardware column', () => {
    expect(gpustackGpuName('A single NVIDIA A100 SXM 80GB GPU.')).toBe('A100 SXM 80GB');
    expect(gpustackGpuName('8 × NVIDIA H200 SXM GPUs on a single node.')).toBe('H200 SXM');
    expect(gpustackGpuName('NVIDIA H200x8')).toBe('H200');
    expect(gpustackGpuName('A single NVIDIA A100 SXM GPU.')).toBe('A100 SXM');
    expect(mapGpu(gpustackGpuName('A single NVIDIA A100 SXM GPU.'), rows.gpus).id).toBe('a100-80gb');
  });
});

describe('model, precision, framework', () => {
  it('maps model names, with stand-in notes', () => {
    expect(mapModel('Llama-3.1-8B-Instruct', rows.models).id).toBe('llama-3.1-8b');
    expect(mapModel('LLaMA-7B', rows.models)).toMatchObject({ id: 'llama-2-7b' });
    expect(mapModel('LLaMA-7B', rows.models).note).toMatch(/Llama-2-7B architecture/);
    expect(mapModel('Llama-3-8B', rows.models).maxModelLen).toBe(8192);
    expect(() => mapModel('Phi-9', rows.models)).toThrow(ConditionError);
  });
  it('parses precision', () => {
    expect(parsePrecision('BF16 (default; not stated)')).toBe('bf16');
    expect(parsePrecision('FP8')).toBe('fp8');
    expect(parsePrecision('FP16')).toBe('fp16');
    expect(() => parsePrecision('FP8 (H100) / FP16 (A100)')).toThrow(/several/);
  });
  it('parses framework and version', () => {
    expect(parseFramework('vLLM v0.11.0 (`vllm serve Qwen/Qwen3-8B`)')).toEqual({ engine: 'vllm', version: '0.11.0', tool: 'serve' });
    expect(parseFramework('TensorRT-LLM v0.17 (trtllm-bench, engine flow)')).toMatchObject({ engine: 'trtllm', version: '0.17', tool: 'trtllm-bench' });
    expect(parseFramework('TensorRT-LLM v0.6.1').tool).toBe('static');
    expect(parseFramework('SGLang v0.5.3.post3').engine).toBe('sglang');
    expect(parseFramework('vLLM CI').version).toBe('');
  });
});

describe('workload and load', () => {
  it('parses a ShareGPT run with totals and averages', () => {
    const w = parseWorkload('ShareGPT V3 (vllm bench serve), 100 prompts, 23,260 in / 22,061 out tokens total (avg 233/221)');
    expect(w).toEqual({ lengths: { kind: 'sharegpt', n: 100, inTotal: 23260, outTotal: 22061 }, requests: 100 });
  });
  it('parses approximate ShareGPT totals and averages-only rows', () => {
    expect(parseWorkload('ShareGPT V3, 1000 prompts, 217,393 in / ≈201.6k out tokens').lengths)
      .toMatchObject({ kind: 'sharegpt', n: 1000, inTotal: 217393 });
    expect(parseWorkload('ShareGPT 500 prompts (avg 202 in / 179 out)').lengths)
      .toEqual({ kind: 'sharegpt', n: 500, meanIn: 202, meanOut: 179 });
  });
  it('parses random and synthetic fixed lengths', () => {
    expect(parseWorkload('random ISL 32000 / OSL 100, 100 requests (seed 42)'))
      .toEqual({ lengths: { kind: 'fixed', input: 32000, output: 100 }, requests: 100 });
    expect(parseWorkload('random 2000/100, 500 req')).toEqual({ lengths: { kind: 'fixed', input: 2000, output: 100 }, requests: 500 });
    expect(parseWorkload('synthetic fixed ISL/OSL (token-norm-dist, stdev 0), 1k–30k requests, ISL/OSL 2048/128'))
      .toEqual({ lengths: { kind: 'fixed', input: 2048, output: 128 }, requests: null });
    expect(parseWorkload('ISL 2048')).toEqual({ lengths: { kind: 'input-only', input: 2048 }, requests: null });
    expect(() => parseWorkload('random 2000/100 ×500; 32000/100 ×100')).toThrow(/several workloads/);
  });
  it('parses concurrency, rates and static batches', () => {
    expect(parseLoad('max concurrency 8')).toEqual({ arrivals: { kind: 'closed-loop', concurrency: 8 } });
    expect(parseLoad('request rate inf (all 1000 at t=0)')).toEqual({ arrivals: { kind: 'burst' } });
    expect(parseLoad('offline max-throughput (infinite rate)')).toEqual({ arrivals: { kind: 'burst' } });
    expect(parseLoad('static batch 768')).toEqual({ arrivals: { kind: 'burst' }, staticBatch: 768 });
    expect(parseLoad('batch size 1 (no queueing)')).toEqual({ arrivals: { kind: 'burst' }, staticBatch: 1 });
    expect(() => parseLoad('QPS inf; and Poisson QPS 2/32')).toThrow(/several loads/);
  });
});

describe('measured values', () => {
  it('zips latency statistics with the metric column', () => {
    expect(parseMeasuredValues('TTFT mean/p50/p99 ms; TPOT mean/p50/p99 ms; output tok/s; req/s',
      'TTFT 59.01/60.38/73.49; TPOT 7.28/7.22/7.52; 132.86 out tok/s; 0.60 req/s')).toEqual([
      { metric: 'ttft.mean', value: 59.01 }, { metric: 'ttft.p50', value: 60.38 }, { metric: 'ttft.p99', value: 73.49 },
      { metric: 'tpot.mean', value: 7.28 }, { metric: 'tpot.p50', value: 7.22 }, { metric: 'tpot.p99', value: 7.52 },
      { metric: 'throughput.output', value: 132.86 }, { metric: 'throughput.requests', value: 0.6 },
    ]);
  });
  it('reads total-with-output, mean-only and bare throughput numbers', () => {
    expect(parseMeasuredValues('req/s; total tok/s; TTFT mean/p99; TPOT mean/p50/p99',
      '15.74 req/s; 6,595.7 tok/s (3,173.9 out); TTFT 22,141/31,157 ms; TPOT 226.0/117.5/621.9 ms')).toEqual([
      { metric: 'throughput.requests', value: 15.74 }, { metric: 'throughput.total', value: 6595.7 },
      { metric: 'throughput.output', value: 3173.9 }, { metric: 'ttft.mean', value: 22141 }, { metric: 'ttft.p99', value: 31157 },
      { metric: 'tpot.mean', value: 226 }, { metric: 'tpot.p50', value: 117.5 }, { metric: 'tpot.p99', value: 621.9 },
    ]);
    expect(parseMeasuredValues('req/s; total tok/s; TTFT mean', '20.06 req/s; 8,404.0 tok/s; TTFT mean 9,230.9 ms'))
      .toContainEqual({ metric: 'ttft.mean', value: 9230.9 });
    expect(parseMeasuredValues('token throughput tok/s (system)', '6,627.27')).toEqual([{ metric: 'throughput.output', value: 6627.27 }]);
    expect(parseMeasuredValues('1st-token latency', 'TTFT 7 ms')).toEqual([{ metric: 'ttft.mean', value: 7 }]);
    expect(parseMeasuredValues('output tok/s', '19,694 out tok/s/GPU (v0.6.1)')).toEqual([{ metric: 'throughput.outputPerGpu', value: 19694 }]);
  });
  it('refuses what it cannot attribute', () => {
    expect(() => parseMeasuredValues('TTFT', 'TTFT 1/2')).toThrow(/statistics/);
    expect(() => parseMeasuredValues('out tok/s', 'about 12')).toThrow(/not understood/);
  });
});

describe('launch commands', () => {
  it('parses engines, models and flags', () => {
    const c = parseCommand('vllm serve Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 -tp 4 --max-num-batched-tokens 16384');
    expect(c.engine).toBe('vllm');
    expect(c.model).toBe('Qwen/Qwen3-235B-A22B-Instruct-2507-FP8');
    expect(c.flags.get('--tensor-parallel-size')).toBe('4');
    expect(c.flags.get('--max-num-batched-tokens')).toBe('16384');
    const t = parseCommand('trtllm-serve Qwen/Qwen3-32B-FP8 --max_seq_len=40960 --enable_chunked_prefill');
    expect(t.engine).toBe('trtllm');
    expect(t.flags.get('--max_seq_len')).toBe('40960');
    expect(t.flags.get('--enable_chunked_prefill')).toBe(true);
    const s = parseCommand('python3 -m sglang.launch_server --model-path Qwen/Qwen3-14B-FP8 --attention-backend=fa3');
    expect(s).toMatchObject({ engine: 'sglang', model: 'Qwen/Qwen3-14B-FP8' });
  });
  it('drops leading comments and reports environment prefixes', () => {
    const c = parseCommand('# TP8 only is not compatible for the model weight. Use EP as well. vllm serve Qwen/X-FP8 -tp 8 --enable-expert-parallel');
    expect(c.model).toBe('Qwen/X-FP8');
    expect(c.flags.has('--enable-expert-parallel')).toBe(true);
    expect(parseCommand('export VLLM_USE_DEEP_GEMM=0 vllm serve a/b').flags.get('env:VLLM_USE_DEEP_GEMM')).toBe('0');
  });
  it('applies the variant named by a result label', () => {
    const c = applyLabelFlags(parseCommand('vllm serve m/x --max-num-batched-tokens 4096'), '# --max-num-batched-tokens 8192');
    expect(c.flags.get('--max-num-batched-tokens')).toBe('8192');
    expect(applyLabelFlags(parseCommand('trtllm-serve m/x'), '# --max_num_tokens=32768').flags.get('--max_num_tokens')).toBe('32768');
    expect(applyLabelFlags(parseCommand('vllm serve m/x'), '# random 32K input').flags.size).toBe(0);
  });
  it('reads the quantisation from the checkpoint name', () => {
    expect(modelFromPath('Qwen/Qwen3-14B-FP8')).toEqual({ base: 'Qwen3-14B', weights: 'fp8' });
    expect(modelFromPath('Qwen/Qwen3-32B-AWQ')).toEqual({ base: 'Qwen3-32B', weights: 'int4' });
    expect(modelFromPath('openai/gpt-oss-20b')).toEqual({ base: 'gpt-oss-20b' });
  });
});
