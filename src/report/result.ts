import type { FleetResult } from '../fleet/simulate.ts';
import { latencyStatsMs } from '../metrics/summary.ts';
import type { LatencyStats } from '../metrics/summary.ts';
import { checkSlo } from '../check/slo.ts';
import type { SloResult } from '../check/slo.ts';
import type { Scenario } from '../scenario/schema.ts';
import { roundTree } from './round.ts';

/** Facts about the resolved configuration that the report echoes. */
export interface RunContext {
  scenario: Scenario;
  gpusPerReplica: number;
  gpuHourUsd: number;
  gpuHourUsdSource: string;
  kv: {
    capacityTokens: number;
    numBlocks: number;
    blockSize: number;
    kvBytesPerTokenPerGpu: number;
    weightBytesPerGpu: number;
    activationReserveBytesPerGpu: number;
  };
  perfModel: string;
  /** Warnings worth showing (fallbacks, assumptions). */
  notes: string[];
}

/** The `--json` document. Every key is documented in docs/output.md. */
export interface RunReport {
  scenario: string;
  seed: number;
  model: string;
  gpu: string;
  replicas: number;
  requests: {
    arrived: number; completed: number; rejected: number; preempted: number; preemptions: number;
    inFlight: number; rejectedByReason: Record<string, number>;
  };
  simulatedSec: number;
  throughput: {
    requestsPerSec: number; inputTokensPerSec: number; outputTokensPerSec: number; totalTokensPerSec: number;
  };
  latencyMs: { ttft: LatencyStats; tpot: LatencyStats; itl: LatencyStats; e2e: LatencyStats; queue: LatencyStats };
  gpus: { count: number; perReplica: number; busyFraction: number };
  kvCache: {
    capacityTokens: number; blocksPerReplica: number; blockSize: number; bytesPerTokenPerGpu: number;
    peakUtilization: number; prefixHitTokens: number; prefixHitRate: number; evictions: number;
  };
  memory: { weightBytesPerGpu: number; activationReserveBytesPerGpu: number };
  cost: {
    gpuHourUsd: number; gpuHourUsdSource: string; gpuHours: number; totalUsd: number;
    usdPerMillionOutputTokens: number; usdPerMillionTokens: number;
  };
  slo: SloResult;
  littlesLaw: { meanInSystem: number; arrivalRatePerSec: number; meanSojournSec: number; relativeError: number };
  engine: { steps: number; events: number; perfModel: string };
  notes: string[];
}

/**
 * Turns a finished fleet run into the report document. Deterministic: no wall-clock values.
 */
export function buildReport(res: FleetResult, ctx: RunContext): RunReport {
  const m = res.metrics;
  const s = ctx.scenario;
  const simSec = res.endSec;
  const latency = {
    ttft: latencyStatsMs(m.ttftSec.toArray()),
    tpot: latencyStatsMs(m.tpotSec.toArray()),
    itl: m.itl.stats(),
    e2e: latencyStatsMs(m.e2eSec.toArray()),
    queue: latencyStatsMs(m.queueSec.toArray()),
  };
  const gpus = s.replicas * ctx.gpusPerReplica;
  const gpuHours = (gpus * simSec) / 3600;
  const totalUsd = gpuHours * ctx.gpuHourUsd;
  let steps = 0;
  let busySec = 0;
  let peakPinned = 0;
  let evictions = 0;
  for (const r of res.replicas) {
    steps += r.stepCount;
    busySec += r.busySec;
    peakPinned = Math.max(peakPinned, r.kv.peakPinnedBlocks);
    evictions += r.kv.evictions;
  }
  // Little's law: L = λW over the whole run, with W the mean time in system of finished requests.
  const sumE2e = m.e2eSec.sum();
  const meanInSystem = simSec > 0 ? m.inSystemAreaReqSec / simSec : 0;
  const lambda = simSec > 0 ? m.completed / simSec : 0;
  const w = m.completed > 0 ? sumE2e / m.completed : 0;
  const report: RunReport = {
    scenario: s.name,
    seed: s.seed,
    model: s.model,
    gpu: s.gpu,
    replicas: s.replicas,
    requests: {
      arrived: m.arrived,
      completed: m.completed,
      rejected: m.rejected,
      preempted: m.preemptedRequests,
      preemptions: m.preemptions,
      inFlight: m.inFlight,
      rejectedByReason: { ...m.rejectedByReason },
    },
    simulatedSec: simSec,
    throughput: {
      requestsPerSec: simSec > 0 ? m.completed / simSec : 0,
      inputTokensPerSec: simSec > 0 ? m.inputTokens / simSec : 0,
      outputTokensPerSec: simSec > 0 ? m.outputTokens / simSec : 0,
      totalTokensPerSec: simSec > 0 ? (m.inputTokens + m.outputTokens) / simSec : 0,
    },
    latencyMs: latency,
    gpus: { count: gpus, perReplica: ctx.gpusPerReplica, busyFraction: simSec > 0 ? busySec / (simSec * s.replicas) : 0 },
    kvCache: {
      capacityTokens: ctx.kv.capacityTokens,
      blocksPerReplica: ctx.kv.numBlocks,
      blockSize: ctx.kv.blockSize,
      bytesPerTokenPerGpu: ctx.kv.kvBytesPerTokenPerGpu,
      peakUtilization: peakPinned / ctx.kv.numBlocks,
      prefixHitTokens: m.prefixHitTokens,
      prefixHitRate: m.inputTokens > 0 ? m.prefixHitTokens / m.inputTokens : 0,
      evictions,
    },
    memory: {
      weightBytesPerGpu: ctx.kv.weightBytesPerGpu,
      activationReserveBytesPerGpu: ctx.kv.activationReserveBytesPerGpu,
    },
    cost: {
      gpuHourUsd: ctx.gpuHourUsd,
      gpuHourUsdSource: ctx.gpuHourUsdSource,
      gpuHours,
      totalUsd,
      usdPerMillionOutputTokens: m.outputTokens > 0 ? (totalUsd / m.outputTokens) * 1e6 : NaN,
      usdPerMillionTokens: m.outputTokens + m.inputTokens > 0 ? (totalUsd / (m.inputTokens + m.outputTokens)) * 1e6 : NaN,
    },
    slo: checkSlo(s.slo, latency),
    littlesLaw: {
      meanInSystem,
      arrivalRatePerSec: lambda,
      meanSojournSec: w,
      // Rounded to 1e-9: below that it is floating-point summation noise, which would make goldens brittle.
      relativeError: meanInSystem > 0 ? Math.round((Math.abs(lambda * w - meanInSystem) / meanInSystem) * 1e9) / 1e9 : 0,
    },
    engine: { steps, events: res.events, perfModel: ctx.perfModel },
    notes: ctx.notes,
  };
  return roundTree(report, 7);
}
