/**
 * `run` and `capacity`: two of the commands that simulate (`check` is in ./check.ts). Loaded by src/cli/main.ts only when one of them
 * runs, so `servesim --version` or `profiles list` never load the simulator.
 */
import { nodeResolveEnv, readScenarioSource } from '../node-env.ts';
import { prepareOutDir, withLocations } from '../errors.ts';
import { resolveScenario } from '../../scenario/resolve.ts';
import { runScenario } from '../../scenario/run.ts';
import { formatReportTable } from '../../report/format-table.ts';
import { columnsToCsv, fleetCsv, requestsCsv } from '../../report/csv.ts';
import { stableJson } from '../../report/json.ts';
import { findCapacity } from '../../plan/capacity.ts';
import { writeOutputsAtomically } from '../write-outputs.ts';
import type { Io } from '../io.ts';
import { progressWanted, startCounter, startProgress } from '../progress.ts';

export function runCommand(io: Io, file: string, opts: { json?: boolean; out?: string; set: string[] }): number {
  if (opts.out) prepareOutDir(opts.out); // before simulating: a bad --out must not cost the whole run
  const { scenario, locate } = readScenarioSource(file, opts.set);
  // Problems found from here on get the file:line of the key that caused them (or its --set argument).
  // Progress on a terminal only (not in CI, not with --json): completed requests, against the workload's
  // request count when the scenario states one.
  const total = scenario.workload?.requests;
  const bar = progressWanted(opts.json) ? (total !== undefined ? startProgress(total, 'requests') : startCounter('requests completed')) : null;
  let run: ReturnType<typeof runScenario> & { resolved: ReturnType<typeof resolveScenario> };
  try {
    run = withLocations(locate, () => {
      const resolved = resolveScenario(scenario, nodeResolveEnv(file));
      return {
        resolved,
        ...runScenario(resolved, {
          recordSteps: !!opts.out, perRequestDetail: !!opts.out,
          ...(bar ? { onProgress: (_simSec: number, completed: number) => bar.update(completed) } : {}),
        }),
      };
    });
  } finally {
    bar?.stop();
  }
  const { resolved, report, result } = run;
  if (opts.out) {
    const d = result.metrics.detail!;
    const st = result.steps!;
    writeOutputsAtomically(opts.out, {
      'requests.csv': () => requestsCsv(d),
      'steps.csv': () => columnsToCsv({
        replica: st.replica, startSec: st.startSec, durationSec: st.durationSec, prefillTokens: st.prefillTokens,
        prefillSeqs: st.prefillSeqs, decodeSeqs: st.decodeSeqs, decodeContextTokens: st.decodeContextTokens,
        running: st.running, waiting: st.waiting, kvUtilization: st.kvUtilization, flops: st.flops, bytes: st.bytes,
      }),
      'fleet.csv': () => fleetCsv(result.timeline, resolved.pools.map((p) => p.name)),
      ...(result.power ? {
        'power.csv': () => {
          const ps = result.power!.samples;
          return columnsToCsv({
            tSec: ps.tSec, replica: ps.replica, pool: ps.pool, wattsPerGpu: ps.wattsPerGpu, tempC: ps.tempC, clockFraction: ps.clockFraction,
          });
        },
      } : {}),
      'report.json': () => stableJson(report),
    });
  }
  io.out(opts.json ? stableJson(report) : formatReportTable(report));
  return 0;
}

export function capacityCommand(io: Io, file: string,
  opts: { maxReplicas: number; nPlusOne?: boolean; gpusPerNode: number; json?: boolean; set: string[] }): number {
  const { maxReplicas, gpusPerNode } = opts;
  const { scenario, locate } = readScenarioSource(file, opts.set);
  const bar = progressWanted(opts.json) ? startCounter('fleet sizes simulated') : null;
  let res: ReturnType<typeof findCapacity>;
  try {
    res = withLocations(locate, () => findCapacity(scenario, nodeResolveEnv(file), {
      maxReplicas, nPlusOne: !!opts.nPlusOne, gpusPerNode, ...(bar ? { onEvaluation: (n: number) => bar.update(n) } : {}),
    }));
  } finally {
    bar?.stop();
  }
  if (opts.json) {
    io.out(stableJson(res));
    return res.replicas === null ? 1 : 0;
  }
  const tp = res.parallelism.pipeline > 1 ? `TP${res.parallelism.tensor} × PP${res.parallelism.pipeline}` : `TP${res.parallelism.tensor}`;
  const prec = res.precision.weights === res.precision.kvCache ? res.precision.weights : `${res.precision.weights} weights, ${res.precision.kvCache} KV cache`;
  io.out(`${res.scenario}: ${res.gpu} · ${tp} · ${prec}\n`);
  const ms = (x: number | null, d = 0) => (x === null ? '—' : `${x.toFixed(d)} ms`);
  if (res.replicas === null) {
    io.out(`no fleet size meets the SLO: ${res.reason}\n`);
  } else {
    const at = res.evaluations.find((e) => e.replicas === res.replicas && e.down === 0)!;
    io.out(`${res.replicas} replica${res.replicas === 1 ? '' : 's'} (${res.gpus} GPU${res.gpus === 1 ? '' : 's'}) meet${res.replicas === 1 ? 's' : ''} the SLO · $${at.costUsdPerMillionTokens.toFixed(3)} per million tokens · ` +
      `p99 TTFT ${ms(at.latencyMs.ttft)} · p99 TPOT ${ms(at.latencyMs.tpot, 1)} · p99 E2E ${ms(at.latencyMs.e2e)}\n`);
  }
  if (res.nPlusOne) {
    const np = res.nPlusOne;
    io.out(np.replicas === null
      ? `N+1: not met with one node (${np.replicasPerNode} replicas) down within ${maxReplicas} replicas\n`
      : `N+1: ${np.replicas} replicas (${np.gpus} GPUs) meet it with one node (${np.replicasPerNode} replicas) down\n`);
  }
  for (const e of res.evaluations) {
    io.out(`  tried ${e.replicas}${e.down ? ` (${e.down} down)` : ''}: ${e.sloMet ? 'met' : `missed ${e.violations.join(', ')}`}\n`);
  }
  return res.replicas === null ? 1 : 0;
}
