import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import { paramCount } from '../../src/perf/model-math.ts';
import { formatProfile, formatProfileList } from '../../src/profiles/format.ts';
import {
  listProfileIds, loadAllGpuProfiles, loadAllModelProfiles, loadGpuProfile, loadModelProfile, profilesDir,
} from '../../src/profiles/fs.ts';
import { parseGpuProfile, parseModelProfile, unsourcedFields } from '../../src/profiles/registry.ts';

const GPU_IDS = ['a100-80gb', 'h100-sxm', 'h200', 'l40s'];
const MODEL_IDS = ['llama-2-70b', 'llama-2-7b', 'llama-3.1-70b', 'llama-3.1-8b', 'mistral-7b', 'qwen2.5-7b'];

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
    // H200 is an H100 with more and faster memory
    const h200 = loadGpuProfile('h200');
    expect(h200.peakTflops).toEqual(h100.peakTflops);
    expect(h200.memoryBandwidthBytesPerSec).toBeGreaterThan(h100.memoryBandwidthBytesPerSec);
  });

  it('model architectures match the Hugging Face configs', () => {
    const l8 = loadModelProfile('llama-3.1-8b');
    expect([l8.layers, l8.hiddenSize, l8.numHeads, l8.numKvHeads, l8.intermediateSize, l8.vocabSize])
      .toEqual([32, 4096, 32, 8, 14336, 128256]);
    const q = loadModelProfile('qwen2.5-7b');
    expect([q.layers, q.hiddenSize, q.numHeads, q.numKvHeads, q.intermediateSize, q.vocabSize, q.qkvBias])
      .toEqual([28, 3584, 28, 4, 18944, 152064, true]);
    expect(loadModelProfile('llama-2-7b').attention).toBe('mha');
    for (const m of loadAllModelProfiles()) expect(m.moe).toBeUndefined();
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
  });
});

/** The shipped H100 file. */
function loadGpuText(): string {
  return readFileSync(join(profilesDir(), 'gpus', 'h100-sxm.yaml'), 'utf8');
}

describe('formatting', () => {
  it('lists GPUs and models as tables', () => {
    const gpus = formatProfileList('gpus', loadAllGpuProfiles());
    expect(gpus).toMatch(/^GPUs \(4\)/);
    for (const id of GPU_IDS) expect(gpus).toContain(id);
    expect(gpus).toContain('989'); // H100 dense bf16
    const models = formatProfileList('models', loadAllModelProfiles());
    expect(models).toMatch(/^Models \(6\)/);
    expect(models).toContain('8.03B');
    expect(models).toContain('128 KiB'); // llama-3.1-8b KV per token
  });

  it('shows a profile with its sources', () => {
    const text = formatProfile(loadGpuProfile('a100-80gb'));
    expect(text).toContain('memoryBandwidthBytesPerSec');
    expect(text).toContain('sources:');
    expect(text).toMatch(/\[\d+\] NVIDIA A100 Tensor Core GPU datasheet/);
    const m = formatProfile(loadModelProfile('llama-3.1-70b'));
    expect(m).toContain('huggingface.co/meta-llama/Llama-3.1-70B');
    expect(m).toMatch(/computed from the architecture: 70\.55\dB/);
  });
});
