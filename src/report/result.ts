import type { FleetResult } from '../fleet/simulate.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import { latencyStatsMs } from '../metrics/summary.ts';
import type { LatencyStats } from '../metrics/summary.ts';
import { checkSlo } from '../check/slo.ts';
import type { SloResult } from '../check/slo.ts';
import type { ResolvedScenario } from '../scenario/resolve.ts';
import { roundTree } from './round.ts';
import { costOfRun, type GpuPriceDefaults } from '../cost/tco.ts';

export interface RequestCounts {
  arrived: number; completed: number; rejected: number; preempted: number; preemptions: number;
  inFlight: number; rejectedByReason: Record<string, number>;
  retried: number; lost: number; deferred: number; waitedOnColdStart: number;
  /** Warm-up requests (`workload.warmupRequests`): run, but in no latency or throughput statistic. */
  warmup: number;
}
export interface Throughput {
  requestsPerSec: number; inputTokensPerSec: number; outputTokensPerSec: number; totalTokensPerSec: number;
}
export interface LatencyBlock {
  ttft: LatencyStats; tpot: LatencyStats; itl: LatencyStats; e2e: LatencyStats; queue: LatencyStats;
  /** Time in the API server's host path before the first token reached the client (`engine.frontend: http` only). */
  frontend?: LatencyStats;
}

export interface TenantReport {
  weight: number;
  priority: number;
  requests: RequestCounts;
  throughput: Throughput;
  latencyMs: LatencyBlock;
  /** Share of the fleet's engine GPU-time spent on this tenant's tokens. */
  gpuTimeShare: number;
  /** Share of all requested tokens (input + output of arrived requests). */
  demandShare: number;
  /** Max-min fair share of GPU time given demands and weights (water-filling). */
  fairShare: number;
  slo?: SloResult;
}

export interface PoolReport {
  role: string;
  gpu: string;
  gpusPerReplica: number;
  replicas: { min: number; max: number; mean: number };
  gpuHours: number;
  costUsd: number;
  gpuHourUsd: number;
  kvCapacityTokens: number;
  calibrated?: boolean;
}

/** `config` of the report: what was simulated, defaults and derived values included. */
export interface ResolvedConfig {
  precision: { weights: string; kvCache: string; activations?: string };
  parallelism: { tensor: number; pipeline: number };
  pools: { name: string; role: string; gpu: string; replicas: number; parallelism: { tensor: number; pipeline: number } }[];
  engine: Record<string, unknown>;
  perfModel: string;
  tableFallback: string;
  router: { kind: string; stalenessSec: number };
  provisioning: Record<string, unknown>;
  workloads: Record<string, Record<string, unknown>>;
}

