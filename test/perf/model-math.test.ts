import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import {
  activeParamCount, flopsPerToken, kvBytesPerToken, kvBytesPerTokenPerLayerPerRank, kvHeadsPerRank,
  layerLinearShapes, paramCount, shardedLayerLinearShapes, stageLayerCounts, validateParallelism,
  weightBytes, weightBytesBreakdown,
} from '../../src/perf/model-math.ts';
import { loadModelProfile } from '../../src/profiles/fs.ts';
import type { ModelProfile } from '../../src/profiles/schema.ts';

const l8 = loadModelProfile('llama-3.1-8b');
const l70 = loadModelProfile('llama-3.1-70b');

/** A synthetic MoE model (Mixtral-8x7B-like shapes) — none of the shipped profiles is MoE. */
export const moeModel: ModelProfile = {
  ...l8, id: 'moe-test', name: 'MoE test', vocabSize: 32000,
  moe: { experts: 8, topK: 2, sharedExperts: 0, expertIntermediateSize: 14336 },
};

describe('model math', () => {
  it('linear shapes of Llama 3.1 8B', () => {
    const s = layerLinearShapes(l8).map((x) => [x.name, x.k, x.n]);
    expect(s).toEqual([['qkv', 4096, 6144], ['o', 4096, 4096], ['gateUp', 4096, 28672], ['down', 14336, 4096]]);
  });

  it('parameter count (Llama 3.1 8B = 8,030,261,248)', () => {
    expect(paramCount(l8)).toBe(8_030_261_248);
    expect(activeParamCount(l8)).toBe(paramCount(l8));
  });

  it('KV bytes per token: 2 x layers x kvHeads x headDim x bytes', () => {
    expect(kvBytesPerToken(l8, 'bf16')).toBe(2 * 32 * 8 * 128 * 2); // 128 KiB
    expect(kvBytesPerToken(l8, 'fp8')).toBe(65536);
    expect(kvBytesPerToken(l70, 'bf16')).toBe(327680);
    expect(kvBytesPerToken(loadModelProfile('llama-2-7b'), 'bf16')).toBe(524288); // MHA
  });

  it('weight bytes by precision', () => {
    const bf16 = weightBytes(l8, 'bf16');
    expect(bf16).toBe(2 * paramCount(l8)); // 16.06 GB, vLLM logs 14.96 GiB
    expect(bf16 / 2 ** 30).toBeCloseTo(14.96, 2);
    const fp8 = weightBytesBreakdown(l8, 'fp8');
    expect(fp8.embedding).toBe(128256 * 4096 * 2); // embeddings stay 16-bit
    expect(fp8.linearPerLayer).toBe(218_103_808);
    const int4 = weightBytes(l8, 'int4');
    expect(int4).toBeLessThan(fp8.total);
    expect(int4).toBeGreaterThan(0.25 * bf16);
    expect(weightBytes(l8, 'fp32')).toBe(2 * bf16);
    const tied = { ...l8, tieWordEmbeddings: true };
    expect(weightBytes(l8, 'bf16') - weightBytes(tied, 'bf16')).toBe(128256 * 4096 * 2);
  });

  it('tensor-parallel shards replicate KV heads when TP > kvHeads', () => {
    expect(kvHeadsPerRank(l70, 4)).toBe(2);
    expect(kvHeadsPerRank(l70, 16)).toBe(1);
    const s16 = shardedLayerLinearShapes(l70, 16);
    expect(s16[0]!.n).toBe((64 / 16 + 2) * 128); // 4 q heads + 1 k + 1 v
    const s8 = shardedLayerLinearShapes(l70, 8);
    expect(s8[0]!.n).toBe((64 + 16) * 128 / 8);
    expect(s8[1]!.k).toBe(8192 / 8); // row-parallel O
    expect(s8[3]!.k).toBe(28672 / 8);
    expect(kvBytesPerTokenPerLayerPerRank(l70, 'bf16', 16)).toBe(2 * 1 * 128 * 2);
  });

  it('FLOPs per token ~ 2 x params + attention', () => {
    expect(flopsPerToken(l8)).toBe(2 * (paramCount(l8) - 128256 * 4096 - 32 * 2 * 4096 - 4096));
    expect(flopsPerToken(l8, 1000) - flopsPerToken(l8)).toBe(4 * 32 * 32 * 128 * 1000);
  });

  it('MoE counts all experts in params, top-k in active params', () => {
    const total = paramCount(moeModel);
    const active = activeParamCount(moeModel);
    expect(total / 1e9).toBeGreaterThan(45); // Mixtral 8x7B is 46.7B
    expect(total / 1e9).toBeLessThan(48);
    expect(active / 1e9).toBeGreaterThan(12);
    expect(active / 1e9).toBeLessThan(14);
    expect(flopsPerToken(moeModel)).toBeLessThan(2 * active);
  });

  it('stage layer split', () => {
    expect(stageLayerCounts(80, 3)).toEqual([27, 27, 26]);
    expect(stageLayerCounts(32, 1)).toEqual([32]);
  });

  it('parallelism validation', () => {
    expect(() => validateParallelism(l8, { tensor: 8, pipeline: 4 })).not.toThrow();
    expect(() => validateParallelism(l8, { tensor: 3, pipeline: 1 })).toThrow(UserError);
    expect(() => validateParallelism(loadModelProfile('qwen2.5-7b'), { tensor: 8, pipeline: 1 })).toThrow(/28 attention heads/);
    expect(() => validateParallelism(l8, { tensor: 0, pipeline: 1 })).toThrow(/positive integer/);
    expect(() => validateParallelism(l8, { tensor: 1, pipeline: 33 })).toThrow(/exceeds the 32 layers/);
    expect(() => validateParallelism(loadModelProfile('qwen2.5-7b'), { tensor: 7, pipeline: 1 })).toThrow(/4 KV heads/);
  });
});
