import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import { activeParamCount, paramCount } from '../../src/perf/model-math.ts';
import { formatProfile, formatProfileList } from '../../src/profiles/format.ts';
import {
  listProfileIds, loadAllGpuProfiles, loadAllModelProfiles, loadGpuProfile, loadModelProfile, profilesDir,
} from '../../src/profiles/fs.ts';
import { parseGpuProfile, parseModelProfile, unsourcedFields } from '../../src/profiles/registry.ts';

const GPU_IDS = ['a100-40gb', 'a100-80gb', 'a10g', 'b200', 'h100-pcie', 'h100-sxm', 'h200', 'l4', 'l40s', 'mi300x', 'mi325x'];
const MODEL_IDS = [
  'deepseek-v3', 'gpt-oss-120b', 'gpt-oss-20b', 'llama-2-13b', 'llama-2-70b', 'llama-2-7b', 'llama-3.1-405b',
  'llama-3.1-70b', 'llama-3.1-8b', 'llama-3.3-70b', 'mistral-7b', 'mixtral-8x7b', 'phi-3-mini', 'qwen2.5-32b',
  'qwen2.5-72b', 'qwen2.5-7b', 'qwen3-14b', 'qwen3-235b-a22b', 'qwen3-30b-a3b', 'qwen3-32b', 'qwen3-8b',
];

/**
 * Published active (per-token) parameter counts of the MoE models, and whether the publisher counts the
 * input embedding (activeParamCount counts both embedding and LM head; gpt-oss counts the unembedding only).
 */
const ACTIVE_PARAMS_B: Record<string, { published: number; inputEmbedding: boolean; source: string }> = {
  'mixtral-8x7b': { published: 12.9, inputEmbedding: true, source: 'mistral.ai Mixtral of experts, 2023-12-11' },
  'qwen3-30b-a3b': { published: 3.3, inputEmbedding: true, source: 'Qwen3-30B-A3B model card' },
  'qwen3-235b-a22b': { published: 22, inputEmbedding: true, source: 'Qwen3-235B-A22B model card' },
  'deepseek-v3': { published: 37, inputEmbedding: true, source: 'DeepSeek-V3 model card' },
  'gpt-oss-20b': { published: 3.61, inputEmbedding: false, source: 'gpt-oss model card table 1' },
  'gpt-oss-120b': { published: 5.13, inputEmbedding: false, source: 'gpt-oss model card table 1' },
};

