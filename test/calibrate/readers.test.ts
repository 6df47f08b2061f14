import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import { parseHarnessResult } from '../../src/calibrate/harness.ts';
import { readVidurDataset } from '../../src/calibrate/fs.ts';
import {
  parseVidurAttention, parseVidurCollective, parseVidurCompute, parseVidurCpuOverhead,
} from '../../src/calibrate/vidur.ts';
import { hasVidur, VIDUR_DIR } from './helpers.ts';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

const OPS = ['emb', 'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm', 'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add'];
const STATS = ['min', 'max', 'mean', 'median', 'std'];
const ARCH = ['n_head', 'n_kv_head', 'n_embd', 'n_expanded_embd', 'vocab_size', 'use_gated_mlp', 'num_tokens', 'num_tensor_parallel_workers'];

function computeCsv(rows: Array<{ tokens: number; tp: number; ms: number }>, drop?: string): string {
  const header = [...OPS.flatMap((o) => STATS.map((s) => `time_stats.${o}.${s}`)), ...ARCH].filter((h) => h !== drop);
  const lines = rows.map((r) => {
    const vals: Record<string, string> = {};
    for (const o of OPS) for (const s of STATS) vals[`time_stats.${o}.${s}`] = String(r.ms);
    Object.assign(vals, { n_head: '32', n_kv_head: '32', n_embd: '4096', n_expanded_embd: '11008', vocab_size: '32768', use_gated_mlp: 'True', num_tokens: String(r.tokens), num_tensor_parallel_workers: String(r.tp) });
    return header.map((h) => vals[h]).join(',');
  });
  return [header.join(','), ...lines].join('\n');
}

describe('Vidur compute reader (fixtures)', () => {
  it('parses, groups by TP and merges duplicate token counts by their median', () => {
    const t = parseVidurCompute(computeCsv([
      { tokens: 2, tp: 1, ms: 0.1 }, { tokens: 1, tp: 1, ms: 0.05 }, { tokens: 2, tp: 1, ms: 0.3 }, { tokens: 1, tp: 2, ms: 0.02 },
    ]), 'mlp.csv');
    expect(t.arch).toEqual({ numHeads: 32, numKvHeads: 32, hiddenSize: 4096, intermediateSize: 11008, vocabSize: 32768, gatedMlp: true });
    expect(t.byTp.map((x) => x.tp)).toEqual([1, 2]);
    expect(t.byTp[0]!.tokens).toEqual([1, 2]);
    expect(t.byTp[0]!.ms.attn_pre_proj).toEqual([0.05, 0.2]);
    expect(t.ops).toEqual(OPS);
  });

  it('names the missing column', () => {
    const e = userError(() => parseVidurCompute(computeCsv([{ tokens: 1, tp: 1, ms: 0.1 }], 'num_tokens'), 'x/mlp.csv'));
    expect(e.message).toContain('num_tokens');
    expect(e.where).toBe('x/mlp.csv:1');
  });

  it('points at file:line for a non-numeric value and for a short row', () => {
    const good = computeCsv([{ tokens: 1, tp: 1, ms: 0.1 }, { tokens: 2, tp: 1, ms: 0.1 }]);
    const bad = good.replace(',True,2,1', ',True,abc,1');
    const e = userError(() => parseVidurCompute(bad, 'm.csv'));
    expect(e.where).toBe('m.csv:3');
    expect(e.message).toContain('"abc"');
    expect(e.message).toContain('num_tokens');
    const short = `${good}\n1,2,3`;
    expect(userError(() => parseVidurCompute(short, 'm.csv')).where).toBe('m.csv:4');
    expect(userError(() => parseVidurCompute('', 'e.csv')).message).toContain('empty');
  });

  it('rejects a file mixing two architectures', () => {
    const a = computeCsv([{ tokens: 1, tp: 1, ms: 0.1 }]);
    const b = a.split('\n')[1]!.replace(',32,32,4096,', ',32,8,4096,');
    expect(userError(() => parseVidurCompute(`${a}\n${b}`, 'm.csv')).message).toContain('architecture');
  });

  it('collective, attention and CPU readers validate their columns', () => {
    expect(userError(() => parseVidurCollective('size,num_workers\n1,2', 'ar.csv')).message).toContain('collective');
    const c = parseVidurCollective(',time_stats.all_reduce.median,rank,num_workers,size,collective,devices_per_node\n0,0.01,0,2,2048,all_reduce,2', 'ar.csv');
    expect(c).toEqual([{ collective: 'all_reduce', numWorkers: 2, devicesPerNode: 2, sizeBytes: 2048, medianMs: 0.01 }]);
    expect(userError(() => parseVidurAttention('n_embd\n1', 'att.csv')).where).toBe('att.csv:1');
    expect(userError(() => parseVidurCpuOverhead('model_name,batch_size\nx,1', 'cpu.csv')).message).toContain('tensor_parallel_degree');
  });
});

