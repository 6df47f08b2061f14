/**
 * How the command line reports problems: commander's parse errors turned into {@link Problem}s (with
 * "did you mean"), the report itself (paragraphs, or `{ problems }` JSON with `--json`), and the checks
 * of output paths that run before any simulation.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { messages } from '../errors/messages.ts';
import type { Problem } from '../errors/problem.ts';
import { formatProblem, problemsJson } from '../errors/problem.ts';
import { UserError } from '../errors/user-error.ts';
import type { Locate } from '../scenario/parse.ts';

/** The deepest (sub)command named in `argv`, and its full name (`servesim trace stats`). */
function commandOf(program: Command, argv: readonly string[]): { cmd: Command; name: string } {
  let cmd = program;
  let name = program.name();
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    cmd = sub;
    name += ` ${sub.name()}`;
  }
  return { cmd, name };
}

const visibleCommands = (cmd: Command): string[] => cmd.commands.map((c) => c.name());
const optionNames = (cmd: Command): string[] =>
  [...cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => x !== undefined)), '--help'];

/**
 * A commander parse error as problems, or null for help/version (exit 0). Usage errors (`servesim` or
 * `servesim trace` without a command) are problems too: exit 2.
 */
export function commanderProblems(e: CommanderError, program: Command, argv: readonly string[]): Problem[] | null {
  const { cmd, name } = commandOf(program, argv);
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  switch (e.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return null;
    case 'commander.help':
      return e.exitCode === 0 ? null : [messages.missingSubcommand(name, visibleCommands(cmd))];
    case 'commander.unknownCommand':
      return [messages.unknownCommand(quoted, visibleCommands(cmd), name)];
    case 'commander.unknownOption':
      return [messages.unknownOption(quoted, optionNames(cmd), name)];
    case 'commander.missingArgument':
      return [messages.usage(`the <${quoted}> argument is missing`, name, 'missing-argument')];
    case 'commander.missingMandatoryOptionValue':
    case 'commander.optionMissingArgument':
      return [messages.usage(e.message.replace(/^error: /, ''), name, 'missing-option')];
    default:
      return [messages.usage(e.message.replace(/^error: /, '').split('\n')[0], name, e.code.replace(/^commander\./, ''))];
  }
}

/**
 * Gives problems raised after parsing (unknown GPU id, a model that does not fit) the file:line of their
 * key in the scenario, or the `--set` argument that set it (`locate` answers only for scenario key paths).
 */
export function locateProblems(e: UserError, locate: Locate): void {
  for (const p of e.problems) {
    if (p.path === '' || p.file !== undefined || p.arg !== undefined || p.line !== undefined) continue;
    Object.assign(p, locate(p.path));
  }
}

/** Runs `fn` (resolve, simulate) and locates the problems it raises with `locate`. */
export function withLocations<T>(locate: Locate, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError) locateProblems(e, locate);
    throw e;
  }
}

/** Problems printed on the terminal at most. */
const MAX_SHOWN = 50;

/** The terminal (paragraphs) or `--json` (a JSON document) form of problems, for stderr. */
export function renderProblems(problems: readonly Problem[], json: boolean): string {
  if (json) return problemsJson(problems);
  const head = problems.length > 1 ? `${problems.length} problems:\n` : '';
  // A binary file can raise thousands of syntax errors: the terminal shows the first ones, --json all.
  const shown = problems.length > MAX_SHOWN ? problems.slice(0, MAX_SHOWN) : problems;
  const more = problems.length - shown.length;
  return head + shown.map(formatProblem).join('\n') + '\n' + (more > 0 ? `… and ${more} more (--json lists them all)\n` : '');
}

/**
 * Checks that `--out DIR` can take the outputs before anything is simulated: the folder exists or can be
 * created, is a folder, and a file can be written in it (tried with a probe file, removed again).
 * Creates missing folders one level at a time (never a recursive mkdir, which loops on /proc).
 */
export function prepareOutDir(dir: string): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    missing.unshift(p);
    const parent = path.dirname(p);
    if (parent === p) break;
    p = parent;
  }
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    throw UserError.of([messages.badOut(dir, `cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'choose another folder')]);
  }
  if (!st.isDirectory()) {
    throw UserError.of([messages.badOut(dir, missing.length === 0 ? `${dir} is a file, not a folder` : `${p} is a file, so no folder can be made below it`,
      'give the path of a folder (it is created if missing)')]);
  }
  try {
    for (const m of missing) mkdirSync(m);
    accessSync(abs, constants.W_OK);
    const probe = path.join(abs, `.servesim-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw UserError.of([messages.badOut(dir, code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the folder is not writable' : `it cannot be written (${code})`,
      'choose a folder you can write to')]);
  }
}

/** Checks `schema --out FILE` before writing: the folder exists, and FILE is not a folder. */
export function checkOutFile(file: string): void {
  const abs = path.resolve(file);
  const parent = path.dirname(abs);
  if (existsSync(abs) && statSync(abs).isDirectory()) {
    throw UserError.of([{ ...messages.badOut(file, `${file} is a folder`, 'give a file name, e.g. --out docs/scenario.schema.json'), arg: `--out ${file}` }]);
  }
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    throw UserError.of([messages.badOut(file, `the folder ${path.dirname(file)} does not exist`, 'create the folder first, or write into an existing one')]);
  }
}

export { CommanderError };
