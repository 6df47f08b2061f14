import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA_VERSION, type TableFile } from '../../src/calibrate/calibration-schema.ts';
import { UserError } from '../../src/errors/user-error.ts';
import { addDecodes, addPrefillChunk } from '../../src/perf/batch-shape.ts';
import type { EfficiencyModel } from '../../src/perf/efficiency.ts';
import { createRooflineModel } from '../../src/perf/roofline.ts';
import { createTableModel, TABLE_LAYER_OPS, type TableModelOptions } from '../../src/perf/table.ts';
import { emptyBatch, emptyCost } from '../../src/perf/types.ts';
import { loadGpuProfile, loadModelProfile } from '../../src/profiles/fs.ts';
import type { GpuProfile } from '../../src/profiles/schema.ts';

const l7 = loadModelProfile('llama-2-7b');
const h100 = loadGpuProfile('h100-sxm');
/** A GPU so fast that everything the table does not hold costs ~nothing. */
const instant: GpuProfile = {
  ...h100, memoryBandwidthBytesPerSec: 1e30,
  peakTflops: { ...h100.peakTflops, bf16: 1e18, fp16: 1e18, fp32: 1e18 },
  interconnect: { ...h100.interconnect, bandwidthBytesPerSec: 1e30, latencySec: 0 },
};
const unitEff: EfficiencyModel = {
  gemmCompute: () => 1, memory: () => 1, attentionCompute: () => 1, attentionMemory: () => 1, interconnect: () => 1,
  launchOverheadSec: 0, gemmBlendExponent: Infinity,
};
const tokens = [1, 2, 4, 8, 16, 32, 64];
/** Each op at T tokens takes (op index + 1) · (10 + T) µs; emb 5 µs + T ns. */
function table(): TableFile {
  const ms: Record<string, number[]> = {};
  TABLE_LAYER_OPS.forEach((op, j) => { ms[op] = tokens.map((T) => ((j + 1) * (10 + T)) / 1000); });
  ms['emb'] = tokens.map((T) => (5 + T / 1000) / 1000);
  return {
    schemaVersion: TABLE_SCHEMA_VERSION, gpu: 'h100-sxm', model: 'llama-2-7b',
    architecture: { hiddenSize: 4096, numHeads: 32, numKvHeads: 32, intermediateSize: 11008, gatedMlp: true, vocabSize: 32000 },
    dtype: 'fp16', statistic: 'median', unit: 'ms',
    provenance: { source: 'test', licence: 'test', files: [], createdAt: 'x', servesimVersion: 'x', notes: [] },
    tp: [{ tensor: 1, tokens, ms: ms as TableFile['tp'][number]['ms'] }],
  };
}
const BF16 = { weights: 'bf16' as const, kvCache: 'bf16' as const };
function make(over: Partial<TableModelOptions> = {}) {
  const gpu = over.gpu ?? instant;
  const efficiency = over.efficiency ?? unitEff;
  const par = over.parallelism ?? { tensor: 1, pipeline: 1 };
  const roofline = createRooflineModel({ gpu, model: l7, precision: BF16, parallelism: par, efficiency, cpuOverhead: { baseSec: 0, perSeqSec: 0 } });
  return createTableModel({
    table: table(), source: 'test-table.yaml', gpu, model: l7, precision: BF16, parallelism: par, efficiency,
    cpuOverhead: { baseSec: 0, perSeqSec: 0 }, roofline, ...over,
  });
}
const sumUs = 45 + 9; // Σ_{j=1..9} j, with the residual add (j = 9) counted twice
const layerAt = (T: number) => (sumUs * (10 + T)) / 1e6;

