import { parseDocument, LineCounter, parse as parseYamlValue, isCollection, isScalar } from 'yaml';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { ScenarioSchema } from './schema.ts';
import type { Scenario } from './schema.ts';
import { messages } from '../errors/messages.ts';
import type { Problem } from '../errors/problem.ts';
import { UserError } from '../errors/user-error.ts';
import { formsOf, keysAt, schemaAt } from './schema-walk.ts';
import type { ZodLike } from './schema-walk.ts';

/**
 * Where a key of a parsed scenario came from: its line in the file, or the `--set` argument that set it.
 * Used to give problems found after parsing (unknown GPU ids, models that do not fit) a file:line too.
 */
export type Locate = (path: string) => Pick<Problem, 'file' | 'line' | 'arg'>;

/** A validated scenario and the locator of its keys. */
export interface ParsedScenario {
  scenario: Scenario;
  locate: Locate;
}

/**
 * Parses scenario text (YAML or JSON), applies `--set key.path=value` overrides, and validates it
 * strictly. Every problem found — all YAML errors, all bad overrides, all schema issues — is reported
 * together in one `UserError`; each names the key path, the file and line where the key sits (or the
 * `--set` argument that set it), and what to do. Pure: no file access.
 *
 * @example
 * const s = parseScenario('name: x\nmodel: llama-3.1-8b\ngpu: h100-sxm\nworkload: {...}', 'x.yaml');
 */
export function parseScenario(text: string, fileName: string, overrides: readonly string[] = []): Scenario {
  return parseScenarioSource(text, fileName, overrides).scenario;
}

/** {@link parseScenario}, also returning where each key came from. */
export function parseScenarioSource(text: string, fileName: string, overrides: readonly string[] = []): ParsedScenario {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    throw UserError.of([e instanceof RangeError ? messages.tooDeep(fileName) : messages.yamlSyntax(fileName, 1, String((e as Error).message))]);
  }
  const lineAt = (pos: number): number => lineCounter.linePos(pos).line;
  if (doc.errors.length > 0) {
    throw UserError.of(doc.errors.map((e) => {
      const line = e.linePos?.[0]?.line ?? lineAt(e.pos[0]);
      if (e.code === 'MULTIPLE_DOCS' || /multiple documents/i.test(e.message)) return messages.multipleDocuments(fileName, line);
      if (/call stack/i.test(e.message)) return { ...messages.tooDeep(fileName), line };
      return messages.yamlSyntax(fileName, line, e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
    }));
  }

  const set: { keys: string[]; arg: string }[] = [];
  const overrideProblems: Problem[] = [];
  for (const expr of overrides) {
    const p = applyOverrideProblem(doc, expr);
    if (p) overrideProblems.push(p);
    else set.push({ keys: expr.slice(0, expr.indexOf('=')).trim().split('.'), arg: `--set ${expr}` });
  }
  if (overrideProblems.length > 0) throw UserError.of(overrideProblems);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof RangeError) throw UserError.of([messages.tooDeep(fileName)]);
    if (e instanceof ReferenceError && /alias/i.test(e.message)) throw UserError.of([messages.yamlAliases(fileName)]);
    throw UserError.of([messages.yamlSyntax(fileName, 1, (e as Error).message)]);
  }

  const topKeys = Object.keys(ScenarioSchema.shape);
  // Problems found later (resolve, simulate) are located only when their path is a scenario key path.
  const locate: Locate = (path) => (path !== '' && !topKeys.includes(path.split('.')[0]) ? {} : locateAny(path));
  const locateAny: Locate = (path) => {
    const keys = path === '' ? [] : path.split('.');
    const s = set.findLast((o) => isPrefix(o.keys, keys) || (keys.length > 0 && isPrefix(keys, o.keys)));
    if (s) return { arg: s.arg };
    const line = lineOf(doc, lineCounter, keys);
    return line === null ? { file: fileName } : { file: fileName, line };
  };

  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw UserError.of([messages.notAMapping(fileName, raw)]);

  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => issueProblems(issue, raw))
      .map((p) => ({ ...p, ...locateAny(p.path) }));
    throw UserError.of(problems);
  }
  return { scenario: parsed.data, locate };
}

const isPrefix = (pre: readonly string[], of: readonly string[]): boolean =>
  pre.length <= of.length && pre.every((k, i) => k === of[i]);

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k as string];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number', string: 'a string', boolean: 'true or false', object: 'a mapping of keys', array: 'a list',
};

