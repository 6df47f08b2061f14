/**
 * `npm run bench`: simulator speed. Reports wall time, simulated requests per wall second and peak
 * memory for the cases the core issue sets goals for. Goals are printed next to the measurements and
 * the process exits non-zero if one is missed (so `npm run bench` can gate a performance CI job), but
 * no unit test depends on timing.
 *
 * `startup` measures the `servesim` process as users run it (bin/servesim.js → dist/, built first): wall time
 * of `servesim --version` and of the whole Azure conversation replay (`servesim run
 * scenarios/azure-conv-llama8b-h100.yaml`, when ../shared/data is there), each the median of 5 runs and as a
 * ratio to a bare `node -e 0` measured in the same run (so a slower machine shifts both).
 *
 * `plan` runs `servesim plan` (built CLI, worker threads, CI=1 so no progress bar) over bench/plan-space.yaml: 4 GPU
 * types × 3 TP × 2 precisions of Llama-3.1-70B on the one-hour Azure conversation trace; goal < 60 s wall.
 *
 * Usage: npm run bench [-- --only startup|azure|million|fleet|stream|plan] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** The Azure conversation replay (4 × Llama-3.1-8B/H100), optionally with extra scenario lines. */
const azureYaml = (name: string, extra = '') => `
name: ${name}
model: llama-3.1-8b
gpu: h100-sxm
replicas: 4
engine: { scheduler: chunked-prefill }
router: least-outstanding
workload:
  arrivals: { kind: trace }
  trace: { path: ../../shared/data/traces/azure-2023-conv.csv, format: azure }
${extra}`;

const cases: Case[] = [
  {
    id: 'azure',
    goal: 'Azure conv 1 h trace (19,366 req), 4 × Llama-3.1-8B/H100: < 1 s wall',
    yaml: azureYaml('bench-azure-conv'),
    check: (r) => r.wallSec < 1,
  },
  {
    id: 'azure-power',
    goal: 'the Azure case with power caps and thermal throttling on (power: { capWatts: 500, inletC: 35 }): at most 2× the azure case of this run',
    yaml: azureYaml('bench-azure-conv-power', 'power: { capWatts: 500, inletC: 35 }\n'),
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

interface StartupRow {
  id: string;
  command: string;
  goal: string;
  medianSec: number;
  /** Median CPU time (user + system) of the process: less sensitive than wall time to other jobs on the machine. */
  medianCpuSec: number;
  ratioToNode: number;
  met: boolean;
}

/** Prints the process's CPU seconds to stderr at exit (loaded with --import into each measured process). */
const CPU_PROBE = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu='+(u.user+u.system)/1e6+'\\n')})`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measureProcess(args: string[], runs = 5): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    wall.push((performance.now() - t0) / 1000);
    if (p.status !== 0) throw new Error(`node ${args.join(' ')} exited ${p.status}: ${p.stderr}`);
    cpu.push(Number(/cpu=([\d.]+)\s*$/.exec(p.stderr)?.[1] ?? NaN));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function measureStartup(): StartupRow[] {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
  const bin = path.join(repo, 'bin/servesim.js');
  const node = measureProcess(['-e', '0']);
  const row = (id: string, command: string, goal: string, m: { wall: number; cpu: number }, limit: number): StartupRow =>
    ({ id, command, goal, medianSec: m.wall, medianCpuSec: m.cpu, ratioToNode: m.wall / node.wall, met: m.wall < limit });
  const rows: StartupRow[] = [row('node', 'node -e 0', 'reference', node, Infinity)];
  rows.push(row('version', 'servesim --version', '< 0.25 s', measureProcess([bin, '--version']), 0.25));
  const azure = 'scenarios/azure-conv-llama8b-h100.yaml';
  if (existsSync(path.join(repo, '../shared/data/traces/azure-2023-conv.csv'))) {
    rows.push(row('azure-cli', `servesim run ${azure}`, '< 0.5 s', measureProcess([bin, 'run', azure]), 0.5));
  }
  return rows;
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const json = args.includes('--json');
const results: (Measured & { goal: string; met: boolean })[] = [];
const startup = !only || only.includes('startup') ? measureStartup() : [];
if (!json) {
  for (const r of startup) {
    console.log(`startup  ${r.command.padEnd(52)} ${r.medianSec.toFixed(3)} s wall, ${r.medianCpuSec.toFixed(3)} s CPU (medians of 5), ` +
      `${r.ratioToNode.toFixed(1)} × node -e 0` +
      (r.id === 'node' ? '' : ` — ${r.met ? 'goal met' : 'GOAL MISSED'} (${r.goal})`));
  }
}
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
interface PlanBench { goal: string; wallSec: number; cpuSec: number; options: number; simulations: number; best: string | null; met: boolean }

/** `servesim plan` as users run it (bin/servesim.js → dist/), on all cores. */
function measurePlan(): PlanBench | null {
  if (!existsSync(path.join(repo, '../shared/data/traces/azure-2023-conv.csv'))) return null;
  if (startup.length === 0) execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
  const args = [path.join(repo, 'bin/servesim.js'), 'plan', 'scenarios/azure-conv-llama8b-h100.yaml', '--set', 'model=llama-3.1-70b',
    '--space', 'bench/plan-space.yaml', '--max-replicas', '16', '--json'];
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, CI: '1' }, maxBuffer: 1 << 28 });
  const wallSec = (performance.now() - t0) / 1000;
  if (p.status !== 0 && p.status !== 1) throw new Error(`servesim plan exited ${p.status}: ${p.stderr}`);
  const d = JSON.parse(p.stdout) as { options: { trials: unknown[] }[]; best: string | null };
  return {
    goal: '4 GPUs × 3 TP × 2 precisions, Llama-3.1-70B, 1 h Azure conv trace: < 60 s wall',
    wallSec, cpuSec: Number(/cpu=([\d.]+)\s*$/.exec(p.stderr)?.[1] ?? NaN), options: d.options.length,
    simulations: d.options.reduce((n, o) => n + o.trials.length, 0), best: d.best, met: wallSec < 60,
  };
}
const plan = !only || only.includes('plan') ? measurePlan() : null;
if (plan && !json) {
  console.log(`plan     ${plan.options} options, ${plan.simulations} sized runs (+ probes): ${plan.wallSec.toFixed(1)} s wall, ` +
    `${plan.cpuSec.toFixed(1)} s CPU (all threads), best ${plan.best} — ${plan.met ? 'goal met' : 'GOAL MISSED'} (${plan.goal})`);
}
if (json) console.log(JSON.stringify({ node: process.version, startup, results, plan }, null, 2));
process.exitCode = results.every((r) => r.met) && startup.every((r) => r.met) && (plan === null || plan.met) ? 0 : 1;