describe('table model interpolation', () => {
  const m = make();

  it('is exact at the measured token counts', () => {
    for (const T of tokens) expect(m.layerOpSeconds(T)).toBeCloseTo(layerAt(T), 15);
  });

  it('is linear in tokens between them', () => {
    // every op is linear in T here, so linear interpolation reproduces it exactly
    for (const T of [3, 5, 12, 33, 63]) expect(m.layerOpSeconds(T)).toBeCloseTo(layerAt(T), 15);
    // midpoint of a non-linear pair: the chord
    const t = make({ table: (() => { const x = table(); x.tp[0]!.ms.add = tokens.map((T) => T * T / 1000); return x; })() });
    const chord = (t.layerOpSeconds(32) + t.layerOpSeconds(64)) / 2;
    expect(t.layerOpSeconds(48)).toBeCloseTo(chord, 15);
  });

  it('a step is L layers of table ops + embedding + final norm when nothing else costs time', () => {
    const b = addPrefillChunk(emptyBatch(), 16, 0, false); // no logits
    const expected = 32 * layerAt(16) + (5 + 16 / 1000) / 1e6 + (10 + 16) / 1e6;
    expect(m.predict(b)).toBeCloseTo(expected, 9);
    const c = emptyCost();
    expect(m.predict(b, c)).toBe(c.seconds);
    expect(c.flops).toBeGreaterThan(0);
  });

  it('predictDecodeRun matches repeated predict bit for bit', () => {
    const real = make({ gpu: h100, efficiency: { ...unitEff, memory: () => 0.8, attentionMemory: () => 0.6, attentionCompute: () => 0.3, launchOverheadSec: 4e-6 } });
    const b = addDecodes(emptyBatch(), 7, 300);
    const ends = new Float64Array(6);
    ends[0] = 1.5;
    real.predictDecodeRun!(b, 5, ends);
    let t = 1.5;
    for (let k = 1; k <= 5; k++) {
      t += real.predict(addDecodes(emptyBatch(), 7, 300 + k));
      expect(ends[k]).toBe(t);
    }
  });
});

describe('table model bounds', () => {
  it('a step beyond the table is a UserError naming the table and the fix', () => {
    const m = make();
    let err: unknown;
    try { m.predict(addPrefillChunk(emptyBatch(), 65)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain('65 tokens');
    expect((err as UserError).where).toBe('test-table.yaml');
    expect((err as UserError).fix).toContain('tableFallback: roofline');
    expect(() => m.layerOpSeconds(100)).toThrow(UserError);
  });

  it("fallback 'roofline' predicts out-of-table steps with the roofline and notes it once", () => {
    const notes: string[] = ['earlier note'];
    const m = make({ gpu: h100, fallback: 'roofline', notes });
    const roof = createRooflineModel({ gpu: h100, model: l7, precision: BF16, parallelism: { tensor: 1, pipeline: 1 }, efficiency: unitEff, cpuOverhead: { baseSec: 0, perSeqSec: 0 } });
    const b = addPrefillChunk(emptyBatch(), 100);
    expect(m.predict(b)).toBe(roof.predict(b));
    m.predict(addPrefillChunk(emptyBatch(), 200));
    expect(m.fallbackSteps).toBe(2);
    expect(notes.length).toBe(2);
    expect(notes[1]).toContain('100 tokens');
    // in-table steps do not use the fallback
    m.predict(addPrefillChunk(emptyBatch(), 10));
    expect(m.fallbackSteps).toBe(2);
    // decode runs beyond the table fall back as a whole
    const ends = new Float64Array(3);
    m.predictDecodeRun!(addDecodes(emptyBatch(), 80, 100), 2, ends);
    expect(m.fallbackSteps).toBe(3);
    expect(ends[2]).toBeGreaterThan(ends[1]!);
  });

  it('rejects a model whose architecture differs, a missing TP entry and quantised precisions', () => {
    const l8 = loadModelProfile('llama-3.1-8b');
    expect(() => make({ model: l8 })).toThrow(/numKvHeads/);
    expect(() => make({ parallelism: { tensor: 2, pipeline: 1 } })).toThrow(/no TP2 entry/);
    expect(() => make({ gpu: h100, precision: { weights: 'fp8', kvCache: 'bf16' } })).toThrow(/measured with fp16/);
  });
});
