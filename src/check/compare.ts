/**
 * The verdict of `servesim check` for one scenario: every SLO objective, every expectation of a checks file
 * and every metric compared with the baseline, each passed, failed or skipped, with the numbers that decided
 * it. Pure: the same report, spec and baseline give the same outcomes.
 */
import type { SloSpec } from '../scenario/schema.ts';
import type { RunReport } from '../report/result.ts';
import type { BaselineEntry } from './baseline.ts';
import type { Expectation } from './checks-file.ts';
import { BASELINE_METRICS, metricValue, toleranceFor, worseOf } from './metrics.ts';
import type { Tolerances, Worse } from './metrics.ts';

export type OutcomeKind = 'slo' | 'expect' | 'baseline';
export type Status = 'pass' | 'fail' | 'skip';

export interface Outcome {
  kind: OutcomeKind;
  /** Key as shown: `ttftMs.p99` for objectives, report key paths otherwise. */
  metric: string;
  unit: string;
  actual: number | null;
  /** Baseline value (`baseline` outcomes). */
  baseline?: number | null;
  /** Relative change against the baseline, e.g. 0.063 for +6.3 % (null when undefined). */
  change?: number | null;
  /** Relative tolerance allowed (`baseline` outcomes). */
  tolerance?: number;
  /** The bound the value must respect: upper for `max`, lower for `min`. */
  min?: number;
  max?: number;
  status: Status;
  /** One line: the value, the limit or baseline, and why it passed, failed or was skipped. */
  message: string;
}

export interface CheckResult {
  name: string;
  /** The scenario file as given. */
  file: string;
  scenario: string;
  model: string;
  gpu: string;
  outcomes: Outcome[];
  passed: boolean;
}

