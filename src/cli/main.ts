import { Command, CommanderError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isUserError, UserError } from '../errors/user-error.ts';
import { nodeResolveEnv, readScenarioFile } from './node-env.ts';
import { resolveScenario } from '../scenario/resolve.ts';
import { runScenario } from '../scenario/run.ts';
import { formatReportTable } from '../report/format-table.ts';
import { columnsToCsv } from '../report/csv.ts';
import { writeOutputsAtomically } from './write-outputs.ts';
import { listProfileIds, loadGpuProfile, loadModelProfile } from '../profiles/fs.ts';
import { formatProfile, formatProfileList } from '../profiles/format.ts';
import { readTrace, TRACE_FORMATS } from '../workload/traces/open-trace.ts';
import type { TraceFormat } from '../workload/traces/open-trace.ts';
import { openLineSource } from '../workload/node-line-source.ts';
import { traceStats, formatTraceStats } from '../workload/stats.ts';
import { scenarioJsonSchema } from '../scenario/json-schema.ts';
import { stableJson } from '../report/json.ts';
import { findCapacity } from '../plan/capacity.ts';
import { registerCalibrateCommand } from '../calibrate/command.ts';

function positiveIntFlag(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} must be a positive integer, got "${v}"`, { where: flag, fix: `e.g. ${flag} 8` });
  return n;
}

/** Where the CLI writes; injectable for tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code:
 * 0 ok, 1 SLO check failed (`check`) or internal error, 2 bad input (a one-paragraph message, no stack).
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('servesim')
    .description('Discrete-event capacity planning for LLM inference fleets')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError(false);

  program
    .command('run')
    .description('simulate a scenario and print a summary (or JSON)')
    .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
    .option('--json', 'print the full report as one JSON document on stdout')
    .option('--out <dir>', 'also write report.json, requests.csv, steps.csv, fleet.csv (and power.csv with power/energy) into this directory')
    .option('--set <key.path=value>', 'override a scenario key (repeatable)', collect, [])
    .action((file: string, opts: { json?: boolean; out?: string; set: string[] }) => {
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
    });

  program
    .command('check')
    .description('run a scenario as a CI gate: exit 0 when every SLO holds, 1 when one is missed')
    .argument('<scenario>', 'scenario file with an `slo` block')
    .option('--json', 'print the full report as JSON')
    .option('--set <key.path=value>', 'override a scenario key (repeatable)', collect, [])
    .action((file: string, opts: { json?: boolean; set: string[] }) => {
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
      } else {
        if (!opts.json) {
          io.out(`FAIL ${report.scenario}: ${s.violations.length} of ${s.checked} objectives missed\n`);
          for (const v of s.violations) io.out(`  ${v.key}: ${v.actualMs === null ? 'no samples' : v.actualMs} ms > limit ${v.limitMs} ms\n`);
        }
        exitCode = 1;
      }
    });

  program
    .command('capacity')
    .description('find the fewest replicas that meet the SLO (and, with --n-plus-one, with one node down)')
    .argument('<scenario>', 'scenario file with an `slo` block')
    .option('--max-replicas <n>', 'upper bound of the search', '64')
    .option('--n-plus-one', 'also size for one node down (N+1 headroom)')
    .option('--gpus-per-node <n>', 'GPUs per node for --n-plus-one', '8')
    .option('--json', 'print JSON')
    .option('--set <key.path=value>', 'override a scenario key (repeatable)', collect, [])
    .action((file: string, opts: { maxReplicas: string; nPlusOne?: boolean; gpusPerNode: string; json?: boolean; set: string[] }) => {
      const maxReplicas = positiveIntFlag(opts.maxReplicas, '--max-replicas');
      const gpusPerNode = positiveIntFlag(opts.gpusPerNode, '--gpus-per-node');
      const res = findCapacity(readScenarioFile(file, opts.set), nodeResolveEnv(file), { maxReplicas, nPlusOne: !!opts.nPlusOne, gpusPerNode });
      if (opts.json) {
        io.out(stableJson(res));
        return;
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
    });

  registerCalibrateCommand(program, io);

  const profiles = program.command('profiles').description('list or show hardware and model profiles');
  profiles
    .command('list')
    .description('list GPU and model profile ids')
    .argument('[kind]', 'gpus or models (default: both)')
    .action((kind?: string) => {
      if (kind !== undefined && kind !== 'gpus' && kind !== 'models') {
        throw new UserError(`unknown profile kind "${kind}"`, { where: 'profiles list', fix: 'use "gpus" or "models"' });
      }
      const kinds = kind ? [kind as 'gpus' | 'models'] : (['gpus', 'models'] as const);
      for (const k of kinds) {
        const ids = listProfileIds(k);
        const items = ids.map((id) => (k === 'gpus' ? loadGpuProfile(id) : loadModelProfile(id)));
        io.out(formatProfileList(k, items) + '\n');
      }
    });
  profiles
    .command('show')
    .description('show one profile with the source of every value')
    .argument('<id>', 'a GPU or model profile id')
    .action((id: string) => {
      const isGpu = listProfileIds('gpus').includes(id);
      io.out(formatProfile(isGpu ? loadGpuProfile(id) : loadModelProfile(id)) + '\n');
    });

  const trace = program.command('trace').description('inspect request traces');
  trace
    .command('stats')
    .description('summarise a trace: rows, span, rate, length percentiles, burstiness')
    .argument('<file>', 'trace file')
    .addOption(new Option('--format <format>', 'trace format').choices([...TRACE_FORMATS]).makeOptionMandatory())
    .option('--time-scale <x>', 'multiply timestamps by x', '1')
    .option('--json', 'print JSON')
    .action((file: string, opts: { format: TraceFormat; timeScale: string; json?: boolean }) => {
      const timeScale = Number(opts.timeScale);
      const src = readTrace(opts.format, openLineSource(path.resolve(file)), { timeScale, timeScaleKey: '--time-scale' });
      const stats = traceStats(src);
      io.out(opts.json ? stableJson(stats) : formatTraceStats(stats) + '\n');
    });

  program
    .command('schema')
    .description('print (or write) the JSON Schema of scenario files')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { out?: string }) => {
      const text = stableJson(scenarioJsonSchema());
      if (opts.out) writeFileSync(opts.out, text);
      else io.out(text);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (isUserError(e)) {
      io.err(e.format() + '\n');
      return 2;
    }
    io.err(`internal error (please report): ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
