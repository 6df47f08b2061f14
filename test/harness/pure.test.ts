import { describe, expect, it } from 'vitest';
import { HarnessResultSchema } from '../../src/calibrate/harness-schema.ts';
import { shardedLayerLinearShapes } from '../../src/perf/model-math.ts';
import { loadModelProfile } from '../../src/profiles/fs.ts';
import {
  allReduceBusBytesPerSec, attentionFlops, attentionKvBytes, attentionPairs, bandwidthBytesMoved, gemmFlops, gemmTflops, gemvBytes,
} from '../../harness/common/flops.ts';
import { HARNESS_MODELS, linearOps, parseModelSpec } from '../../harness/common/models.ts';
import { CUDA_TOKENS_FULL, ccNumber, cudaGemmDtypes, planSweep } from '../../harness/common/plan.ts';
import { HarnessPlanSchema } from '../../harness/common/plan-schema.ts';
import { HARNESS_VERSION, assembleResult, attentionPoint, bandwidthPoint, gemmPoint } from '../../harness/common/result.ts';
import { innerIterations, quantileSorted, summarize } from '../../harness/common/stats.ts';
import {
  attentionRef, fromHalfBits, matmulRef, maxScaledError, randomArray, roundToHalf, toHalfBits,
} from '../../harness/webgpu/reference.ts';

describe('harness statistics', () => {
  it('quantiles interpolate linearly between closest ranks (numpy default)', () => {
    const s = [1, 2, 3, 4];
    expect(quantileSorted(s, 0.5)).toBe(2.5);
    expect(quantileSorted(s, 0.1)).toBeCloseTo(1.3, 12);
    expect(quantileSorted(s, 0.9)).toBeCloseTo(3.7, 12);
    expect(quantileSorted(s, 0)).toBe(1);
    expect(quantileSorted(s, 1)).toBe(4);
    expect(quantileSorted([7], 0.9)).toBe(7);
    expect(() => quantileSorted([], 0.5)).toThrow();
    expect(() => quantileSorted(s, 1.5)).toThrow();
  });

  it('summarize sorts, and rejects empty or non-finite samples', () => {
    const r = summarize([5, 1, 4, 2, 3]);
    expect(r).toMatchObject({ n: 5, median: 3, min: 1, max: 5, mean: 3 });
    expect(r.p10).toBeCloseTo(1.4, 12);
    expect(r.p90).toBeCloseTo(4.6, 12);
    expect(() => summarize([])).toThrow();
    expect(() => summarize([1, NaN])).toThrow();
  });

  it('inner iterations make a repeat last at least the minimum', () => {
    expect(innerIterations(1e-3, 0.02)).toBe(20);
    expect(innerIterations(1, 0.02)).toBe(1);
    expect(innerIterations(1e-9, 0.02, 1000)).toBe(1000);
    expect(innerIterations(0, 0.02, 50)).toBe(50);
  });
});

describe('operation counts', () => {
  it('GEMM FLOPs and TFLOP/s', () => {
    expect(gemmFlops(2, 3, 4)).toBe(48);
    expect(gemmTflops(1024, 1024, 1024, 1e-3)).toBeCloseTo(2.147483648, 9);
  });

  it('attention pairs match a brute-force count', () => {
    for (const [q, c] of [[1, 0], [1, 100], [7, 0], [5, 13], [64, 1000]] as const) {
      let causal = 0;
      for (let i = 0; i < q; i++) causal += c + i + 1;
      expect(attentionPairs(q, c, true)).toBe(causal);
      expect(attentionPairs(q, c, false)).toBe(q * (c + q));
    }
  });

  it('attention FLOPs and KV bytes of a Llama-3.1-8B decode step', () => {
    const s = { batch: 8, queryTokens: 1, contextTokens: 1023, numHeads: 32, numKvHeads: 8, headDim: 128, causal: true };
    expect(attentionFlops(s)).toBe(4 * 128 * 32 * 8 * 1024);
    expect(attentionKvBytes(s, 2)).toBe(2 * 8 * 1024 * 8 * 128 * 2);
  });

  it('bytes moved by stream kernels, GEMV and all-reduce bus bandwidth', () => {
    expect(bandwidthBytesMoved('copy', 100)).toBe(200);
    expect(bandwidthBytesMoved('triad', 100)).toBe(300);
    expect(bandwidthBytesMoved('read', 100)).toBe(100);
    expect(gemvBytes(6144, 4096, 2)).toBe((6144 * 4096 + 4096 + 6144) * 2);
    expect(allReduceBusBytesPerSec(1e9, 8, 1)).toBeCloseTo(1.75e9, 3);
    expect(allReduceBusBytesPerSec(1e9, 2, 1)).toBeCloseTo(1e9, 3);
  });
});

