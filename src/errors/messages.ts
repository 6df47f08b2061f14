/**
 * The catalog of user-facing problems: every message that more than one module raises, and every problem
 * of the scenario parser and the command line, is built here so its wording stays consistent and
 * reviewable in one place. Each entry returns a {@link Problem} (or a `UserError` carrying one).
 */
import { UserError } from './user-error.ts';
import type { Problem } from './problem.ts';
import { didYouMean } from './suggest.ts';

/** `did you mean "x"? ` + `use one of: …` (the list cut at 40 entries). */
function choiceFix(given: string | undefined, choices: readonly string[], what = 'one of'): string {
  const shown = choices.length > 40 ? [...choices.slice(0, 40), '…'] : choices;
  return `${given === undefined ? '' : didYouMean(given, choices)}use ${what}: ${shown.join(', ')}`;
}

const showValue = (v: unknown): string => {
  if (typeof v === 'string') return `"${v.length > 60 ? `${v.slice(0, 57)}...` : v}"`;
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
};

export const messages = {
  fileNotFound(path: string, absPath: string, what: string): UserError {
    return new UserError(`${what} file not found: ${path} (resolved to ${absPath})`, {
      where: path, code: 'file-not-found',
      fix: 'check the path; relative paths resolve against the directory of the scenario file',
    });
  },
  notAFile(path: string, what: string): UserError {
    return new UserError(`${what} path is a directory, not a file: ${path}`, {
      where: path, code: 'not-a-file', fix: `give the path of a ${what} file (.yaml, .yml or .json)`,
    });
  },
  unreadable(path: string, what: string, why: string): UserError {
    return new UserError(`cannot read the ${what} file ${path} (${why})`, {
      where: path, code: 'unreadable', fix: 'check the path and its permissions',
    });
  },
  yamlSyntax(file: string, line: number, detail: string): Problem {
    return {
      code: 'yaml-syntax', path: '', file, line, message: `invalid YAML/JSON: ${detail}`,
      fix: 'correct the syntax at that line (indentation, a missing colon or an unclosed bracket)',
    };
  },
  multipleDocuments(file: string, line: number): Problem {
    return {
      code: 'multiple-documents', path: '', file, line,
      message: 'the file holds more than one YAML document (a second "---" or "..." line)',
      fix: 'keep one scenario per file: remove the second document, or split it into its own file',
    };
  },
  yamlAliases(file: string): Problem {
    return {
      code: 'yaml-aliases', path: '', file,
      message: 'too many YAML aliases (*name) expand the file beyond a sane size',
      fix: 'write the values out instead of nesting aliases of aliases',
    };
  },
  tooDeep(file: string): Problem {
    return {
      code: 'too-deep', path: '', file, message: 'the document is nested too deeply to read',
      fix: 'a scenario is at most a few levels deep: check for unbalanced brackets',
    };
  },
  notAMapping(file: string, got: unknown): Problem {
    return {
      code: 'not-a-mapping', path: '', file, line: 1, message: `a scenario is a mapping of keys, got ${showValue(got)}`,
      fix: 'start from scenarios/quickstart.yaml: name, model, gpu, workload, …',
    };
  },
  badOverride(expr: string, why = 'expected key.path=value'): Problem {
    return {
      code: 'bad-override', path: '', arg: `--set ${expr}`, message: `cannot apply --set "${expr}": ${why}`,
      fix: 'write --set key.path=value, e.g. --set workload.arrivals.ratePerSec=12',
    };
  },
  overrideThroughScalar(expr: string, scalarPath: string): Problem {
    return {
      code: 'bad-override', path: scalarPath, arg: `--set ${expr}`,
      message: `cannot set a key below ${scalarPath}, which holds a single value, not a mapping`,
      fix: `set ${scalarPath} itself (--set ${scalarPath}=VALUE), or ${scalarPath}=null first to replace it with a mapping`,
    };
  },
  unknownKey(path: string, key: string, valid: readonly string[]): Problem {
    return {
      code: 'unknown-key', path, message: `unknown key "${key}"`,
      fix: `${didYouMean(key, valid)}${valid.length > 0 ? `keys here: ${valid.join(', ')}` : 'remove it'}`,
    };
  },
  missingKey(path: string, expected: string): Problem {
    const key = path.split('.').pop() ?? path;
    return { code: 'missing-key', path, message: `required key "${key}" is missing`, fix: `add ${key} (${expected}); see docs/scenario.md` };
  },
  wrongType(path: string, expected: string, got: unknown): Problem {
    return { code: 'wrong-type', path, message: `expected ${expected}, got ${showValue(got)}`, fix: `give ${expected}; see docs/scenario.md` };
  },
  invalidChoice(path: string, got: unknown, choices: readonly string[]): Problem {
    return {
      code: 'invalid-choice', path, message: `${showValue(got)} is not one of the accepted values`,
      fix: choiceFix(typeof got === 'string' ? got : undefined, choices),
    };
  },
  outOfRange(path: string, got: unknown, bound: string, fix?: string): Problem {
    return { code: 'out-of-range', path, message: `must be ${bound}, got ${showValue(got)}`, fix: fix ?? `give a value ${bound}` };
  },
  invalidValue(path: string, message: string, fix = 'see docs/scenario.md'): Problem {
    return { code: 'invalid-value', path, message, fix };
  },
  tooLarge(path: string, got: number, max: number, what: string): Problem {
    return {
      code: 'too-large', path, message: `${got} ${what} is more than servesim simulates (at most ${max.toLocaleString('en-US')})`,
      fix: `use at most ${max}; scale the result, or simulate a representative slice`,
    };
  },
  unknownProfile(kind: 'gpu' | 'model', id: string, known: readonly string[], path: string): Problem {
    return {
      code: `unknown-${kind}`, path, message: `unknown ${kind === 'gpu' ? 'GPU' : 'model'} profile "${id}"`,
      fix: `${choiceFix(id, known)} (or add profiles/${kind === 'gpu' ? 'gpus' : 'models'}/${id}.yaml)`,
    };
  },
  unknownProfileAny(id: string, gpus: readonly string[], models: readonly string[]): Problem {
    return {
      code: 'unknown-profile', path: '', arg: id, message: `no GPU or model profile "${id}"`,
      fix: `${didYouMean(id, [...gpus, ...models])}GPU ids: ${gpus.join(', ')}; model ids: ${models.join(', ')}`,
    };
  },
  unknownCommand(name: string, commands: readonly string[], parent = 'servesim'): Problem {
    const alias: Record<string, string> = {
      simulate: 'use "servesim run <scenario>" to simulate a scenario',
      sim: 'use "servesim run <scenario>" to simulate a scenario',
      validate: 'the accuracy validation is not a servesim command: run "npm run validate" in the repository; to check a scenario file, run "servesim run <scenario>"',
      help: `use "${parent} --help"`,
    };
    return {
      code: 'unknown-command', path: '', arg: name, message: `unknown command "${name}"`,
      fix: alias[name] ?? `${didYouMean(name, commands)}commands: ${commands.join(', ')} (see ${parent} --help)`,
    };
  },
  unknownOption(option: string, options: readonly string[], command: string): Problem {
    const bare = option.split('=')[0];
    return {
      code: 'unknown-option', path: '', arg: bare, message: `unknown option "${bare}" for ${command}`,
      fix: `${didYouMean(bare, options)}options: ${options.join(', ') || '(none)'} (see ${command} --help)`,
    };
  },
  usage(message: string, command: string, code = 'usage'): Problem {
    return { code, path: '', arg: command, message, fix: `see ${command} --help` };
  },
  missingSubcommand(command: string, subcommands: readonly string[]): Problem {
    return {
      code: 'missing-command', path: '', arg: command, message: 'no command given',
      fix: `use one of: ${subcommands.join(', ')} (see ${command} --help)`,
    };
  },
  badOut(dir: string, why: string, fix: string): Problem {
    return { code: 'bad-out', path: '', arg: `--out ${dir}`, message: `cannot write the outputs to ${dir}: ${why}`, fix };
  },
  maxModelLenTooLong(maxModelLen: number, model: string, maxContext: number): Problem {
    return {
      code: 'out-of-range', path: 'engine.maxModelLen', message: `engine.maxModelLen ${maxModelLen} exceeds ${model}'s maximum context ${maxContext}`,
      fix: `use at most ${maxContext}, or leave it out for the model maximum`,
    };
  },
  blockSizeVsHashBlocks(blockSize: number, hashBlockTokens: number): Problem {
    return {
      code: 'invalid-value', path: 'engine.blockSize', message: `engine.blockSize ${blockSize} does not divide the trace's ${hashBlockTokens}-token hash blocks`,
      fix: 'use a power of two up to 512, e.g. 16 (vLLM default)',
    };
  },
  noSuchPool(path: string, pool: string, pools: readonly string[]): Problem {
    return { code: 'no-such-pool', path, message: `failure pool "${pool}" does not exist`, fix: choiceFix(pool, pools) };
  },
  noSuchReplica(path: string, replica: number, pool: string, most: number): Problem {
    return {
      code: 'no-such-replica', path,
      message: `failure replica ${replica} does not exist: pool "${pool}" has at most ${most} replica${most === 1 ? '' : 's'} (numbered from 0)`,
      fix: `use a replica index from 0 to ${most - 1}`,
    };
  },
  internal(e: unknown): Problem {
    return {
      code: 'internal', path: '', message: `internal error: ${(e as Error)?.stack ?? String(e)}`,
      fix: 'this is a bug in servesim, not in the input: please report it with the command and the scenario',
    };
  },
  noSloBlock(file: string): Problem {
    return {
      code: 'missing-key', path: 'slo', file, message: 'the scenario has no slo block, so there is nothing to check',
      fix: 'add e.g. slo: { ttftMs: { p99: 2000 }, tpotMs: { p99: 100 } }',
    };
  },
  badIntFlag(flag: string, value: string): Problem {
    return { code: 'bad-option', path: '', arg: flag, message: `${flag} must be a positive integer, got "${value}"`, fix: `e.g. ${flag} 8` };
  },
  unknownProfileKind(kind: string): Problem {
    return { code: 'invalid-choice', path: '', arg: kind, message: `unknown profile kind "${kind}"`, fix: `${didYouMean(kind, ['gpus', 'models'])}use "gpus" or "models"` };
  },
  // Trace and length files: every problem names file:line (`where`).
  traceUnsorted(where: string, time: string, line: number, prevTime: string, prevLine: number): UserError {
    return new UserError(`unsorted timestamps: ${time} (line ${line}) is earlier than ${prevTime} (line ${prevLine})`, {
      where, code: 'trace-unsorted', fix: 'sort the trace by timestamp (e.g. `sort` the rows, keeping the header first)',
    });
  },
  traceEmpty(format: string, where: string): UserError {
    return new UserError(`the ${format} trace is empty`, { where, code: 'empty-file', fix: 'give a trace file with at least one request' });
  },
  traceNoRows(format: string, where: string): UserError {
    return new UserError(`the ${format} trace has a header but no requests`, { where, code: 'empty-file', fix: 'give a trace file with at least one request row' });
  },
  tokenNotNumber(column: string, raw: string, where: string): UserError {
    return new UserError(`${column} is not a number: '${raw}'`, { where, code: 'bad-field', fix: `give ${column} as a whole number of tokens` });
  },
  outputTokensZero(column: string, where: string): UserError {
    return new UserError(`${column} is 0: every request must generate at least 1 output token`, {
      where, code: 'bad-field', fix: 'remove this row from the trace, or set its output length to 1',
    });
  },
  tokensBelowOne(column: string, value: string, where: string): UserError {
    return new UserError(`${column} must be ≥ 1 token, got ${value}`, { where, code: 'bad-field', fix: 'remove or correct this row' });
  },
  tokensNotWhole(column: string, value: string, where: string): UserError {
    return new UserError(`${column} must be a whole number of tokens, got ${value}`, { where, code: 'bad-field', fix: 'remove or correct this row' });
  },
  fieldCount(where: string, expected: number, found: number, fix: string, what = 'comma-separated fields like the header'): UserError {
    return new UserError(`expected ${expected} ${what}, found ${found}`, { where, code: 'field-count', fix });
  },
  lengthFileEmpty(where: string, column: string): UserError {
    return new UserError('the length file is empty', {
      where, code: 'empty-file', fix: `give a CSV file with a header row naming the column '${column}' and one token count per row`,
    });
  },
  lengthFileNoColumn(where: string, column: string, names: readonly string[]): UserError {
    return new UserError(`the length file has no column '${column}' (it has: ${names.join(', ')})`, {
      where, code: 'no-such-column', fix: `${didYouMean(column, names)}set column to one of: ${names.join(', ')}`,
    });
  },
  lengthNotWhole(where: string, column: string, raw: string): UserError {
    return new UserError(`${column} must be a whole number of tokens ≥ 1, got '${raw}'`, {
      where, code: 'bad-field', fix: 'fix or remove this row: every request needs at least one token',
    });
  },
  lengthFileNoRows(where: string): UserError {
    return new UserError('the length file has a header but no rows', { where, code: 'empty-file', fix: 'add at least one row of token counts' });
  },
  splitwiseHeader(where: string, missing: readonly string[], found: string): UserError {
    return new UserError(`the Splitwise trace header lacks ${missing.join(', ')} (found: ${found})`, {
      where, code: 'bad-header',
      fix: 'start the file with a header row naming arrived_at, num_prefill_tokens and num_decode_tokens (other columns are allowed)',
    });
  },
  noTenantColumn(where: string, column: string, found: string): UserError {
    return new UserError(`the trace has no column "${column}" (found: ${found})`, {
      where, code: 'no-such-column', fix: 'add the column to the header, or correct trace.tenantColumn',
    });
  },
  notSeconds(where: string, column: string, raw: string): UserError {
    return new UserError(`${column} is not a number of seconds: '${raw}'`, { where, code: 'bad-field', fix: 'give arrival times in seconds, e.g. 12.5' });
  },
  azureHeader(where: string, expected: string, found: string, looksLikeData: boolean): UserError {
    return new UserError(
      looksLikeData ? `the Azure trace has no header row (expected '${expected}' first)` : `wrong header for an Azure trace: expected '${expected}', found '${found}'`,
      {
        where, code: 'bad-header',
        fix: looksLikeData ? `add the line '${expected}' at the top of the file`
          : 'check the file is an Azure LLM trace, or set trace.format to mooncake or splitwise for other traces',
      },
    );
  },
  azureTimestamp(where: string, raw: string): UserError {
    return new UserError(`TIMESTAMP is not a date-time like 2023-11-16 18:15:46.6805900: '${raw}'`, {
      where, code: 'bad-field', fix: 'write timestamps as YYYY-MM-DD HH:MM:SS with up to 9 fractional digits',
    });
  },
  mooncakeField(where: string, message: string): UserError {
    return new UserError(message, {
      where, code: 'bad-field',
      fix: 'each line must be a JSON object like {"timestamp": 0, "input_length": 100, "output_length": 10, "hash_ids": [0]}',
    });
  },
  traceWithoutRequests(): UserError {
    return new UserError('the trace has no requests', { code: 'empty-file', fix: 'give a trace with at least one request' });
  },
  // Parameter checks of the workload factories (`where` is the key path).
  notPositive(where: string, value: number, meaning: string): UserError {
    return new UserError(`must be a finite number > 0, got ${String(value)}`, { where, code: 'out-of-range', fix: `give ${meaning}` });
  },
  negative(where: string, value: number, meaning: string): UserError {
    return new UserError(`must be a finite number ≥ 0, got ${String(value)}`, { where, code: 'out-of-range', fix: `give ${meaning}` });
  },
  notPositiveInt(where: string, value: number, meaning: string): UserError {
    return new UserError(`must be a whole number ≥ 1, got ${String(value)}`, { where, code: 'out-of-range', fix: `give ${meaning}` });
  },
  capacityNeedsSlo(): UserError {
    return new UserError('capacity search needs objectives to meet', { where: 'slo', code: 'missing-key', fix: 'add e.g. slo: { ttftMs: { p99: 2000 } }' });
  },
  capacityOnePool(key: 'pools' | 'disaggregation'): UserError {
    return new UserError('capacity search sizes one pool of identical replicas', {
      where: key, code: 'unsupported', fix: 'run it on a scenario without pools/disaggregation (size each pool in its own scenario)',
    });
  },
  memoryFileMissing(path: string, what: string): UserError {
    return new UserError(`${what} not found: ${path}`, {
      where: path, code: 'file-not-found',
      fix: `pass its text in memoryResolveEnv({ files: { '${path}': … } }) under exactly the path the scenario names`,
    });
  },
  profilesDirMissing(dir: string): UserError {
    return new UserError(`profiles directory not found: ${dir}`, {
      where: 'SERVESIM_PROFILES', code: 'file-not-found',
      fix: 'point SERVESIM_PROFILES at a directory holding gpus/ and models/ sub-directories of YAML profiles',
    });
  },
  profileIdMismatch(file: string, profileId: string, id: string): UserError {
    return new UserError(`profile id "${profileId}" does not match its file name "${id}"`, {
      where: `${file} id`, code: 'invalid-value', fix: `set id: ${id} or rename the file`,
    });
  },
  csvSyntax(where: string, detail: string, fix = 'check for an unclosed double quote'): UserError {
    return new UserError(`not a readable CSV: ${detail}`, { where, code: 'csv-syntax', fix });
  },
  noLengthColumns(where: string, found: readonly string[], pairs: readonly (readonly [string, string])[]): UserError {
    return new UserError(`no input/output length columns in the header (it has: ${found.join(', ')})`, {
      where, code: 'no-such-column', fix: `name them ${pairs.map(([i, o]) => `${i},${o}`).join(' or ')}`,
    });
  },
  unknownTraceFormat(file: string, formats: readonly string[]): UserError {
    return new UserError(`cannot tell the format of ${file} from its first line`, {
      where: `${file}:1`, code: 'unknown-format', fix: `give --format ${formats.join('|')}`,
    });
  },
  csvEmpty(source: string): UserError {
    return new UserError('the CSV file is empty', { where: source, code: 'empty-file', fix: 'give a microbenchmark CSV with a header row' });
  },
  csvMissingColumn(where: string, name: string, header: readonly string[]): UserError {
    return new UserError(`missing column "${name}"`, {
      where, code: 'no-such-column',
      fix: `${didYouMean(name, header)}the header must name ${name}; is this the right kind of file (Vidur profiling CSV layout)?`,
    });
  },
  csvNotNumber(where: string, column: string, raw: string, min?: number): UserError {
    return new UserError(`column "${column}" has ${raw === '' ? 'an empty value' : `"${raw}"`}, expected a number${min !== undefined ? ` ≥ ${min}` : ''}`, {
      where, code: 'bad-field', fix: 'fix or remove the row',
    });
  },
  csvNotBoolean(where: string, column: string, raw: string): UserError {
    return new UserError(`column "${column}" has "${raw}", expected True or False`, { where, code: 'bad-field', fix: 'fix or remove the row' });
  },
  /**
   * A data file (profile, calibration, harness result) that fails its schema: one problem per issue, all of
   * them; the error's message sums up the first five (and `where` names the first, for callers matching it).
   */
  fileSchemaIssues(source: string, what: string, issues: readonly { path: string; message: string }[], fix: string): UserError {
    const detail = issues.slice(0, 5).map((i) => `${i.path || '(top level)'}: ${i.message}`).join('; ');
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    const first = issues[0];
    const e = new UserError(`invalid ${what}: ${detail}${more}`, { where: first?.path ? `${source} ${first.path}` : source, code: 'invalid-value', fix });
    if (issues.length > 0) {
      e.problems.splice(0, e.problems.length, ...issues.map((i) => ({ code: 'invalid-value', path: i.path, file: source, message: `invalid ${what}: ${i.message}`, fix })));
    }
    return e;
  },
  // servesim calibrate: its options and inputs.
  calibrateOption(option: string, message: string, fix: string): UserError {
    return new UserError(message, { where: option, code: 'bad-option', fix });
  },
  calibrateInput(where: string, message: string, fix: string, code = 'invalid-value'): UserError {
    return new UserError(message, { where, code, fix });
  },
  invalidJson(source: string, detail: string, fix: string): UserError {
    return new UserError(`invalid JSON: ${detail}`, { where: source, code: 'json-syntax', fix });
  },
  invalidYaml(where: string, detail: string, fix: string): UserError {
    return new UserError(`invalid YAML: ${detail}`, { where, code: 'yaml-syntax', fix });
  },
  noDataRows(source: string, what: string): UserError {
    return new UserError('the table has no data rows', { where: source, code: 'empty-file', fix: `give a non-empty ${what}` });
  },
  replicasForGpuCount(gpus: number): string {
    return `${gpus} GPU${gpus === 1 ? '' : 's'}`;
  },
} as const;
