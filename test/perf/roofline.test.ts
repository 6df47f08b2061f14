import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import { addDecodes, addPrefillChunk } from '../../src/perf/batch-shape.ts';
import { defaultEfficiencyModel, type EfficiencyModel } from '../../src/perf/efficiency.ts';
import { weightBytes } from '../../src/perf/model-math.ts';
import type { Parallelism, PrecisionConfig } from '../../src/perf/precision.ts';
import { createRooflineModel, DEFAULT_CPU_OVERHEAD } from '../../src/perf/roofline.ts';
import { emptyBatch, emptyCost, type BatchShape } from '../../src/perf/types.ts';
import { loadGpuProfile, loadModelProfile } from '../../src/profiles/fs.ts';
import type { GpuProfile, ModelProfile } from '../../src/profiles/schema.ts';

const h100 = loadGpuProfile('h100-sxm');
const a100 = loadGpuProfile('a100-80gb');
const l8 = loadModelProfile('llama-3.1-8b');
const l70 = loadModelProfile('llama-3.1-70b');
const BF16: PrecisionConfig = { weights: 'bf16', kvCache: 'bf16' };
const TP1: Parallelism = { tensor: 1, pipeline: 1 };

function model(opts: { gpu?: GpuProfile; m?: ModelProfile; precision?: PrecisionConfig; par?: Parallelism;
  efficiency?: EfficiencyModel } = {}) {
  return createRooflineModel({
    gpu: opts.gpu ?? h100, model: opts.m ?? l8, precision: opts.precision ?? BF16, parallelism: opts.par ?? TP1,
    ...(opts.efficiency ? { efficiency: opts.efficiency } : {}),
  });
}
const decode = (n: number, ctx: number): BatchShape => addDecodes(emptyBatch(), n, ctx);
const prefill = (n: number): BatchShape => addPrefillChunk(emptyBatch(), n);

describe('roofline sanity targets (Llama-3.1-8B bf16, 1x H100 SXM)', () => {
  const r = model();

  it('decode batch 1 at context 1000 is 6-8 ms and weight-bandwidth bound', () => {
    const t = r.predict(decode(1, 1000));
    // ideal weight streaming: 16.06 GB / 3.35 TB/s = 4.8 ms; at 85% of peak 5.6 ms, + kernel and CPU overheads
    const ideal = weightBytes(l8, 'bf16') / h100.memoryBandwidthBytesPerSec;
    expect(ideal * 1e3).toBeCloseTo(4.79, 1);
    expect(t * 1e3).toBeGreaterThan(6);
    expect(t * 1e3).toBeLessThan(8);
    const c = emptyCost();
    r.predict(decode(1, 1000), c);
    expect(c.computeBoundSec).toBe(0);
  });

  it('a 2048-token prefill takes 35-80 ms (compute bound)', () => {
    // 2 x 2048 x 7.0e9 linear FLOPs = 28.6 TFLOP at ~70% of 989 TFLOP/s = 41 ms, + attention and overheads.
    // Vidur's measured H100 GEMM times for Llama-2-7B at 2048 tokens sum to 35 ms over 32 layers.
    const c = emptyCost();
    const t = r.predict(prefill(2048), c);
    expect(t * 1e3).toBeGreaterThan(35);
    expect(t * 1e3).toBeLessThan(80);
    expect(c.computeBoundSec / t).toBeGreaterThan(0.7);
  });

  it('fills StepCost consistently', () => {
    const c = emptyCost();
    const b = addDecodes(addPrefillChunk(emptyBatch(), 512, 1024, false), 32, 2000);
    const t = r.predict(b, c);
    expect(c.seconds).toBe(t);
    expect(c.flops).toBeGreaterThan(2 * 7e9 * 544);
    expect(c.bytes).toBeGreaterThan(weightBytes(l8, 'bf16') * 0.95);
    expect(c.commSec).toBe(0);
    expect(c.overheadSec).toBeGreaterThan(DEFAULT_CPU_OVERHEAD.baseSec);
    expect(c.computeBoundSec + c.commSec + c.overheadSec).toBeLessThanOrEqual(t);
  });

  it('an empty step costs only the CPU overhead', () => {
    const c = emptyCost();
    expect(r.predict(emptyBatch(), c)).toBe(DEFAULT_CPU_OVERHEAD.baseSec);
    expect(c.flops).toBe(0);
  });
});

