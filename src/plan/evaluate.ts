/**
 * One option of a plan: the fewest replicas of that configuration that meet every objective, found with
 * as few simulations as possible. Runs are memoised per replica count; the search assumes that meeting the
 * SLO is monotone in the replica count (more identical replicas behind the same router never make p99
 * latency or rejections worse), which holds for the routers and static provisioning used here up to
 * simulation noise. Search: 1, 2, 4, … until a count meets the SLO (or `maxReplicas` is reached), then
 * bisection between the last miss and the first hit — about 2·log2(N) runs for an answer N.
 *
 * When one replica misses the SLO, a probe tells (before the fleet is grown) whether more replicas could help: one
 * replica at a negligible rate (requests spaced far apart, at most {@link PROBE_REQUESTS} of them). If even
 * that misses an objective, the latency is that of a single request on an idle replica and no replica count
 * can fix it; the reason names the objective (e.g. "a single request's prefill exceeds the TTFT SLO").
 *
 * Pure apart from the `ResolveEnv` (file access) passed in: usable in workers and in the browser.
 */
import type { Scenario } from '../scenario/schema.ts';
import { resolveScenario } from '../scenario/resolve.ts';
import type { ResolveEnv } from '../scenario/resolve.ts';
import { runScenario } from '../scenario/run.ts';
import type { RunReport } from '../report/result.ts';
import { UserError } from '../errors/user-error.ts';

export const PROBE_REQUESTS = 200;
/** Rate factor of the probe: arrivals slowed down this much (1/1000 of the scenario's rate). */
export const PROBE_RATE_FACTOR = 1e-3;

/** Resolve-time problems that mean "this configuration cannot run" (pruned), not "the input is wrong". */
const PRUNE_CODES = new Set(['does-not-fit', 'invalid-input', 'unsupported', 'invalid-value', 'out-of-range']);

export interface PlanSearchOptions {
  maxReplicas: number;
  /** Highest tolerated share of arrived requests that are rejected (e.g. 0.01). */
  maxRejectionRate: number;
  /** Also find the highest rate factor the chosen fleet sustains (bisection). */
  maxRate: boolean;
  /** Evaluate this replica count only (a given fleet) instead of searching the fewest. */
  fixedReplicas?: number;
}

export interface LatencySummary {
  ttft: number | null;
  tpot: number | null;
  e2e: number | null;
}

/** One simulated replica count. */
export interface Trial {
  replicas: number;
  meetsSlo: boolean;
  /** Violated objectives, e.g. "ttftMs.p99 2510 > 2000" or "rejections 3.1% > 1%". */
  violations: string[];
  latencyMs: LatencySummary;
  costUsdPerMillionTokens: number;
  energyJPerToken: number | null;
  /** Smallest relative margin to an objective (1 − actual/limit), null without objectives. */
  sloHeadroom: number | null;
  /** Mean arrival rate of the run (requests per second). */
  arrivalRatePerSec: number;
  gpuHourUsd: number;
  /** Cost per million tokens at `gpuHourUsd` (GPU-hours × price), whatever `cost.mode` the report used. */
  gpuHourCostUsdPerMillionTokens: number;
}

export interface OptionEvaluation {
  gpu: string;
  parallelism: { tensor: number; pipeline: number };
  precision: { weights: string; kvCache: string };
  engine: string;
  gpus: number | null;
  replicas: number | null;
  meetsSlo: boolean;
  /** Why the option is pruned or cannot meet the SLO; null when it meets it. */
  reason: string | null;
  pruned: boolean;
  latencyMs: LatencySummary | null;
  costUsdPerMillionTokens: number | null;
  energyJPerToken: number | null;
  sloHeadroom: number | null;
  /** Highest arrival-rate factor (× the scenario's rate) the chosen fleet sustains; with `--max-rate`. */
  maxRateFactor?: number | null;
  /** That factor × the scenario's rate (`ratePerSec`, or for traces the run's mean arrival rate), in requests per second; with `--max-rate`. */
  maxRequestsPerSec?: number | null;
  /** With `--max-rate`: every rate factor simulated at the chosen size, ascending (p99 latency vs load). */
  loadCurve?: LoadPoint[];
  /** Price of one GPU-hour ($, the report's `cost.gpuHourUsd`) and the cost per million tokens at that price
   * (equal to `costUsdPerMillionTokens` unless `cost.mode` prices ownership instead). */
  gpuHourUsd?: number;
  gpuHourCostUsdPerMillionTokens?: number;
  /** Every replica count simulated, ascending. */
  trials: Trial[];
}