/** The `--json` document. Every key is documented in docs/output.md. */
export interface RunReport {
  scenario: string;
  seed: number;
  model: string;
  gpu: string;
  replicas: number;
  /** The resolved configuration the numbers describe: the scenario with every default filled in. */
  config: ResolvedConfig;
  requests: RequestCounts;
  simulatedSec: number;
  throughput: Throughput;
  latencyMs: LatencyBlock;
  gpus: { count: number; perReplica: number; busyFraction: number };
  kvCache: {
    capacityTokens: number; blocksPerReplica: number; blockSize: number; bytesPerTokenPerGpu: number;
    peakUtilization: number; prefixHitTokens: number; prefixHitRate: number; evictions: number;
  };
  memory: { weightBytesPerGpu: number; activationReserveBytesPerGpu: number };
  cost: {
    gpuHourUsd: number; gpuHourUsdSource: string; gpuHours: number; totalUsd: number;
    usdPerMillionOutputTokens: number; usdPerMillionTokens: number;
    /** With `cost.mode` (cost of ownership): */
    mode?: string;
    usdPerMillionInputTokens?: number;
    usdPerHour?: number;
    breakdown?: { capexUsd: number; energyUsd: number; cloudUsd: number; overheadUsd: number };
    onpremGpuHours?: number;
    cloudGpuHours?: number;
    expectedSpotInterruptions?: number;
  };
  /** With a `power` block (or energy for a cost mode): GPU board power per GPU over serving time. */
  power?: { meanWattsPerGpu: number; peakWattsPerGpu: number; facilityPeakKw: number; capWattsPerGpu: number[]; affectsStepTimes: boolean };
  energy?: { joulesPerOutputToken: number; joulesPerRequest: number; kWh: number; facilityKWh: number; gCo2PerToken?: number };
  /** With a `power` block: GPU temperature and thermal throttling. */
  thermal?: { maxC: number; throttledFraction: number };
  /** With a `node`: where the replicas sit and what their transfers cost. */
  topology?: {
    node: string; placement: string;
    pools: Record<string, { gpus: number[]; cpuSocket: number; allReduceMsPer16MiB: number; hostPenaltyUs: number; weightLoadSec: number }>;
    kvLink?: { bandwidthBytesPerSec: number; latencySec: number; mode: string };
  };
  slo: SloResult;
  fleet: {
    gpuHours: number;
    replicas: { min: number; max: number; mean: number };
    coldStarts: { count: number; meanSec: number; maxSec: number };
    requestsWaitedOnColdStart: number;
    failures: number;
    pools: Record<string, PoolReport>;
  };
  tenants?: Record<string, TenantReport>;
  fairness?: { jainIndex: number };
  littlesLaw: { meanInSystem: number; arrivalRatePerSec: number; meanSojournSec: number; relativeError: number };
  engine: {
    steps: number; events: number; perfModel: string; calibrated: boolean; calibrationSource: string;
    kind: string; frontend: string; scheduler: string; maxNumSeqs: number; maxBatchedTokens: number; blockSize: number;
    prefixCaching: boolean; overlapScheduling: boolean; cudaGraphMaxBatch: number; guaranteedNoEvict: boolean;
    memoryMode: string; gpuMemoryUtilization: number; kvFreeFraction?: number;
    overheads: Record<string, number>; overheadsSource: Record<string, string>; sources: string[];
    /** With `engine.preemption: swap`: preemptions that swapped KV out to host memory, and swap-ins. */
    swap?: { outs: number; ins: number };
  };
  /** The host path (`engine.frontend: http`). */
  host?: { frontendCores: number; frontendUtilization: number; frontendCpuSec: number };
  notes: string[];
}

function counts(m: MetricsCollector): RequestCounts {
  return {
    arrived: m.arrived, completed: m.completed, rejected: m.rejected, preempted: m.preemptedRequests,
    preemptions: m.preemptions, inFlight: m.inFlight, rejectedByReason: { ...m.rejectedByReason },
    retried: m.retried, lost: m.lost, deferred: m.deferred, waitedOnColdStart: m.waitedOnColdStart,
    warmup: m.warmup,
  };
}

/**
 * Completed requests and their tokens per second of the measurement window. Without warm-up the window is
 * [0, simSec]; with warm-up requests it starts at the first non-warm-up arrival, and warm-up requests are
 * left out of the numerators (docs/output.md).
 */
function throughput(m: MetricsCollector, simSec: number): Throughput {
  const start = m.warmup > 0 ? Math.min(m.firstMeasuredArrivalSec, simSec) : 0;
  const window = simSec - start;
  const per = (x: number) => (window > 0 ? x / window : 0);
  const input = m.inputTokens - m.warmupInputTokens;
  const output = m.outputTokens - m.warmupOutputTokens;
  return {
    requestsPerSec: per(m.completed - m.warmupCompleted), inputTokensPerSec: per(input), outputTokensPerSec: per(output),
    totalTokensPerSec: per(input + output),
  };
}

function latency(m: MetricsCollector): LatencyBlock {
  return {
    ttft: latencyStatsMs(m.ttftSec.toArray()),
    tpot: latencyStatsMs(m.tpotSec.toArray()),
    itl: m.itl.stats(),
    e2e: latencyStatsMs(m.e2eSec.toArray()),
    queue: latencyStatsMs(m.queueSec.toArray()),
    ...(m.hasFrontend ? { frontend: latencyStatsMs(m.frontendSec.toArray()) } : {}),
  };
}

/**
 * Jain's fairness index (Σx)² / (n·Σx²) of `xs`: 1 when all equal, 1/n when one takes everything.
 *
 * @example
 * jainIndex([1, 1]) // 1
 */
