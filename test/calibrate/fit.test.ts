import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCalibration, parseTableFile } from '../../src/calibrate/calibration-schema.ts';
import { calibrationYaml, runCalibrate, tableYaml } from '../../src/calibrate/command.ts';
import { evalCurve } from '../../src/calibrate/curve.ts';
import {
  evaluate, fitParts, medianMape, predictGemm, type GemmSeries, type MeasurementSet, type Peaks, type StreamSeries,
} from '../../src/calibrate/fit.ts';
import { gemmShape } from '../../src/calibrate/ops.ts';
import { parseVidurCompute } from '../../src/calibrate/vidur.ts';
import { createCalibratedEfficiency } from '../../src/perf/calibrated-efficiency.ts';
import { loadGpuProfile, profilesDir } from '../../src/profiles/fs.ts';
import { hasVidur, VIDUR_DIR } from './helpers.ts';

const quiet = { out: () => {}, err: () => {} };

describe('roofline inversion recovers known efficiencies (synthetic data)', () => {
  const peaks: Peaks = { gemmFlopsPerSec: 1e15, attentionFlopsPerSec: 1e15, memoryBytesPerSec: 3e12, linkBytesPerSec: 4e11 };
  const L = 5e-6;
  const effC = (T: number) => (0.8 * T) / (T + 200);
  const tokens = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096];
  const gemm: GemmSeries[] = [[4096, 12288], [4096, 4096], [11008, 4096]].map(([k, n]) => ({
    label: `synthetic ${k}x${n}`, op: 'gemm', k: k!, n: n!, tokens,
    sec: tokens.map((T) => Math.max((2 * T * k! * n!) / (1e15 * effC(T)), ((k! * n! + T * (k! + n!)) * 2) / (3e12 * 0.85)) + L),
  }));
  const lumpBytes = tokens.map((T) => T * 100_000);
  const lump: StreamSeries[] = [{ label: 'synthetic', op: 'elementwise_lumped', bytes: lumpBytes, sec: lumpBytes.map((b) => 4 * L + b / (3e12 * 0.5)), at: tokens.map(String) }];
  const ms: MeasurementSet = {
    gemmDtype: 'bf16', gemmElemBytes: 2, gemm, gemv: [], elementwiseOps: [], lump, streamFallback: [], attention: undefined,
    allReduce: [], sendRecv: undefined, cpu: undefined,
  };

  it('predicts held-back GEMM times within 2 % and finds the bandwidth efficiency', () => {
    const parts = fitParts(ms, peaks, 'train');
    expect(parts.launchOverheadSec).toBeGreaterThan(0.9 * L);
    expect(parts.launchOverheadSec).toBeLessThan(1.05 * L);
    expect(evalCurve(parts.memory, 100e6)).toBeCloseTo(0.85, 1);
    const rows = evaluate(ms, peaks, parts);
    const g = rows.find((r) => r.op === 'gemm')!;
    expect(g.nTest).toBe(3 * 10);
    expect(g.mapePct).toBeLessThan(2);
    // compute-bound point far from any knot: the efficiency is the generating one
    const t = predictGemm(parts, peaks, 4096, 4096, 12288);
    expect(t).toBeCloseTo(gemm[0]!.sec.at(-1)!, 6);
  });
});

