/**
 * `workload.warmupRequests`: the first N requests (arrival order) run but are left out of every latency and
 * throughput statistic; the throughput window starts at the first non-warm-up arrival.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import { quantileSorted } from '../../src/metrics/percentile.ts';
import type { UserError } from '../../src/errors/user-error.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const here = path.join(repo, 'scenarios/warmup-test.yaml');

function run(workload: string, extra = '') {
  const text = `name: warmup\nseed: 3\nmodel: llama-3.1-8b\ngpu: h100-sxm\nreplicas: 2\n` +
    `engine: { scheduler: chunked-prefill }\n${extra}workload: ${workload}\n`;
  const r = resolveScenario(parseScenario(text, here), nodeResolveEnv(here));
  return runScenario(r, { perRequestDetail: true });
}

/** Per-request rows from the run's detail columns. */
function rows(res: ReturnType<typeof run>['result']) {
  const d = res.metrics.detail!;
  const id = d.id.toArray();
  return Array.from(id, (_, i) => ({
    id: id[i], arrival: d.arrivalSec.toArray()[i], first: d.firstTokenSec.toArray()[i],
    done: d.completionSec.toArray()[i], input: d.inputTokens.toArray()[i], output: d.outputTokens.toArray()[i],
  }));
}

const POISSON = `{ arrivals: { kind: poisson, ratePerSec: 30 }, lengths: { input: { kind: lognormal, mean: 1500, p99: 6000 }, output: { kind: uniform, min: 20, max: 300 } }, requests: 400`;

describe('workload.warmupRequests', () => {
  it('leaves the first N arrivals out of latency and throughput, and counts them', () => {
    const { report, result } = run(`${POISSON}, warmupRequests: 60 }`);
    const all = rows(result);
    expect(report.requests.arrived).toBe(400);
    expect(report.requests.completed).toBe(400);
    expect(report.requests.warmup).toBe(60);
    const measured = all.filter((r) => r.id >= 60);
    expect(report.latencyMs.ttft.count).toBe(340);
    expect(report.latencyMs.e2e.count).toBe(340);
    // Every statistic is over the measured requests only: recompute from the per-request rows.
    const ttft = Float64Array.from(measured.map((r) => r.first - r.arrival)).sort();
    expect(report.latencyMs.ttft.p99).toBeCloseTo(quantileSorted(ttft, 0.99) * 1e3, 3);
    expect(report.latencyMs.ttft.mean).toBeCloseTo((ttft.reduce((a, b) => a + b, 0) / ttft.length) * 1e3, 3);
    const e2eMax = Math.max(...measured.map((r) => r.done - r.arrival));
    expect(report.latencyMs.e2e.max).toBeCloseTo(e2eMax * 1e3, 3);
    // ITL: one gap per measured output token after the first.
    expect(report.latencyMs.itl.count).toBe(measured.reduce((a, r) => a + r.output - 1, 0));
    // Throughput window: first non-warm-up arrival → end of the run.
    const start = Math.min(...measured.map((r) => r.arrival));
    const window = report.simulatedSec - start;
    expect(start).toBeGreaterThan(0);
    expect(report.throughput.requestsPerSec).toBeCloseTo(340 / window, 4);
    const out = measured.reduce((a, r) => a + r.output, 0);
    expect(report.throughput.outputTokensPerSec).toBeCloseTo(out / window, 2);
    // Little's law still holds over every request.
    expect(report.littlesLaw.relativeError).toBeLessThan(1e-6);
  });

  it('changes nothing but the statistics: the same engine work as without warm-up', () => {
    const a = run(`${POISSON}, warmupRequests: 60 }`);
    const b = run(`${POISSON} }`);
    expect(a.report.engine.steps).toBe(b.report.engine.steps);
    expect(a.report.simulatedSec).toBe(b.report.simulatedSec);
    expect(b.report.requests.warmup).toBe(0);
    expect(b.report.latencyMs.ttft.count).toBe(400);
    // Without warm-up the window starts at 0 (unchanged definition).
    expect(b.report.throughput.requestsPerSec).toBeCloseTo(400 / b.report.simulatedSec, 4);
    // Early requests meet an empty fleet: leaving them out moves the statistics.
    expect(a.report.latencyMs.ttft.mean).not.toBe(b.report.latencyMs.ttft.mean);
  });

  it('works with closed-loop clients: the first N requests issued are warm-up', () => {
    const { report, result } = run(
      `{ arrivals: { kind: closed-loop, concurrency: 8 }, lengths: { input: { kind: fixed, value: 1000 }, output: { kind: fixed, value: 100 } }, requests: 120, warmupRequests: 16 }`,
    );
    expect(report.requests.warmup).toBe(16);
    expect(report.latencyMs.ttft.count).toBe(104);
    const measured = rows(result).filter((r) => r.id >= 16);
    const start = Math.min(...measured.map((r) => r.arrival));
    // The 17th request is issued when the first warm-up request completes, not at t = 0.
    expect(start).toBeGreaterThan(0);
    expect(report.throughput.requestsPerSec).toBeCloseTo(104 / (report.simulatedSec - start), 4);
  });

  it('works with traces: the first N rows are warm-up', () => {
    const trace = path.relative(path.dirname(here), path.join(repo, 'test/fixtures/traces/azure-small.csv'));
    const { report } = run(`{ arrivals: { kind: trace }, trace: { path: ${trace}, format: azure }, warmupRequests: 2 }`);
    expect(report.requests.warmup).toBe(2);
    expect(report.latencyMs.ttft.count).toBe(report.requests.completed - 2);
  });

  it('rejects a negative or fractional count with the key path', () => {
    for (const bad of ['-1', '1.5']) {
      let where = '';
      try {
        run(`${POISSON}, warmupRequests: ${bad} }`);
      } catch (e) {
        where = `${(e as UserError).where ?? ''} ${(e as UserError).message} ${JSON.stringify((e as UserError).problems)}`;
      }
      expect(where).toMatch(/workload\.warmupRequests/);
    }
  });
});