/** One zod issue as problems (one per unknown key), in the catalog's words. */
function issueProblems(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  const root = ScenarioSchema as unknown as ZodLike;
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const at = path.join('.');
  const got = valueAt(raw, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => messages.unknownKey([...path, k].join('.'), k, keysAt(root, path, raw)));
    case 'invalid_value':
      return [messages.invalidChoice(at, got, issue.values.map(String))];
    case 'invalid_union': {
      const note = (issue as { note?: string; options?: unknown[]; discriminator?: string });
      if (note.options && note.discriminator) {
        return [messages.invalidChoice(at, got, note.options.map(String))];
      }
      const forms = formsOf(schemaAt(root, path, raw, false));
      if (forms.length > 0) {
        // An object that matched a branch in shape but not in its values: report that branch's problems.
        if (got !== null && typeof got === 'object' && !Array.isArray(got)) {
          const branch = issue.errors.find((errs) => errs.length > 0 && errs.every((e) => e.path.length > 0));
          if (branch && branch.length > 0) return branch.flatMap((e) => issueProblems({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue, raw));
        }
        return [messages.invalidChoice(at, got, forms)];
      }
      return [messages.invalidValue(at, `${issue.message}`)];
    }
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (got === undefined) return [messages.missingKey(at, expected)];
      if (issue.expected === 'int') return [messages.wrongType(at, 'a whole number', got)];
      return [messages.wrongType(at, expected, got)];
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
      if (issue.origin === 'array') {
        return [messages.outOfRange(at, got, `a list of ${small ? 'at least' : 'at most'} ${bound} entr${Number(bound) === 1 ? 'y' : 'ies'}`)];
      }
      if (issue.origin === 'string') return [messages.outOfRange(at, got, small ? 'a non-empty string' : `at most ${bound} characters`)];
      const words = small ? (inclusive ? '≥' : '>') : (inclusive ? '≤' : '<');
      const custom = !/^Too (small|big)/.test(issue.message) ? issue.message : undefined;
      return [{ ...messages.outOfRange(at, got, `${words} ${bound}`), ...(custom ? { message: `${custom}, got ${String(got)}` } : {}) }];
    }
    case 'invalid_format':
      return [messages.invalidValue(at, `${issue.message}, got ${typeof got === 'string' ? `"${got}"` : String(got)}`)];
    default: {
      const params = (issue as { params?: { fix?: string; code?: string } }).params;
      const [msg, fix] = params?.fix !== undefined && issue.message.endsWith(` — ${params.fix}`)
        ? [issue.message.slice(0, -(` — ${params.fix}`).length), params.fix] : [issue.message, undefined];
      return [{ ...messages.invalidValue(at, msg, fix), ...(params?.code ? { code: params.code } : {}) }];
    }
  }
}

/** Line (1-based) of the deepest existing node on `path`, or null. */
function lineOf(doc: Document, lc: LineCounter, path: string[]): number | null {
  // Down to the top-level key: a key missing altogether has no line (the file alone is named).
  for (let n = path.length; n >= 1; n--) {
    const keys = path.slice(0, n).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    let node: unknown;
    try {
      node = doc.getIn(keys, true);
    } catch {
      continue;
    }
    // Prefer the key's own line (a value may start on the next line, e.g. a block mapping).
    if (n > 0) {
      const parent = n === 1 ? doc.contents : safeGetIn(doc, keys.slice(0, -1));
      const last = keys[keys.length - 1];
      const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined)?.items;
      if (typeof last === 'string' && Array.isArray(items)) {
        const pair = items.find((it) => isScalar(it.key) && String(it.key.value) === last);
        if (pair?.key?.range) return lc.linePos(pair.key.range[0]).line;
      }
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lc.linePos(range[0]).line;
  }
  return null;
}

function safeGetIn(doc: Document, keys: (string | number)[]): unknown {
  try {
    return keys.length === 0 ? doc.contents : doc.getIn(keys, true);
  } catch {
    return undefined;
  }
}

/**
 * Applies one `key.path=value` override; the value is read as YAML (so `8`, `true`, `[1,2]` and
 * `{kind: poisson, ratePerSec: 4}` all work); `null` removes the key. Numeric segments index arrays.
 * Throws a `UserError` naming the `--set` argument when it cannot be applied.
 */
export function applyOverride(doc: Document, expr: string): void {
  const p = applyOverrideProblem(doc, expr);
  if (p) throw UserError.of([p]);
}

function applyOverrideProblem(doc: Document, expr: string): Problem | null {
  const eq = expr.indexOf('=');
  if (eq <= 0) return messages.badOverride(expr);
  const keyPath = expr.slice(0, eq).trim();
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(keyPath)) {
    return messages.badOverride(expr, `"${keyPath}" is not a key path (keys separated by single dots)`);
  }
  let value: unknown;
  try {
    value = parseYamlValue(expr.slice(eq + 1), { maxAliasCount: 0 });
  } catch (e) {
    return messages.badOverride(expr, `the value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const keys = keyPath.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // A key below a single value (replicas.count when replicas: 2) has nowhere to go.
  for (let n = 1; n < keys.length; n++) {
    const node = safeGetIn(doc, keys.slice(0, n));
    if (node !== undefined && node !== null && !isCollection(node)) return messages.overrideThroughScalar(expr, keyPath.split('.').slice(0, n).join('.'));
  }
  if (doc.contents !== null && doc.contents !== undefined && !isCollection(doc.contents)) {
    return messages.badOverride(expr, 'the scenario file is not a mapping of keys');
  }
  try {
    // `key=null` removes the key (its default applies again), e.g. --set disaggregation=null.
    if (value === null) doc.deleteIn(keys);
    else doc.setIn(keys, value);
  } catch (e) {
    return messages.badOverride(expr, (e as Error).message.split('\n')[0]);
  }
  return null;
}