function catchUserError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('shipped profiles', () => {
  it('lists the expected ids', () => {
    expect(listProfileIds('gpus')).toEqual(GPU_IDS);
    expect(listProfileIds('models')).toEqual(MODEL_IDS);
  });

  it('every GPU value has a source', () => {
    for (const g of loadAllGpuProfiles()) expect(unsourcedFields(g), g.id).toEqual([]);
  });

  it('every model value has a source', () => {
    for (const m of loadAllModelProfiles()) expect(unsourcedFields(m), m.id).toEqual([]);
  });

  it('parameter count computed from the architecture matches the published count within 2%', () => {
    for (const m of loadAllModelProfiles()) {
      const computed = paramCount(m) / 1e9;
      expect(Math.abs(computed / m.paramsB - 1), `${m.id}: computed ${computed} vs ${m.paramsB}`).toBeLessThan(0.02);
    }
  });

  it('active parameters of the MoE models match the published counts within 2%', () => {
    const moe = loadAllModelProfiles().filter((m) => m.moe !== undefined).map((m) => m.id).sort();
    expect(moe).toEqual(Object.keys(ACTIVE_PARAMS_B).sort());
    for (const [id, want] of Object.entries(ACTIVE_PARAMS_B)) {
      const m = loadModelProfile(id);
      const active = (activeParamCount(m) - (want.inputEmbedding ? 0 : m.vocabSize * m.hiddenSize)) / 1e9;
      expect(Math.abs(active / want.published - 1), `${id}: computed ${active} vs ${want.published} (${want.source})`).toBeLessThan(0.02);
      expect(active).toBeLessThan(0.5 * paramCount(m) / 1e9);
    }
  });

  it('peak figures are dense (half the 2:4-sparse headline) and ordered sensibly', () => {
    const h100 = loadGpuProfile('h100-sxm');
    expect(h100.peakTflops.bf16).toBeCloseTo(989.4, 1);
    expect(h100.peakTflops.fp8).toBeCloseTo(2 * h100.peakTflops.bf16!, 0);
    expect(loadGpuProfile('a100-80gb').peakTflops.fp8).toBeUndefined();
    for (const g of loadAllGpuProfiles()) {
      expect(g.peakTflops.fp16).toBeGreaterThan(g.peakTflops.fp32);
      if (g.peakTflops.fp8 !== undefined) expect(g.peakTflops.fp8).toBeGreaterThan(g.peakTflops.fp16);
      expect(g.memoryGiB).toBeLessThan(g.memoryMarketingGB); // CUDA-visible GiB < marketing GB here
      expect(g.memoryGiB * 2 ** 30).toBeGreaterThan(0.9 * g.memoryMarketingGB * 1e9);
    }
    // H200 is an H100 with more and faster memory; MI325X an MI300X; A100 40GB the same chip as the 80GB
    const sameDie: Array<[string, string]> = [['h100-sxm', 'h200'], ['mi300x', 'mi325x'], ['a100-80gb', 'a100-40gb']];
    for (const [a, b] of sameDie) {
      const ga = loadGpuProfile(a);
      const gb = loadGpuProfile(b);
      expect(gb.peakTflops, `${a} vs ${b}`).toEqual(ga.peakTflops);
      expect(gb.l2Bytes).toBe(ga.l2Bytes);
    }
    expect(loadGpuProfile('h200').memoryBandwidthBytesPerSec).toBeGreaterThan(h100.memoryBandwidthBytesPerSec);
    expect(loadGpuProfile('mi325x').memoryGiB).toBeGreaterThan(loadGpuProfile('mi300x').memoryGiB);
    expect(loadGpuProfile('a100-40gb').memoryBandwidthBytesPerSec).toBeLessThan(loadGpuProfile('a100-80gb').memoryBandwidthBytesPerSec);
    // the PCIe H100 is a cut-down, power-capped GH100
    const pcie = loadGpuProfile('h100-pcie');
    expect(pcie.peakTflops.bf16!).toBeLessThan(h100.peakTflops.bf16!);
    expect(pcie.tdpWatts).toBeLessThan(h100.tdpWatts);
  });

  it('precisions exist only where the hardware has them: fp8 from Ada/Hopper/CDNA3, fp4 only on Blackwell', () => {
    const fp8Archs = new Set(['ada-lovelace', 'hopper', 'blackwell', 'cdna3']);
    for (const g of loadAllGpuProfiles()) {
      expect(g.peakTflops.fp8 !== undefined, `${g.id} fp8`).toBe(fp8Archs.has(g.architecture));
      expect(g.peakTflops.fp4 !== undefined, `${g.id} fp4`).toBe(g.architecture === 'blackwell');
      if (g.peakTflops.fp4 !== undefined) expect(g.peakTflops.fp4).toBeCloseTo(2 * g.peakTflops.fp8!, 6);
      expect(g.peakTflops.bf16, g.id).toBeDefined();
      if (g.peakTflops.int8 !== undefined) expect(Math.abs(g.peakTflops.int8 / (2 * g.peakTflops.bf16!) - 1), g.id).toBeLessThan(0.02); // L40S datasheet: 362.05 vs 733
    }
    for (const id of ['a100-80gb', 'a100-40gb', 'a10g']) expect(loadGpuProfile(id).peakTflops.fp8).toBeUndefined();
    expect(loadGpuProfile('b200').peakTflops.fp4).toBe(9000);
    expect(loadGpuProfile('mi300x').peakTflops.fp8).toBeCloseTo(2614.9, 1);
  });

  it('scale-up links: NVLink/NVSwitch, xGMI mesh, or PCIe only', () => {
    const kind = (id: string) => loadGpuProfile(id).interconnect.kind;
    expect(['h100-sxm', 'h200'].map(kind)).toEqual(['nvlink4', 'nvlink4']);
    expect(['a100-80gb', 'a100-40gb'].map(kind)).toEqual(['nvlink3', 'nvlink3']);
    expect(kind('b200')).toBe('nvlink5');
    expect(loadGpuProfile('b200').interconnect.bandwidthBytesPerSec).toBe(2 * loadGpuProfile('h100-sxm').interconnect.bandwidthBytesPerSec);
    for (const id of ['mi300x', 'mi325x']) {
      const g = loadGpuProfile(id);
      expect(g.interconnect.kind).toBe('xgmi');
      expect(g.interconnect.meshLinks).toBe(7);
      expect(g.interconnect.bandwidthBytesPerSec / g.interconnect.meshLinks!).toBe(64e9);
      expect(g.lastLevelCacheBytes).toBe(256 * 2 ** 20);
    }
    for (const id of ['l4', 'l40s', 'a10g', 'h100-pcie']) {
      const g = loadGpuProfile(id);
      expect(g.interconnect.kind, id).toMatch(/^pcie/);
      expect(g.interconnect.kind).toBe(`pcie${g.pcie.gen}`);
      expect(g.interconnect.bandwidthBytesPerSec).toBe(g.pcie.bandwidthBytesPerSec);
    }
    expect(loadGpuProfile('h100-pcie').interconnect.bridge).toEqual({ kind: 'nvlink4', bandwidthBytesPerSec: 300e9, maxGpus: 2 });
    expect(loadGpuProfile('l4').interconnect.bridge).toBeUndefined();
  });

  it('uncalibrated GPUs name the calibrated profile their efficiencies come from', () => {
    const all = loadAllGpuProfiles();
    const calibrated = all.filter((g) => g.efficiencyTransferredFrom === undefined).map((g) => g.id);
    expect(calibrated).toEqual(['a100-80gb', 'h100-sxm']);
    for (const g of all) {
      if (g.efficiencyTransferredFrom !== undefined) expect(calibrated, g.id).toContain(g.efficiencyTransferredFrom);
    }
    // efficiencies stay fractions with documented transfers (MAMF ratios): AMD below NVIDIA
    expect(loadGpuProfile('mi300x').efficiency.gemmComputeMax).toBeLessThan(loadGpuProfile('h100-sxm').efficiency.gemmComputeMax);
    expect(loadGpuProfile('mi325x').efficiency.gemmComputeMax).toBeGreaterThan(loadGpuProfile('mi300x').efficiency.gemmComputeMax);
  });

  it('every price is sourced with a date', () => {
    for (const g of loadAllGpuProfiles()) {
      for (const k of ['price.onDemandUsdPerHour', 'price.purchaseUsd']) {
        expect(g.sources[k], `${g.id} ${k}`).toMatch(/20\d\d/);
      }
    }
  });

  it('model architectures match the Hugging Face configs', () => {
    const l8 = loadModelProfile('llama-3.1-8b');
    expect([l8.layers, l8.hiddenSize, l8.numHeads, l8.numKvHeads, l8.intermediateSize, l8.vocabSize])
      .toEqual([32, 4096, 32, 8, 14336, 128256]);
    const q = loadModelProfile('qwen2.5-7b');
    expect([q.layers, q.hiddenSize, q.numHeads, q.numKvHeads, q.intermediateSize, q.vocabSize, q.qkvBias])
      .toEqual([28, 3584, 28, 4, 18944, 152064, true]);
    expect(loadModelProfile('llama-2-7b').attention).toBe('mha');
    const ds = loadModelProfile('deepseek-v3');
    expect([ds.layers, ds.hiddenSize, ds.numHeads, ds.vocabSize, ds.intermediateSize, ds.attention, ds.maxContext])
      .toEqual([61, 7168, 128, 129280, 18432, 'mla', 163840]);
    expect(ds.mla).toEqual({ kvLoraRank: 512, qLoraRank: 1536, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 });
    expect(ds.moe).toEqual({ experts: 256, topK: 8, sharedExperts: 1, expertIntermediateSize: 2048, firstDenseLayers: 3 });
    const oss = loadModelProfile('gpt-oss-120b');
    expect([oss.layers, oss.hiddenSize, oss.numHeads, oss.numKvHeads, oss.headDim, oss.vocabSize, oss.qkvBias, oss.attentionSinks])
      .toEqual([36, 2880, 64, 8, 64, 201088, true, true]);
    expect(oss.moe).toEqual({ experts: 128, topK: 4, sharedExperts: 0, expertIntermediateSize: 2880 });
    expect(oss.slidingWindow).toEqual({ window: 128, pattern: 'SF' });
    expect(loadModelProfile('gpt-oss-20b').moe!.experts).toBe(32);
    const q3 = loadModelProfile('qwen3-30b-a3b');
    expect([q3.layers, q3.hiddenSize, q3.numHeads, q3.numKvHeads, q3.headDim, q3.qkNorm]).toEqual([48, 2048, 32, 4, 128, true]);
    expect(q3.moe).toEqual({ experts: 128, topK: 8, sharedExperts: 0, expertIntermediateSize: 768 });
    expect(loadModelProfile('qwen3-32b').numHeads * 128).toBeGreaterThan(loadModelProfile('qwen3-32b').hiddenSize); // explicit head_dim
    expect(loadModelProfile('mixtral-8x7b').moe).toEqual({ experts: 8, topK: 2, sharedExperts: 0, expertIntermediateSize: 14336 });
    expect(loadModelProfile('phi-3-mini').slidingWindow).toEqual({ window: 2047, pattern: 'S' });
    expect(loadModelProfile('llama-3.1-405b').layers).toBe(126);
    // attention kinds follow the head counts (the schema checks this too)
    for (const m of loadAllModelProfiles()) {
      if (m.attention === 'mla') expect(m.mla, m.id).toBeDefined();
      else expect(m.attention, m.id).toBe(m.numKvHeads === m.numHeads ? 'mha' : m.numKvHeads === 1 ? 'mqa' : 'gqa');
    }
  });
});