export interface LoadPoint {
  /** × the scenario's arrival rate. */
  factor: number;
  meetsSlo: boolean;
  latencyMs: LatencySummary;
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Multiplies the arrival rate of the scenario's workload (or each tenant's) by `factor`. */
export function scaleRate(s: Scenario, factor: number): Scenario {
  const scaleW = <W extends NonNullable<Scenario['workload']>>(w: W): W => {
    const a = w.arrivals as { kind: string; ratePerSec?: number; concurrency?: number };
    if (a.kind === 'trace') {
      const t = w.trace!;
      return { ...w, trace: { ...t, timeScale: (t.timeScale ?? 1) / factor } };
    }
    if (a.ratePerSec !== undefined) return { ...w, arrivals: { ...a, ratePerSec: a.ratePerSec * factor } } as W;
    throw new UserError(`arrivals of kind ${a.kind} have no rate to scale`, {
      where: 'workload.arrivals', code: 'unsupported',
      fix: 'use trace, poisson, gamma or constant arrivals to search rates',
    });
  };
  if (s.tenants) return { ...s, tenants: s.tenants.map((t) => scaleW(t as unknown as NonNullable<Scenario['workload']>)) } as unknown as Scenario;
  return { ...s, workload: scaleW(s.workload!) };
}

function capRequests(s: Scenario, n: number): Scenario {
  if (!s.workload) return s;
  const cur = s.workload.requests;
  return { ...s, workload: { ...s.workload, requests: cur === undefined ? n : Math.min(cur, n) } };
}

function summarize(report: RunReport, s: Scenario, maxRejectionRate: number, replicas: number): Trial {
  const l = report.latencyMs;
  const violations = report.slo.violations.map((v) => `${v.key} ${v.actualMs} > ${v.limitMs}`);
  const arrived = report.requests.arrived;
  const rejRate = arrived > 0 ? report.requests.rejected / arrived : 0;
  if (rejRate > maxRejectionRate) violations.push(`rejections ${(rejRate * 100).toFixed(2)}% > ${(maxRejectionRate * 100).toFixed(2)}%`);
  let headroom: number | null = null;
  const METRIC = { ttftMs: 'ttft', tpotMs: 'tpot', itlMs: 'itl', e2eMs: 'e2e', queueMs: 'queue' } as const;
  for (const [key, limits] of Object.entries(s.slo ?? {}) as [keyof typeof METRIC, Record<string, number | undefined>][]) {
    if (!limits) continue;
    for (const [stat, limit] of Object.entries(limits)) {
      if (limit === undefined) continue;
      const actual = (l[METRIC[key]] as unknown as Record<string, number>)[stat];
      const h = Number.isFinite(actual) ? 1 - actual / limit : -1;
      headroom = headroom === null ? h : Math.min(headroom, h);
    }
  }
  const energy = (report as unknown as { energy?: { joulesPerOutputToken?: number } }).energy?.joulesPerOutputToken;
  return {
    replicas,
    meetsSlo: report.slo.met && violations.length === 0,
    violations,
    latencyMs: { ttft: num(l.ttft.p99), tpot: num(l.tpot.p99), e2e: num(l.e2e.p99) },
    costUsdPerMillionTokens: report.cost.usdPerMillionTokens,
    energyJPerToken: typeof energy === 'number' && Number.isFinite(energy) ? energy : null,
    sloHeadroom: headroom === null ? null : Math.round(headroom * 1e4) / 1e4,
    arrivalRatePerSec: report.littlesLaw.arrivalRatePerSec,
    gpuHourUsd: report.cost.gpuHourUsd,
    gpuHourCostUsdPerMillionTokens: report.cost.totalUsd > 0
      ? Math.round((report.cost.usdPerMillionTokens * report.cost.gpuHours * report.cost.gpuHourUsd / report.cost.totalUsd) * 1e7) / 1e7
      : report.cost.usdPerMillionTokens,
  };
}

const SLO_WORDS: Record<string, string> = {
  ttftMs: "a single request's prefill exceeds the TTFT SLO",
  tpotMs: "a single request's decode step exceeds the TPOT SLO",
  itlMs: "a single request's inter-token latency exceeds the ITL SLO",
  e2eMs: 'a single request on an idle replica exceeds the E2E SLO',
  queueMs: 'a single request on an idle replica queues longer than the queue SLO',
  rejections: 'requests are rejected even by an idle replica (they do not fit its KV cache or limits)',
};

