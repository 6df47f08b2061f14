import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseCalibration } from '../../src/calibrate/calibration-schema.ts';
import { registerCalibrateCommand, runCalibrate } from '../../src/calibrate/command.ts';
import type { HarnessResultInput } from '../../src/calibrate/harness-schema.ts';
import { UserError } from '../../src/errors/user-error.ts';
import { addDecodes } from '../../src/perf/batch-shape.ts';
import { createStepTimeModel } from '../../src/calibrate/create.ts';
import { emptyBatch } from '../../src/perf/types.ts';
import { loadGpuProfile, loadModelProfile } from '../../src/profiles/fs.ts';
import { hasVidur, VIDUR_DIR } from './helpers.ts';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } }, get out() { return out; }, get err() { return err; } };
}

async function cli(args: string[]) {
  const c = capture();
  const program = new Command().exitOverride().configureOutput({ writeOut: c.io.out, writeErr: c.io.err });
  registerCalibrateCommand(program, c.io);
  let error: unknown;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e;
  }
  return { ...c, error };
}

/** A harness result generated from a known roofline on the H100 profile's peaks. */
function syntheticHarness(): HarnessResultInput {
  const peak = 989.4e12;
  const bw = 3.35e12;
  const L = 3e-6;
  const ms = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
  const gemm = [[4096, 6144], [4096, 28672], [14336, 4096]].flatMap(([k, n]) => ms.map((m) => {
    const t = Math.max((2 * m * k! * n!) / (peak * 0.75 * m / (m + 100)), ((k! * n! + m * (k! + n!)) * 2) / (bw * 0.88)) + L;
    return { dtype: 'bf16' as const, m, n: n!, k: k!, medianSec: t, repeats: 20, tflops: (2 * m * k! * n!) / t / 1e12 };
  }));
  const sizes = [1e5, 1e6, 1e7, 1e8, 1e9];
  return {
    schemaVersion: 1, harness: { backend: 'cuda', version: '0.1.0', command: 'harness/cuda/run.sh' }, createdAt: '2026-11-23T10:00:00Z',
    device: { name: 'NVIDIA H100 80GB HBM3' },
    gemm,
    bandwidth: [
      ...sizes.map((b) => ({ kind: 'gemv' as const, bytes: b, medianSec: b / (bw * 0.88) + L, repeats: 10, bytesPerSec: b / (b / (bw * 0.88) + L) })),
      ...sizes.map((b) => ({ kind: 'copy' as const, bytes: b, medianSec: b / (bw * 0.8) + L, repeats: 10, bytesPerSec: b / (b / (bw * 0.8) + L) })),
    ],
    attention: [64, 256, 1024, 4096].flatMap((ctx) => [1, 8, 32].map((batch) => ({
      phase: 'decode' as const, batch, queryTokens: 1, contextTokens: ctx, numHeads: 32, numKvHeads: 8, headDim: 128,
      dtype: 'bf16' as const, causal: true, medianSec: (batch * (ctx + 1) * 2 * 8 * 128 * 2) / (bw * 0.7) + 2 * L, repeats: 10, kernel: 'flash-attn-2',
    }))),
    allReduce: [2, 8].flatMap((g) => sizes.map((b) => ({
      gpus: g, bytes: b, dtype: 'bf16', medianSec: 2 * (g - 1) * 2e-6 + (2 * (g - 1) / g) * b / (450e9 * 0.7), repeats: 10, busBytesPerSec: 1,
    }))),
    notes: ['power capping not permitted'],
  };
}

describe('servesim calibrate (command)', () => {
  it('input errors are UserErrors', async () => {
    expect((await cli(['calibrate', '--gpu', 'h100-sxm'])).error).toBeInstanceOf(UserError);
    const both = await cli(['calibrate', '--gpu', 'h100-sxm', '--vidur', 'x', '--harness', 'y']);
    expect((both.error as UserError).message).toContain('exactly one');
    const tables = await cli(['calibrate', '--gpu', 'h100-sxm', '--harness', 'y', '--tables']);
    expect((tables.error as UserError).message).toContain('--tables needs --vidur');
    const unknown = await cli(['calibrate', '--gpu', 'no-such-gpu', '--harness', 'y']);
    expect((unknown.error as UserError).message).toContain('unknown GPU profile');
    const missing = await cli(['calibrate', '--gpu', 'h100-sxm', '--harness', '/nonexistent.json']);
    expect((missing.error as UserError).where).toBe('--harness');
    const noGpu = await cli(['calibrate', '--vidur', 'x']);
    expect(noGpu.error).toBeDefined(); // commander: required option
  });

  it('calibrates from a harness result, writes a valid file with provenance, and the factory uses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'servesim-cal-'));
    const input = path.join(dir, 'results.json');
    writeFileSync(input, JSON.stringify(syntheticHarness()));
    const out = path.join(dir, 'h100-sxm.yaml');
    const c = capture();
    const r = runCalibrate({ gpu: 'h100-sxm', harness: input, out, createdAt: '2026-11-23' }, c.io);
    expect(c.out).toContain('median MAPE');
    expect(c.err).toContain(`wrote ${out}`);
    const cal = parseCalibration(readFileSync(out, 'utf8'), out);
    expect(cal.kind).toBe('harness');
    expect(cal.provenance.harnessVersion).toBe('cuda 0.1.0');
    expect(cal.provenance.device).toBe('NVIDIA H100 80GB HBM3');
    expect(cal.provenance.notes).toContain('harness: power capping not permitted');
    expect(cal.gemm.dtype).toBe('bf16');
    expect(cal.gemm.shapes.length).toBe(3);
    expect(cal.attention.status).toBe('measured');
    expect(cal.cpuOverhead.status).toBe('default');
    expect(cal.interconnect.allReduce.map((a) => a.gpus)).toEqual([2, 8]);
    const gemmRow = r.outcome.rows.find((x) => x.op === 'gemm')!;
    expect(gemmRow.mapePct).toBeLessThan(3);
    expect(r.outcome.rows.find((x) => x.op === 'gemv')!.mapePct).toBeLessThan(10); // 5 sizes a decade apart
    // the factory reads it through a data source
    const text = readFileSync(out, 'utf8');
    const res = createStepTimeModel(
      { kind: 'roofline', gpu: loadGpuProfile('h100-sxm'), model: loadModelProfile('llama-3.1-8b'), precision: { weights: 'bf16', kvCache: 'bf16' }, parallelism: { tensor: 1, pipeline: 1 } },
      { calibration: (id) => (id === 'h100-sxm' ? { file: out, text } : undefined), tables: () => [] },
    );
    expect(res.calibrated).toBe(false); // honest: its CPU overhead is a default, not measured
    expect(res.calibrationSource).toContain('harness calibration');
    expect(res.notes.join(' ')).toContain('CPU overhead: GPU-profile defaults');
    const t = res.model.predict(addDecodes(emptyBatch(), 1, 1000));
    expect(t).toBeGreaterThan(5e-3);
    expect(t).toBeLessThan(10e-3);
  });

  it.skipIf(!hasVidur)('prints the fit-quality table without writing (--no-write)', async () => {
    const r = await cli(['calibrate', '--gpu', 'a100-80gb', '--vidur', VIDUR_DIR, '--no-write']);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/attn_pre_proj\s+\d+\s+\d+\s+\d+\.\d\d/);
    expect(r.out).toContain('median MAPE over the roofline');
    expect(r.err).not.toContain('wrote');
  });
});
