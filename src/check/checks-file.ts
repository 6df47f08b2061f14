/**
 * CHECKS.yaml: several checks in one file.
 *
 * ```yaml
 * checks:
 *   - name: prod-chat                       # defaults to the scenario's name
 *     scenario: ../scenarios/prod.yaml      # relative to this file
 *     set: { workload.arrivals.ratePerSec: 12 }
 *     expect:
 *       gpus.count: { max: 12 }
 *       latencyMs.ttft.p99: { max: 2000, relTolerance: 0.05 }
 * ```
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Problem } from '../errors/problem.ts';
import { UserError } from '../errors/user-error.ts';
import { checkProblems } from './problems.ts';
import { canonicalMetric } from './metrics.ts';

export interface Expectation {
  /** The key path as written (shown in outputs). */
  key: string;
  /** The report key path it reads. */
  metric: string;
  min?: number;
  max?: number;
  relTolerance?: number;
}

export interface CheckSpec {
  /** Given name, or undefined to take the scenario's name. */
  name?: string;
  /** Scenario path, resolved against the checks file's folder. */
  scenario: string;
  /** Scenario path as shown in outputs (as written in the checks file, or on the command line). */
  scenarioShown: string;
  /** `--set` expressions, the checks file's first. */
  set: string[];
  expect: Expectation[];
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The parsed top level of `file` when it is a checks file (a mapping with a `checks` key); null otherwise. */
export function readChecksFile(file: string): unknown | null {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { maxAliasCount: 100 });
  } catch {
    return null; // not YAML at all: the scenario reader reports it with line numbers
  }
  return isMapping(doc) && Object.prototype.hasOwnProperty.call(doc, 'checks') ? doc : null;
}

/** Validates a checks file (see the module comment), every problem at once. */
export function parseChecksFile(doc: unknown, file: string): CheckSpec[] {
  const problems: Problem[] = [];
  const bad = (p: string, message: string, fix: string) => problems.push(checkProblems.checksFile(file, p, message, fix));
  const top = doc as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'checks') bad(k, `unknown key "${k}"`, 'a checks file has one key, checks: a list of { name, scenario, set, expect }');
  const list = top['checks'];
  if (!Array.isArray(list) || list.length === 0) {
    bad('checks', 'checks must be a non-empty list', 'e.g. checks: [{ scenario: prod.yaml, expect: { gpus.count: { max: 12 } } }]');
    throw UserError.of(problems);
  }
  const dir = path.dirname(path.resolve(file));
  const specs: CheckSpec[] = [];
  list.forEach((item, i) => {
    const at = `checks.${i}`;
    if (!isMapping(item)) {
      bad(at, 'a check is a mapping', 'e.g. { name: prod, scenario: prod.yaml }');
      return;
    }
    for (const k of Object.keys(item)) {
      if (!['name', 'scenario', 'set', 'expect'].includes(k)) bad(`${at}.${k}`, `unknown key "${k}"`, 'keys of a check: name, scenario, set, expect');
    }
    const name = item['name'];
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) bad(`${at}.name`, 'name must be a non-empty string', 'e.g. name: prod-chat');
    const scenario = item['scenario'];
    if (typeof scenario !== 'string' || scenario === '') {
      bad(`${at}.scenario`, 'scenario must be the path of a scenario file', 'e.g. scenario: scenarios/prod.yaml (relative to the checks file)');
      return;
    }
    const set: string[] = [];
    const rawSet = item['set'];
    if (rawSet !== undefined) {
      if (!isMapping(rawSet)) bad(`${at}.set`, 'set must be a mapping of key paths to values', 'e.g. set: { workload.arrivals.ratePerSec: 12 }');
      else for (const [k, v] of Object.entries(rawSet)) set.push(`${k}=${JSON.stringify(v)}`);
    }
    const expect: Expectation[] = [];
    const rawExpect = item['expect'];
    if (rawExpect !== undefined) {
      if (!isMapping(rawExpect)) bad(`${at}.expect`, 'expect must be a mapping of report key paths to limits', 'e.g. expect: { gpus.count: { max: 12 } }');
      else {
        for (const [k, v] of Object.entries(rawExpect)) {
          const p = `${at}.expect.${k}`;
          if (!isMapping(v)) {
            bad(p, 'an expectation is a mapping of min, max and relTolerance', 'e.g. { max: 2000, relTolerance: 0.05 }');
            continue;
          }
          const e: Expectation = { key: k, metric: canonicalMetric(k) };
          for (const [lk, lv] of Object.entries(v)) {
            if (!['min', 'max', 'relTolerance'].includes(lk)) {
              bad(`${p}.${lk}`, `unknown key "${lk}"`, 'use min, max (absolute limits) and relTolerance (change allowed against --baseline, e.g. 0.05)');
            } else if (typeof lv !== 'number' || !Number.isFinite(lv) || (lk === 'relTolerance' && lv < 0)) {
              bad(`${p}.${lk}`, `${lk} must be a ${lk === 'relTolerance' ? 'non-negative fraction' : 'number'}, got ${JSON.stringify(lv)}`, lk === 'relTolerance' ? 'e.g. relTolerance: 0.05 for 5 %' : `e.g. ${lk}: 2000`);
            } else e[lk as 'min' | 'max' | 'relTolerance'] = lv;
          }
          if (e.min === undefined && e.max === undefined && e.relTolerance === undefined) {
            bad(p, 'the expectation sets no limit', 'give min, max or relTolerance');
          }
          expect.push(e);
        }
      }
    }
    specs.push({
      name: typeof name === 'string' ? name : undefined,
      scenario: path.resolve(dir, scenario),
      scenarioShown: path.isAbsolute(scenario) ? scenario : path.join(path.dirname(file), scenario),
      set,
      expect,
    });
  });
  if (problems.length > 0) throw UserError.of(problems);
  return specs;
}