describe('loading errors', () => {
  afterEach(() => { delete process.env['SERVESIM_PROFILES']; });

  it('unknown id lists the known ids', () => {
    const e = catchUserError(() => loadGpuProfile('h100'));
    expect(e.message).toContain('"h100"');
    for (const id of GPU_IDS) expect(e.fix).toContain(id);
    const m = catchUserError(() => loadModelProfile('../gpus/h200'));
    for (const id of MODEL_IDS) expect(m.fix).toContain(id);
  });

  it('SERVESIM_PROFILES overrides the directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-prof-'));
    try {
      mkdirSync(join(dir, 'gpus'));
      mkdirSync(join(dir, 'models'));
      writeFileSync(join(dir, 'models', 'tiny.yaml'), `
id: tiny
name: Tiny
huggingfaceId: none/tiny
layers: 2
hiddenSize: 64
numHeads: 4
numKvHeads: 2
headDim: 16
intermediateSize: 128
vocabSize: 100
gatedMlp: true
tieWordEmbeddings: true
maxContext: 512
attention: gqa
paramsB: 0.0001
sources: {name: test}
`);
      writeFileSync(join(dir, 'models', 'wrong.yaml'), 'id: other\n');
      writeFileSync(join(dir, 'gpus', 'h100-sxm.calibration.yaml'), 'calibratedFrom: vidur\n'); // not a profile
      process.env['SERVESIM_PROFILES'] = dir;
      expect(profilesDir()).toBe(dir);
      expect(listProfileIds('models')).toEqual(['tiny', 'wrong']);
      expect(listProfileIds('gpus')).toEqual([]);
      const tiny = loadModelProfile('tiny');
      expect(tiny.qkvBias).toBe(false); // default
      expect(catchUserError(() => loadModelProfile('wrong')).message).toMatch(/invalid model profile/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad YAML reports the file and line', () => {
    const e = catchUserError(() => parseGpuProfile('id: x\nname: [unclosed\n', 'bad.yaml'));
    expect(e.where).toMatch(/^bad\.yaml:\d+$/);
  });

  it('schema errors name the key path; unknown keys are rejected', () => {
    const text = loadGpuText().replace('memoryBandwidthBytesPerSec: 3.35e12', 'memoryBandwidthBytesPerSec: -1');
    const e = catchUserError(() => parseGpuProfile(text, 'h100.yaml'));
    expect(e.where).toBe('h100.yaml memoryBandwidthBytesPerSec');
    const extra = catchUserError(() => parseGpuProfile(`${loadGpuText()}\nbogus: 1\n`, 'h100.yaml'));
    expect(extra.message).toMatch(/bogus|unrecognized/i);
    const nested = catchUserError(() =>
      parseGpuProfile(loadGpuText().replace('  fp8: 1978.9', '  fp8: 1978.9\n  fp9: 1'), 'h100.yaml'));
    expect(nested.message).toMatch(/peakTflops/);
  });

  it('model consistency checks', () => {
    const base = `id: m
name: M
huggingfaceId: x/m
layers: 2
hiddenSize: 64
numHeads: 4
numKvHeads: 4
headDim: 16
intermediateSize: 128
vocabSize: 100
gatedMlp: true
tieWordEmbeddings: false
maxContext: 512
paramsB: 0.0001
sources: {name: test}
`;
    expect(parseModelProfile(`${base}attention: mha\n`, 'm.yaml').attention).toBe('mha');
    expect(catchUserError(() => parseModelProfile(`${base}attention: gqa\n`, 'm.yaml')).where).toBe('m.yaml attention');
    const bad = base.replace('numKvHeads: 4', 'numKvHeads: 3');
    expect(catchUserError(() => parseModelProfile(`${bad}attention: gqa\n`, 'm.yaml')).message).toMatch(/divide/);
    const moe = `${base}attention: mha\nmoe: {experts: 4, topK: 8, sharedExperts: 0, expertIntermediateSize: 32}\n`;
    expect(catchUserError(() => parseModelProfile(moe, 'm.yaml')).where).toBe('m.yaml moe.topK');
    const dense = `${base}attention: mha\nmoe: {experts: 4, topK: 2, sharedExperts: 0, expertIntermediateSize: 32, firstDenseLayers: 2}\n`;
    expect(catchUserError(() => parseModelProfile(dense, 'm.yaml')).where).toBe('m.yaml moe.firstDenseLayers');
    // MLA: the block is required, and headDim must be qkNope + qkRope
    expect(catchUserError(() => parseModelProfile(`${base}attention: mla\n`, 'm.yaml')).where).toBe('m.yaml mla');
    const mla = 'mla: {kvLoraRank: 32, qkRopeHeadDim: 8, qkNopeHeadDim: 8, vHeadDim: 16}\n';
    expect(parseModelProfile(`${base}attention: mla\n${mla}`, 'm.yaml').mla!.kvLoraRank).toBe(32);
    expect(catchUserError(() => parseModelProfile(`${base.replace('headDim: 16', 'headDim: 24')}attention: mla\n${mla}`, 'm.yaml')).where)
      .toBe('m.yaml headDim');
    expect(catchUserError(() => parseModelProfile(`${base}attention: mha\n${mla}`, 'm.yaml')).where).toBe('m.yaml mla');
    // sliding window pattern: S/F letters with at least one S, no longer than the layers
    expect(parseModelProfile(`${base}attention: mha\nslidingWindow: {window: 8, pattern: SF}\n`, 'm.yaml').slidingWindow!.pattern).toBe('SF');
    expect(catchUserError(() => parseModelProfile(`${base}attention: mha\nslidingWindow: {window: 8, pattern: FF}\n`, 'm.yaml')).message)
      .toMatch(/slidingWindow\.pattern/);
    expect(catchUserError(() => parseModelProfile(`${base}attention: mha\nslidingWindow: {window: 8, pattern: SFS}\n`, 'm.yaml')).where)
      .toBe('m.yaml slidingWindow.pattern');
  });
});

