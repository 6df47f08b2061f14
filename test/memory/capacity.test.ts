import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import { GIB, kvCapacity, type KvCapacityInput } from '../../src/memory/capacity.ts';
import { loadGpuProfile, loadModelProfile } from '../../src/profiles/fs.ts';

const h100 = loadGpuProfile('h100-sxm');
const a100 = loadGpuProfile('a100-80gb');
const l8 = loadModelProfile('llama-3.1-8b');
const l70 = loadModelProfile('llama-3.1-70b');

function input(over: Partial<KvCapacityInput> = {}): KvCapacityInput {
  return {
    gpu: h100, model: l8, precision: { weights: 'bf16', kvCache: 'bf16' }, parallelism: { tensor: 1, pipeline: 1 },
    gpuMemoryUtilization: 0.9, blockSize: 16, maxBatchedTokens: 8192, maxNumSeqs: 256, ...over,
  };
}

function userError(f: () => unknown): UserError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(UserError); return e as UserError; }
  throw new Error('expected UserError');
}

describe('kvCapacity', () => {
  it('Llama-3-8B on H100 at 0.9 matches the vLLM profiler within 2% (53.29 GiB of KV cache)', () => {
    // vllm-project/vllm PR #10511: total 79.22 GiB x 0.90, weights 14.96 GiB, activation peak 1.26 GiB,
    // non-torch 1.79 GiB -> available_kv_cache_memory 53.29 GiB.
    const c = kvCapacity(input());
    expect(c.weightBytesPerGpu / GIB).toBeCloseTo(14.96, 2);
    expect(Math.abs(c.freeBytesPerGpu / GIB / 53.29 - 1)).toBeLessThan(0.02);
    expect(c.kvBytesPerTokenPerGpu).toBe(131072);
    expect(c.capacityTokens).toBe(c.numBlocks * c.blockSize);
    expect(c.numBlocks).toBe(Math.floor(c.freeBytesPerGpu / (16 * 131072)));
    expect(c.activationReserveBytesPerGpu).toBe(c.activationPeakBytesPerGpu + c.runtimeReserveBytesPerGpu);
    expect(c.freeBytesPerGpu).toBeCloseTo(c.budgetBytesPerGpu - c.weightBytesPerGpu - c.activationReserveBytesPerGpu, 0);
  });

  it('tensor parallelism splits weights and KV heads', () => {
    const tp1 = kvCapacity(input());
    const tp2 = kvCapacity(input({ parallelism: { tensor: 2, pipeline: 1 } }));
    expect(tp2.weightBytesPerGpu / tp1.weightBytesPerGpu).toBeCloseTo(0.5, 2);
    expect(tp2.kvBytesPerTokenPerGpu).toBe(tp1.kvBytesPerTokenPerGpu / 2);
    expect(tp2.capacityTokens).toBeGreaterThan(2 * tp1.capacityTokens); // more free memory per GPU
    // TP 16 > 8 KV heads: each rank keeps one KV head, so KV per token stops shrinking
    const tp8 = kvCapacity(input({ model: l70, parallelism: { tensor: 8, pipeline: 1 } }));
    const tp16 = kvCapacity(input({ model: l70, parallelism: { tensor: 16, pipeline: 1 } }));
    expect(tp16.kvBytesPerTokenPerGpu).toBe(tp8.kvBytesPerTokenPerGpu);
  });

  it('pipeline parallelism splits layers; the fullest stage limits', () => {
    const pp2 = kvCapacity(input({ model: l70, parallelism: { tensor: 2, pipeline: 2 } }));
    expect(pp2.kvBytesPerTokenPerGpu).toBe(2 * 40 * 4 * 128 * 2);
    const pp3 = kvCapacity(input({ model: l70, parallelism: { tensor: 2, pipeline: 3 } }));
    expect(pp3.kvBytesPerTokenPerGpu).toBe(2 * 27 * 4 * 128 * 2);
    expect(pp3.limitingStage).toBeLessThan(2);
  });

  it('fp8 weights and KV cache raise the capacity', () => {
    const bf16 = kvCapacity(input());
    const fp8 = kvCapacity(input({ precision: { weights: 'fp8', kvCache: 'fp8' } }));
    expect(fp8.weightBytesPerGpu).toBeLessThan(0.6 * bf16.weightBytesPerGpu);
    expect(fp8.capacityTokens).toBeGreaterThan(2 * bf16.capacityTokens);
  });

  it('capacity grows with gpuMemoryUtilization and shrinks with maxBatchedTokens', () => {
    expect(kvCapacity(input({ gpuMemoryUtilization: 0.95 })).numBlocks).toBeGreaterThan(kvCapacity(input()).numBlocks);
    expect(kvCapacity(input({ maxBatchedTokens: 65536 })).numBlocks).toBeLessThan(kvCapacity(input()).numBlocks);
  });

  it('a model that does not fit says how much is needed and suggests a fix', () => {
    const e = userError(() => kvCapacity(input({ model: l70 })));
    expect(e.message).toMatch(/llama-3\.1-70b with bf16 weights does not fit on h100-sxm at TP=1/);
    expect(e.message).toMatch(/needs 1\d\d\.\d GiB .* but 71\.3 GiB is available/);
    expect(e.fix).toContain('tensor parallelism 2');
    expect(e.fix).toContain('int4 weights'); // fp8 needs 67.6 GiB + 3.8 GiB reserve: just over 71.3 GiB
    // on A100 the suggestion is int8, not fp8
    const a = userError(() => kvCapacity(input({ gpu: a100, model: l70 })));
    expect(a.fix).not.toContain('fp8');
  });

  it('rejects bad inputs', () => {
    expect(() => kvCapacity(input({ parallelism: { tensor: 3, pipeline: 1 } }))).toThrow(/does not divide/);
    expect(() => kvCapacity(input({ gpuMemoryUtilization: 0 }))).toThrow(UserError);
    expect(() => kvCapacity(input({ gpuMemoryUtilization: 1.2 }))).toThrow(UserError);
    expect(() => kvCapacity(input({ blockSize: 0 }))).toThrow(/blockSize/);
    expect(() => kvCapacity(input({ maxBatchedTokens: 1.5 }))).toThrow(/maxBatchedTokens/);
    // explicit fp8 activations on A100 are impossible (no FP8 tensor cores)
    const e = userError(() => kvCapacity(input({ gpu: a100, precision: { weights: 'fp8', kvCache: 'fp8', activations: 'fp8' } })));
    expect(e.message).toContain('A100');
    expect(e.fix).toContain('bf16');
  });

  it('fp8 weights on A100 run weight-only but still take 1 byte per weight', () => {
    const fp8 = kvCapacity(input({ gpu: a100, precision: { weights: 'fp8', kvCache: 'fp8' } }));
    const fp8h = kvCapacity(input({ precision: { weights: 'fp8', kvCache: 'fp8' } }));
    expect(fp8.weightBytesPerGpu).toBe(fp8h.weightBytesPerGpu);
    expect(fp8.kvBytesPerTokenPerGpu).toBe(65536);
  });
});