export function jainIndex(xs: readonly number[]): number {
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 > 0 ? (s * s) / (xs.length * s2) : 1;
}

/**
 * Max-min fair shares by water-filling: each tenant gets at most its demand; capacity left over is split
 * among the others in proportion to their weights. Shares and demands are fractions of the total.
 *
 * @example
 * maxMinFairShares([0.05, 0.95], [1, 1]) // [0.05, 0.95]: the small tenant's unused half goes to the other
 */
export function maxMinFairShares(demand: readonly number[], weight: readonly number[]): number[] {
  const fair = demand.map(() => 0);
  const open = new Set(demand.map((_, i) => i));
  let remaining = 1;
  for (;;) {
    let wsum = 0;
    for (const i of open) wsum += weight[i];
    let capped = false;
    for (const i of [...open]) {
      const tentative = (remaining * weight[i]) / wsum;
      if (demand[i] <= tentative) {
        fair[i] = demand[i];
        remaining -= demand[i];
        open.delete(i);
        capped = true;
      }
    }
    if (!capped || open.size === 0) {
      for (const i of open) fair[i] = (remaining * weight[i]) / wsum;
      return fair;
    }
  }
}

/** The resolved configuration echoed in the report (every default filled in). */
function resolvedConfig(r: ResolvedScenario): ResolvedConfig {
  const s = r.scenario;
  const first = r.pools[0];
  const router = typeof s.router === 'string' ? { kind: s.router, stalenessSec: 0 } : { kind: s.router.kind, stalenessSec: s.router.stalenessSec };
  const tenantCfgs = s.tenants ?? (s.workload ? [{ name: 'default', ...s.workload }] : []);
  const workloads: Record<string, Record<string, unknown>> = {};
  for (const t of tenantCfgs) {
    workloads[t.name] = {
      arrivals: t.arrivals,
      ...(t.lengths ? { lengths: t.lengths } : {}),
      ...(t.trace ? { trace: t.trace } : {}),
      ...(t.requests !== undefined ? { requests: t.requests } : {}),
      ...(t.durationSec !== undefined ? { durationSec: t.durationSec } : {}),
    };
  }
  return {
    precision: { ...r.precision },
    parallelism: { tensor: first.parallelism.tensor, pipeline: first.parallelism.pipeline },
    pools: r.pools.map((p) => ({
      name: p.name, role: p.role, gpu: p.gpu.id, replicas: p.replicas,
      parallelism: { tensor: p.parallelism.tensor, pipeline: p.parallelism.pipeline },
    })),
    engine: { ...s.engine, ...r.engine },
    perfModel: s.perfModel,
    tableFallback: s.tableFallback,
    router,
    provisioning: { ...s.fleet.provisioning },
    workloads,
  };
}

/**
 * Turns a finished fleet run into the report document. Deterministic: no wall-clock values.
 */