/** The shipped H100 file. */
function loadGpuText(): string {
  return readFileSync(join(profilesDir(), 'gpus', 'h100-sxm.yaml'), 'utf8');
}

describe('formatting', () => {
  it('lists GPUs and models as tables', () => {
    const gpus = formatProfileList('gpus', loadAllGpuProfiles());
    expect(gpus).toMatch(/^GPUs \(11\)/);
    for (const id of GPU_IDS) expect(gpus).toContain(id);
    expect(gpus).toContain('989'); // H100 dense bf16
    const models = formatProfileList('models', loadAllModelProfiles());
    expect(models).toMatch(/^Models \(21\)/);
    expect(models).toContain('8.03B');
    expect(models).toContain('128 KiB'); // llama-3.1-8b KV per token
    expect(models).toMatch(/671\.03B \(37\.55B active\)/);
    expect(models).toMatch(/gpt-oss-120b .* 36 KiB \+ 128-token window/);
  });

  it('shows a profile with its sources', () => {
    const text = formatProfile(loadGpuProfile('a100-80gb'));
    expect(text).toContain('memoryBandwidthBytesPerSec');
    expect(text).toContain('sources:');
    expect(text).toMatch(/\[\d+\] NVIDIA A100 Tensor Core GPU datasheet/);
    const m = formatProfile(loadModelProfile('llama-3.1-70b'));
    expect(m).toContain('huggingface.co/meta-llama/Llama-3.1-70B');
    expect(m).toMatch(/computed from the architecture: 70\.55\dB/);
    const ds = formatProfile(loadModelProfile('deepseek-v3'));
    expect(ds).toContain('KV cache per token (bf16): 68.6 KiB (MLA latent, whole on every TP rank)');
    expect(ds).toMatch(/mla\.kvLoraRank +512/);
    expect(formatProfile(loadModelProfile('gpt-oss-20b'))).toContain('sliding layers keep at most 128 tokens');
    expect(formatProfile(loadGpuProfile('b200'))).toContain('uncalibrated, transferred from h100-sxm');
    expect(formatProfile(loadGpuProfile('h100-sxm'))).toContain("fitted to this GPU's microbenchmarks");
  });
});