describe.skipIf(!hasVidur)('calibration from the Vidur data', () => {
  // computed lazily: a skipped suite's body still runs at collection time
  const cache = new Map<string, ReturnType<typeof runCalibrate>>();
  const run = (gpu: string) => {
    if (!cache.has(gpu)) cache.set(gpu, runCalibrate({ gpu, vidur: VIDUR_DIR, write: false, tables: true }, quiet));
    return cache.get(gpu)!;
  };

  it.each(['h100-sxm', 'a100-80gb'])('%s: held-back median per-op MAPE ≤ 5 %% and every GEMM op ≤ 5 %%', (id) => {
    const r = run(id);
    const rows = r.outcome.rows;
    expect(medianMape(rows)).toBeLessThanOrEqual(5);
    expect(r.outcome.calibration.fitQuality.medianMapePct).toBeLessThanOrEqual(5);
    for (const op of ['attn_pre_proj', 'attn_post_proj', 'mlp_up_proj', 'mlp_down_proj']) {
      const row = rows.find((x) => x.op === op)!;
      expect(row.nTest).toBeGreaterThan(1000);
      expect(row.mapePct).toBeLessThanOrEqual(5);
    }
    for (const op of ['elementwise_lumped', 'all_reduce', 'send_recv', 'cpu_overhead', 'attn_prefill', 'attn_decode']) {
      const row = rows.find((x) => x.op === op)!;
      expect(row.nTest).toBeGreaterThan(0);
      expect(row.mapePct).toBeLessThan(15);
    }
  });

  it('marks the H100 attention (fitted on the A100 table) and CPU overhead as transferred', () => {
    const c = run('h100-sxm').outcome.calibration;
    expect(c.attention.status).toBe('transferred');
    expect(c.cpuOverhead.status).toBe('transferred');
    expect(c.interconnect.status).toBe('measured');
    expect(run('a100-80gb').outcome.calibration.attention.status).toBe('measured');
    expect(c.provenance.licence).toContain('MIT');
    expect(c.provenance.files).toContain('compute/h100/meta-llama/Llama-2-7b-hf/mlp.csv');
  });

  it.each(['h100-sxm', 'a100-80gb'])('the shipped %s files are what the command produces (regenerate when this fails)', (id) => {
    const r = run(id);
    const shippedFile = path.join(profilesDir(), 'calibration', `${id}.yaml`);
    const shipped = parseCalibration(readFileSync(shippedFile, 'utf8'), shippedFile);
    const fresh = parseCalibration(calibrationYaml(r.outcome.calibration), 'fresh');
    const strip = (c: typeof shipped) => ({ ...c, provenance: { ...c.provenance, createdAt: '', dataRoot: '', command: '' } });
    expect(strip(fresh)).toEqual(strip(shipped));
    expect(r.tables.length).toBe(id === 'h100-sxm' ? 2 : 4);
    for (const t of r.tables) {
      const f = path.join(profilesDir(), 'tables', id, `${t.table.model}.yaml`);
      const s = parseTableFile(readFileSync(f, 'utf8'), f);
      const fr = parseTableFile(tableYaml(t.table), 'fresh');
      const st = (x: typeof s) => ({ ...x, provenance: { ...x.provenance, createdAt: '', dataRoot: '', command: '' } });
      expect(st(fr)).toEqual(st(s));
    }
  });

  it('the shipped H100 calibration predicts Vidur Llama-2-7B GEMM times (median error ≤ 3 %, 90th percentile ≤ 10 %)', () => {
    const gpu = loadGpuProfile('h100-sxm');
    const file = path.join(profilesDir(), 'calibration', 'h100-sxm.yaml');
    const cal = parseCalibration(readFileSync(file, 'utf8'), file);
    const src = 'compute/h100/meta-llama/Llama-2-7b-hf/mlp.csv';
    const t = parseVidurCompute(readFileSync(path.join(VIDUR_DIR, src), 'utf8'), src);
    const arch = { hiddenSize: 4096, numHeads: 32, numKvHeads: 32, headDim: 128, intermediateSize: 11008, gatedMlp: true };
    const errs: number[] = [];
    for (const tt of t.byTp) {
      const eff = createCalibratedEfficiency({ calibration: cal, gpu, tensorParallel: tt.tp });
      for (const op of ['attn_pre_proj', 'attn_post_proj', 'mlp_up_proj', 'mlp_down_proj'] as const) {
        const { k, n } = gemmShape(op, arch, tt.tp);
        tt.tokens.forEach((T, i) => {
          const c = (2 * T * k * n) / (gpu.peakTflops.fp16 * 1e12 * Math.min(1, eff.gemmCompute(T, k, n)));
          const by = (k * n + T * (k + n)) * 2;
          const m = by / (gpu.memoryBandwidthBytesPerSec * Math.min(1, eff.memory(by)));
          const pred = Math.max(c, m) + eff.launchOverheadSec;
          const meas = tt.ms[op]![i]! / 1e3;
          errs.push(Math.abs(pred - meas) / meas);
        });
      }
    }
    errs.sort((a, b) => a - b);
    expect(errs.length).toBe(4 * 4 * 259);
    expect(errs[Math.floor(errs.length / 2)]!).toBeLessThan(0.03);
    expect(errs[Math.floor(errs.length * 0.9)]!).toBeLessThan(0.10);
  });
});
