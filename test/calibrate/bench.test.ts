/**
 * `servesim calibrate --bench`: readers of vllm bench serve and genai-perf/AIPerf results, and the fit —
 * synthetic results produced by servesim itself with known overheads must give those overheads back
 * (within 2%) from the engine kind's defaults.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { readBenchResult, type BenchResult, type BenchLoad, type BenchStat } from '../../src/calibrate/bench-read.ts';
import { createBenchSimulator } from '../../src/calibrate/bench-sim.ts';
import { fitBench, nelderMead, type FitKey } from '../../src/calibrate/bench-fit.ts';
import { readScenarioFile, nodeResolveEnv } from '../../src/cli/node-env.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { main } from '../../src/cli/main.ts';
import type { EngineOverheads } from '../../src/engine/kinds.ts';
import { repoRoot } from './helpers.ts';

const fixtures = path.join(repoRoot, 'test/fixtures/bench');
const fx = (f: string) => path.join(fixtures, f);
const read = (f: string) => readBenchResult(readFileSync(fx(f), 'utf8'), f);

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

describe('bench result readers', () => {
  it('reads a vllm bench serve result with per-request lengths and a fixed concurrency', () => {
    const b = read('vllm-concurrency.json');
    expect(b.format).toBe('vllm-bench-serve');
    expect(b.load).toEqual({ kind: 'closed', concurrency: 2 });
    expect(b.prompts).toBe(6);
    expect(b.inputLens).toEqual([300, 400, 350, 300, 400, 350]);
    expect(b.meanInput).toBeCloseTo(350, 9);
    expect(b.stats['ttft.mean']).toBe(21.5);
    expect(b.stats['ttft.p50']).toBe(20.1);
    expect(b.stats['itl.p99']).toBe(9.9);
    expect(b.stats['e2e.p50']).toBe(751);
    expect(b.stats['throughput.output']).toBe(187.5);
    expect(b.stats['throughput.total']).toBe(843.75);
  });

  it('reads a rate-driven vllm result with only totals and two statistics', () => {
    const b = read('vllm-rate-means.json');
    expect(b.load).toEqual({ kind: 'poisson', ratePerSec: 4 });
    expect(b.inputLens).toBeUndefined();
    expect(b.meanInput).toBe(500);
    expect(b.meanOutput).toBe(200);
    expect(Object.keys(b.stats).sort()).toEqual(['throughput.output', 'tpot.p99', 'ttft.mean']);
  });

  it('reads a genai-perf export: inter-token latency is per-request TPOT, the load from input_config', () => {
    const b = read('genai-perf.json');
    expect(b.format).toBe('genai-perf');
    expect(b.load).toEqual({ kind: 'closed', concurrency: 8 });
    expect(b.prompts).toBe(100);
    expect(b.stats['ttft.p90']).toBe(55.1);
    expect(b.stats['tpot.mean']).toBe(8.1);
    expect(b.stats['itl.mean']).toBeUndefined();
    expect(b.stats['e2e.p99']).toBe(1800);
    expect(b.stats['throughput.requests']).toBe(4.8);
    expect(b.meanInput).toBe(550);
  });

  it('reads an AIPerf export: units converted, load under input_config.loadgen', () => {
    const b = read('aiperf.json');
    expect(b.load).toEqual({ kind: 'poisson', ratePerSec: 6.5 });
    expect(b.stats['ttft.mean']).toBeCloseTo(50, 9);
    expect(b.stats['ttft.p99']).toBeCloseTo(90, 9);
    expect(b.prompts).toBe(300);
  });

  it('names the file and the key of bad input', () => {
    expect(() => read('truncated.json')).toThrow(/truncated\.json: not valid JSON/);
    expect(() => read('bad-key.json')).toThrow(/bad-key\.json: mean_ttft_ms: expected a number/);
    expect(() => read('no-stats.json')).toThrow(/no-stats\.json.*no statistic/);
    expect(() => read('no-lengths.json')).toThrow(/no-lengths\.json: total_input_tokens: missing/);
    expect(() => readBenchResult('[1, 2]', 'x.json')).toThrow(/x\.json.*expected a JSON object/);
    expect(() => readBenchResult('{"a": 1}', 'x.json')).toThrow(/neither a vllm bench serve result/);
  });

  it('the CLI reports a bad file with exit code 2 and no stack trace', async () => {
    const r = await cli(['calibrate', '--bench', fx('bad-key.json'), '--scenario', fx('deploy-http.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-key\.json: mean_ttft_ms/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const missing = await cli(['calibrate', '--bench', fx('nope.json'), '--scenario', fx('deploy-http.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.json does not exist/);
    const noScenario = await cli(['calibrate', '--bench', fx('genai-perf.json')]);
    expect(noScenario.code).toBe(2);
    expect(noScenario.err).toMatch(/--scenario/);
    const badKey = await cli(['calibrate', '--bench', fx('genai-perf.json'), '--scenario', fx('deploy-http.yaml'), '--fit', 'warpFactor']);
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(/unknown parameter "warpFactor"/);
  });
});

describe('nelderMead', () => {
  it('finds the minimum of a shifted quadratic', () => {
    const r = nelderMead((x) => (x[0]! - 1.5) ** 2 + 3 * (x[1]! + 0.5) ** 2, [0, 0], { xtol: 1e-7, ftol: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1.5, 5);
    expect(r.x[1]).toBeCloseTo(-0.5, 5);
  });
});

/** Synthetic results: servesim's own predictions with `truth` at several load points. */
function synthetic(scenario: string, truth: Partial<EngineOverheads>, loads: BenchLoad[], lengths: { input: number; output: number }, maxPrompts: number) {
  const env = nodeResolveEnv(scenario);
  const r = resolveScenario(readScenarioFile(scenario, []), env);
  const sim = createBenchSimulator(r, { maxPrompts, calibration: env.calibration });
  const keep: BenchStat[] = ['ttft.mean', 'ttft.p50', 'tpot.mean', 'itl.p50', 'throughput.output'];
  const benches = loads.map((load, i): BenchResult => {
    const b: BenchResult = { file: `synthetic-${i}.json`, format: 'vllm-bench-serve', load, prompts: maxPrompts, meanInput: lengths.input, meanOutput: lengths.output, stats: {}, notes: [] };
    const p = sim.predict(b, truth);
    for (const k of keep) b.stats[k] = p[k];
    return b;
  });
  return { sim, benches };
}