describe('transformer shapes', () => {
  it('harness presets agree with profiles/models and with the simulator', () => {
    for (const id of ['llama-3.1-8b', 'llama-3.1-70b']) {
      const p = loadModelProfile(id);
      const m = HARNESS_MODELS[id]!;
      expect(m).toMatchObject({
        hidden: p.hiddenSize, heads: p.numHeads, kvHeads: p.numKvHeads, headDim: p.headDim, ffn: p.intermediateSize, gatedMlp: p.gatedMlp,
      });
      for (const tp of [1, 2, 4, 8]) {
        const ours = linearOps(m, tp).map((o) => [o.name, o.n, o.k]);
        const sim = shardedLayerLinearShapes(p, tp).map((s) => [s.name, s.n, s.k]);
        expect(ours).toEqual(sim);
      }
    }
  });

  it('parses model specs and rejects bad ones', () => {
    expect(parseModelSpec('llama-3.1-8b').hidden).toBe(4096);
    expect(parseModelSpec('m:2048:16:4:128:8192')).toEqual({ name: 'm', hidden: 2048, heads: 16, kvHeads: 4, headDim: 128, ffn: 8192, gatedMlp: true });
    expect(parseModelSpec('m:2048:16:16:128:8192:plain').gatedMlp).toBe(false);
    expect(() => parseModelSpec('nope')).toThrow(/unknown model/);
    expect(() => parseModelSpec('m:2048:16:5:128:8192')).toThrow(/multiple/);
    expect(() => parseModelSpec('m:2048:x:4:128:8192')).toThrow(/positive integers/);
    expect(() => linearOps(HARNESS_MODELS['llama-3.1-8b']!, 3)).toThrow();
  });
});

describe('sweep plans', () => {
  it('CUDA full plan on Hopper: 4 precisions × 2 models × 4 ops × 25 token counts, 1…16384 tokens', () => {
    const p = HarnessPlanSchema.parse(planSweep({ backend: 'cuda', quick: false, computeCapability: '9.0' }));
    expect(p.gemm).toHaveLength(4 * 2 * 4 * 25);
    expect(new Set(p.gemm.map((g) => g.dtype))).toEqual(new Set(['bf16', 'fp16', 'fp8', 'int8']));
    expect(Math.min(...p.gemm.map((g) => g.m))).toBe(1);
    expect(Math.max(...p.gemm.map((g) => g.m))).toBe(16384);
    expect(CUDA_TOKENS_FULL).toHaveLength(25);
    for (const g of p.gemm) expect(g.flops).toBe(2 * g.m * g.n * g.k);
    for (const a of p.attention) expect(a.flops).toBe(attentionFlops(a));
    expect(p.attention.every((a) => a.phase === 'prefill' || a.batch * a.contextTokens <= 1 << 20)).toBe(true);
    expect(p.hostTransfer).toHaveLength(2 * 2 * 5);
    expect(p.allReduce[0]!.bytes).toBe(1024);
    expect(p.allReduce.at(-1)!.bytes).toBe(1 << 30);
    expect(p.power[0]!.durationSec).toBe(30);
  });

  it('precisions follow the compute capability', () => {
    expect(ccNumber('8.9')).toBe(89);
    expect(() => ccNumber('nine')).toThrow();
    expect(cudaGemmDtypes('8.0', false)).toEqual(['bf16', 'fp16', 'int8']);
    expect(cudaGemmDtypes('8.9', false)).toEqual(['bf16', 'fp16', 'fp8', 'int8']);
    expect(cudaGemmDtypes('7.0', false)).toEqual(['fp16']);
    expect(cudaGemmDtypes('9.0', true)).toEqual(['bf16', 'fp8']);
    expect(cudaGemmDtypes('8.0', true)).toEqual(['bf16']);
  });

  it('quick, TP and custom-model plans', () => {
    const q = planSweep({ backend: 'cuda', quick: true, computeCapability: '8.0', tp: [2] });
    expect(q.preset).toBe('quick');
    expect(q.gemm.every((g) => g.op.startsWith('llama-3.1-8b/tp2/'))).toBe(true);
    expect(q.gemm.find((g) => g.op.endsWith('/qkv'))!.n).toBe((16 + 2 * 4) * 128);
    const c = planSweep({ backend: 'cuda', quick: true, models: [parseModelSpec('tiny:512:8:2:64:1536')] });
    expect(c.attention.every((a) => a.headDim === 64 && a.numHeads === 8)).toBe(true);
  });

  it('WebGPU plans: fp16 only with shader-f16; smoke preset is tiny', () => {
    const noF16 = planSweep({ backend: 'webgpu', quick: true, f16: false });
    expect(noF16.gemm.every((g) => g.dtype === 'fp32')).toBe(true);
    expect(noF16.notes.join(' ')).toMatch(/shader-f16/);
    expect(noF16.hostTransfer).toEqual([]);
    const f16 = HarnessPlanSchema.parse(planSweep({ backend: 'webgpu', quick: false, f16: true }));
    expect(f16.gemm.some((g) => g.dtype === 'fp16')).toBe(true);
    expect(f16.bandwidth.some((b) => b.dtype === 'copyBufferToBuffer')).toBe(true);
    const smoke = HarnessPlanSchema.parse(planSweep({ backend: 'webgpu', preset: 'smoke', f16: false }));
    expect(smoke.gemm.every((g) => g.m * g.n * g.k <= 1 << 20)).toBe(true);
  });
});

