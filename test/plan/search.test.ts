import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import { evaluateOption, maxRateFactor, scaleRate } from '../../src/plan/evaluate.ts';
import { parseSpace } from '../../src/plan/space.ts';

const file = path.join(import.meta.dirname, 'fixtures/small.yaml');
const text = readFileSync(file, 'utf8');
const env = nodeResolveEnv(file);
const search = { maxReplicas: 8, maxRejectionRate: 0.01, maxRate: false };

function meets(overrides: string[], replicas: number): boolean {
  const s = parseScenario(text, file, [...overrides, `replicas=${replicas}`]);
  const r = runScenario(resolveScenario(s, env)).report;
  return r.slo.met && r.requests.rejected / r.requests.arrived <= search.maxRejectionRate;
}

describe('evaluateOption', () => {
  it('finds the same minimum replica count as an exhaustive scan, with fewer runs', () => {
    const space = parseSpace('gpu: [l40s, h100-sxm]\nprecision: [{ weights: bf16, kvCache: bf16 }, { weights: fp8, kvCache: fp8 }]\nworkload.arrivals.ratePerSec: [12, 30]\n', 'space.yaml');
    let scanned = 0;
    let searched = 0;
    const answers: (number | null)[] = [];
    for (const o of space.options) {
      let exhaustive: number | null = null;
      for (let n = 1; n <= search.maxReplicas; n++) {
        scanned++;
        if (meets(o.overrides, n)) { exhaustive = n; break; }
      }
      const e = evaluateOption(parseScenario(text, file, o.overrides), env, search);
      searched += e.trials.length;
      expect(e.replicas, o.id).toBe(exhaustive);
      expect(e.meetsSlo).toBe(exhaustive !== null);
      if (e.replicas !== null) {
        expect(e.gpus).toBe(e.replicas * e.parallelism.tensor * e.parallelism.pipeline);
        // The chosen count meets the SLO and one fewer does not.
        expect(e.trials.find((t) => t.replicas === e.replicas)!.meetsSlo).toBe(true);
        if (e.replicas > 1) expect(e.trials.find((t) => t.replicas === e.replicas! - 1)!.meetsSlo).toBe(false);
      }
      answers.push(e.replicas);
    }
    // The space is not trivial: different options need different fleet sizes.
    expect(new Set(answers).size).toBeGreaterThan(2);
    expect(searched).toBeLessThanOrEqual(scanned + space.options.length);
  }, 60_000);

  it('prunes an option that does not fit, with the reason, without simulating', () => {
    const e = evaluateOption(parseScenario(text, file, ['model=llama-3.1-70b', 'gpu=l40s']), env, search);
    expect(e.pruned).toBe(true);
    expect(e.meetsSlo).toBe(false);
    expect(e.reason).toMatch(/does not fit on l40s/);
    expect(e.trials).toEqual([]);
    expect(e.gpus).toBeNull();
  });

  it('does not size disaggregated options as if they were one pool', () => {
    const e = evaluateOption(parseScenario(text, file, ['disaggregation={prefill: {replicas: 1}, decode: {replicas: 1}}']), env, search);
    expect(e.pruned).toBe(true);
    expect(e.reason).toMatch(/one pool of identical replicas/);
  });

  it('says when no replica count can help, after a single fleet size', () => {
    const e = evaluateOption(parseScenario(text, file, ['slo={ttftMs: {p99: 5}}']), env, { ...search, maxReplicas: 64 });
    expect(e.meetsSlo).toBe(false);
    expect(e.reason).toMatch(/single request's prefill exceeds the TTFT SLO/);
    expect(e.reason).toMatch(/more replicas cannot help/);
    expect(e.reason).not.toMatch(/max-replicas/);
    expect(e.trials.map((t) => t.replicas)).toEqual([1]);
  });

  it('says to raise --max-replicas when the cap is what stops it', () => {
    const e = evaluateOption(parseScenario(text, file, ['workload.arrivals.ratePerSec=60']), env, { ...search, maxReplicas: 2 });
    expect(e.meetsSlo).toBe(false);
    expect(e.reason).toMatch(/raise --max-replicas/);
    expect(e.costUsdPerMillionTokens).toBeNull();
  });

  it('evaluates a given fleet with fixedReplicas', () => {
    const e = evaluateOption(parseScenario(text, file, []), env, { ...search, fixedReplicas: 4 });
    expect(e.trials.map((t) => t.replicas)).toEqual([4]);
    expect(e.replicas).toBe(4);
  });
});

describe('maxRateFactor', () => {
  it('brackets the rate at which the SLO breaks', () => {
    const s = parseScenario(text, file, ['replicas=2']);
    const f = maxRateFactor(s, env, 0.01, 0.02)!;
    expect(f).toBeGreaterThan(0);
    const ok = (x: number) => {
      const r = runScenario(resolveScenario(scaleRate(s, x), env)).report;
      return r.slo.met && r.requests.rejected / r.requests.arrived <= 0.01;
    };
    expect(ok(f)).toBe(true);
    expect(ok(f * 1.1)).toBe(false);
  }, 30_000);

  it('scales trace replay speed and Poisson rates', () => {
    const s = parseScenario(text, file, []);
    expect((scaleRate(s, 2).workload!.arrivals as { ratePerSec: number }).ratePerSec).toBe(24);
    const t = parseScenario(text, file, ['workload={arrivals: {kind: trace}, trace: {path: x.csv, format: azure, timeScale: 1}}']);
    expect(scaleRate(t, 4).workload!.trace!.timeScale).toBe(0.25);
  });
});
