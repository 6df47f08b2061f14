/**
 * Baselines of `servesim check --baseline FILE`: either a run report (`servesim run|check SCENARIO --json`),
 * several of them (`check a.yaml b.yaml --json`: `{ reports: [...] }`), or a baseline file written by
 * `check --write-baseline FILE` / `--update-baseline`:
 *
 * ```json
 * { "servesimBaseline": 1,
 *   "checks": { "<check name>": { "scenario": "<scenario name>", "model": "…", "gpu": "…",
 *                                  "metrics": { "latencyMs.ttft.p99": 812.5, … } } } }
 * ```
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors/user-error.ts';
import { checkProblems } from './problems.ts';
import { BASELINE_METRICS, metricValue } from './metrics.ts';

export const BASELINE_FORMAT_VERSION = 1;

export interface BaselineEntry {
  scenario: string;
  model: string;
  gpu: string;
  /** A metric's baseline value (see {@link metricValue}: undefined when the baseline does not have it). */
  value(key: string): number | null | undefined;
  /** A baseline file's metrics as recorded (kept as they are when another check is re-recorded). */
  raw?: Record<string, number | null>;
}

export interface Baseline {
  file: string;
  /** By check name (a run report's entry is named after its scenario). */
  entries: Map<string, BaselineEntry>;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function fromReport(r: Record<string, unknown>): BaselineEntry {
  return { scenario: String(r['scenario']), model: String(r['model']), gpu: String(r['gpu']), value: (k) => metricValue(r, k) };
}

const looksLikeReport = (r: unknown): r is Record<string, unknown> =>
  isMapping(r) && typeof r['scenario'] === 'string' && typeof r['model'] === 'string' && typeof r['gpu'] === 'string' && isMapping(r['latencyMs']);

/** Reads and validates a baseline; every failure is a problem (exit 2) saying how to re-record it. */
export function loadBaseline(file: string): Baseline {
  if (!existsSync(file)) throw UserError.of([checkProblems.baselineNotFound(file)]);
  if (statSync(file).isDirectory()) throw UserError.of([checkProblems.baselineUnreadable(file, 'it is a folder')]);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw UserError.of([checkProblems.baselineUnreadable(file, (e as NodeJS.ErrnoException).code ?? String(e))]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw UserError.of([checkProblems.baselineCorrupt(file, `invalid JSON (${(e as Error).message.split('\n')[0]})`)]);
  }
  const entries = new Map<string, BaselineEntry>();
  if (isMapping(doc) && 'servesimBaseline' in doc) {
    if (doc['servesimBaseline'] !== BASELINE_FORMAT_VERSION) {
      throw UserError.of([checkProblems.baselineCorrupt(file, `format version ${JSON.stringify(doc['servesimBaseline'])} is not ${BASELINE_FORMAT_VERSION}`)]);
    }
    const checks = doc['checks'];
    if (!isMapping(checks)) throw UserError.of([checkProblems.baselineCorrupt(file, '"checks" is not a mapping')]);
    for (const [name, e] of Object.entries(checks)) {
      if (!isMapping(e) || typeof e['scenario'] !== 'string' || typeof e['model'] !== 'string' || typeof e['gpu'] !== 'string' || !isMapping(e['metrics'])) {
        throw UserError.of([checkProblems.baselineCorrupt(file, `checks."${name}" needs scenario, model, gpu and metrics`)]);
      }
      const metrics = e['metrics'];
      for (const [k, v] of Object.entries(metrics)) {
        if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
          throw UserError.of([checkProblems.baselineCorrupt(file, `checks."${name}".metrics."${k}" is not a number`)]);
        }
      }
      entries.set(name, {
        scenario: e['scenario'], model: e['model'], gpu: e['gpu'], raw: metrics as Record<string, number | null>,
        value: (k) => (Object.prototype.hasOwnProperty.call(metrics, k) ? (metrics[k] as number | null) : undefined),
      });
    }
    return { file, entries };
  }
  const reports = isMapping(doc) && Array.isArray(doc['reports']) ? doc['reports'] : [doc];
  for (const r of reports) {
    if (!looksLikeReport(r)) {
      throw UserError.of([checkProblems.baselineCorrupt(file, 'it is neither a baseline file nor a run report (no scenario, model, gpu and latencyMs)')]);
    }
    entries.set(r['scenario'] as string, fromReport(r));
  }
  return { file, entries };
}

/**
 * The baseline entry for a check: by its name; else, when the baseline holds one entry, that entry
 * (its scenario name is compared with the run's by the caller). Missing → a problem naming the entries.
 */
export function baselineEntryFor(b: Baseline, checkName: string, scenarioName: string): BaselineEntry {
  const named = b.entries.get(checkName);
  if (named) return named;
  if (b.entries.size === 1) {
    const only = [...b.entries.values()][0];
    if (only.scenario !== scenarioName) {
      throw UserError.of([checkProblems.baselineMismatch(b.file, checkName, 'scenario', only.scenario, scenarioName)]);
    }
    return only;
  }
  throw UserError.of([checkProblems.baselineMissingCheck(b.file, checkName, [...b.entries.keys()].sort())]);
}

export interface BaselineRecord {
  name: string;
  report: unknown;
  extraKeys: readonly string[];
}

/**
 * The baseline file for `records` (deterministic: keys sorted), keeping the entries of `previous` (the file
 * being re-recorded) for checks that were not run.
 */
export function baselineDocument(records: readonly BaselineRecord[], previous?: Baseline): string {
  const checks: Record<string, unknown> = {};
  const fresh = new Map<string, unknown>();
  for (const { name, report, extraKeys } of records) {
    const metrics: Record<string, number | null> = {};
    const keys = [...BASELINE_METRICS.map((m) => m.key), ...extraKeys];
    for (const k of [...new Set(keys)].sort()) {
      const v = metricValue(report, k);
      if (v !== undefined) metrics[k] = v;
    }
    const r = report as Record<string, unknown>;
    fresh.set(name, { scenario: r['scenario'], model: r['model'], gpu: r['gpu'], metrics });
  }
  const names = new Set([...fresh.keys(), ...(previous ? previous.entries.keys() : [])]);
  for (const name of [...names].sort()) {
    const f = fresh.get(name);
    if (f) checks[name] = f;
    else {
      const e = previous!.entries.get(name)!;
      const metrics: Record<string, number | null> = {};
      for (const k of BASELINE_METRICS.map((m) => m.key)) {
        const v = e.value(k);
        if (v !== undefined) metrics[k] = v;
      }
      checks[name] = { scenario: e.scenario, model: e.model, gpu: e.gpu, metrics: previousMetrics(e, metrics) };
    }
  }
  return JSON.stringify({ servesimBaseline: BASELINE_FORMAT_VERSION, checks }, null, 2) + '\n';
}

/** Entries kept from the previous file carry all their metrics (also expectation keys), not only the standard ones. */
function previousMetrics(e: BaselineEntry, standard: Record<string, number | null>): Record<string, number | null> {
  return e.raw ? Object.fromEntries(Object.keys(e.raw).sort().map((k) => [k, e.raw![k]])) : standard;
}