describe('result assembly', () => {
  it('points carry medians, percentiles and derived rates', () => {
    const g = gemmPoint('bf16', 128, 4096, 4096, [2e-4, 1e-4, 3e-4], 'x/qkv')!;
    expect(g.medianSec).toBe(2e-4);
    expect(g.tflops).toBeCloseTo((2 * 128 * 4096 * 4096) / 2e-4 / 1e12, 9);
    expect(g.repeats).toBe(3);
    expect(bandwidthPoint('copy', 2e6, [1e-3])!.bytesPerSec).toBeCloseTo(2e9, 3);
    expect(gemmPoint('fp32', 1, 1, 1, [0, 0])).toBeNull();
    const a = attentionPoint({ phase: 'decode', batch: 1, queryTokens: 1, contextTokens: 10, numHeads: 4, numKvHeads: 2, headDim: 64, dtype: 'fp32', causal: true, kernel: 'k' }, [1e-3]);
    expect(a!.medianSec).toBe(1e-3);
  });

  it('assembles a valid document and rejects one that breaks the schema', () => {
    const doc = assembleResult({
      harness: { backend: 'webgpu', version: HARNESS_VERSION },
      device: { name: 'test' },
      gemm: [gemmPoint('fp32', 64, 64, 64, [1e-3, 2e-3])!],
      notes: ['n'],
    });
    expect(HarnessResultSchema.parse(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
    expect(doc.attention).toEqual([]);
    expect(() =>
      assembleResult({
        harness: { backend: 'webgpu', version: HARNESS_VERSION },
        device: { name: 'test' },
        bandwidth: [{ kind: 'copy', bytes: 1, medianSec: -1, repeats: 1, bytesPerSec: 1 }],
      }),
    ).toThrow(/bandwidth\.0\.medianSec/);
  });
});

describe('CPU references', () => {
  it('binary16 conversion rounds to nearest even, with subnormals, overflow and NaN', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00); // rounds up to Inf
    expect(toHalfBits(2 ** -24)).toBe(1); // smallest subnormal
    expect(toHalfBits(2 ** -26)).toBe(0);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    for (const h of [0, 1, 0x3ff, 0x400, 0x3c00, 0x7bff, 0x8001, 0xfbff]) expect(toHalfBits(fromHalfBits(h))).toBe(h);
    const r = roundToHalf(randomArray(1000, 5));
    expect(maxScaledError(r, randomArray(1000, 5), 0, 2 ** -11)).toBeLessThanOrEqual(1);
  });

  it('matmul and attention references on hand-checkable inputs', () => {
    // [1 2; 3 4] · [5 6; 7 8]ᵀ (B stored N × K)
    expect([...matmulRef(Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8), 2, 2, 2)]).toEqual([17, 23, 39, 53]);
    // One head, one query, two keys with equal scores → the mean of the values.
    const out = attentionRef(Float32Array.of(0, 0), Float32Array.of(1, 0, 0, 1), Float32Array.of(2, 4, 6, 8), {
      batch: 1, queryTokens: 1, contextTokens: 1, numHeads: 1, numKvHeads: 1, headDim: 2, causal: true,
    });
    expect([...out]).toEqual([4, 6]);
    expect(maxScaledError([1, 2], [1, 2], 0, 0)).toBe(0);
    expect(maxScaledError([1, 2.5], [1, 2], 0, 0)).toBe(Infinity);
  });
});
