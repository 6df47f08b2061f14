/**
 * Fleet dynamics under random configurations: every arrived request is completed, rejected or lost;
 * nothing is left in flight; replica and GPU-hour accounting stays consistent.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';

const file = path.join(mkdtempSync(path.join(tmpdir(), 'servesim-prop-')), 's.yaml');

const provisioning = fc.oneof(
  fc.constant({ kind: 'static' }),
  fc.record({
    kind: fc.constant('reactive'), minReplicas: fc.integer({ min: 0, max: 2 }), maxReplicas: fc.integer({ min: 2, max: 5 }),
    metric: fc.constantFrom('queue-depth', 'kv-utilization', 'busy-fraction', 'ttft-p99', 'requests-per-sec'),
    scaleUpThreshold: fc.constantFrom(0.5, 2, 500), scaleDownThreshold: fc.constantFrom(0, 0.1, 0.4),
    windowSec: fc.constantFrom(5, 30), evaluationIntervalSec: fc.constantFrom(2, 10), cooldownSec: fc.constantFrom(0, 20),
  }),
  fc.record({
    kind: fc.constant('scheduled'),
    schedule: fc.constantFrom([{ atSec: 0, replicas: 2 }, { atSec: 20, replicas: 0 }, { atSec: 40, replicas: 3 }], [{ atSec: 5, replicas: 1 }]),
  }),
  fc.record({ kind: fc.constant('serverless'), maxReplicas: fc.integer({ min: 1, max: 3 }), idleTimeoutSec: fc.constantFrom(1, 10), targetOutstandingPerReplica: fc.constantFrom(1, 8) }),
);

const tenant = (name: string) => fc.record({
  name: fc.constant(name),
  weight: fc.constantFrom(1, 3),
  priority: fc.integer({ min: 0, max: 2 }),
  arrivals: fc.oneof(
    fc.record({ kind: fc.constant('poisson'), ratePerSec: fc.constantFrom(1, 5, 20) }),
    fc.record({ kind: fc.constant('closed-loop'), concurrency: fc.integer({ min: 1, max: 6 }), thinkTimeMs: fc.constantFrom(0, 500) }),
  ),
  lengths: fc.constant({ input: { kind: 'uniform', min: 10, max: 3000 }, output: { kind: 'uniform', min: 1, max: 300 } }),
  requests: fc.integer({ min: 1, max: 60 }),
  durationSec: fc.constant(60),
  quota: fc.option(fc.record({
    requestsPerSec: fc.constant({ ratePerSec: 2 }), onLimit: fc.constantFrom('reject', 'defer'), maxQueued: fc.constantFrom(0, 5, 100),
    maxConcurrent: fc.constantFrom(1, 4), maxContextTokens: fc.constantFrom(1000, 100000),
  }), { nil: undefined }),
  admission: fc.option(fc.constant({ maxPredictedTtftMs: 300 }), { nil: undefined }),
});

describe('fleet dynamics invariants (property)', () => {
  it('conserves requests and drains under random provisioning, routing, tenants, failures and disaggregation', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1000 }),
          scheduler: fc.constantFrom('continuous', 'chunked-prefill', 'static'),
          queuePolicy: fc.constantFrom('fcfs', 'priority', 'wfq'),
          priorityPreemption: fc.boolean(),
          router: fc.constantFrom('round-robin', 'random', 'least-outstanding', 'least-kv', 'power-of-two', 'prefix-affinity', 'session-affinity'),
          staleness: fc.constantFrom(0, 2),
          replicas: fc.integer({ min: 1, max: 3 }),
          provisioning,
          tenants: fc.tuple(tenant('a'), tenant('b')),
          disaggregated: fc.boolean(),
          failures: fc.option(fc.record({ mtbfSec: fc.constantFrom(10, 40), mttrSec: fc.constantFrom(2, 10), onFailure: fc.constantFrom('retry', 'lose') }), { nil: undefined }),
          maxNumSeqs: fc.constantFrom(2, 16, 64),
          gpuMemoryUtilization: fc.constantFrom(0.3, 0.9),
          power: fc.option(fc.record({ capWatts: fc.constantFrom(250, 700), inletC: fc.constantFrom(25, 60) }), { nil: undefined }),
          node: fc.boolean(),
          costMode: fc.option(fc.constantFrom('cloud', 'onprem', 'hybrid'), { nil: undefined }),
        }),
        (p) => {
          const scenario: Record<string, unknown> = {
            name: 'prop', seed: p.seed, model: 'llama-3.1-8b', gpu: 'h100-sxm', replicas: p.replicas,
            engine: {
              scheduler: p.scheduler, queuePolicy: p.queuePolicy, priorityPreemption: p.priorityPreemption,
              maxNumSeqs: p.maxNumSeqs, maxBatchedTokens: 4096, gpuMemoryUtilization: p.gpuMemoryUtilization,
            },
            router: { kind: p.router, stalenessSec: p.staleness },
            fleet: { provisioning: p.provisioning, coldStart: { acquisitionSec: 3, loadBandwidthBytesPerSec: 8e9, warmupSec: 2 } },
            tenants: p.tenants.map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined))),
          };
          if (p.disaggregated) scenario.disaggregation = { prefill: { replicas: 1 }, decode: { replicas: 1 } };
          if (p.failures) scenario.failures = p.failures;
          if (p.power) scenario.power = p.power;
          if (p.node) scenario.node = 'dgx-h100';
          if (p.costMode) scenario.cost = { mode: p.costMode };
          const yaml = stringify(scenario);
          const t0 = Date.now();
          const { report: r, result } = runScenario(resolveScenario(parseScenario(yaml, file), nodeResolveEnv(file)), {
            onProgress: () => { if (Date.now() - t0 > 5000) throw new Error(`stuck:\n${yaml}`); },
          });
          const q = r.requests;
          expect(q.inFlight).toBe(0);
          expect(q.completed + q.rejected + q.lost).toBe(q.arrived);
          const t = r.tenants!;
          expect(t.a.requests.arrived + t.b.requests.arrived).toBe(q.arrived);
          expect(t.a.requests.completed + t.b.requests.completed).toBe(q.completed);
          expect(r.fleet.gpuHours).toBeGreaterThanOrEqual(0);
          expect(r.fleet.replicas.min).toBeLessThanOrEqual(r.fleet.replicas.max);
          for (const rep of result.replicas) {
            expect(rep.kv.peakPinnedBlocks).toBeLessThanOrEqual(rep.kv.numBlocks);
            if (rep.state !== 'failed') expect(rep.outstanding).toBe(0);
          }
          expect(Number.isFinite(r.simulatedSec)).toBe(true);
          if (r.power) {
            expect(r.power.peakWattsPerGpu).toBeLessThanOrEqual(Math.max(...r.power.capWattsPerGpu, 700) + 1e-6);
            if (p.power) expect(r.power.peakWattsPerGpu).toBeLessThanOrEqual(p.power.capWatts + 1e-6);
            expect(Number.isFinite(r.energy!.kWh)).toBe(true);
          }
          if (r.thermal) expect(r.thermal.throttledFraction).toBeGreaterThanOrEqual(0);
          if (r.thermal) expect(r.thermal.throttledFraction).toBeLessThanOrEqual(1);
          if (r.cost.breakdown) {
            const b = r.cost.breakdown;
            expect(b.capexUsd + b.energyUsd + b.cloudUsd + b.overheadUsd).toBeCloseTo(r.cost.totalUsd, 4);
          }
        },
      ),
      { numRuns: 120 },
    );
  }, 120_000);
});