function expectRecovered(fitted: EngineOverheads, truth: Partial<EngineOverheads>, keys: readonly FitKey[]) {
  for (const k of keys) expect(Math.abs(fitted[k] / truth[k]! - 1), k).toBeLessThan(0.02);
}

describe('calibrate --bench recovers known overheads from servesim-generated results', () => {
  it('step cost and GPU efficiency of a synchronous engine (closed loops at 1, 16, 64)', () => {
    const truth = { stepSec: 2.0e-3, gpuEfficiency: 0.8 };
    const { sim, benches } = synthetic(fx('deploy-in-process.yaml'), truth,
      [{ kind: 'closed', concurrency: 1 }, { kind: 'closed', concurrency: 16 }, { kind: 'closed', concurrency: 64 }], { input: 512, output: 128 }, 80);
    // The start is the engine kind's defaults, well away from the truth.
    expect(Math.abs(sim.base.stepSec / truth.stepSec - 1)).toBeGreaterThan(0.5);
    const fit = fitBench(benches, sim.predict, sim.base, { keys: ['stepSec', 'gpuEfficiency'], skipLeaveOneOut: true });
    expectRecovered(fit.overheads, truth, ['stepSec', 'gpuEfficiency']);
    for (const f of fit.files) expect(f.errorPct).toBeLessThan(0.5);
  }, 60_000);

  it('API-server request cost and GPU efficiency behind the HTTP frontend (concurrency 1 and 8, Poisson 20/s)', () => {
    const truth = { frontendRequestSec: 4e-3, gpuEfficiency: 0.8 };
    const { sim, benches } = synthetic(fx('deploy-http.yaml'), truth,
      [{ kind: 'closed', concurrency: 1 }, { kind: 'closed', concurrency: 8 }, { kind: 'poisson', ratePerSec: 20 }], { input: 128, output: 128 }, 80);
    const fit = fitBench(benches, sim.predict, sim.base, { keys: ['frontendRequestSec', 'gpuEfficiency'], skipLeaveOneOut: true });
    expectRecovered(fit.overheads, truth, ['frontendRequestSec', 'gpuEfficiency']);
  }, 60_000);

  it('fits only what the data constrains: no frontend costs from an in-process run', () => {
    const truth = { stepSec: 2.0e-3, gpuEfficiency: 0.8 };
    const { sim, benches } = synthetic(fx('deploy-in-process.yaml'), truth,
      [{ kind: 'closed', concurrency: 1 }, { kind: 'closed', concurrency: 64 }], { input: 512, output: 128 }, 60);
    const fit = fitBench(benches, sim.predict, sim.base, { skipLeaveOneOut: true });
    expect(fit.fitted).toContain('gpuEfficiency');
    expect(fit.fitted).toContain('stepSec');
    for (const k of ['frontendRequestSec', 'frontendInputTokenSec', 'frontendOutputTokenSec'] as const) {
      expect(fit.fitted).not.toContain(k);
      expect(fit.overheads[k]).toBe(sim.base[k]);
      expect(fit.sensitivity.find((s) => s.key === k)!.norm).toBe(0);
    }
    expectRecovered(fit.overheads, truth, ['gpuEfficiency']);
  }, 60_000);

  it('end to end through the CLI: synthetic JSON files in, a YAML a scenario reads as engine.overheads out, leave-one-out printed', async () => {
    const truth = { stepSec: 1.5e-3, gpuEfficiency: 0.9 };
    const loads: BenchLoad[] = [{ kind: 'closed', concurrency: 2 }, { kind: 'closed', concurrency: 32 }];
    const { benches } = synthetic(fx('deploy-in-process.yaml'), truth, loads, { input: 512, output: 128 }, 60);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'servesim-bench-'));
    const files = benches.map((b, i) => {
      const st = b.stats;
      const file = path.join(dir, `run-c${(loads[i] as { concurrency: number }).concurrency}.json`);
      writeFileSync(file, JSON.stringify({
        request_rate: 'inf', max_concurrency: (loads[i] as { concurrency: number }).concurrency, num_prompts: 60, completed: 60,
        total_input_tokens: 60 * 512, total_output_tokens: 60 * 128,
        mean_ttft_ms: st['ttft.mean'], median_ttft_ms: st['ttft.p50'], mean_tpot_ms: st['tpot.mean'], median_itl_ms: st['itl.p50'],
        output_throughput: st['throughput.output'],
      }));
      return file;
    });
    const out = path.join(dir, 'overheads.yaml');
    const r = await cli(['calibrate', '--bench', ...files, '--scenario', fx('deploy-in-process.yaml'), '--fit', 'stepSec,gpuEfficiency', '--max-prompts', '60', '--out', out]);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fitted stepSec, gpuEfficiency/);
    expect(r.out).toMatch(/leave-one-out/);
    expect(r.out).toMatch(/run-c2\.json.*concurrency 2/);
    const doc = YAML.parse(readFileSync(out, 'utf8'));
    expect(Math.abs(doc.overheads.stepSec / truth.stepSec - 1)).toBeLessThan(0.02);
    expect(Math.abs(doc.overheads.gpuEfficiency / truth.gpuEfficiency - 1)).toBeLessThan(0.02);
    expect(doc.fit.files).toHaveLength(2);
    expect(doc.fit.files[0].leaveOneOutErrorPct).toBeGreaterThanOrEqual(0);
    // A scenario uses the file as engine.overheads (relative path) and gets the fitted values.
    const scen = path.join(dir, 'deploy.yaml');
    writeFileSync(scen, readFileSync(fx('deploy-in-process.yaml'), 'utf8').replace('frontend: in-process }', 'frontend: in-process, overheads: overheads.yaml }'));
    const resolved = resolveScenario(readScenarioFile(scen, []), nodeResolveEnv(scen));
    expect(resolved.engineInfo.overheads.stepSec).toBeCloseTo(doc.overheads.stepSec, 12);
    expect(resolved.engineInfo.overheads.gpuEfficiency).toBeCloseTo(doc.overheads.gpuEfficiency, 12);
  }, 60_000);
});
