/**
 * The metrics `servesim check` compares with a baseline: key paths into the run report (`--json`), the
 * direction in which a change is a regression, and how tolerances are written on the command line.
 */
import { UserError } from '../errors/user-error.ts';
import { checkProblems } from './problems.ts';

/** `up`: a higher value is worse (latency, cost, GPUs); `down`: a lower value is worse (throughput). */
export type Worse = 'up' | 'down' | 'either';

export interface MetricDef {
  /** Key path into the report, e.g. `latencyMs.ttft.p99`; `rejectionRate` is derived. */
  key: string;
  worse: Worse;
  unit: string;
  /** Compared only when the report has it (energy). */
  optional?: boolean;
}

/** The metrics every baseline comparison covers, in output order. */
export const BASELINE_METRICS: readonly MetricDef[] = [
  { key: 'latencyMs.ttft.p50', worse: 'up', unit: 'ms' },
  { key: 'latencyMs.ttft.p99', worse: 'up', unit: 'ms' },
  { key: 'latencyMs.tpot.p50', worse: 'up', unit: 'ms' },
  { key: 'latencyMs.tpot.p99', worse: 'up', unit: 'ms' },
  { key: 'latencyMs.e2e.p50', worse: 'up', unit: 'ms' },
  { key: 'latencyMs.e2e.p99', worse: 'up', unit: 'ms' },
  { key: 'throughput.requestsPerSec', worse: 'down', unit: 'req/s' },
  { key: 'throughput.outputTokensPerSec', worse: 'down', unit: 'tok/s' },
  { key: 'gpus.count', worse: 'up', unit: '' },
  { key: 'cost.usdPerMillionTokens', worse: 'up', unit: '$/M tok' },
  { key: 'rejectionRate', worse: 'up', unit: '' },
  { key: 'energy.joulesPerOutputToken', worse: 'up', unit: 'J/tok', optional: true },
];

const SLO_STYLE = /^(ttft|tpot|itl|e2e|queue)Ms\.(\w+)$/;

/**
 * The report key path a user-written metric name stands for: report paths as they are, SLO-style names
 * (`ttftMs.p99`) as `latencyMs.ttft.p99`, and `requests.rejectionRate` as `rejectionRate`.
 */
export function canonicalMetric(name: string): string {
  const m = SLO_STYLE.exec(name);
  if (m) return `latencyMs.${m[1]}.${m[2]}`;
  if (name === 'requests.rejectionRate') return 'rejectionRate';
  return name;
}

/** The direction of a metric: known metrics as in {@link BASELINE_METRICS}, latency and cost up, anything else either way. */
export function worseOf(key: string): Worse {
  const known = BASELINE_METRICS.find((m) => m.key === key);
  if (known) return known.worse;
  if (/^(latencyMs|cost)\./.test(key) || /^gpus\.count$|^fleet\.gpuHours$|rejected/.test(key)) return 'up';
  if (/^throughput\./.test(key)) return 'down';
  return 'either';
}

/**
 * A metric's value in a report: a finite number, `null` when the report has the key but no value (a latency
 * without samples is written as null), `undefined` when the report does not have the key at all.
 */
export function metricValue(report: unknown, key: string): number | null | undefined {
  if (key === 'rejectionRate') {
    const arrived = metricValue(report, 'requests.arrived');
    const rejected = metricValue(report, 'requests.rejected');
    if (arrived === undefined || rejected === undefined) return undefined;
    if (arrived === null || rejected === null || arrived === 0) return null;
    return rejected / arrived;
  }
  let node: unknown = report;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (node === null) return null;
  if (typeof node === 'number') return Number.isFinite(node) ? node : null;
  return undefined;
}

/**
 * Reads a tolerance: `5%` or a fraction `0.05`. A bare number above 1 is refused (is `5` meant as 5 % or
 * 500 %?).
 */
export function parseFraction(text: string, arg: string): number {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  const n = pct ? Number(pct[1]) / 100 : /^\d+(?:\.\d+)?$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n) || n < 0 || (!pct && n > 1)) {
    throw UserError.of([checkProblems.badTolerance(arg, text)]);
  }
  return n;
}

export interface Tolerances {
  global: number;
  perMetric: Map<string, number>;
  /** The `--tolerance` argument each per-metric tolerance came from. */
  args: Map<string, string>;
}

/** The default relative tolerance of a baseline comparison when no `--tolerance` is given. */
export const DEFAULT_TOLERANCE = 0.05;

/** Reads the repeatable `--tolerance` flag: `5%` (every metric) and `metric=10%` (one metric). */
export function parseTolerances(flags: readonly string[]): Tolerances {
  const out: Tolerances = { global: DEFAULT_TOLERANCE, perMetric: new Map(), args: new Map() };
  const problems = [];
  for (const f of flags) {
    const arg = `--tolerance ${f}`;
    try {
      const eq = f.indexOf('=');
      if (eq < 0) {
        out.global = parseFraction(f, arg);
        continue;
      }
      const name = f.slice(0, eq).trim();
      if (!/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(name)) throw UserError.of([checkProblems.badToleranceMetric(arg, name)]);
      out.perMetric.set(canonicalMetric(name), parseFraction(f.slice(eq + 1), arg));
      out.args.set(canonicalMetric(name), arg);
    } catch (e) {
      if (e instanceof UserError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw UserError.of(problems);
  return out;
}

export function toleranceFor(t: Tolerances, key: string): number {
  return t.perMetric.get(key) ?? t.global;
}
