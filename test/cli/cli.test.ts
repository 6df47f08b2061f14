import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/traces');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

function scenarioFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'servesim-cli-'));
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, yaml);
  return file;
}

const small = (extra = '') => `
name: cli-test
model: llama-3.1-8b
gpu: h100-sxm
workload:
  arrivals: { kind: poisson, ratePerSec: 4 }
  lengths: { input: { kind: fixed, value: 500 }, output: { kind: fixed, value: 50 } }
  requests: 200
${extra}`;

describe('servesim run', () => {
  it('prints a summary table and, with --json, one JSON document with the contract keys', async () => {
    const file = scenarioFile(small());
    const table = await cli('run', file);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/latency ms/);
    const json = await cli('run', file, '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out);
    for (const k of ['arrived', 'completed', 'rejected', 'preempted']) expect(typeof r.requests[k]).toBe('number');
    for (const m of ['ttft', 'tpot', 'itl', 'e2e', 'queue']) {
      for (const s of ['mean', 'p50', 'p90', 'p95', 'p99', 'max']) expect(typeof r.latencyMs[m][s]).toBe('number');
    }
    expect(r.requests.completed).toBe(200);
    expect(r.gpus.count).toBe(1);
    expect(r.kvCache.capacityTokens).toBeGreaterThan(100_000);
    expect(r.cost.usdPerMillionOutputTokens).toBeGreaterThan(0);
    expect(typeof r.slo.met).toBe('boolean');
  });

  it('is byte-identical across runs with the same seed, and differs with another seed', async () => {
    const file = scenarioFile(small());
    const a = await cli('run', file, '--json');
    const b = await cli('run', file, '--json');
    const c = await cli('run', file, '--json', '--set', 'seed=7');
    expect(a.out).toBe(b.out);
    expect(c.out).not.toBe(a.out);
  });

  it('applies --set overrides to any key path', async () => {
    const file = scenarioFile(small());
    const r = JSON.parse((await cli('run', file, '--json', '--set', 'replicas=3', '--set', 'parallelism.tensor=2')).out);
    expect(r.gpus.count).toBe(6);
    expect(r.replicas).toBe(3);
  });

  it('writes report.json, requests.csv and steps.csv with --out, leaving no partial files', async () => {
    const file = scenarioFile(small());
    const out = mkdtempSync(path.join(tmpdir(), 'servesim-out-'));
    expect((await cli('run', file, '--out', out)).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['fleet.csv', 'report.json', 'requests.csv', 'steps.csv']);
    const rows = readFileSync(path.join(out, 'requests.csv'), 'utf8').trim().split('\n');
    expect(rows.length).toBe(201);
    expect(rows[0]).toMatch(/^id,replica,arrivalSec,firstScheduledSec,firstTokenSec,completionSec/);
    const steps = readFileSync(path.join(out, 'steps.csv'), 'utf8').trim().split('\n');
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(steps.length - 1).toBe(report.engine.steps);
  });
});

describe('bad input: one paragraph, key path or file:line, exit 2, no stack trace', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown model', small().replace('llama-3.1-8b', 'llama-9'), /llama-9[\s\S]*llama-3\.1-8b/],
    ['unknown GPU', small().replace('h100-sxm', 'h900'), /h900[\s\S]*h100-sxm/],
    ['unknown key', small('enigne: { maxNumSeqs: 4 }'), /scenario\.yaml:9: enigne: unknown key "enigne"\. Fix: did you mean "engine"\?/],
    ['negative rate', small().replace('ratePerSec: 4', 'ratePerSec: -1'), /workload\.arrivals\.ratePerSec/],
    ['zero output length', small().replace('value: 50 }', 'value: 0 }'), /workload\.lengths\.output\.value/],
    ['model that does not fit', small().replace('llama-3.1-8b', 'llama-3.1-70b').replace('h100-sxm', 'l40s'), /GiB/],
    ['tensor parallelism not dividing heads', small('parallelism: { tensor: 3 }'), /parallelism\.tensor/],
    ['YAML syntax', small().replace('gpu: h100-sxm', 'gpu: [h100-sxm'), /scenario\.yaml:\d+/],
  ];
  for (const [name, yaml, pattern] of cases) {
    it(name, async () => {
      const r = await cli('run', scenarioFile(yaml));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^error: /);
      expect(r.err).toMatch(pattern);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  it('malformed trace line names file:line', async () => {
    const yaml = `
name: bad-trace
model: llama-3.1-8b
gpu: h100-sxm
workload:
  arrivals: { kind: trace }
  trace: { path: ${path.join(fixtures, 'azure-non-numeric.csv')}, format: azure }
`;
    const r = await cli('run', scenarioFile(yaml));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/azure-non-numeric\.csv:\d+/);
  });

  it('a missing scenario file and a bad --set are user errors', async () => {
    expect((await cli('run', '/nonexistent/s.yaml')).code).toBe(2);
    const r = await cli('run', scenarioFile(small()), '--set', 'replicas');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--set/);
  });

  it('the installed binary exits 2 without a stack trace', () => {
    const p = spawnSync(process.execPath, [path.join(repo, 'bin/servesim.js'), 'run', '/nonexistent/s.yaml'], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/scenario file not found/);
    expect(p.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('servesim check', () => {
  it('exits 0 when every SLO holds and 1 when one is missed', async () => {
    const ok = await cli('check', scenarioFile(small('slo: { ttftMs: { p99: 60000 } }')));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^PASS/);
    const bad = await cli('check', scenarioFile(small('slo: { ttftMs: { p99: 0.001 }, tpotMs: { p50: 1000 } }')));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/FAIL[\s\S]*ttftMs\.p99/);
    expect(bad.out).not.toMatch(/tpotMs/);
  });

  it('refuses a scenario without objectives', async () => {
    expect((await cli('check', scenarioFile(small()))).code).toBe(2);
  });
});

describe('servesim profiles, trace stats, schema', () => {
  it('lists and shows profiles', async () => {
    const list = await cli('profiles', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/h100-sxm/);
    expect(list.out).toMatch(/llama-3\.1-8b/);
    const show = await cli('profiles', 'show', 'h100-sxm');
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/memoryBandwidthBytesPerSec|bandwidth/i);
  });

  it('summarises a trace', async () => {
    const r = await cli('trace', 'stats', path.join(fixtures, 'azure-small.csv'), '--format', 'azure', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).rows).toBe(4);
  });

  it('prints a JSON Schema that knows the scenario keys', async () => {
    const r = await cli('schema');
    const s = JSON.parse(r.out);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['model', 'gpu', 'engine', 'workload', 'slo', 'cost']));
    expect(s.additionalProperties).toBe(false);
  });
});

describe('docs/scenario.schema.json', () => {
  it('is the schema the code generates (run `npm run schema` after changing the scenario schema)', async () => {
    const r = await cli('schema');
    expect(readFileSync(path.join(repo, 'docs/scenario.schema.json'), 'utf8')).toBe(r.out);
  });
});
