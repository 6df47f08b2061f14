/**
 * WebGPU kernel correctness on whatever adapter Dawn finds through OpenGL ES — Mesa llvmpipe on CI, which has
 * no GPU. Results of the kernels are checked against CPU references; timings are not asserted (a CPU
 * rasteriser's timings prove the harness runs, nothing about GPU speed). In CI (process.env.CI) a missing
 * adapter is a failure: .ci/run installs Mesa's EGL/llvmpipe. Locally the suite is skipped with the reason.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HarnessResultSchema } from '../../src/calibrate/harness-schema.ts';
import { planSweep } from '../../harness/common/plan.ts';
import { checkAttention, checkGemv, checkMatmul, checkStream, selfCheck } from '../../harness/webgpu/checks.ts';
import { openGpu, type GpuContext } from '../../harness/webgpu/device.ts';
import { SOFTWARE_NOTE, runWebgpuHarness } from '../../harness/webgpu/harness.ts';
import { GpuTimer } from '../../harness/webgpu/timing.ts';

const opened = await openGpu('opengles');
const unavailable = 'error' in opened ? opened.error : null;
const ctx = (unavailable === null ? opened : null) as GpuContext | null;
const INSTALL_HINT = 'install libegl1 libegl-mesa0 libgl1-mesa-dri libegl-dev (see .ci/run and docs/harness.md)';

if (unavailable !== null) {
  if (process.env['CI']) {
    it('a WebGPU adapter is available in CI', () => {
      throw new Error(`no WebGPU adapter on CI: ${unavailable}; ${INSTALL_HINT}`);
    });
  } else {
    console.warn(`[harness/webgpu tests] skipped: ${unavailable}; ${INSTALL_HINT}`);
  }
}

afterAll(() => ctx?.close());

describe.skipIf(ctx === null)('WebGPU kernels on the OpenGL ES adapter', () => {
  const gpu = ctx!;

  it('reports the adapter', () => {
    expect(gpu.backend).toBe('opengles');
    expect(gpu.featureLevel).toBe('compatibility');
    expect(typeof gpu.software).toBe('boolean');
  });

  it('tiled f32 matmul matches the CPU reference on tile-unaligned shapes', async () => {
    for (const [m, n, k] of [[1, 64, 64], [67, 45, 33], [64, 128, 16], [130, 70, 100], [5, 200, 260]] as const) {
      const r = await checkMatmul(gpu, 'f32', m, n, k, m + n + k);
      expect(r.maxScaledError, r.name).toBeLessThanOrEqual(1);
    }
  });

  it.skipIf(!gpu?.hasF16)('f16 matmul and gemv (shader-f16) match the reference', async () => {
    expect((await checkMatmul(gpu, 'f16', 67, 45, 36)).ok).toBe(true);
    expect((await checkGemv(gpu, 'f16', 37, 68)).ok).toBe(true);
  });

  it('bandwidth kernels copy exactly, triad and read compute the right values', async () => {
    const results = await checkStream(gpu, 16 * 4099);
    expect(results.map((r) => r.name)).toEqual(['stream copy', 'stream triad', 'stream read (sum)', 'copyBufferToBuffer']);
    for (const r of results) expect(r.maxScaledError, r.name).toBeLessThanOrEqual(1);
    const copies = results.filter((r) => r.name.includes('copy'));
    for (const r of copies) expect(r.maxScaledError, `${r.name} must be bit-exact`).toBe(0);
  });

  it('gemv matches the reference', async () => {
    const r = await checkGemv(gpu, 'f32', 300, 516);
    expect(r.maxScaledError).toBeLessThanOrEqual(1);
  });

  it('attention: causal prefill with context, grouped-query decode, non-causal', async () => {
    const shapes = [
      { batch: 2, queryTokens: 6, contextTokens: 9, numHeads: 4, numKvHeads: 2, headDim: 32, causal: true },
      { batch: 3, queryTokens: 1, contextTokens: 70, numHeads: 8, numKvHeads: 2, headDim: 64, causal: true },
      { batch: 1, queryTokens: 5, contextTokens: 0, numHeads: 2, numKvHeads: 2, headDim: 16, causal: false },
      { batch: 1, queryTokens: 3, contextTokens: 4, numHeads: 2, numKvHeads: 1, headDim: 128, causal: true },
    ];
    for (const s of shapes) {
      const r = await checkAttention(gpu, s);
      expect(r.maxScaledError, r.name).toBeLessThanOrEqual(1);
    }
  });

  it('the self-check the harness runs passes', async () => {
    const c = await selfCheck(gpu);
    for (const r of [...c.gemm, ...c.bandwidth, ...c.attention]) expect(r.ok, r.name).toBe(true);
  });

  it('the timer gives positive durations and names its method', async () => {
    const t = new GpuTimer(gpu);
    expect(t.method).toBe(gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock-onSubmittedWorkDone');
    const s = await t.time((enc) => enc.beginComputePass().end());
    expect(s).toBeGreaterThan(0);
    t.destroy();
  });

  it('a smoke run writes a document that validates against HarnessResultSchema', async () => {
    const plan = planSweep({ backend: 'webgpu', preset: 'smoke', f16: gpu.hasF16 });
    const result = await runWebgpuHarness(gpu, { plan, repeats: 2, command: 'vitest' });
    const reparsed = HarnessResultSchema.parse(JSON.parse(JSON.stringify(result)));
    expect(reparsed.harness.backend).toBe('webgpu');
    expect(reparsed.gemm.length).toBe(plan.gemm.length);
    expect(reparsed.bandwidth.length).toBe(plan.bandwidth.length);
    expect(reparsed.attention.length).toBe(plan.attention.length);
    expect(reparsed.attention.every((a) => a.kernel === 'webgpu-rowwise-online-softmax-f32')).toBe(true);
    expect(reparsed.device.details?.['timing']).toBe(gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock-onSubmittedWorkDone');
    expect(reparsed.notes.some((n) => n.startsWith('timing:'))).toBe(true);
    if (gpu.software) expect(reparsed.notes).toContain(SOFTWARE_NOTE);
    expect(reparsed.notes.filter((n) => n.includes('FAILED'))).toEqual([]);
  });
});
