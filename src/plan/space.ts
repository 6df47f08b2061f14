/**
 * The search space of `servesim plan --space SPACE.yaml`: a mapping of scenario key paths (the same paths as
 * `--set`) to lists of values. The options are the cartesian product, in file order, the last key varying
 * fastest; each option is the list of `key=value` overrides applied to the scenario. Pure: no file access.
 *
 * @example
 * parseSpace('gpu: [h100-sxm, h200]\nparallelism.tensor: [1, 2]\n', 'space.yaml').options.length // 4
 */
import { parseDocument } from 'yaml';
import { UserError } from '../errors/user-error.ts';
import type { Problem } from '../errors/problem.ts';

export interface SpaceOption {
  /** Position in the product (0-based); shards split on it. */
  index: number;
  /** Key path → value, in the space file's key order. */
  set: Record<string, unknown>;
  /** `--set`-style overrides (`key=<JSON value>`, JSON being valid YAML). */
  overrides: string[];
  /** A short readable label, e.g. `gpu=h200 parallelism.tensor=2 precision={weights:fp8,kvCache:fp8}`. */
  id: string;
}

export interface Space {
  keys: string[];
  options: SpaceOption[];
}

/** Most options one space may have (a typo such as a 1000-element list should not start a week-long run). */
export const MAX_SPACE_OPTIONS = 4096;

const KEY_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** A compact, deterministic rendering of a value for labels: `{weights:fp8,kvCache:fp8}`, `[1,2]`, `h200`. */
export function compactValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(compactValue).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}:${compactValue(x)}`).join(',')}}`;
  }
  return String(v);
}

export function parseSpace(text: string, fileName: string): Space {
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw UserError.of(doc.errors.map((e) => ({
      code: 'yaml-syntax', path: '', file: fileName, message: `${fileName} is not valid YAML: ${e.message.split('\n')[0]}`,
      fix: 'fix the YAML syntax of the space file',
    })));
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const where = { file: fileName };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw UserError.of([{
      code: 'invalid-space', path: '', ...where, message: `${fileName} must be a mapping of scenario key paths to lists of values`,
      fix: 'e.g. gpu: [h100-sxm, h200]\\nparallelism.tensor: [1, 2, 4]',
    }]);
  }
  const problems: Problem[] = [];
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) {
    problems.push({ code: 'invalid-space', path: '', ...where, message: `${fileName} lists no keys to search`, fix: 'add at least one key, e.g. gpu: [h100-sxm, h200]' });
  }
  for (const [k, v] of entries) {
    if (!KEY_RE.test(k)) {
      problems.push({ code: 'invalid-space', path: k, ...where, message: `"${k}" is not a scenario key path (keys separated by single dots)`, fix: 'use the paths of --set, e.g. parallelism.tensor' });
    } else if (!Array.isArray(v) || v.length === 0) {
      problems.push({ code: 'invalid-space', path: k, ...where, message: `${k} must be a non-empty list of values, got ${JSON.stringify(v)}`, fix: `e.g. ${k}: [${JSON.stringify(v ?? 'a')}]` });
    } else if (v.some((x) => x === null || x === undefined)) {
      problems.push({ code: 'invalid-space', path: k, ...where, message: `${k} lists an empty (null) value`, fix: 'remove the null entry' });
    } else {
      const seen = new Set<string>();
      for (const x of v) {
        const j = JSON.stringify(x);
        if (seen.has(j)) problems.push({ code: 'invalid-space', path: k, ...where, message: `${k} lists ${j} twice`, fix: 'list each value once' });
        seen.add(j);
      }
    }
  }
  const size = problems.length > 0 ? 0 : entries.reduce((n, [, v]) => n * (v as unknown[]).length, 1);
  if (size > MAX_SPACE_OPTIONS) {
    problems.push({ code: 'invalid-space', path: '', ...where, message: `the space has ${size} options, more than ${MAX_SPACE_OPTIONS}`, fix: 'search fewer values, or split the space into several files' });
  }
  if (problems.length > 0) throw UserError.of(problems);

  const keys = entries.map(([k]) => k);
  const lists = entries.map(([, v]) => v as unknown[]);
  const options: SpaceOption[] = [];
  for (let index = 0; index < size; index++) {
    const set: Record<string, unknown> = {};
    let rest = index;
    for (let i = keys.length - 1; i >= 0; i--) {
      set[keys[i]] = lists[i][rest % lists[i].length];
      rest = Math.floor(rest / lists[i].length);
    }
    const ordered: Record<string, unknown> = {};
    for (const k of keys) ordered[k] = set[k];
    options.push({
      index,
      set: ordered,
      overrides: keys.map((k) => `${k}=${JSON.stringify(ordered[k])}`),
      id: keys.map((k) => `${k}=${compactValue(ordered[k])}`).join(' '),
    });
  }
  return { keys, options };
}

/** `--shard i/n` (1-based i): which options this shard evaluates — every n-th, starting at i − 1. */
export function parseShard(arg: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(arg.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) {
    throw UserError.of([{ code: 'bad-option', path: '', arg: '--shard', message: `--shard must be i/n with 1 ≤ i ≤ n, got "${arg}"`, fix: 'e.g. --shard 1/4 … --shard 4/4' }]);
  }
  return { index: i, count: n };
}

export function inShard(optionIndex: number, shard: { index: number; count: number } | undefined): boolean {
  return shard === undefined || optionIndex % shard.count === shard.index - 1;
}
