import { Command, CommanderError, Option } from 'commander';
import { isUserError, UserError } from '../errors/user-error.ts';
import { messages } from '../errors/messages.ts';
import { problemsJson } from '../errors/problem.ts';
import { TRACE_FORMATS } from '../workload/traces/open-trace.ts';
import type { TraceFormat } from '../workload/traces/open-trace.ts';
import type { Io } from './io.ts';
import { commanderProblems, renderProblems } from './errors.ts';

// Startup time: this module loads only commander and two small modules. Each command's implementation (and
// with it zod, yaml, the simulator) is imported when that command runs (`./commands/*.ts`), so
// `servesim --version` answers without loading them.

export type { Io } from './io.ts';

/** Commands whose registration is cheap; anything else (help, calibrate, a typo) also registers `calibrate`. */
const LIGHT_COMMANDS = new Set(['run', 'check', 'capacity', 'plan', 'merge', 'report', 'profiles', 'trace', 'schema']);

function fractionFlag(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw UserError.of([{ code: 'bad-option', path: '', arg: flag, message: `${flag} must be a number from 0 to 1, got "${v}"`, fix: `e.g. ${flag} 0.01` }]);
  }
  return n;
}

function positiveIntFlag(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw UserError.of([messages.badIntFlag(flag, v)]);
  return n;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code:
 * 0 ok, 1 SLO check failed (`check`) or internal error, 2 bad input or usage (problems: one paragraph each, or
 * `{ problems }` JSON on stderr with `--json`; never a stack).
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const json = argv.includes('--json');
  let helpText = '';
  const program = new Command()
    .name('servesim')
    .description('Discrete-event capacity planning for LLM inference fleets')
    .version('0.1.0')
    .exitOverride()
    // Commander's own error lines are replaced by problems (see ./errors.ts); help text written as part of a
    // usage error is held back and shown above the problem.
    .configureOutput({ writeOut: io.out, writeErr: (t) => { helpText += t; }, outputError: () => {} })
    .showHelpAfterError(false)
    .showSuggestionAfterError(false);

  program
    .command('run')
    .description('simulate a scenario and print a summary (or JSON)')
    .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
    .option('--json', 'print the full report as one JSON document on stdout')
    .option('--out <dir>', 'also write report.json, requests.csv, steps.csv, fleet.csv (and power.csv with power/energy) into this directory')
    .option('--set <key.path=value>', 'override a scenario key (repeatable)', collect, [])
    .action(async (file: string, opts: { json?: boolean; out?: string; set: string[] }) => {
      const { runCommand } = await import('./commands/simulate.ts');
      exitCode = runCommand(io, file, opts);
    });

  program
    .command('check')
    .description('CI capacity gate: run scenarios or a checks file; exit 0 when every SLO, expectation and baseline comparison holds, 1 on a miss or regression, 2 on bad input')
    .argument('<inputs...>', 'scenario files (with an `slo` block), checks files (checks: [...]) or quoted patterns such as \'scenarios/*.yaml\'')
    .option('--json', 'print the run report as JSON (several scenarios: { reports: [...] })')
    .option('--set <key.path=value>', 'override a scenario key in every scenario (repeatable)', collect, [])
    .option('--baseline <file>', 'compare key metrics with this baseline (a --json report or a file from --write-baseline)')
    .option('--tolerance <tol>', 'allowed change against the baseline: 5% for every metric, or metric=10% (repeatable; default 5%)', collect, [])
    .option('--update-baseline', 're-record the --baseline file from this run (deliberate; no comparison)')
    .option('--write-baseline <file>', 'write a baseline file from this run')
    .option('--junit <file>', 'write JUnit XML: one testsuite per scenario, one testcase per check')
    .option('--summary <file>', 'write a Markdown summary (for a PR comment or $GITHUB_STEP_SUMMARY)')
    .option('--markdown <file>', 'the same as --summary')
    .addOption(new Option('--format <format>', 'what to print on stdout').choices(['text', 'markdown']))
    .action(async (inputs: string[], opts: import('./commands/check.ts').CheckOptions) => {
      const { checkCommand } = await import('./commands/check.ts');
      exitCode = checkCommand(io, inputs, opts);
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
    .action(async (file: string, opts: { maxReplicas: string; nPlusOne?: boolean; gpusPerNode: string; json?: boolean; set: string[] }) => {
      const maxReplicas = positiveIntFlag(opts.maxReplicas, '--max-replicas');
      const gpusPerNode = positiveIntFlag(opts.gpusPerNode, '--gpus-per-node');
      const { capacityCommand } = await import('./commands/simulate.ts');
      exitCode = capacityCommand(io, file, { ...opts, maxReplicas, gpusPerNode });
    });

  program
    .command('plan')
    .description('size every option of a search space (GPU, TP, precision, engine, …), rank them by cost; exit 1 when none meets the SLO')
    .argument('<scenario>', 'scenario file with an `slo` block')
    .option('--space <file>', 'YAML mapping scenario key paths (as --set) to lists of values; the product is searched')
    .option('--max-replicas <n>', 'upper bound of the replica search per option', '64')
    .option('--replicas <n>', 'evaluate this fleet size instead of searching the fewest replicas')
    .option('--max-rejection-rate <x>', 'highest share of requests that may be rejected', '0.01')
    .option('--max-rate', 'also find the highest arrival rate each chosen fleet sustains (bisection on the rate)')
    .option('--jobs <n>', 'worker threads (default: the number of CPUs)')
    .option('--shard <i/n>', 'evaluate only shard i of n (JSON for `servesim merge`)')
    .option('--json', 'print JSON')
    .option('--set <key.path=value>', 'override a scenario key (repeatable)', collect, [])
    .action(async (file: string, opts: { space?: string; maxReplicas: string; replicas?: string; maxRejectionRate: string; maxRate?: boolean; jobs?: string; shard?: string; json?: boolean; set: string[] }) => {
      const maxReplicas = positiveIntFlag(opts.maxReplicas, '--max-replicas');
      const fixedReplicas = opts.replicas === undefined ? undefined : positiveIntFlag(opts.replicas, '--replicas');
      const jobs = opts.jobs === undefined ? undefined : positiveIntFlag(opts.jobs, '--jobs');
      const maxRejectionRate = fractionFlag(opts.maxRejectionRate, '--max-rejection-rate');
      const { planCommand } = await import('./commands/plan.ts');
      const { progressWanted } = await import('./progress.ts');
      exitCode = await planCommand(io, file, {
        ...opts, maxReplicas, fixedReplicas, jobs, maxRejectionRate, progress: progressWanted(opts.json),
      });
    });

  program
    .command('merge')
    .description('combine the --json outputs of `servesim plan --shard i/n` into the single-machine plan')
    .argument('<shards...>', 'shard files (plan --shard i/n --json)')
    .option('--json', 'print JSON (byte-identical to `servesim plan --json` on one machine)')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const { mergeCommand } = await import('./commands/plan.ts');
      exitCode = mergeCommand(io, files, opts);
    });

  program
    .command('report')
    .description('procurement what-if: plan a space, grow the traffic, and write report.html, charts (SVG, PNG) and summary.md')
    .argument('<scenario>', 'scenario file with an `slo` block')
    .option('--space <file>', 'search space (as for plan)')
    .option('--out <dir>', 'folder to write report.html, *.svg, *.png, summary.md, plan.json into')
    .option('--growth <pct>', 'traffic growth per month, %', '5')
    .option('--months <n>', 'months of growth to plan for', '12')
    .option('--lead-time <months|gpu=months>', 'procurement lead time, all GPUs or one (repeatable)', collect, [])
    .option('--kwh-usd <usd>', 'power price for on-prem TCO, $ per kWh', '0.1')
    .option('--max-replicas <n>', 'upper bound of the replica search per option', '64')
    .option('--max-rejection-rate <x>', 'highest share of requests that may be rejected', '0.01')
    .option('--jobs <n>', 'worker threads (default: the number of CPUs)')
    .option('--set <key.path=value>', 'override a scenario key (repeatable)', collect, [])
    .action(async (file: string, opts: { space?: string; out?: string; growth: string; months: string; leadTime: string[]; kwhUsd: string; maxReplicas: string; maxRejectionRate: string; jobs?: string; set: string[] }) => {
      const maxReplicas = positiveIntFlag(opts.maxReplicas, '--max-replicas');
      const months = positiveIntFlag(opts.months, '--months');
      const jobs = opts.jobs === undefined ? undefined : positiveIntFlag(opts.jobs, '--jobs');
      const maxRejectionRate = fractionFlag(opts.maxRejectionRate, '--max-rejection-rate');
      const growth = Number(opts.growth);
      if (opts.growth.trim() === '' || !Number.isFinite(growth) || growth < 0 || growth > 1000) {
        throw UserError.of([{ code: 'bad-option', path: '', arg: '--growth', message: `--growth must be a percentage per month from 0 to 1000, got "${opts.growth}"`, fix: 'e.g. --growth 5' }]);
      }
      const kwhUsd = Number(opts.kwhUsd);
      if (opts.kwhUsd.trim() === '' || !Number.isFinite(kwhUsd) || kwhUsd < 0) {
        throw UserError.of([{ code: 'bad-option', path: '', arg: '--kwh-usd', message: `--kwh-usd must be a price ≥ 0, got "${opts.kwhUsd}"`, fix: 'e.g. --kwh-usd 0.12' }]);
      }
      const { reportCommand } = await import('./commands/report.ts');
      const { progressWanted } = await import('./progress.ts');
      exitCode = await reportCommand(io, file, {
        space: opts.space, set: opts.set, out: opts.out ?? '', growth, months, leadTime: opts.leadTime, kwhUsd,
        maxReplicas, maxRejectionRate, jobs, progress: progressWanted(false),
      });
    });

  // `calibrate` declares its options in src/calibrate/command.ts, which loads the fitting code: registered only
  // when it may run or be listed (not for the other commands or --version).
  const sub = argv.find((a) => !a.startsWith('-'));
  const versionOnly = sub === undefined && (argv.includes('--version') || argv.includes('-V'));
  if (!versionOnly && (sub === undefined || !LIGHT_COMMANDS.has(sub))) {
    const { registerCalibrateCommand } = await import('../calibrate/command.ts');
    registerCalibrateCommand(program, io);
  }

  const profiles = program.command('profiles').description('list or show hardware and model profiles');
  profiles
    .command('list')
    .description('list GPU and model profile ids')
    .argument('[kind]', 'gpus or models (default: both)')
    .action(async (kind?: string) => {
      const { profilesListCommand } = await import('./commands/inspect.ts');
      exitCode = profilesListCommand(io, kind);
    });
  profiles
    .command('show')
    .description('show one profile with the source of every value')
    .argument('<id>', 'a GPU or model profile id')
    .action(async (id: string) => {
      const { profilesShowCommand } = await import('./commands/inspect.ts');
      exitCode = profilesShowCommand(io, id);
    });

  const trace = program.command('trace').description('inspect request traces');
  trace
    .command('stats')
    .description('summarise a trace: rows, span, rate, length percentiles, burstiness')
    .argument('<file>', 'trace file')
    .addOption(new Option('--format <format>', 'trace format; inferred from the first line when left out').choices([...TRACE_FORMATS, 'lengths']))
    .option('--time-scale <x>', 'multiply timestamps by x', '1')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { format?: TraceFormat | 'lengths'; timeScale: string; json?: boolean }) => {
      const { traceStatsCommand } = await import('./commands/inspect.ts');
      exitCode = traceStatsCommand(io, file, opts);
    });

  program
    .command('schema')
    .description('print (or write) the JSON Schema of scenario files')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: { out?: string }) => {
      const { schemaCommand } = await import('./commands/inspect.ts');
      exitCode = schemaCommand(io, opts);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      const problems = commanderProblems(e, program, argv);
      if (problems === null) {
        if (helpText !== '') io.err(helpText);
        return 0;
      }
      if (!json && helpText !== '') io.err(helpText + '\n');
      io.err(renderProblems(problems, json));
      return 2;
    }
    if (isUserError(e)) {
      io.err(renderProblems(e.problems, json));
      return 2;
    }
    // A bug, not a user error: the stack is what a report needs (as a problem of code "internal" with --json).
    io.err(json ? problemsJson([messages.internal(e)]) : `internal error (please report): ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/**
 * The `servesim` command (bin/servesim.js): {@link main} on the process's stdout and stderr. When stdout is
 * closed early (`servesim run … | head -1`), writing fails with EPIPE: output stops quietly and the command
 * ends with its usual exit code instead of an unhandled 'error' event and a stack trace.
 */
export async function cli(argv: string[]): Promise<number> {
  const closed = { out: false, err: false };
  const quietOnEpipe = (which: 'out' | 'err') => (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      closed[which] = true;
      return;
    }
    if (which === 'out' && !closed.err) process.stderr.write(`error: cannot write to stdout: ${e.message}\n`);
    process.exit(1);
  };
  process.stdout.on('error', quietOnEpipe('out'));
  process.stderr.on('error', quietOnEpipe('err'));
  return main(argv, {
    out: (t) => { if (!closed.out) process.stdout.write(t); },
    err: (t) => { if (!closed.err) process.stderr.write(t); },
  });
}