/**
 * Runs one replica at a negligible rate (at most {@link PROBE_REQUESTS} requests, {@link PROBE_RATE_FACTOR}× the
 * scenario's rate, static provisioning): when even that misses an objective, no replica count can meet it and
 * the returned sentence says why; null when the single idle replica meets every objective.
 */
export function whyNoReplicaCountHelps(s: Scenario, env: ResolveEnv, maxRejectionRate: number): string | null {
  const probeScenario: Scenario = {
    ...capRequests(scaleRate(s, PROBE_RATE_FACTOR), PROBE_REQUESTS),
    replicas: 1, failures: undefined,
    fleet: { ...s.fleet, provisioning: { kind: 'static' } } as Scenario['fleet'],
  };
  const probe = summarize(runScenario(resolveScenario(probeScenario, env)).report, probeScenario, maxRejectionRate, 1);
  if (probe.meetsSlo) return null;
  const key = (probe.violations[0] ?? '').split(/[. ]/)[0];
  return `${SLO_WORDS[key] ?? 'one replica at a negligible rate already misses the SLO'} (${probe.violations.join(', ')} with one replica at ${PROBE_RATE_FACTOR}× the rate); more replicas cannot help`;
}

/**
 * Evaluates one option (`s` is the scenario with the option's overrides applied). Throws a UserError only
 * for problems that are not about the option (e.g. a missing trace file); the resolve-time problems of a
 * configuration that cannot run (does not fit, TP not dividing the heads) prune it with the reason.
 */
export function evaluateOption(s: Scenario, env: ResolveEnv, opts: PlanSearchOptions): OptionEvaluation {
  const base: Omit<OptionEvaluation, 'gpus' | 'replicas' | 'meetsSlo' | 'reason' | 'pruned' | 'latencyMs' | 'costUsdPerMillionTokens' | 'energyJPerToken' | 'sloHeadroom' | 'trials'> = {
    gpu: s.gpu ?? '',
    parallelism: { tensor: s.parallelism.tensor, pipeline: s.parallelism.pipeline },
    precision: { weights: s.precision.weights, kvCache: s.precision.kvCache ?? s.precision.weights },
    engine: String((s.engine as { kind?: string }).kind ?? ''),
  };
  const gpusPerReplica = s.parallelism.tensor * s.parallelism.pipeline;
  const memo = new Map<number, Trial>();
  const withReplicas = (n: number, sc: Scenario = s): Scenario => ({
    ...sc, replicas: n, fleet: { ...sc.fleet, provisioning: { kind: 'static' } } as Scenario['fleet'],
  });
  const simulate = (sc: Scenario, n: number): Trial => summarize(runScenario(resolveScenario(sc, env)).report, sc, opts.maxRejectionRate, n);
  const trial = (n: number): Trial => {
    let t = memo.get(n);
    if (!t) {
      t = simulate(withReplicas(n), n);
      memo.set(n, t);
    }
    return t;
  };
  const addMaxRate = (o: OptionEvaluation, fleet: Scenario, at: Trial) => {
    const curve: LoadPoint[] = [];
    const f = maxRateFactor(fleet, env, opts.maxRejectionRate, 0.01, curve);
    o.loadCurve = curve;
    o.maxRateFactor = f;
    // The scenario's nominal rate where it has one (Poisson, gamma, constant), else the mean arrival rate of the
    // run (arrivals over the simulated time, for traces and tenants).
    const nominal = (s.workload?.arrivals as { ratePerSec?: number } | undefined)?.ratePerSec;
    o.maxRequestsPerSec = f === null ? null : Math.round(f * (nominal ?? at.arrivalRatePerSec) * 1e4) / 1e4;
  };
  const empty = {
    gpus: null, replicas: null, meetsSlo: false, pruned: false, latencyMs: null, costUsdPerMillionTokens: null,
    energyJPerToken: null, sloHeadroom: null,
  };
  if (s.pools || s.disaggregation) {
    // The replica search sizes one pool of identical replicas; pools / prefill-decode splits are not searched.
    return { ...base, ...empty, pruned: true, reason: `plan sizes one pool of identical replicas; an option with ${s.pools ? 'pools' : 'disaggregation'} is not searched (size each pool in its own scenario)`, trials: [] };
  }
  try {
    resolveScenario(withReplicas(1), env);
  } catch (e) {
    if (e instanceof UserError && e.problems.every((p) => PRUNE_CODES.has(p.code))) {
      return { ...base, ...empty, pruned: true, reason: e.problems.map((p) => p.message).join('; '), trials: [] };
    }
    throw e;
  }
  // Could more replicas help at all? One replica, requests far apart: the latency of a request on an idle
  // replica. Run only once one replica misses (cheap: at most PROBE_REQUESTS requests), before growing the fleet.
  let probeReason: string | null = null;
  const probeFails = (): boolean => {
    probeReason = whyNoReplicaCountHelps(s, env, opts.maxRejectionRate);
    return probeReason !== null;
  };
  // Bracket: 1, 2, 4, … (capped at maxReplicas), then bisect between the last miss and the first hit.
  let lo = 0; // highest count known to miss
  let hi: number | null = null;
  const top = opts.fixedReplicas ?? opts.maxReplicas;
  for (let n = opts.fixedReplicas ?? 1; ; n = Math.min(n * 2, top)) {
    if (trial(n).meetsSlo) {
      hi = n;
      break;
    }
    lo = n;
    if (n === 1 && probeFails()) break;
    if (n >= top) break;
  }
  if (hi !== null && opts.fixedReplicas === undefined) {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (trial(mid).meetsSlo) hi = mid;
      else lo = mid;
    }
  }
  const trials = [...memo.values()].sort((a, b) => a.replicas - b.replicas);
  if (hi === null) {
    const last = trials[trials.length - 1];
    const reason = probeReason ?? (opts.fixedReplicas !== undefined
      ? `the SLO is not met with ${top} replicas (${last.violations.join(', ')})`
      : `the SLO is not met with ${top} replicas (${last.violations.join(', ')}); raise --max-replicas`);
    const missed: OptionEvaluation = {
      ...base, ...empty, reason, latencyMs: last.latencyMs, energyJPerToken: last.energyJPerToken, sloHeadroom: last.sloHeadroom, trials,
    };
    if (opts.fixedReplicas !== undefined) {
      // A given fleet: its size and cost are known even when it misses the SLO.
      missed.replicas = top;
      missed.gpus = top * gpusPerReplica;
      missed.costUsdPerMillionTokens = last.costUsdPerMillionTokens;
    }
    // A given fleet (--replicas) that misses the SLO still has a rate it sustains (a factor below 1).
    if (opts.maxRate && opts.fixedReplicas !== undefined) addMaxRate(missed, withReplicas(last.replicas), last);
    return missed;
  }
  const best = trial(hi);
  const out: OptionEvaluation = {
    ...base, gpus: hi * gpusPerReplica, replicas: hi, meetsSlo: true, reason: null, pruned: false, gpuHourUsd: best.gpuHourUsd,
    gpuHourCostUsdPerMillionTokens: best.gpuHourCostUsdPerMillionTokens,
    latencyMs: best.latencyMs, costUsdPerMillionTokens: best.costUsdPerMillionTokens, energyJPerToken: best.energyJPerToken,
    sloHeadroom: best.sloHeadroom, trials,
  };
  if (opts.maxRate) addMaxRate(out, withReplicas(hi), best);
  return out;
}