describe.skipIf(!hasVidur)('Vidur readers on the real data', () => {
  it('reads the H100 Llama-2-7B compute table', () => {
    const f = 'compute/h100/meta-llama/Llama-2-7b-hf/mlp.csv';
    const t = parseVidurCompute(readFileSync(path.join(VIDUR_DIR, f), 'utf8'), f);
    expect(t.arch).toMatchObject({ numHeads: 32, numKvHeads: 32, hiddenSize: 4096, intermediateSize: 11008, gatedMlp: true });
    expect(t.byTp.map((x) => x.tp)).toEqual([1, 2, 4, 8]);
    const tp1 = t.byTp[0]!;
    expect(tp1.tokens.length).toBe(259);
    expect(tp1.tokens[0]).toBe(1);
    expect(tp1.tokens.at(-1)).toBe(4096);
    // first row of the file: attn_pre_proj median 0.584 ms at 4096 tokens (two rows there: 0.584 and 0.593)
    expect(tp1.ms.attn_pre_proj!.at(-1)).toBeCloseTo((0.584 + 0.593) / 2, 6);
  });

  it('reads the whole A100 dataset (compute, collectives, attention, CPU)', () => {
    const r = readVidurDataset(VIDUR_DIR, 'a100');
    expect(r.dataset.compute.length).toBe(8);
    expect(r.dataset.allReduce!.source).toBe('network/a100_dgx/all_reduce.csv');
    expect(r.dataset.attention!.arch).toMatchObject({ numHeads: 64, numKvHeads: 8, tp: 2 });
    expect(r.dataset.attention!.decode.length).toBe(10240);
    expect(r.dataset.attention!.prefill.length).toBe(4418);
    expect(r.attentionGpu).toBe('a100');
    expect(r.cpuGpu).toBe('a100');
    expect(r.dataset.cpu!.rows.length).toBe(78);
    expect(r.files).toContain('cpu-overhead/a100.csv');
  });

  it('H100 has no attention/CPU table of its own: the A100 ones are picked', () => {
    const r = readVidurDataset(VIDUR_DIR, 'h100');
    expect(r.attentionGpu).toBe('a100');
    expect(r.cpuGpu).toBe('a100');
  });

  it('unknown Vidur GPU and missing directory are UserErrors', () => {
    expect(userError(() => readVidurDataset(VIDUR_DIR, 'b200')).fix).toContain('h100');
    expect(userError(() => readVidurDataset('/nonexistent/vidur', 'h100')).where).toBe('--vidur');
  });
});

describe('harness JSON reader', () => {
  const minimal = {
    schemaVersion: 1, harness: { backend: 'cuda', version: '0.1.0' }, createdAt: '2026-11-23T00:00:00Z',
    device: { name: 'NVIDIA H100 80GB HBM3' },
    gemm: [{ dtype: 'bf16', m: 1, n: 4096, k: 4096, medianSec: 2e-5, repeats: 10, tflops: 1.7 }],
  };

  it('parses a valid result and fills defaults', () => {
    const h = parseHarnessResult(JSON.stringify(minimal), 'r.json');
    expect(h.gemm.length).toBe(1);
    expect(h.attention).toEqual([]);
  });

  it('invalid JSON, wrong version and schema violations name the file and key path', () => {
    expect(userError(() => parseHarnessResult('{', 'r.json')).where).toBe('r.json');
    expect(userError(() => parseHarnessResult(JSON.stringify({ ...minimal, schemaVersion: 2 }), 'r.json')).where).toBe('r.json schemaVersion');
    const bad = { ...minimal, gemm: [{ ...minimal.gemm[0], medianSec: -1 }] };
    const e = userError(() => parseHarnessResult(JSON.stringify(bad), 'r.json'));
    expect(e.where).toBe('r.json gemm[0].medianSec');
    const extra = { ...minimal, surprise: 1 };
    expect(userError(() => parseHarnessResult(JSON.stringify(extra), 'r.json')).message).toContain('surprise');
  });
});