describe('roofline shape properties', () => {
  const r = model();

  it('decode step time is monotone non-decreasing in batch size and in context', () => {
    for (const ctx of [1, 100, 1000, 8000, 32000]) {
      let prev = 0;
      for (let n = 1; n <= 512; n = n < 8 ? n + 1 : Math.ceil(n * 1.3)) {
        const t = r.predict(decode(n, ctx));
        expect(t).toBeGreaterThanOrEqual(prev);
        prev = t;
      }
    }
    for (const n of [1, 16, 256]) {
      let prev = 0;
      for (let ctx = 1; ctx <= 131072; ctx *= 2) {
        const t = r.predict(decode(n, ctx));
        expect(t).toBeGreaterThanOrEqual(prev);
        prev = t;
      }
    }
  });

  it('prefill time grows superlinearly in prompt length for long prompts', () => {
    for (const n of [8192, 16384, 32768, 65536]) {
      expect(r.predict(prefill(2 * n))).toBeGreaterThan(2 * r.predict(prefill(n)));
    }
    // and is monotone everywhere
    let prev = 0;
    for (let n = 1; n <= 131072; n *= 2) {
      const t = r.predict(prefill(n));
      expect(t).toBeGreaterThan(prev);
      prev = t;
    }
  });

  it('TP=2 decodes faster than TP=1, but not twice as fast', () => {
    const t1 = r.predict(decode(8, 2000));
    const c = emptyCost();
    const t2 = model({ par: { tensor: 2, pipeline: 1 } }).predict(decode(8, 2000), c);
    expect(t2).toBeLessThan(t1);
    expect(t2).toBeGreaterThan(t1 / 2);
    expect(c.commSec).toBeGreaterThan(0);
    // 70B: TP=4 vs TP=8 on H100
    const t4 = model({ m: l70, par: { tensor: 4, pipeline: 1 } }).predict(decode(1, 1000));
    const t8 = model({ m: l70, par: { tensor: 8, pipeline: 1 } }).predict(decode(1, 1000));
    expect(t8).toBeLessThan(t4);
    expect(t8).toBeGreaterThan(t4 / 2);
  });

  it('pipeline stages run one after another: PP=2 is not faster for one step', () => {
    const pp1 = model({ m: l70, par: { tensor: 4, pipeline: 1 } }).predict(decode(16, 1000));
    const c = emptyCost();
    const pp2 = model({ m: l70, par: { tensor: 4, pipeline: 2 } }).predict(decode(16, 1000), c);
    expect(pp2).toBeGreaterThan(pp1);
    expect(pp2).toBeLessThan(pp1 * 1.1);
    expect(c.commSec).toBeGreaterThan(0);
  });

  it('fp8 weights make a batch-1 decode faster than bf16; fp8 prefill uses the fp8 peak', () => {
    const fp8 = model({ precision: { weights: 'fp8', kvCache: 'bf16' } });
    expect(fp8.predict(decode(1, 1000))).toBeLessThan(0.75 * r.predict(decode(1, 1000)));
    expect(fp8.predict(prefill(4096))).toBeLessThan(0.7 * r.predict(prefill(4096)));
    // fp8 KV cache speeds up long-context decode
    const kv8 = model({ precision: { weights: 'bf16', kvCache: 'fp8' } });
    expect(kv8.predict(decode(64, 16000))).toBeLessThan(r.predict(decode(64, 16000)));
  });

  it('int4 on A100 runs weight-only: faster decode, prefill no faster than bf16', () => {
    const bf = model({ gpu: a100 });
    const w4 = model({ gpu: a100, precision: { weights: 'int4', kvCache: 'bf16' } });
    expect(w4.predict(decode(1, 1000))).toBeLessThan(0.5 * bf.predict(decode(1, 1000)));
    expect(w4.predict(prefill(4096))).toBeGreaterThanOrEqual(bf.predict(prefill(4096)));
  });

  it('a precision the GPU lacks is a UserError naming the GPU and the supported precisions', () => {
    let err: unknown;
    try { model({ gpu: a100, precision: { weights: 'fp8', kvCache: 'bf16' } }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    const u = err as UserError;
    expect(u.message).toContain('A100');
    expect(u.message).toContain('fp8');
    expect(u.fix).toMatch(/fp32, bf16, fp16, int8/);
    expect(() => model({ gpu: a100, precision: { weights: 'bf16', kvCache: 'bf16', activations: 'fp8' } }))
      .toThrow(/no fp8 tensor cores/);
    expect(() => model({ par: { tensor: 3, pipeline: 1 } })).toThrow(UserError);
  });

  it('uses an injected EfficiencyModel', () => {
    const base = defaultEfficiencyModel(h100.efficiency);
    const slowMem: EfficiencyModel = { ...base, memory: () => 0.425, attentionMemory: () => 0.425 };
    const slow = model({ efficiency: slowMem }).predict(decode(1, 1000));
    expect(slow).toBeGreaterThan(1.6 * r.predict(decode(1, 1000)));
  });

  it('handles an MoE model', () => {
    const moe: ModelProfile = { ...l8, id: 'moe', moe: { experts: 8, topK: 2, sharedExperts: 1, expertIntermediateSize: 4096 } };
    const m = model({ m: moe, par: { tensor: 2, pipeline: 1 } });
    const t1 = m.predict(decode(1, 100));
    const t64 = m.predict(decode(64, 100));
    expect(t64).toBeGreaterThan(t1);
    expect(Number.isFinite(m.predict(prefill(8192)))).toBe(true);
  });
});

describe('predict is cheap and total', () => {
  it('runs 1e6 times with a reused batch and cost object', () => {
    const r = model({ m: l70, par: { tensor: 4, pipeline: 2 } });
    const b = emptyBatch();
    const c = emptyCost();
    let sum = 0;
    const start = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      b.decodeSeqs = 1 + (i & 255);
      b.decodeContextTokens = b.decodeSeqs * (100 + (i & 4095));
      b.logitSeqs = b.decodeSeqs;
      b.prefillTokens = i & 1 ? 512 : 0;
      b.prefillSeqs = i & 1;
      b.prefillAttnPairs = i & 1 ? 512 * 256.5 : 0;
      b.prefillKvTokens = b.prefillTokens;
      sum += r.predict(b, c);
    }
    const ms = performance.now() - start;
    expect(Number.isFinite(sum)).toBe(true);
    expect(ms).toBeLessThan(10_000);
  });

  it('returns finite positive seconds for arbitrary shapes (fast-check)', () => {
    const gpus = [h100, a100, loadGpuProfile('l40s'), loadGpuProfile('h200')];
    const models = [l8, l70, loadModelProfile('qwen2.5-7b'), loadModelProfile('llama-2-7b')];
    const nat = fc.integer({ min: 0, max: 1_000_000 });
    fc.assert(
      fc.property(
        fc.constantFrom(...gpus), fc.constantFrom(...models), fc.constantFrom(1, 2, 4), fc.constantFrom(1, 2),
        fc.constantFrom<PrecisionConfig>(BF16, { weights: 'int4', kvCache: 'fp8' }, { weights: 'int8', kvCache: 'bf16' }),
        nat, nat, fc.double({ min: 0, max: 1e12, noNaN: true }), nat, nat, fc.double({ min: 0, max: 1e10, noNaN: true }), nat,
        (gpu, m, tp, pp, precision, pTok, pSeqs, pairs, pKv, dSeqs, dCtx, logits) => {
          const r = createRooflineModel({ gpu, model: m, precision, parallelism: { tensor: tp, pipeline: pp } });
          const c = emptyCost();
          const t = r.predict({
            prefillTokens: pTok, prefillSeqs: pSeqs, prefillAttnPairs: pairs, prefillKvTokens: pKv,
            decodeSeqs: dSeqs, decodeContextTokens: dCtx, logitSeqs: logits,
          }, c);
          return Number.isFinite(t) && t > 0 && c.seconds === t && Number.isFinite(c.flops) && Number.isFinite(c.bytes);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// Cross-check against measured per-layer op times (Vidur, microsoft/vidur, MIT): the per-layer time of the
// model is predict(layers=2) - predict(layers=1) for decode batches with 1-token context (attention ~0).
const VIDUR = new URL('../../../shared/data/microbench/vidur/compute/h100/meta-llama/Llama-2-7b-hf/mlp.csv', import.meta.url);
describe.skipIf(!existsSync(VIDUR))('roofline vs Vidur H100 microbenchmarks (Llama-2-7B, TP1)', () => {
  it('per-layer linear + elementwise time within 35% at 1-4096 tokens', () => {
    const lines = readFileSync(VIDUR, 'utf8').trim().split('\n');
    const head = lines[0]!.split(',');
    const col = (name: string) => head.indexOf(name);
    const ops = ['input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm',
      'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add'];
    const measured = new Map<number, number>();
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      if (f[col('num_tensor_parallel_workers')] !== '1') continue;
      const t = Number(f[col('num_tokens')]);
      if (measured.has(t)) continue;
      let ms = 0;
      for (const op of ops) ms += Number(f[col(`time_stats.${op}.median`)]) * (op === 'add' ? 2 : 1);
      measured.set(t, ms * 1e-3);
    }
    const l2 = loadModelProfile('llama-2-7b');
    const one = model({ m: { ...l2, layers: 1 } });
    const two = model({ m: { ...l2, layers: 2 } });
    for (const t of [1, 16, 64, 256, 1024, 4096]) {
      const want = measured.get(t);
      expect(want, `no Vidur row for ${t} tokens`).toBeDefined();
      const b = decode(t, 1);
      const got = two.predict(b) - one.predict(b);
      expect(Math.abs(got / want! - 1), `${t} tokens: model ${got * 1e3} ms vs Vidur ${want! * 1e3} ms`).toBeLessThan(0.35);
    }
  });
});