/**
 * The highest factor by which the scenario's arrival rate can be multiplied while every objective still
 * holds (fleet as given). Doubles until the SLO breaks (up to 1024×), then bisects to 1% relative precision.
 * Returns 0 when the SLO is missed even at 1/1024 of the rate, null when it holds even at 1024×.
 */
export function maxRateFactor(s: Scenario, env: ResolveEnv, maxRejectionRate: number, tolerance = 0.01, curve?: LoadPoint[]): number | null {
  const memo = new Map<number, boolean>();
  const ok = (f: number): boolean => {
    let r = memo.get(f);
    if (r === undefined) {
      const sc = scaleRate(s, f);
      const t = summarize(runScenario(resolveScenario(sc, env)).report, sc, maxRejectionRate, sc.replicas);
      r = t.meetsSlo;
      memo.set(f, r);
      if (curve) {
        curve.push({ factor: f, meetsSlo: r, latencyMs: t.latencyMs });
        curve.sort((a, b) => a.factor - b.factor);
      }
    }
    return r;
  };
  let lo: number;
  let hi: number;
  if (ok(1)) {
    lo = 1;
    hi = 2;
    while (ok(hi)) {
      lo = hi;
      hi *= 2;
      if (hi > 1024) return null;
    }
  } else {
    hi = 1;
    lo = 0.5;
    while (!ok(lo)) {
      hi = lo;
      lo /= 2;
      if (lo < 1 / 1024) return 0;
    }
  }
  while ((hi - lo) / lo > tolerance) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return Math.round(lo * 1e4) / 1e4;
}