export function buildReport(res: FleetResult, r: ResolvedScenario): RunReport {
  const m = res.metrics;
  const s = r.scenario;
  const simSec = res.endSec;
  const lat = latency(m);
  const tl = res.timeline;
  const first = r.pools[0];

  // Fleet: replicas held over time and GPU-hours actually held, per pool.
  const pools: Record<string, PoolReport> = {};
  let gpuHours = 0;
  let totalUsd = 0;
  let peakGpus = 0;
  let minReplicas = 0;
  let maxReplicas = 0;
  let meanReplicas = 0;
  r.pools.forEach((p, i) => {
    const h = tl.held[i];
    const hours = tl.gpuSecByPool[i] / 3600;
    gpuHours += hours;
    totalUsd += hours * p.gpuHourUsd;
    peakGpus += h.max * p.gpusPerReplica;
    minReplicas += h.min;
    maxReplicas += h.max;
    const mean = simSec > 0 ? h.areaReplicaSec / simSec : h.now;
    meanReplicas += mean;
    pools[p.name] = {
      role: p.role, gpu: p.gpu.id, gpusPerReplica: p.gpusPerReplica,
      replicas: { min: h.min, max: h.max, mean },
      gpuHours: hours, costUsd: hours * p.gpuHourUsd, gpuHourUsd: p.gpuHourUsd,
      kvCapacityTokens: p.capacity.capacityTokens,
      calibrated: p.calibrated,
    };
  });
  const cold = tl.coldStarts.toArray();
  let coldSum = 0;
  let coldMax = 0;
  for (const c of cold) {
    coldSum += c;
    if (c > coldMax) coldMax = c;
  }

  let steps = 0;
  let busySec = 0;
  let peakPinned = 0;
  let evictions = 0;
  let replicaSec = 0;
  let frontendCpuSec = 0;
  let frontendCoreSec = 0;
  for (const rep of res.replicas) {
    steps += rep.stepCount;
    busySec += rep.busySec;
    if (rep.pool === 0) peakPinned = Math.max(peakPinned, rep.kv.peakPinnedBlocks);
    evictions += rep.kv.evictions;
    // Time spent ready or draining (replicas cancelled while starting never served).
    const serving = rep.servingSec + (rep.state === 'ready' || rep.state === 'draining' ? simSec - rep.readySec : 0);
    replicaSec += serving;
    if (rep.frontend !== null) {
      frontendCpuSec += rep.frontend.workSec;
      frontendCoreSec += serving * rep.frontend.costs.cores;
    }
  }
  const ei = r.engineInfo;

  // Little's law: L = λW over the whole run, with W the mean time in system of finished requests.
  const meanInSystem = simSec > 0 ? m.inSystemAreaReqSec / simSec : 0;
  const lambda = simSec > 0 ? m.completed / simSec : 0;
  const w = m.completed > 0 ? m.sojournSumSec / m.completed : 0;

  const report: RunReport = {
    scenario: s.name,
    seed: s.seed,
    model: s.model,
    gpu: first.gpu.id,
    replicas: first.replicas,
    config: resolvedConfig(r),
    requests: counts(m),
    simulatedSec: simSec,
    throughput: throughput(m, simSec),
    latencyMs: lat,
    gpus: { count: peakGpus, perReplica: first.gpusPerReplica, busyFraction: replicaSec > 0 ? busySec / replicaSec : 0 },
    kvCache: {
      capacityTokens: first.capacity.capacityTokens,
      blocksPerReplica: first.capacity.numBlocks,
      blockSize: first.capacity.blockSize,
      bytesPerTokenPerGpu: first.capacity.kvBytesPerTokenPerGpu,
      peakUtilization: peakPinned / first.capacity.numBlocks,
      prefixHitTokens: m.prefixHitTokens,
      prefixHitRate: m.inputTokens > 0 ? m.prefixHitTokens / m.inputTokens : 0,
      evictions,
    },
    memory: {
      weightBytesPerGpu: first.capacity.weightBytesPerGpu,
      activationReserveBytesPerGpu: first.capacity.activationReserveBytesPerGpu,
    },
    cost: {
      gpuHourUsd: first.gpuHourUsd,
      gpuHourUsdSource: first.gpuHourUsdSource,
      gpuHours,
      totalUsd,
      usdPerMillionOutputTokens: m.outputTokens > 0 ? (totalUsd / m.outputTokens) * 1e6 : NaN,
      usdPerMillionTokens: m.outputTokens + m.inputTokens > 0 ? (totalUsd / (m.inputTokens + m.outputTokens)) * 1e6 : NaN,
    },
    slo: checkSlo(s.slo, lat),
    fleet: {
      gpuHours,
      replicas: { min: minReplicas, max: maxReplicas, mean: meanReplicas },
      coldStarts: { count: cold.length, meanSec: cold.length > 0 ? coldSum / cold.length : 0, maxSec: coldMax },
      requestsWaitedOnColdStart: tl.requestsWaitedOnColdStart,
      failures: tl.failures,
      pools,
    },
    littlesLaw: {
      meanInSystem,
      arrivalRatePerSec: lambda,
      meanSojournSec: w,
      // Rounded to 1e-9: below that it is floating-point summation noise, which would make goldens brittle.
      relativeError: meanInSystem > 0 ? Math.round((Math.abs(lambda * w - meanInSystem) / meanInSystem) * 1e9) / 1e9 : 0,
    },
    engine: {
      steps, events: res.events, perfModel: first.perf.name,
      calibrated: r.pools.every((p) => p.calibrated), calibrationSource: first.calibrationSource,
      kind: ei.kind, frontend: ei.frontend, scheduler: r.engine.scheduler, maxNumSeqs: r.engine.maxNumSeqs,
      maxBatchedTokens: r.engine.maxBatchedTokens, blockSize: r.engine.blockSize, prefixCaching: r.engine.prefixCaching,
      overlapScheduling: ei.overlapScheduling,
      cudaGraphMaxBatch: ei.cudaGraphSizes.length > 0 ? ei.cudaGraphSizes[ei.cudaGraphSizes.length - 1]! : 0,
      guaranteedNoEvict: r.engine.guaranteedNoEvict ?? false,
      memoryMode: ei.memoryMode, gpuMemoryUtilization: ei.gpuMemoryUtilization,
      ...(ei.kvFreeFraction !== undefined ? { kvFreeFraction: ei.kvFreeFraction } : {}),
      overheads: { ...ei.overheads }, overheadsSource: { ...ei.overheadsSource } as Record<string, string>,
      sources: ei.sources,
    },
    ...(frontendCpuSec > 0 || ei.frontend === 'http' ? {
      host: {
        frontendCores: ei.frontendCores,
        frontendUtilization: frontendCoreSec > 0 ? frontendCpuSec / frontendCoreSec : 0,
        frontendCpuSec,
      },
    } : {}),
    notes: [...new Set([...r.notes, ...r.pools.flatMap((p) => p.perfNotes)])],
  };

  addPhysics(report, res, r, simSec);

  if (s.tenants && res.sink.tenants.length > 0) {
    const tenants: Record<string, TenantReport> = {};
    const totalGpuSec = res.sink.all.gpuSec;
    const totalDemand = res.sink.all.demandTokens;
    const shares = res.sink.tenants.map((tm) => (totalGpuSec > 0 ? tm.gpuSec / totalGpuSec : 0));
    const demands = res.sink.tenants.map((tm) => (totalDemand > 0 ? tm.demandTokens / totalDemand : 0));
    const fair = maxMinFairShares(demands, s.tenants.map((t) => t.weight));
    s.tenants.forEach((t, i) => {
      const tm = res.sink.tenants[i];
      const tl2 = latency(tm);
      tenants[t.name] = {
        weight: t.weight, priority: t.priority, requests: counts(tm), throughput: throughput(tm, simSec), latencyMs: tl2,
        gpuTimeShare: shares[i], demandShare: demands[i], fairShare: fair[i],
        ...(t.slo ? { slo: checkSlo(t.slo, tl2) } : {}),
      };
    });
    report.tenants = tenants;
    report.fairness = { jainIndex: jainIndex(shares.map((x, i) => (fair[i] > 0 ? x / fair[i] : 1))) };
  }
  return roundTree(report, 7);
}

