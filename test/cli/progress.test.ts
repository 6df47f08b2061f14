/**
 * Progress on a terminal: `run` and `capacity` show a progress line on a TTY, and nothing in CI or with
 * --json (the line would corrupt a machine-read stream). The TTY comes from util-linux `script`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/servesim.js');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs a command under a pseudo-terminal; returns everything it wrote there. */
function underTty(args: string[], env: Record<string, string | undefined>): string {
  const cmd = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
  const e = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return execFileSync('script', ['-qec', `${cmd} > /dev/null`, '/dev/null'], { env: e, encoding: 'utf8', cwd: repo });
}

describe.skipIf(!hasScript)('progress on a terminal', () => {
  const scenario = 'scenarios/quickstart.yaml';
  it('run shows completed requests against the workload\'s request count', () => {
    const out = underTty(['run', scenario], { CI: undefined });
    expect(out).toMatch(/\/5000 requests/);
  });
  it('capacity counts the fleet sizes it simulated', () => {
    const out = underTty(['capacity', scenario, '--max-replicas', '4'], { CI: undefined });
    expect(out).toMatch(/fleet sizes simulated/);
  });
  it('nothing in CI or with --json', () => {
    expect(underTty(['run', scenario], { CI: 'true' })).not.toMatch(/requests/);
    expect(underTty(['run', scenario, '--json'], { CI: undefined })).not.toMatch(/requests/);
  });
});