const ds = loadModelProfile('deepseek-v3');
const oss120 = loadModelProfile('gpt-oss-120b');
const h200 = loadGpuProfile('h200');
const FP8 = { weights: 'fp8', kvCache: 'bf16' } as const;
const TP8 = { tensor: 8, pipeline: 1 };

describe('kvCapacity: MLA, MoE and sliding-window models', () => {
  it('DeepSeek-V3 fp8 fits on 8x H200 (and B200, MI300X) but not on 8x A100-80GB', () => {
    const c = kvCapacity(input({ gpu: h200, model: ds, precision: FP8, parallelism: TP8 }));
    // 671B fp8 weights / 8 ≈ 79 GiB per GPU (replicated q/kv down-projections and routers included)
    expect(c.weightBytesPerGpu / GIB).toBeGreaterThan(78);
    expect(c.weightBytesPerGpu / GIB).toBeLessThan(81);
    // the MLA latent is whole on every rank: 61 x 576 x 2 bytes per token per GPU, not / 8
    expect(c.kvBytesPerTokenPerGpu).toBe(70_272);
    expect(c.slidingWindowReserveBytesPerGpu).toBe(0);
    expect(c.capacityTokens).toBeGreaterThan(500_000);
    expect(c.capacityTokens).toBe(Math.floor(c.freeBytesPerGpu / (16 * 70_272)) * 16);
    for (const g of ['b200', 'mi300x', 'mi325x']) {
      expect(kvCapacity(input({ gpu: loadGpuProfile(g), model: ds, precision: FP8, parallelism: TP8 })).capacityTokens, g)
        .toBeGreaterThan(c.capacityTokens);
    }
    // 8x A100-80GB: 71.4 GiB usable < 79 GiB of weights (fp8 runs weight-only there, still 1 byte per weight)
    const e = userError(() => kvCapacity(input({ gpu: a100, model: ds, precision: FP8, parallelism: TP8 })));
    expect(e.message).toMatch(/deepseek-v3 with fp8 weights does not fit on a100-80gb at TP=8/);
    expect(e.fix).toContain('tensor parallelism 16');
    // and bf16 weights (1.34 TB) do not fit on 8x H200 either
    expect(() => kvCapacity(input({ gpu: h200, model: ds, precision: { weights: 'bf16', kvCache: 'bf16' }, parallelism: TP8 })))
      .toThrow(/does not fit on h200 at TP=8/);
  });

  it('DeepSeek-V3 PP=2: the stage holding the 3 dense-MLP layers holds fewer weights', () => {
    const c = kvCapacity(input({ gpu: loadGpuProfile('mi325x'), model: ds, precision: FP8, parallelism: { tensor: 4, pipeline: 2 } }));
    expect(c.kvBytesPerTokenPerGpu).toBe(30 * 1152); // stage 1 holds 30 layers and limits
    expect(c.limitingStage).toBe(1);
  });

  it('gpt-oss-120b (MXFP4) fits on one H100; sliding layers reserve a window per sequence', () => {
    const fp4 = { weights: 'fp4', kvCache: 'bf16' } as const;
    const c = kvCapacity(input({ model: oss120, precision: fp4 }));
    expect(c.weightBytesPerGpu / GIB).toBeGreaterThan(55);
    expect(c.weightBytesPerGpu / GIB).toBeLessThan(60);
    // only the 18 full-attention layers grow with context: 18 x 2 x 8 x 64 x 2 bytes per token
    expect(c.kvBytesPerTokenPerGpu).toBe(18 * 2048);
    // the 18 sliding layers keep ceil(127 / 16) + 1 = 9 blocks (144 tokens) for each of the 256 sequences
    expect(c.slidingWindowReserveBytesPerGpu).toBe(18 * 2048 * 144 * 256);
    expect(c.freeBytesPerGpu).toBeCloseTo(c.budgetBytesPerGpu - c.weightBytesPerGpu - c.activationReserveBytesPerGpu
      - c.slidingWindowReserveBytesPerGpu, 0);
    // ignoring the window would nearly halve the token capacity (the reserve costs a little)
    const noWindow = kvCapacity(input({ model: { ...oss120, slidingWindow: undefined }, precision: fp4 }));
    expect(noWindow.kvBytesPerTokenPerGpu).toBe(36 * 2048);
    expect(c.capacityTokens).toBeGreaterThan(1.7 * noWindow.capacityTokens);
    // bf16 weights (234 GB) need several GPUs
    expect(() => kvCapacity(input({ model: oss120 }))).toThrow(/does not fit on h100-sxm at TP=1/);
    // a TP=2 split halves the KV heads (8 / 2) of the sliding reserve too
    const tp2 = kvCapacity(input({ model: oss120, precision: fp4, parallelism: { tensor: 2, pipeline: 1 } }));
    expect(tp2.slidingWindowReserveBytesPerGpu).toBe(c.slidingWindowReserveBytesPerGpu / 2);
  });

  it('an all-sliding model (Phi-3-mini-4k) is sized as full attention (conservative)', () => {
    const c = kvCapacity(input({ gpu: loadGpuProfile('l4'), model: loadModelProfile('phi-3-mini') }));
    expect(c.kvBytesPerTokenPerGpu).toBe(2 * 32 * 32 * 96 * 2);
    expect(c.slidingWindowReserveBytesPerGpu).toBe(0);
  });

  it('dense giants: Llama-3.1-405B fp8 fits on 8x H100, bf16 on 8x MI300X, not bf16 on 8x H100', () => {
    const l405 = loadModelProfile('llama-3.1-405b');
    const fp8 = kvCapacity(input({ model: l405, precision: FP8, parallelism: TP8 }));
    expect(fp8.weightBytesPerGpu / GIB).toBeCloseTo(47.7, 1);
    expect(fp8.kvBytesPerTokenPerGpu).toBe(2 * 126 * 1 * 128 * 2);
    expect(kvCapacity(input({ gpu: loadGpuProfile('mi300x'), model: l405, parallelism: TP8 })).capacityTokens).toBeGreaterThan(1e6);
    expect(() => kvCapacity(input({ model: l405, parallelism: TP8 }))).toThrow(/does not fit/);
  });

  it('MoE expert weights split over TP (no expert parallelism): Qwen3-235B-A22B', () => {
    const q = loadModelProfile('qwen3-235b-a22b');
    const tp4 = kvCapacity(input({ gpu: h200, model: q, precision: FP8, parallelism: { tensor: 4, pipeline: 1 } }));
    const tp8 = kvCapacity(input({ gpu: h200, model: q, precision: FP8, parallelism: TP8 }));
    expect(tp8.weightBytesPerGpu / tp4.weightBytesPerGpu).toBeCloseTo(0.5, 2);
    expect(tp4.kvBytesPerTokenPerGpu).toBe(2 * 94 * 1 * 128 * 2); // 4 KV heads / TP4 = 1
    expect(tp8.kvBytesPerTokenPerGpu).toBe(tp4.kvBytesPerTokenPerGpu); // replicated beyond 4 KV heads
  });

  it('small GPUs: Llama-3.1-8B bf16 fits on one L4 and one A10G, with little room for KV', () => {
    for (const g of ['l4', 'a10g']) {
      const c = kvCapacity(input({ gpu: loadGpuProfile(g), model: l8, maxNumSeqs: 64, maxBatchedTokens: 2048 }));
      expect(c.capacityTokens, g).toBeGreaterThan(10_000);
      expect(c.capacityTokens, g).toBeLessThan(40_000);
    }
  });
});
