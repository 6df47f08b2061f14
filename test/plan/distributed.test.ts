/**
 * The examples of docs/distributed.md are valid YAML, have the shape their engines need, and their own shell
 * commands — run here with `servesim` on PATH — produce shards whose merge equals the single-machine plan.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, repo } from '../helpers/built.ts';

const scenario = path.join(import.meta.dirname, 'fixtures/small.yaml');
const space = path.join(import.meta.dirname, 'fixtures/space.yaml');
const tmp = mkdtempSync(path.join(tmpdir(), 'servesim-dist-'));
const shimDir = path.join(tmp, 'bin');
let single = '';

function sh(script: string, env: Record<string, string>, cwd = tmp): string {
  return execFileSync('sh', ['-c', script], {
    cwd, encoding: 'utf8', env: { ...process.env, ...env, PATH: `${shimDir}:${process.env.PATH}` },
  });
}

beforeAll(() => {
  ensureBuilt();
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(path.join(shimDir, 'servesim'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`);
  chmodSync(path.join(shimDir, 'servesim'), 0o755);
  single = execFileSync(process.execPath, [bin, 'plan', scenario, '--space', space, '--json'], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
}, 120_000);

describe('Kubernetes Indexed Job example', () => {
  const job = parse(readFileSync(path.join(repo, 'docs/examples/plan-indexed-job.yaml'), 'utf8'));
  it('is an Indexed Job whose shard count matches its completions', () => {
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const c = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(Number(env.SHARDS)).toBe(job.spec.completions);
    expect(job.spec.parallelism).toBe(job.spec.completions);
    expect(c.command.join(' ')).toMatch(/servesim plan .*--shard "\$i\/\$SHARDS" --json/);
  });

  it("its pods' command, run for every index, gives shards that merge into the single-machine plan", () => {
    const c = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const out = path.join(tmp, 'k8s');
    mkdirSync(out);
    const [cmd, flag, script] = c.command as string[];
    expect([cmd, flag]).toEqual(['sh', '-c']);
    for (let i = 0; i < job.spec.completions; i++) {
      sh(script, { ...env, SCENARIO: scenario, SPACE: space, OUT_DIR: out, JOB_COMPLETION_INDEX: String(i) });
    }
    const merged = sh('servesim merge shard-*.json --json', {}, out);
    expect(merged).toBe(single);
  }, 120_000);
});

describe('GitHub Actions matrix example', () => {
  const wf = parse(readFileSync(path.join(repo, 'docs/examples/plan-matrix.yml'), 'utf8'));
  it('runs one shard per matrix entry and merges after all of them', () => {
    const shards: number[] = wf.jobs.plan.strategy.matrix.shard;
    expect(shards).toEqual(shards.map((_, i) => i + 1));
    expect(wf.jobs.merge.needs).toBe('plan');
    const run = wf.jobs.plan.steps.find((s: { run?: string }) => s.run?.includes('servesim plan')).run as string;
    expect(run).toMatch(/--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\} --json/);
    const merge = wf.jobs.merge.steps.find((s: { run?: string }) => s.run?.includes('servesim merge')).run as string;
    expect(merge).toMatch(/servesim merge shards\/shard-\*\.json --json > plan\.json/);
  });

  it('its commands, with the matrix expanded, produce the single-machine plan', () => {
    const shards: number[] = wf.jobs.plan.strategy.matrix.shard;
    const run = wf.jobs.plan.steps.find((s: { run?: string }) => s.run?.includes('servesim plan')).run as string;
    const dir = path.join(tmp, 'gha');
    mkdirSync(path.join(dir, 'shards'), { recursive: true });
    for (const k of shards) {
      const script = run.replaceAll('${{ matrix.shard }}', String(k)).replaceAll('${{ strategy.job-total }}', String(shards.length)).replaceAll('npx servesim', 'servesim');
      sh(script, { SCENARIO: scenario, SPACE: space, CI: '1' }, dir);
      // upload-artifact + download-artifact (merge-multiple) put every shard file into shards/.
      writeFileSync(path.join(dir, 'shards', `shard-${k}.json`), readFileSync(path.join(dir, `shard-${k}.json`)));
    }
    const merge = (wf.jobs.merge.steps.find((s: { run?: string }) => s.run?.includes('servesim merge')).run as string).replaceAll('npx servesim', 'servesim');
    sh(merge, { GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') }, dir);
    expect(readFileSync(path.join(dir, 'plan.json'), 'utf8')).toBe(single);
    expect(readFileSync(path.join(dir, 'summary.md'), 'utf8')).toMatch(/best: /);
  }, 120_000);
});
