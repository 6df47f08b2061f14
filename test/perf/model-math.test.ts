import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import {
  activeParamCount, attentionFlopsPerPair, denseMlpLayerCount, flopsPerToken, fullAttentionLayerCount, isSlidingLayer,
  kvBytesForContext, kvBytesPerToken, kvBytesPerTokenFullAttention, kvBytesPerTokenPerLayerPerRank, kvElementsPerTokenPerLayer,
  kvHeadsPerRank, layerLinearShapes, linearParamsPerLayer, moeLayerCount, otherParamsPerLayer, paramCount,
  shardedLayerLinearShapes, slidingLayerCount, stageLayerCounts, validateParallelism, weightBytes, weightBytesBreakdown,
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

const ds = loadModelProfile('deepseek-v3');
const oss120 = loadModelProfile('gpt-oss-120b');
const oss20 = loadModelProfile('gpt-oss-20b');

describe('MLA (DeepSeek-V3)', () => {
  it('caches the compressed latent: 61 x (512 + 64) x 2 = 70,272 B/token, whole on every TP rank', () => {
    expect(kvElementsPerTokenPerLayer(ds)).toBe(576);
    expect(kvBytesPerToken(ds, 'bf16')).toBe(70_272);
    expect(kvBytesPerToken(ds, 'fp8')).toBe(35_136);
    expect(kvBytesPerTokenFullAttention(ds, 'bf16')).toBe(70_272);
    for (const tp of [1, 2, 8, 16]) {
      expect(kvHeadsPerRank(ds, tp)).toBe(1);
      expect(kvBytesPerTokenPerLayerPerRank(ds, 'bf16', tp)).toBe(1152); // replicated, not split
    }
    // a GQA model of the same size would cache 2 x 128 heads x 192 = 49,152 elements per layer
    expect(kvElementsPerTokenPerLayer({ ...ds, mla: undefined, attention: 'mha' })).toBe(2 * 128 * 192);
  });

  it('projection shapes: fused q_a/kv_a (replicated), q_b, kv_b (column), o (row)', () => {
    const s = layerLinearShapes(ds, 'dense').map((x) => [x.name, x.k, x.n, x.split]);
    expect(s).toEqual([
      ['qkvA', 7168, 1536 + 512 + 64, 'none'], ['qB', 1536, 128 * 192, 'column'], ['kvB', 512, 128 * 256, 'column'],
      ['o', 128 * 128, 7168, 'row'], ['gateUp', 7168, 2 * 18432, 'column'], ['down', 18432, 7168, 'row'],
    ]);
    const tp8 = shardedLayerLinearShapes(ds, 8, 'moe');
    const byName = Object.fromEntries(tp8.map((x) => [x.name, x]));
    expect(byName['qkvA']!.n).toBe(2112); // replicated on every rank
    expect(byName['qB']!.n).toBe(128 * 192 / 8);
    expect(byName['kvB']!.n).toBe(128 * 256 / 8);
    expect(byName['o']!.k).toBe(128 * 128 / 8);
    expect(byName['router']!.n).toBe(256);
    expect(byName['sharedGateUp']!.n).toBe(2 * 2048 / 8);
    expect(byName['expertGateUp']!.copies).toBe(256);
    expect(byName['expertGateUp']!.n).toBe(2 * 2048 / 8); // experts split over TP (no expert parallelism)
    expect(byName['expertDown']!.k).toBe(2048 / 8);
    // MLA without q_lora_rank (DeepSeek-V2-Lite style): q projected directly, kv_a replicated
    const lite = { ...ds, mla: { ...ds.mla!, qLoraRank: undefined } };
    expect(layerLinearShapes(lite, 'dense').slice(0, 2).map((x) => [x.name, x.k, x.n, x.split]))
      .toEqual([['q', 7168, 128 * 192, 'column'], ['kvA', 7168, 576, 'none']]);
  });

  it('first 3 layers dense, 58 MoE; parameters 671.0B total, ~37.5B active', () => {
    expect(denseMlpLayerCount(ds)).toBe(3);
    expect(moeLayerCount(ds)).toBe(58);
    expect(denseMlpLayerCount(ds, 0, 2)).toBe(2);
    expect(denseMlpLayerCount(ds, 2, 10)).toBe(1);
    expect(moeLayerCount(ds, 2, 10)).toBe(7);
    expect(denseMlpLayerCount(ds, 30, 61)).toBe(0);
    // by hand: attention 187,105,280 x 61 + dense MLP 396,361,728 x 3 + MoE 11,320,164,352 x 58
    //          + norms (2 x 7168 + 1536 + 512) x 61 + embeddings 2 x 129,280 x 7168 + final norm 7168
    expect(linearParamsPerLayer(ds, 'dense')).toBe(187_105_280 + 396_361_728);
    expect(linearParamsPerLayer(ds, 'moe')).toBe(187_105_280 + 11_320_164_352);
    expect(otherParamsPerLayer(ds)).toBe(16_384);
    expect(paramCount(ds)).toBe(671_026_404_352);
    expect(activeParamCount(ds) / 1e9).toBeCloseTo(37.55, 2);
    // fp8 checkpoint: ~671 GB (embeddings and norms stay 16-bit)
    const fp8 = weightBytesBreakdown(ds, 'fp8');
    expect(fp8.linearAllLayers).toBe(669_172_039_680);
    expect(fp8.linearPerLayer).toBe(669_172_039_680 / 61);
    expect(fp8.total / 1e9).toBeCloseTo(671.03 + 1.85, 1);
  });

  it('attention FLOPs: decompressed heads in prefill, absorbed latent MQA in decode', () => {
    expect(attentionFlopsPerPair(ds, 'prefill')).toBe(2 * 128 * 192 + 2 * 128 * 128);
    expect(attentionFlopsPerPair(ds, 'decode')).toBe(2 * 128 * 576 + 2 * 128 * 512);
    expect(flopsPerToken(ds, 1000) - flopsPerToken(ds)).toBe(61 * 278_528 * 1000);
    expect(attentionFlopsPerPair(l8, 'decode')).toBe(4 * 32 * 128);
    expect(attentionFlopsPerPair(l8, 'prefill')).toBe(4 * 32 * 128);
  });

  it('any TP dividing the 128 heads is valid (the latent is replicated)', () => {
    for (const tp of [1, 2, 4, 8, 16, 32]) expect(() => validateParallelism(ds, { tensor: tp, pipeline: 1 })).not.toThrow();
    expect(() => validateParallelism(ds, { tensor: 3, pipeline: 1 })).toThrow(/128 attention heads/);
  });
});

describe('sliding-window attention (gpt-oss, Phi-3)', () => {
  it('gpt-oss alternates sliding and full layers, starting with a sliding one', () => {
    expect([0, 1, 2, 3].map((i) => isSlidingLayer(oss20, i))).toEqual([true, false, true, false]);
    expect(slidingLayerCount(oss20)).toBe(12);
    expect(fullAttentionLayerCount(oss20)).toBe(12);
    expect(slidingLayerCount(oss120)).toBe(18);
    expect(slidingLayerCount(oss20, 0, 5)).toBe(3);
    expect(slidingLayerCount(oss20, 1, 4)).toBe(1);
    expect(slidingLayerCount(l8)).toBe(0);
    expect(fullAttentionLayerCount(l8)).toBe(32);
  });

  it('KV bytes: every layer 2 x 8 x 64 x 2 = 2 KiB; only the full-attention half grows with context', () => {
    expect(kvBytesPerToken(oss120, 'bf16')).toBe(36 * 2048);
    expect(kvBytesPerTokenFullAttention(oss120, 'bf16')).toBe(18 * 2048);
    expect(kvBytesPerTokenFullAttention(oss20, 'fp8')).toBe(12 * 1024);
    // Phi-3-mini-4k: every layer windowed (2047 of 4096) -> treated as full attention (conservative)
    const phi = loadModelProfile('phi-3-mini');
    expect(fullAttentionLayerCount(phi)).toBe(0);
    expect(kvBytesPerTokenFullAttention(phi, 'bf16')).toBe(kvBytesPerToken(phi, 'bf16'));
    expect(kvBytesPerToken(phi, 'bf16')).toBe(2 * 32 * 32 * 96 * 2);
  });

  it('KV bytes of one sequence: sliding layers hold at most the window', () => {
    expect(kvBytesForContext(oss120, 'bf16', 100)).toBe(36 * 100 * 2048);
    expect(kvBytesForContext(oss120, 'bf16', 1000)).toBe(18 * 1000 * 2048 + 18 * 128 * 2048);
    expect(kvBytesForContext(l8, 'bf16', 1000)).toBe(1000 * kvBytesPerToken(l8, 'bf16'));
    expect(kvBytesForContext(ds, 'fp8', 1000)).toBe(1000 * 61 * 576);
  });

  it('decode FLOPs: sliding layers attend to at most the window', () => {
    const perPair = 4 * 64 * 64;
    expect(flopsPerToken(oss120, 100) - flopsPerToken(oss120)).toBe(perPair * 36 * 100);
    expect(flopsPerToken(oss120, 1000) - flopsPerToken(oss120)).toBe(perPair * (18 * 1000 + 18 * 128));
  });

  it('gpt-oss parameters: experts dominate; q/k/v biases and sinks are counted', () => {
    expect(otherParamsPerLayer(oss120)).toBe(2 * 2880 + (64 + 16) * 64 + 64);
    expect(paramCount(oss120) / 1e9).toBeCloseTo(116.79, 2);
    expect((activeParamCount(oss120) - 201_088 * 2880) / 1e9).toBeCloseTo(5.13, 2);
  });
});

describe('Qwen3 q/k norm and MoE without dense layers', () => {
  it('q/k RMSNorm adds 2 x headDim per layer', () => {
    const q = loadModelProfile('qwen3-8b');
    expect(otherParamsPerLayer(q)).toBe(2 * 4096 + 2 * 128);
    expect(otherParamsPerLayer({ ...q, qkNorm: undefined })).toBe(2 * 4096);
  });

  it('every Qwen3-30B-A3B layer is an MoE layer: 128 experts of 768', () => {
    const q = loadModelProfile('qwen3-30b-a3b');
    expect(denseMlpLayerCount(q)).toBe(0);
    expect(moeLayerCount(q)).toBe(48);
    const names = layerLinearShapes(q).map((x) => x.name);
    expect(names).toEqual(['qkv', 'o', 'router', 'expertGateUp', 'expertDown']);
    expect(layerLinearShapes(q)[3]).toMatchObject({ k: 2048, n: 1536, copies: 128 });
  });
});
