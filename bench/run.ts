/**
 * `npm run bench`: simulator speed. Reports wall time, simulated requests per wall second and peak
 * memory for the cases the core issue sets goals for. Goals are printed next to the measurements and
 * the process exits non-zero if one is missed (so `npm run bench` can gate a performance CI job), but
 * no unit test depends on timing.
 *
 * Usage: npm run bench [-- --only azure|million|stream] [--json]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../src/scenario/parse.ts';
import { resolveScenario } from '../src/scenario/resolve.ts';
import { runScenario } from '../src/scenario/run.ts';
import { nodeResolveEnv } from '../src/cli/node-env.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

interface Case {
  id: string;
  goal: string;
  /** Scenario YAML; relative paths resolve against the repo's scenarios/ folder. */
  yaml: string;
  /** `done`: the cases measured before this one in this run. */
  check(r: Measured, done: readonly Measured[]): boolean;
}

interface Measured {
  id: string;
  requests: number;
  replicas: number;
  wallSec: number;
  simRequestsPerWallSec: number;
  engineSteps: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  simulatedSec: number;
}

const cases: Case[] = [
  {
    id: 'azure',
    goal: 'Azure conv 1 h trace (19,366 req), 4 × Llama-3.1-8B/H100: < 1 s wall',
    yaml: `
name: bench-azure-conv
model: llama-3.1-8b
gpu: h100-sxm
replicas: 4
engine: { scheduler: chunked-prefill }
router: least-outstanding
workload:
  arrivals: { kind: trace }
  trace: { path: ../../shared/data/traces/azure-2023-conv.csv, format: azure }
`,
    check: (r) => r.wallSec < 1,
  },
  {
    id: 'azure-power',
    goal: 'the Azure case with power caps and thermal throttling on (power: { capWatts: 500, inletC: 35 }): at most 2× the azure case (1.28 s without it in this run)',
    yaml: `
name: bench-azure-conv-power
model: llama-3.1-8b
gpu: h100-sxm
replicas: 4
engine: { scheduler: chunked-prefill }
router: least-outstanding
workload:
  arrivals: { kind: trace }
  trace: { path: ../../shared/data/traces/azure-2023-conv.csv, format: azure }
power: { capWatts: 500, inletC: 35 }
`,
    check: (r, done) => r.wallSec <= 2 * (done.find((d) => d.id === 'azure')?.wallSec ?? 0.64),
  },
  {
    id: 'million',
    goal: '1,000,000 synthetic requests on 64 replicas: < 30 s wall',
    yaml: `
name: bench-1m-64
model: llama-3.1-8b
gpu: h100-sxm
replicas: 64
engine: { scheduler: chunked-prefill }
router: least-outstanding
workload:
  arrivals: { kind: poisson, ratePerSec: 400 }
  lengths: { input: { kind: lognormal, mean: 600, p99: 3000 }, output: { kind: lognormal, mean: 150, p99: 800 } }
  requests: 1000000
`,
    check: (r) => r.wallSec < 30,
  },
  {
    id: 'fleet',
    goal: '1,000,000 requests, 2 tenants (WFQ), reactive autoscaling 32–64 replicas, power-of-two routing: < 30 s wall',
    yaml: `
name: bench-1m-fleet
model: llama-3.1-8b
gpu: h100-sxm
engine: { scheduler: chunked-prefill, queuePolicy: wfq }
router: power-of-two
fleet:
  provisioning: { kind: reactive, minReplicas: 32, maxReplicas: 64, metric: queue-depth, scaleUpThreshold: 2, scaleDownThreshold: 0.5, windowSec: 60, evaluationIntervalSec: 15, cooldownSec: 60 }
tenants:
  - name: chat
    weight: 2
    arrivals: { kind: poisson, ratePerSec: 300 }
    lengths: { input: { kind: lognormal, mean: 600, p99: 3000 }, output: { kind: lognormal, mean: 150, p99: 800 } }
    requests: 750000
  - name: batch
    arrivals: { kind: gamma, ratePerSec: 100, cv: 3 }
    lengths: { input: { kind: lognormal, mean: 1500, p99: 6000 }, output: { kind: fixed, value: 100 } }
    requests: 250000
`,
    check: (r) => r.wallSec < 30,
  },
  {
    id: 'stream',
    goal: '10,000,000-request stream (128 replicas): peak RSS < 1 GiB',
    yaml: `
name: bench-10m-stream
model: llama-3.1-8b
gpu: h100-sxm
replicas: 128
engine: { scheduler: chunked-prefill }
router: round-robin
workload:
  arrivals: { kind: poisson, ratePerSec: 2000 }
  lengths: { input: { kind: lognormal, mean: 300, p99: 1500 }, output: { kind: lognormal, mean: 60, p99: 300 } }
  requests: 10000000
`,
    check: (r) => r.peakRssMiB < 1024,
  },
];

function measure(c: Case): Measured {
  const file = path.join(repo, 'scenarios', `${c.id}.bench.yaml`);
  const scenario = parseScenario(c.yaml, file);
  const resolved = resolveScenario(scenario, nodeResolveEnv(file));
  global.gc?.();
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const t0 = performance.now();
  const { report } = runScenario(resolved, { onProgress: sample });
  const wallSec = (performance.now() - t0) / 1000;
  sample();
  return {
    id: c.id,
    requests: report.requests.arrived,
    replicas: report.replicas,
    wallSec,
    simRequestsPerWallSec: report.requests.arrived / wallSec,
    engineSteps: report.engine.steps,
    peakRssMiB: peakRss / 2 ** 20,
    peakHeapMiB: peakHeap / 2 ** 20,
    simulatedSec: report.simulatedSec,
  };
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const json = args.includes('--json');
const results: (Measured & { goal: string; met: boolean })[] = [];
for (const c of cases) {
  if (only && !only.includes(c.id)) continue;
  const m = measure(c);
  const row = { ...m, goal: c.goal, met: c.check(m, results) };
  results.push(row);
  if (!json) {
    console.log(
      `${c.id.padEnd(8)} ${m.requests.toLocaleString('en-US').padStart(11)} req on ${String(m.replicas).padStart(3)} replicas: ` +
      `${m.wallSec.toFixed(2)} s wall, ${Math.round(m.simRequestsPerWallSec).toLocaleString('en-US')} sim req/s, ` +
      `${m.engineSteps.toLocaleString('en-US')} steps, peak RSS ${Math.round(m.peakRssMiB)} MiB — ${row.met ? 'goal met' : 'GOAL MISSED'} (${c.goal})`,
    );
  }
}
if (json) console.log(JSON.stringify({ node: process.version, results }, null, 2));
process.exitCode = results.every((r) => r.met) ? 0 : 1;
