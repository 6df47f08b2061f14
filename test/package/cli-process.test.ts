/**
 * The `servesim` process as users run it (bin/servesim.js → dist/): what a command loads, and a closed stdout.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bin, repo } from '../helpers/built.ts';

/** Runs bin/servesim.js with a module-resolution hook that logs every URL the process loads. */
function loadedModules(args: string[]): { status: number | null; urls: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'servesim-load-'));
  const log = path.join(dir, 'loaded.txt');
  writeFileSync(path.join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`);
  writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});
`);
  writeFileSync(log, '');
  const p = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, bin, ...args], {
    cwd: repo, encoding: 'utf8',
  });
  return { status: p.status, urls: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') };
}

const heavy = (urls: string[]) => urls.filter((u) => /\/node_modules\/(zod|yaml|seedrandom|simple-statistics|csv-parse)\/|\/dist\/src\/(fleet|engine|perf|sim|scenario|calibrate)\//.test(u));

describe('lazy loading', () => {
  it('--version loads commander but not zod, yaml or the simulator; run loads them', () => {
    const v = loadedModules(['--version']);
    expect(v.status).toBe(0);
    expect(v.urls.some((u) => u.includes('/dist/src/cli/main.js'))).toBe(true);
    expect(v.urls.some((u) => u.includes('/node_modules/commander/'))).toBe(true);
    expect(heavy(v.urls)).toEqual([]);
    // Control: the same hook sees the heavy modules when a command needs them.
    const r = loadedModules(['run', 'scenarios/quickstart.yaml', '--set', 'workload.requests=20']);
    expect(r.status).toBe(0);
    expect(heavy(r.urls).length).toBeGreaterThan(20);
    expect(r.urls.some((u) => u.includes('/node_modules/zod/'))).toBe(true);
    // profiles list needs profiles (yaml, zod, schema types) but neither the simulator nor calibration fitting.
    const p = loadedModules(['profiles', 'list', 'gpus']);
    expect(p.status).toBe(0);
    expect(p.urls.filter((u) => /\/dist\/src\/(sim|calibrate)\/|\/fleet\/simulate\.js|\/engine\/replica\.js/.test(u))).toEqual([]);
  });
});

/** Spawns the CLI with stdout a pipe whose reading end is closed at once: every write fails with EPIPE. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('closed stdout (servesim … | head -1)', () => {
  const small = ['--set', 'workload.requests=200'];

  it('run and capacity end quietly with their usual exit code when stdout is closed', async () => {
    for (const args of [['run', 'scenarios/quickstart.yaml', ...small], ['run', 'scenarios/quickstart.yaml', '--json', ...small],
      ['capacity', 'scenarios/quickstart.yaml', '--max-replicas', '4', ...small]]) {
      const r = await runWithClosedStdout(args);
      expect({ args, code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ args, code: 0, signal: null, stderr: '' });
    }
  });

  it('a shell pipeline into head -1 prints one line and no error', () => {
    for (const cmd of ['run', 'capacity']) {
      const p = spawnSync('bash', ['-c', `set -o pipefail; node ${JSON.stringify(bin)} ${cmd} scenarios/quickstart.yaml --set workload.requests=200 | head -1`], {
        cwd: repo, encoding: 'utf8',
      });
      expect(p.stderr).toBe('');
      expect(p.status).toBe(0);
      expect(p.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    }
  });
});