const SLO_METRIC = { ttftMs: 'ttft', tpotMs: 'tpot', itlMs: 'itl', e2eMs: 'e2e', queueMs: 'queue' } as const;
const STATS = ['mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

/** Numbers as shown in messages and tables: up to 4 significant digits, `n/a` for a missing value. */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** A relative change as `+6.3%` / `-12%` / `±0%`; `n/a` when undefined (baseline 0 or missing). */
export function fmtChange(c: number | null | undefined): string {
  if (c === null || c === undefined || !Number.isFinite(c)) return 'n/a';
  if (c === 0) return '±0%';
  const pct = c * 100;
  const s = Math.abs(pct) >= 10 ? pct.toFixed(0) : Math.abs(pct) >= 0.1 ? pct.toFixed(1) : pct.toPrecision(1);
  return `${pct > 0 ? '+' : ''}${s}%`;
}

const withUnit = (v: number | null | undefined, unit: string) => `${fmtNum(v)}${unit !== '' && v !== null && v !== undefined ? ` ${unit}` : ''}`;

const unitOf = (key: string): string => BASELINE_METRICS.find((m) => m.key === key)?.unit ?? (key.startsWith('latencyMs.') ? 'ms' : '');

function sloOutcomes(slo: SloSpec | undefined, report: RunReport): Outcome[] {
  const out: Outcome[] = [];
  if (!slo) return out;
  const violated = new Set(report.slo.violations.map((v) => v.key));
  for (const key of Object.keys(SLO_METRIC) as (keyof typeof SLO_METRIC)[]) {
    const limits = slo[key];
    if (!limits) continue;
    for (const stat of STATS) {
      const limit = limits[stat];
      if (limit === undefined) continue;
      const metric = `${key}.${stat}`;
      const actual = metricValue(report, `latencyMs.${SLO_METRIC[key]}.${stat}`) ?? null;
      const failed = violated.has(metric);
      out.push({
        kind: 'slo', metric, unit: 'ms', actual, max: limit, status: failed ? 'fail' : 'pass',
        message: actual === null
          ? `${metric}: no samples (no request completed to measure it), limit ${limit} ms`
          : `${metric}: ${actual} ms ${failed ? '>' : '≤'} limit ${limit} ms`,
      });
    }
  }
  return out;
}

function expectOutcomes(expect: readonly Expectation[], report: RunReport): Outcome[] {
  const out: Outcome[] = [];
  for (const e of expect) {
    if (e.min === undefined && e.max === undefined) continue;
    const unit = unitOf(e.metric);
    const actual = metricValue(report, e.metric) ?? null;
    const bounds = [e.min !== undefined ? `≥ ${fmtNum(e.min)}` : '', e.max !== undefined ? `≤ ${fmtNum(e.max)}` : ''].filter((s) => s !== '').join(' and ');
    const ok = actual !== null && (e.min === undefined || actual >= e.min) && (e.max === undefined || actual <= e.max);
    out.push({
      kind: 'expect', metric: e.key, unit, actual, ...(e.min !== undefined ? { min: e.min } : {}), ...(e.max !== undefined ? { max: e.max } : {}),
      status: ok ? 'pass' : 'fail',
      message: actual === null ? `${e.key}: no value in this run, expected ${bounds}` : `${e.key} = ${withUnit(actual, unit)}, expected ${bounds}`,
    });
  }
  return out;
}

function compareOne(key: string, shown: string, worse: Worse, tolerance: number, base: number | null | undefined, actual: number | null | undefined): Outcome | null {
  const unit = unitOf(key);
  const o = { kind: 'baseline' as const, metric: shown, unit, tolerance };
  const tol = `tolerance ${fmtChange(tolerance).replace('+', '')}`;
  if (base === undefined || actual === undefined) {
    if (base === undefined && actual === undefined) return null;
    return {
      ...o, actual: actual ?? null, baseline: base ?? null, change: null, status: 'skip',
      message: base === undefined ? `${shown}: not in the baseline (re-record it to compare)` : `${shown}: not in this run's report`,
    };
  }
  if (actual === null || base === null) {
    const ok = actual !== null || base === null;
    return {
      ...o, actual, baseline: base, change: null, status: ok ? 'pass' : 'fail',
      message: actual === null && base !== null
        ? `${shown}: no value in this run (no samples), baseline ${withUnit(base, unit)}`
        : `${shown} = ${withUnit(actual, unit)}, baseline had no value`,
    };
  }
  const change = base !== 0 ? (actual - base) / Math.abs(base) : actual === 0 ? 0 : null;
  const span = tolerance * Math.abs(base);
  let failed: boolean;
  let limitText: string;
  const bound: { min?: number; max?: number } = {};
  if (worse === 'up') {
    bound.max = base + span;
    failed = actual > bound.max;
    limitText = `limit ≤ ${withUnit(bound.max, unit)}`;
  } else if (worse === 'down') {
    bound.min = base - span;
    failed = actual < bound.min;
    limitText = `limit ≥ ${withUnit(bound.min, unit)}`;
  } else {
    bound.min = base - span;
    bound.max = base + span;
    failed = actual < bound.min || actual > bound.max;
    limitText = `limit ${fmtNum(bound.min)}…${withUnit(bound.max, unit)}`;
  }
  const dir = worse === 'up' ? 'higher is worse' : worse === 'down' ? 'lower is worse' : 'either way';
  return {
    ...o, actual, baseline: base, change, ...bound, status: failed ? 'fail' : 'pass',
    message: `${shown} = ${withUnit(actual, unit)} vs baseline ${withUnit(base, unit)} (${fmtChange(change)}; ${tol}, ${dir}: ${limitText})${failed ? ' — regression' : ''}`,
  };
}

function baselineOutcomes(entry: BaselineEntry, report: RunReport, expect: readonly Expectation[], t: Tolerances): Outcome[] {
  const out: Outcome[] = [];
  const relOf = new Map(expect.filter((e) => e.relTolerance !== undefined).map((e) => [e.metric, e]));
  for (const m of BASELINE_METRICS) {
    const e = relOf.get(m.key);
    const o = compareOne(m.key, e?.key ?? m.key, m.worse, e?.relTolerance ?? toleranceFor(t, m.key), entry.value(m.key), metricValue(report, m.key));
    if (o && !(m.optional && o.status === 'skip')) out.push(o);
    relOf.delete(m.key);
  }
  for (const e of relOf.values()) {
    const o = compareOne(e.metric, e.key, worseOf(e.metric), e.relTolerance!, entry.value(e.metric), metricValue(report, e.metric));
    if (o) out.push(o);
  }
  return out;
}

export interface EvaluateInput {
  name: string;
  file: string;
  slo: SloSpec | undefined;
  report: RunReport;
  expect: readonly Expectation[];
  baseline?: BaselineEntry;
  tolerances: Tolerances;
}

/** Every outcome for one scenario, SLO objectives first, then expectations, then the baseline comparison. */
export function evaluateCheck(i: EvaluateInput): CheckResult {
  const outcomes = [
    ...sloOutcomes(i.slo, i.report),
    ...expectOutcomes(i.expect, i.report),
    ...(i.baseline ? baselineOutcomes(i.baseline, i.report, i.expect, i.tolerances) : []),
  ];
  return {
    name: i.name, file: i.file, scenario: i.report.scenario, model: i.report.model, gpu: i.report.gpu,
    outcomes, passed: outcomes.every((o) => o.status !== 'fail'),
  };
}
