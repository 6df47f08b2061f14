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
const LIGHT_COMMANDS = new Set(['run', 'check', 'capacity', 'profiles', 'trace', 'schema']);

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
