/**
 * Closed-loop clients with equal lengths (`vllm bench serve --max-concurrency 25` on a fixed-length random
 * dataset): with chunked prefill (vLLM V1's scheduler) the clients do not lock into synchronised waves;
 * with the V0 `continuous` scheduler they do — every decode waits for all queued prefills, so requests
 * admitted together finish together — which is that scheduler's own behaviour (docs/scenario.md,
 * "Closed-loop clients and waves").
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';

const here = path.resolve(import.meta.dirname, '../../scenarios/closed-loop-waves.yaml');
const CONCURRENCY = 25;

function run(engine: string, input: number) {
  const text = `name: waves\nmodel: llama-3.1-8b\ngpu: h100-sxm\n${engine}\nworkload:\n` +
    `  arrivals: { kind: closed-loop, concurrency: ${CONCURRENCY} }\n` +
    `  lengths: { input: { kind: fixed, value: ${input} }, output: { kind: fixed, value: 256 } }\n` +
    `  requests: 600\n  warmupRequests: ${CONCURRENCY}\n`;
  const { report, result } = runScenario(resolveScenario(parseScenario(text, here), nodeResolveEnv(here)), { perRequestDetail: true });
  // Largest number of (non-warm-up) requests issued at the same instant: 25 = the whole population in lockstep.
  const d = result.metrics.detail!;
  const ids = d.id.toArray();
  const arr = d.arrivalSec.toArray();
  const first = d.firstTokenSec.toArray();
  const groups = new Map<number, number>();
  const ttfts: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < CONCURRENCY) continue;
    groups.set(arr[i], (groups.get(arr[i]) ?? 0) + 1);
    ttfts.push(first[i] - arr[i]);
  }
  ttfts.sort((a, b) => a - b);
  const p10 = ttfts[Math.floor(0.1 * ttfts.length)] * 1e3;
  return { ttft: report.latencyMs.ttft, p10, largestWave: Math.max(...groups.values()) };
}

describe('closed-loop clients with equal lengths', () => {
  // The scheduler alone (no API-server queue): engine.frontend in-process.
  it('chunked prefill (vLLM V1) does not lock the 25 clients into one wave; V0 does', () => {
    const v0 = run('engine: { scheduler: continuous, frontend: in-process }', 2048);
    const v1 = run('engine: { scheduler: chunked-prefill, frontend: in-process }', 2048);
    // V0 re-issues all 25 clients at one instant; V1 at most the prompts that finish in the same step
    // (two steps' worth at 8192 / 2048 = 4 prompts per step).
    expect(v0.largestWave).toBe(CONCURRENCY);
    expect(v1.largestWave).toBeLessThanOrEqual(8);
    expect(v1.ttft.p50).toBeLessThan(v0.ttft.p50);
    expect(v1.ttft.p99).toBeLessThan(0.75 * v0.ttft.p99);
  });

  it('the default configuration (engine.kind vllm, HTTP frontend) has no locked waves and a spread TTFT', () => {
    const dflt = run('engine: {}', 2048);
    expect(dflt.largestWave).toBeLessThanOrEqual(8);
    expect(dflt.ttft.p90 - dflt.p10).toBeGreaterThan(0.5 * dflt.ttft.p50);
  });

  it('with prompts near the step budget V1 prefills one or two prompts per step: TTFT far below the wave value', () => {
    const v0 = run('engine: { scheduler: continuous, frontend: in-process }', 8000);
    const v1 = run('engine: { scheduler: chunked-prefill, frontend: in-process }', 8000);
    expect(v0.largestWave).toBe(CONCURRENCY);
    expect(v1.largestWave).toBeLessThanOrEqual(2);
    expect(v1.ttft.p50).toBeLessThan(0.5 * v0.ttft.p50);
  });
});
