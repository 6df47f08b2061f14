/**
 * `run`, `check` and `capacity`: the commands that simulate. Loaded by src/cli/main.ts only when one of them
 * runs, so `servesim --version` or `profiles list` never load the simulator.
 */
import { UserError } from '../../errors/user-error.ts';
import { nodeResolveEnv, readScenarioFile } from '../node-env.ts';
import { resolveScenario } from '../../scenario/resolve.ts';
import { runScenario } from '../../scenario/run.ts';
import { formatReportTable } from '../../report/format-table.ts';
import { columnsToCsv } from '../../report/csv.ts';
import { stableJson } from '../../report/json.ts';
import { findCapacity } from '../../plan/capacity.ts';
import { writeOutputsAtomically } from '../write-outputs.ts';
import type { Io } from '../io.ts';

export function runCommand(io: Io, file: string, opts: { json?: boolean; out?: string; set: string[] }): number {
  const scenario = readScenarioFile(file, opts.set);
  const resolved = resolveScenario(scenario, nodeResolveEnv(file));
  const { report, result } = runScenario(resolved, { recordSteps: !!opts.out, perRequestDetail: !!opts.out });
  if (opts.out) {
    const d = result.metrics.detail!;
    const st = result.steps!;
    writeOutputsAtomically(opts.out, {
      'requests.csv': () => columnsToCsv({
        id: d.id, replica: d.replica, arrivalSec: d.arrivalSec, firstScheduledSec: d.firstScheduledSec,
        firstTokenSec: d.firstTokenSec, completionSec: d.completionSec, inputTokens: d.inputTokens,
        outputTokens: d.outputTokens, prefixHitTokens: d.prefixHitTokens, preemptions: d.preemptions,
      }),
      'steps.csv': () => columnsToCsv({
        replica: st.replica, startSec: st.startSec, durationSec: st.durationSec, prefillTokens: st.prefillTokens,
        prefillSeqs: st.prefillSeqs, decodeSeqs: st.decodeSeqs, decodeContextTokens: st.decodeContextTokens,
        running: st.running, waiting: st.waiting, kvUtilization: st.kvUtilization, flops: st.flops, bytes: st.bytes,
      }),
      'fleet.csv': () => columnsToCsv({
        tSec: result.timeline.tSec, pool: result.timeline.pool, starting: result.timeline.starting,
        ready: result.timeline.readyCount, draining: result.timeline.draining, failed: result.timeline.failed,
      }),
      'report.json': () => stableJson(report),
    });
  }
  io.out(opts.json ? stableJson(report) : formatReportTable(report));
  return 0;
}

export function checkCommand(io: Io, file: string, opts: { json?: boolean; set: string[] }): number {
  const scenario = readScenarioFile(file, opts.set);
  if (!scenario.slo) {
    throw new UserError('the scenario has no slo block, so there is nothing to check', {
      where: `${file}: slo`,
      fix: 'add e.g. slo: { ttftMs: { p99: 2000 }, tpotMs: { p99: 100 } }',
    });
  }
  const { report } = runScenario(resolveScenario(scenario, nodeResolveEnv(file)));
  if (opts.json) io.out(stableJson(report));
  const s = report.slo;
  if (s.met) {
    if (!opts.json) io.out(`PASS ${report.scenario}: ${s.checked} objective${s.checked === 1 ? '' : 's'} met\n`);
    return 0;
  }
  if (!opts.json) {
    io.out(`FAIL ${report.scenario}: ${s.violations.length} of ${s.checked} objectives missed\n`);
    for (const v of s.violations) io.out(`  ${v.key}: ${v.actualMs === null ? 'no samples' : v.actualMs} ms > limit ${v.limitMs} ms\n`);
  }
  return 1;
}

export function capacityCommand(io: Io, file: string,
  opts: { maxReplicas: number; nPlusOne?: boolean; gpusPerNode: number; json?: boolean; set: string[] }): number {
  const { maxReplicas, gpusPerNode } = opts;
  const res = findCapacity(readScenarioFile(file, opts.set), nodeResolveEnv(file), { maxReplicas, nPlusOne: !!opts.nPlusOne, gpusPerNode });
  if (opts.json) {
    io.out(stableJson(res));
    return 0;
  }
  io.out(res.replicas === null
    ? `${res.scenario}: the SLO is not met even with ${maxReplicas} replicas (raise --max-replicas)\n`
    : `${res.scenario}: ${res.replicas} replicas (${res.gpus} GPUs) meet the SLO\n`);
  if (res.nPlusOne) {
    const np = res.nPlusOne;
    io.out(np.replicas === null
      ? `N+1: not met with one node (${np.replicasPerNode} replicas) down within ${maxReplicas} replicas\n`
      : `N+1: ${np.replicas} replicas (${np.gpus} GPUs) meet it with one node (${np.replicasPerNode} replicas) down\n`);
  }
  for (const e of res.evaluations) {
    io.out(`  tried ${e.replicas}${e.down ? ` (${e.down} down)` : ''}: ${e.sloMet ? 'met' : `missed ${e.violations.join(', ')}`}\n`);
  }
  return 0;
}
