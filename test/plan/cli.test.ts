import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { bin, ensureBuilt } from '../helpers/built.ts';

const fx = (f: string) => path.join(import.meta.dirname, 'fixtures', f);
const scenario = fx('small.yaml');
const space = fx('space.yaml');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'servesim-plan-'));

describe('servesim plan', () => {
  let single = '';
  beforeAll(async () => {
    const r = await cli(['plan', scenario, '--space', space, '--json', '--jobs', '1']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    single = r.out;
  }, 60_000);

  it('prints the documented JSON keys, ranked by cost, with best and pareto', () => {
    const d = JSON.parse(single);
    expect(Object.keys(d)).toEqual(expect.arrayContaining(['options', 'best', 'pareto']));
    expect(d.options).toHaveLength(8);
    for (const o of d.options) {
      for (const k of ['gpu', 'parallelism', 'precision', 'engine', 'gpus', 'replicas', 'meetsSlo', 'reason', 'latencyMs', 'costUsdPerMillionTokens', 'energyJPerToken']) {
        expect(o, k).toHaveProperty(k);
      }
    }
    const met = d.options.filter((o: { meetsSlo: boolean }) => o.meetsSlo);
    const costs = met.map((o: { costUsdPerMillionTokens: number }) => o.costUsdPerMillionTokens);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    expect(d.best).toBe(met[0].id);
    expect(d.pareto[0]).toBe(d.best);
    // Each Pareto option has a lower p99 TTFT than every cheaper option.
    for (const id of d.pareto) {
      const o = d.options.find((x: { id: string }) => x.id === id);
      for (const c of met) if (c.costUsdPerMillionTokens < o.costUsdPerMillionTokens) expect(c.latencyMs.ttft).toBeGreaterThan(o.latencyMs.ttft);
    }
    expect(single).not.toMatch(/wall|elapsed|Date|T\d\d:\d\d/);
  });

  it('gives the same bytes on worker threads as in one thread', async () => {
    const r = await cli(['plan', scenario, '--space', space, '--json', '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(single);
  }, 60_000);

  it('sharded runs merged are byte-identical to the single-machine run', async () => {
    const files: string[] = [];
    for (const i of [3, 1, 2]) {
      const r = await cli(['plan', scenario, '--space', space, '--shard', `${i}/3`, '--jobs', '1']);
      expect(r.code).toBe(0);
      const f = path.join(tmp, `shard-${i}.json`);
      writeFileSync(f, r.out);
      files.push(f);
    }
    const m = await cli(['merge', ...files, '--json']);
    expect(m.err).toBe('');
    expect(m.code).toBe(0);
    expect(m.out).toBe(single);
    // Missing, duplicated or foreign shards are user errors.
    expect((await cli(['merge', files[0], files[1]])).code).toBe(2);
    expect((await cli(['merge', files[0], files[0], files[1]])).code).toBe(2);
    const other = await cli(['plan', scenario, '--space', space, '--shard', '2/3', '--jobs', '1', '--max-replicas', '7']);
    const of = path.join(tmp, 'other.json');
    writeFileSync(of, other.out);
    const mixed = await cli(['merge', files[0], files[1], of]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/different plan/);
  }, 60_000);

  it('prints a table with GPUs, replicas, cost, latency and headroom; exit 1 when no option meets the SLO', async () => {
    const t = await cli(['plan', scenario, '--space', space, '--jobs', '1']);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/GPUs\s+replicas\s+\$\/M tok\s+p99 TTFT ms\s+p99 TPOT ms\s+headroom/);
    expect(t.out).toMatch(/best: /);
    const none = await cli(['plan', scenario, '--space', space, '--jobs', '1', '--set', 'slo={ttftMs: {p99: 5}}']);
    expect(none.code).toBe(1);
    expect(none.out).toMatch(/prefill exceeds the TTFT SLO/);
    expect(none.out).toMatch(/no option meets the SLO/);
  }, 60_000);

  it('exits 2 on bad input, with no stack trace', async () => {
    const badSpace = path.join(tmp, 'bad.yaml');
    writeFileSync(badSpace, 'gpu: h100-sxm\n');
    const typo = path.join(tmp, 'typo.yaml');
    writeFileSync(typo, 'gpu: [h100-sxm, h900]\n');
    for (const args of [
      ['plan', scenario, '--space', badSpace],
      ['plan', scenario, '--space', path.join(tmp, 'missing.yaml')],
      ['plan', scenario, '--space', typo],
      ['plan', scenario, '--space', space, '--shard', '4/3'],
      ['plan', scenario, '--space', space, '--max-replicas', '0'],
      ['plan', scenario, '--space', space, '--max-rejection-rate', '2'],
      ['plan', scenario, '--space', space, '--set', 'slo=null'],
      ['merge', scenario],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).not.toMatch(/\n\s+at /);
      expect(r.err.length).toBeGreaterThan(10);
    }
  }, 30_000);

  it('reads energy per token when the report has it (cost.mode onprem models energy)', async () => {
    const d = JSON.parse(single);
    expect(d.options.every((o: { energyJPerToken: unknown }) => o.energyJPerToken === null)).toBe(true);
    const r = await cli(['plan', scenario, '--space', space, '--json', '--jobs', '1', '--set', 'cost={mode: onprem}']);
    const e = JSON.parse(r.out);
    for (const o of e.options.filter((x: { meetsSlo: boolean }) => x.meetsSlo)) expect(o.energyJPerToken).toBeGreaterThan(0);
    const t = await cli(['plan', scenario, '--space', space, '--jobs', '1', '--set', 'cost={mode: onprem}']);
    expect(t.out).toMatch(/J\/tok/);
  }, 60_000);

  it('finds the max sustainable rate of a given fleet', async () => {
    const r = await cli(['plan', scenario, '--replicas', '2', '--max-rate', '--json', '--jobs', '1']);
    const d = JSON.parse(r.out);
    expect(d.options).toHaveLength(1);
    const o = d.options[0];
    expect(o.replicas).toBe(2);
    expect(o.maxRateFactor).toBeGreaterThan(0);
    expect(o.maxRequestsPerSec).toBeCloseTo(o.maxRateFactor * 12, 0);
  }, 30_000);
});

describe('the built command', () => {
  beforeAll(() => ensureBuilt(), 60_000);
  it('runs plan on worker threads from dist/ and matches the in-process result', () => {
    const r = spawnSync(process.execPath, [bin, 'plan', scenario, '--space', space, '--json', '--jobs', '2'], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const inProc = execFileSync(process.execPath, [bin, 'plan', scenario, '--space', space, '--json', '--jobs', '1'], { encoding: 'utf8' });
    expect(r.stdout).toBe(inProc);
  }, 60_000);
});

describe('servesim capacity', () => {
  it('prints GPU, precision, TP, cost and achieved latency; exit 0 when a size works', async () => {
    const r = await cli(['capacity', scenario, '--max-replicas', '8']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/l40s · TP1 · bf16/);
    expect(r.out).toMatch(/\d+ replicas? \(\d+ GPUs?\) meets? the SLO · \$\d+\.\d{3} per million tokens · p99 TTFT \d+ ms · p99 TPOT [\d.]+ ms/);
    const j = JSON.parse((await cli(['capacity', scenario, '--max-replicas', '8', '--json'])).out);
    expect(j.gpu).toBe('l40s');
    expect(j.reason).toBeNull();
    expect(j.evaluations[0].latencyMs.ttft).toBeGreaterThan(0);
  }, 30_000);

  it('exits 1 and says more replicas cannot help when one idle replica already misses the SLO', async () => {
    const r = await cli(['capacity', scenario, '--max-replicas', '8', '--set', 'slo={ttftMs: {p99: 5}}']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/more replicas cannot help/);
    expect(r.out).not.toMatch(/raise --max-replicas/);
    const j = await cli(['capacity', scenario, '--max-replicas', '8', '--json', '--set', 'slo={ttftMs: {p99: 5}}']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).moreReplicasCouldHelp).toBe(false);
  }, 30_000);

  it('exits 1 and suggests --max-replicas when the cap is what stops it', async () => {
    const r = await cli(['capacity', scenario, '--max-replicas', '1', '--set', 'workload.arrivals.ratePerSec=60']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/raise --max-replicas/);
  }, 30_000);
});
