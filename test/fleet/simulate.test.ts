import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { simulateFleet } from '../../src/fleet/simulate.ts';
import { linearPerf, arraySource, engine, lcg } from '../helpers/fakes.ts';
import type { Request } from '../../src/workload/types.ts';
import { buildReport } from '../../src/report/result.ts';

function poissonRequests(n: number, rate: number, seed: number, input: () => number, output: () => number): Request[] {
  const u = lcg(seed);
  const out: Request[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += -Math.log(1 - u()) / rate;
    out.push({ id: i, arrivalSec: t, inputTokens: input(), outputTokens: output() });
  }
  return out;
}

describe('simulateFleet', () => {
  it('M/D/1: mean waiting time matches Pollaczek–Khinchine within 3%', () => {
    // Batch size 1 and a fixed cost per step: service is deterministic D (one prefill step, output = 1).
    const D = 0.1;
    const lambda = 7; // ρ = 0.7
    const reqs = poissonRequests(200_000, lambda, 7, () => 10, () => 1);
    const res = simulateFleet({
      replicas: 1, engine: engine({ maxNumSeqs: 1 }), kvBlocks: 1000, perf: linearPerf(D), router: 'round-robin',
      workload: { kind: 'open', source: arraySource(reqs) }, hashBlockTokens: 0,
    });
    const rho = lambda * D;
    const wq = (lambda * D * D) / (2 * (1 - rho));
    const q = res.metrics.queueSec.toArray();
    const meanWait = q.reduce((a, b) => a + b, 0) / q.length;
    expect(res.metrics.completed).toBe(200_000);
    expect(Math.abs(meanWait - wq) / wq).toBeLessThan(0.03);
  });

  it('conserves requests, respects KV capacity and never goes back in time (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          scheduler: fc.constantFrom('continuous', 'chunked-prefill', 'static') as fc.Arbitrary<'continuous' | 'chunked-prefill' | 'static'>,
          maxNumSeqs: fc.integer({ min: 1, max: 64 }),
          maxBatchedTokens: fc.integer({ min: 64, max: 4096 }),
          blockSize: fc.constantFrom(1, 8, 16),
          kvBlocks: fc.integer({ min: 8, max: 600 }),
          replicas: fc.integer({ min: 1, max: 4 }),
          router: fc.constantFrom('round-robin', 'least-outstanding') as fc.Arbitrary<'round-robin' | 'least-outstanding'>,
          n: fc.integer({ min: 1, max: 150 }),
          rate: fc.double({ min: 0.5, max: 200, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        (p) => {
          const u = lcg(p.seed);
          const reqs = poissonRequests(p.n, p.rate, p.seed, () => 1 + Math.floor(u() * 900), () => 1 + Math.floor(u() * 300));
          const res = simulateFleet({
            replicas: p.replicas, engine: engine({ scheduler: p.scheduler, maxNumSeqs: p.maxNumSeqs, maxBatchedTokens: p.maxBatchedTokens, blockSize: p.blockSize }),
            kvBlocks: p.kvBlocks, perf: linearPerf(0.01, 1e-5, 1e-4), router: p.router,
            workload: { kind: 'open', source: arraySource(reqs) }, hashBlockTokens: 0, recordSteps: true,
          });
          const m = res.metrics;
          expect(m.arrived).toBe(p.n);
          expect(m.completed + m.rejected + m.inFlight).toBe(m.arrived);
          expect(m.inFlight).toBe(0); // the run drains
          for (const r of res.replicas) {
            expect(r.kv.peakPinnedBlocks).toBeLessThanOrEqual(r.kv.numBlocks);
            expect(r.kv.ownedBlocks).toBe(0);
            expect(r.outstanding).toBe(0);
          }
          // Step start times never decrease on a replica; steps do not overlap.
          const st = res.steps!;
          const lastEnd = new Map<number, number>();
          let backwards = 0;
          let overCapacity = 0;
          for (let i = 0; i < st.length; i++) {
            const rep = st.replica.get(i);
            const start = st.startSec.get(i);
            if (start < (lastEnd.get(rep) ?? 0)) backwards++;
            if (st.kvUtilization.get(i) > 1) overCapacity++;
            lastEnd.set(rep, start + st.durationSec.get(i));
          }
          expect(backwards).toBe(0);
          expect(overCapacity).toBe(0);
          // Every completed request: queue ≤ ttft ≤ e2e.
          const ttft = m.ttftSec.toArray(), e2e = m.e2eSec.toArray(), q = m.queueSec.toArray();
          let disordered = 0;
          for (let i = 0; i < ttft.length; i++) if (q[i] > ttft[i] + 1e-12 || ttft[i] > e2e[i] + 1e-12) disordered++;
          expect(disordered).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('preempts by recompute when the KV cache runs out, and still finishes everything', () => {
    const reqs = poissonRequests(200, 1000, 3, () => 100, () => 400);
    const res = simulateFleet({
      replicas: 1, engine: engine({ blockSize: 16 }), kvBlocks: 200, perf: linearPerf(0.01), router: 'round-robin',
      workload: { kind: 'open', source: arraySource(reqs) }, hashBlockTokens: 0,
    });
    expect(res.metrics.preemptions).toBeGreaterThan(0);
    expect(res.metrics.completed).toBe(200);
  });

  it('rejects requests that can never fit, counting the reason', () => {
    const reqs: Request[] = [
      { id: 0, arrivalSec: 0, inputTokens: 5000, outputTokens: 10 },
      { id: 1, arrivalSec: 0, inputTokens: 100, outputTokens: 10 },
    ];
    const res = simulateFleet({
      replicas: 1, engine: engine({ maxBatchedTokens: 4096 }), kvBlocks: 1000, perf: linearPerf(0.01), router: 'round-robin',
      workload: { kind: 'open', source: arraySource(reqs) }, hashBlockTokens: 0,
    });
    expect(res.metrics.rejectedByReason['prompt-exceeds-max-batched-tokens']).toBe(1);
    expect(res.metrics.completed).toBe(1);
  });

  it('chunked prefill keeps decodes flowing during a long prompt (lower ITL max than continuous)', () => {
    const reqs: Request[] = [{ id: 0, arrivalSec: 0, inputTokens: 100, outputTokens: 200 }];
    for (let i = 1; i <= 5; i++) reqs.push({ id: i, arrivalSec: 0.5 + i * 0.1, inputTokens: 8000, outputTokens: 2 });
    const run = (scheduler: 'continuous' | 'chunked-prefill') => simulateFleet({
      replicas: 1, engine: engine({ scheduler, maxBatchedTokens: 8192 }), kvBlocks: 10_000, perf: linearPerf(0.005, 2e-5, 1e-5),
      router: 'round-robin', workload: { kind: 'open', source: arraySource(reqs.map((r) => ({ ...r }))) }, hashBlockTokens: 0,
    });
    const cont = run('continuous');
    const chunked = run('chunked-prefill');
    const maxGap = (r: ReturnType<typeof run>) => r.metrics.itl.stats().max;
    expect(chunked.metrics.completed).toBe(6);
    expect(cont.metrics.completed).toBe(6);
    expect(maxGap(chunked)).toBeLessThan(maxGap(cont));
  });

  it('static batching makes short requests wait for the longest in the batch', () => {
    const reqs: Request[] = [
      { id: 0, arrivalSec: 0, inputTokens: 10, outputTokens: 500 },
      { id: 1, arrivalSec: 0.001, inputTokens: 10, outputTokens: 5 },
    ];
    const run = (scheduler: 'continuous' | 'static') => simulateFleet({
      replicas: 1, engine: engine({ scheduler }), kvBlocks: 1000, perf: linearPerf(0.01), router: 'round-robin',
      workload: { kind: 'open', source: arraySource(reqs.map((r) => ({ ...r }))) }, hashBlockTokens: 0, perRequestDetail: true,
    });
    const ttftOf = (r: ReturnType<typeof run>, id: number) => {
      const d = r.metrics.detail!;
      for (let i = 0; i < d.id.length; i++) if (d.id.get(i) === id) return d.firstTokenSec.get(i) - d.arrivalSec.get(i);
      return NaN;
    };
    // Request 0 starts alone at t=0; under static batching request 1 waits ~500 steps for the batch to end.
    expect(ttftOf(run('static'), 1)).toBeGreaterThan(4);
    expect(ttftOf(run('continuous'), 1)).toBeLessThan(0.05);
  });

  it('reuses cached prefixes (fewer prefill tokens, lower TTFT)', () => {
    const mk = (): Request[] => Array.from({ length: 50 }, (_, i) => ({
      id: i, arrivalSec: i * 2, inputTokens: 2048 + 100, outputTokens: 4,
      hashIds: Int32Array.from([1, 2, 3, 4, 100 + i]), hashBlockTokens: 512,
    }));
    const run = (prefixCaching: boolean) => simulateFleet({
      replicas: 1, engine: engine({ prefixCaching }), kvBlocks: 5000, perf: linearPerf(0.005, 1e-4), router: 'round-robin',
      workload: { kind: 'open', source: arraySource(mk()) }, hashBlockTokens: 512,
    });
    const off = run(false);
    const on = run(true);
    expect(on.metrics.prefixHitTokens).toBe(49 * 2048);
    const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(on.metrics.ttftSec.toArray())).toBeLessThan(mean(off.metrics.ttftSec.toArray()) / 3);
  });

  it('least-outstanding beats round-robin p99 when request sizes are skewed', () => {
    // Every 4th request is huge; round-robin with 4 replicas sends them all to the same replica.
    const reqs: Request[] = [];
    for (let i = 0; i < 2000; i++) reqs.push({ id: i, arrivalSec: i * 0.05, inputTokens: 100, outputTokens: i % 4 === 0 ? 400 : 20 });
    const run = (router: 'round-robin' | 'least-outstanding') => {
      const res = simulateFleet({
        replicas: 4, engine: engine({ maxNumSeqs: 8 }), kvBlocks: 5000, perf: linearPerf(0.01, 0, 0.001), router,
        workload: { kind: 'open', source: arraySource(reqs.map((r) => ({ ...r }))) }, hashBlockTokens: 0,
      });
      const e2e = Float64Array.from(res.metrics.e2eSec.toArray()).sort();
      return e2e[Math.floor(0.99 * e2e.length)];
    };
    expect(run('least-outstanding')).toBeLessThan(run('round-robin'));
  });

  it('closed loop keeps at most `concurrency` requests in flight and satisfies Little’s law', () => {
    const res = simulateFleet({
      replicas: 2, engine: engine(), kvBlocks: 5000, perf: linearPerf(0.01, 1e-5, 1e-4), router: 'least-outstanding',
      workload: { kind: 'closed', concurrency: 8, thinkTimeSec: 0.5, lengths: () => ({ inputTokens: 200, outputTokens: 50 }), maxRequests: 400, durationSec: Infinity },
      hashBlockTokens: 0,
    });
    expect(res.metrics.completed).toBe(400);
    const meanInSystem = res.metrics.inSystemAreaReqSec / res.endSec;
    expect(meanInSystem).toBeLessThanOrEqual(8);
    expect(meanInSystem).toBeGreaterThan(1);
  });
});

describe('fused decode runs', () => {
  it('give exactly the same results as stepping one event per step (roofline, all policies)', async () => {
    const { loadGpuProfile, loadModelProfile } = await import('../../src/profiles/fs.ts');
    const { createRooflineModel } = await import('../../src/perf/roofline.ts');
    const perf = createRooflineModel({
      gpu: loadGpuProfile('h100-sxm'), model: loadModelProfile('llama-3.1-8b'),
      precision: { weights: 'bf16', kvCache: 'bf16' }, parallelism: { tensor: 1, pipeline: 1 },
    });
    for (const scheduler of ['continuous', 'chunked-prefill', 'static'] as const) {
      for (const kvBlocks of [300, 20_000]) {
        const u = lcg(99);
        const reqs = poissonRequests(400, 20, 5, () => 50 + Math.floor(u() * 2000), () => 1 + Math.floor(u() * 400));
        const run = (fuseDecodes: boolean) => simulateFleet({
          replicas: 3, engine: engine({ scheduler, maxNumSeqs: 32 }), kvBlocks, perf, router: 'least-outstanding',
          workload: { kind: 'open', source: arraySource(reqs.map((r) => ({ ...r }))) }, hashBlockTokens: 0, fuseDecodes,
          perRequestDetail: true,
        });
        const a = run(true);
        const b = run(false);
        expect(a.events).toBeLessThan(b.events);
        expect(a.metrics.completed).toBe(400);
        expect(Array.from(a.metrics.e2eSec.toArray())).toEqual(Array.from(b.metrics.e2eSec.toArray()));
        expect(Array.from(a.metrics.ttftSec.toArray())).toEqual(Array.from(b.metrics.ttftSec.toArray()));
        expect(a.metrics.preemptions).toBe(b.metrics.preemptions);
        // Same gaps; only the floating-point summation order of the mean differs (replicas interleave).
        const ia = a.metrics.itl.stats(), ib = b.metrics.itl.stats();
        expect({ ...ia, mean: 0 }).toEqual({ ...ib, mean: 0 });
        expect(ia.mean).toBeCloseTo(ib.mean, 9);
        expect(a.replicas.map((r) => r.stepCount)).toEqual(b.replicas.map((r) => r.stepCount));
      }
    }
  });
});

describe('fused decode runs through the engine layer', () => {
  it('equal stepping with every engine kind (CUDA-graph padding, CPU overlap, the HTTP host path)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { parseScenario } = await import('../../src/scenario/parse.ts');
    const { resolveScenario } = await import('../../src/scenario/resolve.ts');
    const { nodeResolveEnv } = await import('../../src/cli/node-env.ts');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'servesim-fuse-')), 's.yaml');
    for (const kind of ['vllm', 'sglang', 'trt-llm']) {
      const yaml = `name: f\nmodel: llama-3.1-8b\ngpu: h100-sxm\nreplicas: 2\nengine: { kind: ${kind} }\nworkload:\n` +
        '  arrivals: { kind: poisson, ratePerSec: 6 }\n' +
        '  lengths: { input: { kind: lognormal, mean: 800, p99: 4000 }, output: { kind: lognormal, mean: 200, p99: 900 } }\n' +
        '  requests: 400\n';
      writeFileSync(file, yaml);
      const run = (fuseDecodes: boolean) => {
        const r = resolveScenario(parseScenario(yaml, file, []), nodeResolveEnv(file));
        return simulateFleet({ ...r.fleetInput({ perRequestDetail: true }), fuseDecodes });
      };
      const a = run(true);
      const b = run(false);
      expect(a.events).toBeLessThan(b.events);
      expect(a.metrics.completed).toBe(400);
      expect(Array.from(a.metrics.e2eSec.toArray())).toEqual(Array.from(b.metrics.e2eSec.toArray()));
      expect(Array.from(a.metrics.ttftSec.toArray())).toEqual(Array.from(b.metrics.ttftSec.toArray()));
      expect(a.replicas.map((r) => r.stepCount)).toEqual(b.replicas.map((r) => r.stepCount));
    }
  });
});
