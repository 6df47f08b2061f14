/**
 * The CUDA harness builds with nvcc (no GPU needed) and its CPU-side logic agrees with the TypeScript
 * planner: the --plan output equals planSweep() item for item, --stats equals summarize(), --dry-run writes a
 * document (merging partial-run fragments) that validates against HarnessResultSchema. Skipped where nvcc is
 * absent. The build is PTX-only (HARNESS_ARCH=compute_80) to keep it short; run.sh builds real SASS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessResultSchema } from '../../src/calibrate/harness-schema.ts';
import { planSweep } from '../../harness/common/plan.ts';
import { HarnessPlanSchema } from '../../harness/common/plan-schema.ts';
import { summarize } from '../../harness/common/stats.ts';

function findNvcc(): string | null {
  for (const c of [process.env['NVCC'], 'nvcc', '/usr/local/cuda/bin/nvcc']) {
    if (!c) continue;
    if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return c;
  }
  return null;
}

const nvcc = findNvcc();
if (nvcc === null) console.warn('[harness/cuda tests] skipped: nvcc not found');

describe.skipIf(nvcc === null)('CUDA harness (build and CPU-side logic)', () => {
  const buildDir = join(tmpdir(), 'servesim-harness-cuda-test');
  const bin = join(buildDir, 'servesim-harness');
  const run = (args: string[]) => execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('compiles with nvcc', () => {
    const t0 = Date.now();
    execFileSync('bash', ['harness/cuda/build.sh'], {
      env: { ...process.env, NVCC: nvcc!, HARNESS_BUILD_DIR: buildDir, HARNESS_ARCH: 'compute_80' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    console.info(`[harness/cuda] build took ${((Date.now() - t0) / 1e3).toFixed(1)} s`);
  }, 300_000);

  it('--plan equals the TypeScript planner (full Hopper, quick Ampere, custom model and TP)', () => {
    const cases: Array<{ args: string[]; opts: Parameters<typeof planSweep>[0] }> = [
      { args: [], opts: { backend: 'cuda', quick: false, computeCapability: '9.0' } },
      { args: ['--quick', '--cc', '8.0'], opts: { backend: 'cuda', quick: true, computeCapability: '8.0' } },
      { args: ['--cc', '8.9', '--tp', '2,8'], opts: { backend: 'cuda', quick: false, computeCapability: '8.9', tp: [2, 8] } },
      {
        args: ['--quick', '--model', 'tiny:512:8:2:64:1536:plain', '--model', 'llama-3.1-70b'],
        opts: {
          backend: 'cuda', quick: true, computeCapability: '9.0',
          models: [
            { name: 'tiny', hidden: 512, heads: 8, kvHeads: 2, headDim: 64, ffn: 1536, gatedMlp: false },
            { name: 'llama-3.1-70b', hidden: 8192, heads: 64, kvHeads: 8, headDim: 128, ffn: 28672, gatedMlp: true },
          ],
        },
      },
    ];
    for (const c of cases) {
      const fromCuda = HarnessPlanSchema.parse(JSON.parse(run(['--plan', ...c.args])));
      expect(fromCuda, c.args.join(' ')).toEqual(planSweep(c.opts));
    }
  });

  it('rejects bad arguments with exit code 2', () => {
    for (const args of [['--plan', '--cc', 'nine'], ['--plan', '--model', 'x:1:2'], ['--only', 'warp'], ['--bogus'], ['--plan', '--tp', '3']]) {
      const r = spawnSync(bin, args, { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/servesim-harness: /);
    }
  });

  it('--stats uses the same quantile definition as harness/common/stats.ts', () => {
    for (const sample of [[3, 1, 2, 4], [5], [0.25, 1e-6, 7.5, 3, 3, 9.75, 2.125], [1e-4, 2e-4, 1.5e-4, 1.25e-4, 9e-5, 1.1e-4]]) {
      const got = JSON.parse(run(['--stats', sample.join(',')]));
      const want = summarize(sample);
      for (const k of ['n', 'median', 'p10', 'p90', 'min', 'max', 'mean'] as const) expect(got[k]).toBeCloseTo(want[k], 12);
    }
  });

  it('--dry-run writes a valid document that merges partial-run fragments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-frag-'));
    const frag = join(dir, 'transfer-0.jsonl');
    writeFileSync(
      frag,
      [
        'hostTransfer\t{"direction":"h2d","pinned":true,"numaNode":0,"bytes":1048576,"medianSec":4e-05,"repeats":5,"bytesPerSec":26214400000}',
        'notes\t"from a partial run"',
        'bogus line',
      ].join('\n') + '\n',
    );
    const out = join(dir, 'result.json');
    run(['--dry-run', '--quick', '--merge', frag, '--merge', join(dir, 'missing.jsonl'), '--note', 'quote " and \\ ok', '--out', out]);
    const doc = HarnessResultSchema.parse(JSON.parse(execFileSync('cat', [out], { encoding: 'utf8' })));
    expect(doc.harness.backend).toBe('cuda');
    expect(doc.device.name).toBe('dry run (no GPU)');
    expect(doc.hostTransfer).toHaveLength(1);
    expect(doc.hostTransfer[0]!.numaNode).toBe(0);
    expect(doc.notes).toContain('from a partial run');
    expect(doc.notes).toContain('quote " and \\ ok');
    expect(doc.notes.some((n) => n.includes('malformed'))).toBe(true);
    expect(doc.notes.some((n) => n.includes('missing.jsonl missing'))).toBe(true);
    expect(doc.notes.some((n) => n.startsWith('dry run: nothing was measured'))).toBe(true);
  });

  it('without a GPU a measuring run exits 3 with a clear message, not fake numbers', () => {
    const r = spawnSync(bin, ['--quick', '--only', 'gemm'], { encoding: 'utf8' });
    if (r.status === 0) return; // a machine with a GPU: measuring is fine
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/no CUDA device/);
    expect(r.stdout).toBe('');
  });

  it('run.sh --plan builds and prints the plan', () => {
    const out = execFileSync('bash', ['harness/cuda/run.sh', '--plan', '--quick', '--cc', '8.0'], {
      encoding: 'utf8',
      env: { ...process.env, NVCC: nvcc!, HARNESS_BUILD_DIR: buildDir, HARNESS_ARCH: 'compute_80' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(HarnessPlanSchema.parse(JSON.parse(out))).toEqual(planSweep({ backend: 'cuda', quick: true, computeCapability: '8.0' }));
  }, 300_000);
});
