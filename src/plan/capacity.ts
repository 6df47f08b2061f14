import type { Scenario } from '../scenario/schema.ts';
import { resolveScenario } from '../scenario/resolve.ts';
import type { ResolveEnv } from '../scenario/resolve.ts';
import { runScenario } from '../scenario/run.ts';
import type { RunReport } from '../report/result.ts';
import { messages } from '../errors/messages.ts';
import { whyNoReplicaCountHelps } from './evaluate.ts';

export interface CapacityOptions {
  /** Called after each simulated fleet size (progress display). */
  onEvaluation?: (runs: number) => void;
  maxReplicas: number;
  /** Also find the count that still meets the SLO with one node (`replicasPerNode` replicas) down. */
  nPlusOne: boolean;
  gpusPerNode: number;
}

export interface CapacityEvaluation {
  replicas: number;
  /** Replicas down for the whole run (one node in the N+1 search). */
  down: number;
  sloMet: boolean;
  violations: string[];
  costUsd: number;
  costUsdPerMillionTokens: number;
  /** Achieved p99 latencies (null when no request completed). */
  latencyMs: { ttft: number | null; tpot: number | null; e2e: number | null };
}

export interface CapacityResult {
  scenario: string;
  gpu: string;
  precision: { weights: string; kvCache: string };
  parallelism: { tensor: number; pipeline: number };
  /** Why no replica count up to `maxReplicas` (or none at all) meets the SLO; null when one does. */
  reason: string | null;
  /** Whether more replicas than `maxReplicas` could help (false when one idle replica already misses the SLO). */
  moreReplicasCouldHelp: boolean | null;
  /** Fewest replicas meeting every SLO, or null if even `maxReplicas` does not. */
  replicas: number | null;
  gpus: number | null;
  nPlusOne?: { replicas: number | null; gpus: number | null; replicasPerNode: number };
  evaluations: CapacityEvaluation[];
}

/**
 * Capacity search: the fewest identical replicas (static provisioning) for which every SLO of the
 * scenario holds, by bisection (SLO attainment assumed monotone in replica count). With `nPlusOne`, the
 * fewest replicas that still meet the SLO while one node — ⌊gpusPerNode / GPUs per replica⌋ replicas, at
 * least one — is down for the whole run (a scripted failure that is never repaired).
 */
export function findCapacity(s: Scenario, env: ResolveEnv, opts: CapacityOptions): CapacityResult {
  if (!s.slo) {
    throw messages.capacityNeedsSlo();
  }
  if (s.pools || s.disaggregation) {
    throw messages.capacityOnePool(s.pools ? 'pools' : 'disaggregation');
  }
  const evaluations: CapacityEvaluation[] = [];
  const gpusPerReplica = s.parallelism.tensor * s.parallelism.pipeline;
  const evaluate = (replicas: number, down: number): boolean => {
    const scenario: Scenario = {
      ...s,
      replicas,
      fleet: { ...s.fleet, provisioning: { kind: 'static' } },
      failures: down > 0
        ? { mttrSec: 1, onFailure: 'retry', schedule: Array.from({ length: down }, (_, i) => ({ atSec: 0, replica: i, downSec: 1e12 })) }
        : undefined,
    };
    const report: RunReport = runScenario(resolveScenario(scenario, env)).report;
    const l = report.latencyMs;
    const fin = (x: number) => (Number.isFinite(x) ? x : null);
    evaluations.push({
      replicas, down, sloMet: report.slo.met,
      violations: report.slo.violations.map((v) => `${v.key} ${v.actualMs} > ${v.limitMs}`),
      costUsd: report.cost.totalUsd,
      costUsdPerMillionTokens: report.cost.usdPerMillionTokens,
      latencyMs: { ttft: fin(l.ttft.p99), tpot: fin(l.tpot.p99), e2e: fin(l.e2e.p99) },
    });
    opts.onEvaluation?.(evaluations.length);
    return report.slo.met;
  };
  const search = (lo: number, down: number): number | null => {
    let hi = opts.maxReplicas;
    if (hi < lo || !evaluate(hi, down)) return null;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (evaluate(mid, down)) hi = mid;
      else lo = mid + 1;
    }
    return hi;
  };
  const n = search(1, 0);
  let reason: string | null = null;
  let moreReplicasCouldHelp: boolean | null = null;
  if (n === null) {
    // Latency SLOs only: the rejection rate is not an objective of capacity (rate 1 tolerates any).
    const why = whyNoReplicaCountHelps(s, env, 1);
    moreReplicasCouldHelp = why === null;
    const last = evaluations[evaluations.length - 1];
    reason = why ?? `the SLO is not met with ${opts.maxReplicas} replicas (${last.violations.join(', ')}); raise --max-replicas`;
  }
  const result: CapacityResult = {
    scenario: s.name, gpu: s.gpu ?? '',
    precision: { weights: s.precision.weights, kvCache: s.precision.kvCache ?? s.precision.weights },
    parallelism: { tensor: s.parallelism.tensor, pipeline: s.parallelism.pipeline },
    reason, moreReplicasCouldHelp,
    replicas: n, gpus: n === null ? null : n * gpusPerReplica, evaluations,
  };
  if (opts.nPlusOne) {
    const perNode = Math.max(1, Math.floor(opts.gpusPerNode / gpusPerReplica));
    // With k replicas down, at least N + k are needed: start the search there.
    const m = n === null ? null : search(n + perNode, perNode);
    result.nPlusOne = { replicas: m, gpus: m === null ? null : m * gpusPerReplica, replicasPerNode: perNode };
  }
  return result;
}