/** Power, energy, thermal, topology and cost-of-ownership blocks (only for scenarios that ask for them). */
function addPhysics(report: RunReport, res: FleetResult, r: ResolvedScenario, simSec: number): void {
  const s = r.scenario;
  const m = res.metrics;
  const pw = res.power;
  if (r.engine.preemption === 'swap') {
    let outs = 0;
    let ins = 0;
    for (const rep of res.replicas) { outs += rep.swapOuts; ins += rep.swapIns; }
    report.engine.swap = { outs, ins };
  }
  if (r.node) {
    const pools: NonNullable<RunReport['topology']>['pools'] = {};
    for (const p of r.pools) {
      const t = p.topology!;
      pools[p.name] = {
        gpus: [...t.placement.gpus], cpuSocket: t.placement.cpuSocket,
        allReduceMsPer16MiB: p.parallelism.tensor > 1 ? t.collectives.allReduceSec(16 * 2 ** 20) * 1e3 : 0,
        hostPenaltyUs: t.hostPenaltySec * 1e6,
        weightLoadSec: t.weightLoadSec(p.capacity.weightBytesPerGpu),
      };
    }
    report.topology = { node: r.node.profile.id, placement: r.node.placement, pools, ...(r.kvLink ? { kvLink: r.kvLink } : {}) };
  }
  if (pw !== null) {
    report.power = {
      meanWattsPerGpu: pw.meanWattsPerGpu, peakWattsPerGpu: pw.peakWattsPerGpu, facilityPeakKw: pw.facilityPeakKw,
      capWattsPerGpu: r.power!.pools.map((p) => p.capWatts), affectsStepTimes: pw.scalesSteps,
    };
    const kWh = pw.joules / 3.6e6;
    report.energy = {
      joulesPerOutputToken: m.outputTokens > 0 ? pw.joules / m.outputTokens : 0,
      joulesPerRequest: m.completed > 0 ? pw.joules / m.completed : 0,
      kWh, facilityKWh: kWh * pw.pue,
    };
    if (pw.scalesSteps) report.thermal = { maxC: pw.maxC, throttledFraction: pw.throttledFraction };
  }
  const mode = s.cost.mode;
  if (mode === undefined) {
    const g = s.cost.gridGCo2PerKwh;
    if (g !== undefined && report.energy && m.outputTokens > 0) report.energy.gCo2PerToken = (report.energy.facilityKWh * g) / m.outputTokens;
    return;
  }
  const block = { ...s.cost, mode };
  const tl = res.timeline;
  // Hybrid: each pool's baseline (its replicas at t = 0, or its minimum) is owned; the rest is cloud burst.
  let onpremGpuSec = 0;
  let cloudGpuSec = 0;
  const prov = s.fleet.provisioning;
  r.pools.forEach((p, i) => {
    const held = tl.gpuSecByPool[i];
    if (mode === 'cloud') { cloudGpuSec += held; return; }
    if (mode === 'onprem') { onpremGpuSec += held; return; }
    const baseline = prov.kind === 'reactive' ? prov.minReplicas : prov.kind === 'static' ? p.replicas : 0;
    const owned = Math.min(held, baseline * p.gpusPerReplica * simSec);
    onpremGpuSec += owned;
    cloudGpuSec += held - owned;
  });
  const totalJ = pw?.joules ?? 0;
  const heldSec = onpremGpuSec + cloudGpuSec;
  const onpremShare = heldSec > 0 ? onpremGpuSec / heldSec : 0;
  let prefillBusy = 0;
  let decodeBusy = 0;
  for (const rep of res.replicas) {
    prefillBusy += rep.prefillBusySec * rep.gpus;
    decodeBusy += (rep.busySec - rep.prefillBusySec) * rep.gpus;
  }
  const first = r.pools[0];
  const prices: GpuPriceDefaults = r.prices ?? {
    onDemandUsdPerGpuHour: first.gpuHourUsd, reservedUsdPerGpuHour: first.gpuHourUsd, spotUsdPerGpuHour: first.gpuHourUsd,
    spotInterruptionsPerHour: 0, purchaseUsd: first.gpu.price.purchaseUsd,
  };
  const c = costOfRun(block, prices, {
    durationSec: simSec, onpremGpuSec, cloudGpuSec,
    onpremItKwh: (totalJ * onpremShare) / 3.6e6, cloudItKwh: (totalJ * (1 - onpremShare)) / 3.6e6,
    inputTokens: m.inputTokens, outputTokens: m.outputTokens, prefillBusySec: prefillBusy, decodeBusySec: decodeBusy,
    pue: pw?.pue ?? 1,
  });
  const tokens = m.inputTokens + m.outputTokens;
  report.cost = {
    ...report.cost,
    mode,
    totalUsd: c.totalUsd,
    usdPerMillionInputTokens: c.usdPerMillionInputTokens,
    usdPerMillionOutputTokens: c.usdPerMillionOutputTokens,
    usdPerMillionTokens: tokens > 0 ? (c.totalUsd / tokens) * 1e6 : NaN,
    usdPerHour: c.usdPerHour,
    breakdown: { ...c.breakdown },
    onpremGpuHours: onpremGpuSec / 3600,
    cloudGpuHours: cloudGpuSec / 3600,
    expectedSpotInterruptions: c.expectedSpotInterruptions,
  };
  if (c.gCo2PerToken !== undefined && report.energy) report.energy.gCo2PerToken = c.gCo2PerToken;
}
