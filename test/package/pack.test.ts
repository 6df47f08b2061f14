/**
 * The published package: `npm pack` the checkout, install the tarball into an empty folder as a user would,
 * then use the `servesim` command and the library from there. Dependencies come from the npm cache (warm
 * after `npm ci`; `--prefer-offline` skips the registry's freshness checks); slow by nature (≈ 10–20 s).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repo } from '../helpers/built.ts';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(cmd: string, args: string[], cwd: string): string {
  const p = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${p.status}\n${p.stdout}\n${p.stderr}`);
  return p.stdout;
}

describe('npm pack → npm install → servesim', () => {
  it('installs from the tarball and runs the command and the library there', { timeout: 120_000 }, () => {
    const work = mkdtempSync(path.join(tmpdir(), 'servesim-pack-'));
    try {
      packAndUse(work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

function packAndUse(work: string): void {
  // dist/ is current (test/global-setup.ts); --ignore-scripts keeps `prepare` from rebuilding it under the
  // feet of test files running in parallel.
  const packed = JSON.parse(sh(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], repo)) as
    { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  for (const f of ['bin/servesim.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/browser.js', 'dist/src/cli/main.js',
    'profiles/gpus/h100-sxm.yaml', 'profiles/models/llama-3.1-8b.yaml', 'profiles/calibration/h100-sxm.yaml',
    'scenarios/quickstart.yaml', 'README.md', 'docs/api.md', 'package.json']) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);

  const app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  sh(npm, ['install', path.join(work, packed[0]!.filename), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
  const installed = path.join(app, 'node_modules/servesim');
  expect(existsSync(path.join(installed, 'dist/src/index.js'))).toBe(true);
  expect(existsSync(path.join(app, 'node_modules/tsx'))).toBe(false); // not a runtime dependency

  // The command, on a scenario outside the package: profiles come from the installed package.
  writeFileSync(path.join(app, 'small.yaml'), `
name: pack-test
model: llama-3.1-8b
gpu: h100-sxm
workload:
  arrivals: { kind: poisson, ratePerSec: 4 }
  lengths: { input: { kind: fixed, value: 500 }, output: { kind: fixed, value: 50 } }
  requests: 100
`);
  expect(sh('npx', ['--no', '--', 'servesim', '--version'], app).trim()).toBe(JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version);
  const report = JSON.parse(sh('npx', ['--no', '--', 'servesim', 'run', 'small.yaml', '--json'], app));
  expect(report.requests.completed).toBe(100);
  expect(report.gpus.count).toBe(1);
  expect(sh('npx', ['--no', '--', 'servesim', 'profiles', 'list', 'gpus'], app)).toMatch(/h100-sxm/);

  // The library, by package name (exports map), both entries.
  const lib = sh(process.execPath, ['-e', `
    Promise.all([import('servesim'), import('servesim/browser')]).then(([m, b]) => {
      const file = 'small.yaml';
      const { report } = m.simulate(m.resolveScenario(m.readScenarioFile(file, ['workload.requests=40']), m.nodeResolveEnv(file)));
      console.log(JSON.stringify({ completed: report.requests.completed, gpus: m.fsProfileRegistry().gpuIds().length,
        browserHasNodeEnv: 'nodeResolveEnv' in b, browserSimulate: typeof b.simulate }));
    });`], app);
  expect(JSON.parse(lib)).toEqual({ completed: 40, gpus: expect.any(Number), browserHasNodeEnv: false, browserSimulate: 'function' });
  expect(JSON.parse(lib).gpus).toBeGreaterThan(5);

  // Types resolve through the exports map for a TypeScript consumer.
  writeFileSync(path.join(app, 'use.ts'), `import { parseScenario, simulate, type RunReport } from 'servesim';
import { memoryResolveEnv } from 'servesim/browser';
export const f: (r: RunReport) => number = (r) => r.requests.completed;
export const g = [parseScenario, simulate, memoryResolveEnv];
`);
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
    files: ['use.ts'],
  }));
  execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, stdio: 'pipe' });
}
