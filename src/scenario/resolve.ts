import type { Scenario } from './schema.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import type { EngineConfig } from '../engine/config.ts';
import type { PrecisionConfig, Precision, Parallelism } from '../perf/precision.ts';
import type { StepTimeModel } from '../perf/types.ts';
import { buildStepTimeModel } from '../calibrate/model-factory.ts';
import type { CalibrationDataSource } from '../calibrate/data-source.ts';
import { kvBytesPerToken, kvBytesForContext, validateParallelism } from '../perf/model-math.ts';
import { precisionNotes } from '../perf/compute-precision.ts';
import { kvCapacity } from '../memory/capacity.ts';
import type { KvCapacity } from '../memory/capacity.ts';
import { buildWorkload } from '../workload/build.ts';
import { MOONCAKE_HASH_BLOCK_TOKENS } from '../workload/traces/mooncake.ts';
import type { LineSource } from '../workload/types.ts';
import type { WorkloadConfig } from '../workload/schema.ts';
import type { ReplicaRole } from '../engine/replica.ts';
import type {
  FleetInput, FleetWorkload, PoolInput, ProvisioningSpec, TenantSpec, FailureSpec,
} from '../fleet/types.ts';
import type { RouterKind } from '../fleet/router.ts';
import { UserError, atPath } from '../errors/user-error.ts';
import { messages } from '../errors/messages.ts';
import {
  engineKindDefaults, vllmCudaGraphSizes, OVERHEAD_KEYS, type EngineKind, type EngineOverheads, type FrontendKind,
} from '../engine/kinds.ts';
import { createEngineStepModel } from '../engine/step-model.ts';
import { parseOverheadsText } from '../engine/overheads-file.ts';
import type { NodeProfile } from '../topology/schema.ts';
import type { GpuPowerProfile } from '../power/schema.ts';
import type { FleetPowerInput } from '../fleet/types.ts';
import type { GpuPriceDefaults } from '../cost/tco.ts';
import { kvLink, poolTopology, resolveNode, resolvePower, type NodeContext, type PoolTopology } from './physics.ts';

/** The engine as resolved: kind, frontend, host costs and where each value comes from. */
export interface ResolvedEngine {
  kind: EngineKind;
  frontend: FrontendKind;
  frontendCores: number;
  overlapScheduling: boolean;
  cudaGraphSizes: number[];
  memoryMode: 'budget' | 'static-fraction' | 'free-fraction';
  gpuMemoryUtilization: number;
  kvFreeFraction: number | undefined;
  overheads: EngineOverheads;
  /** Per overhead key: where its value comes from. */
  overheadsSource: Partial<Record<keyof EngineOverheads, string>>;
  /** The file `engine.overheads` named, when it named one. */
  overheadsFile: string | undefined;
  sources: string[];
}

/** One resolved pool of identical replicas. */
export interface ResolvedPool {
  name: string;
  /** Host costs of this pool's engine (step costs follow its GPU's calibration) and where each comes from. */
  overheads: EngineOverheads;
  overheadsSource: Partial<Record<keyof EngineOverheads, string>>;
  role: ReplicaRole;
  gpu: GpuProfile;
  parallelism: Parallelism;
  /** Replicas at t = 0 for static provisioning (the pool's or the scenario's `replicas`). */
  replicas: number;
  capacity: KvCapacity;
  perf: StepTimeModel;
  gpusPerReplica: number;
  gpuHourUsd: number;
  gpuHourUsdSource: string;
  weight: number;
  /** KV bytes per token of the whole model (what a disaggregated hand-off sends). */
  kvBytesPerToken: number;
  /** Whether this GPU's own microbenchmarks calibrate the step-time model, and from where. */
  calibrated: boolean;
  calibrationSource: string;
  /** Caveats of the step-time model (the table model appends to it while it runs). */
  perfNotes: string[];
  /** Transfer paths from the node topology (scenario `node`), or undefined. */
  topology?: PoolTopology;
}

/** Everything a run needs, resolved from a validated scenario: profiles, capacity, step-time models. */
export interface ResolvedScenario {
  scenario: Scenario;
  model: ModelProfile;
  precision: PrecisionConfig;
  engine: EngineConfig;
  /** What the engine kind decided beyond the scheduler settings (host costs, memory rule, CUDA graphs). */
  engineInfo: ResolvedEngine;
  pools: ResolvedPool[];
  /** Shorthands for the first pool (the only one unless pools or disaggregation are used). */
  gpu: GpuProfile;
  capacity: KvCapacity;
  perf: StepTimeModel;
  gpusPerReplica: number;
  tenants: TenantSpec[];
  /** Tokens per prefix hash id in the workload (Mooncake: 512), 0 when the workload has none. */
  hashBlockTokens: number;
  notes: string[];
  /** Fresh request streams, one per tenant (each call starts the traffic from the beginning). */
  makeWorkloads(): { tenant: number; workload: FleetWorkload }[];
  /** The node topology (scenario `node`), or undefined. */
  node?: NodeContext;
  /** Prefill → decode KV link derived from the node topology (disaggregation with a node). */
  kvLink?: { bandwidthBytesPerSec: number; latencySec: number; mode: string };
  /** Power/thermal input of the fleet (a `power` block, or energy for cost), or undefined. */
  power?: FleetPowerInput;
  /** Dated price defaults of the first pool's GPU (profiles/power) when `cost.mode` is given. */
  prices?: GpuPriceDefaults;
  /** The fleet simulator's input. */
  fleetInput(opts?: { recordSteps?: boolean; perRequestDetail?: boolean; onProgress?: FleetInput['onProgress'] }): FleetInput;
}

/**
 * How the resolver reaches profiles and files. Node: `nodeResolveEnv` (src/cli/node-env.ts) reads profiles/ and
 * files on disk; anywhere (browser, tests): `memoryResolveEnv` (src/api/memory-env.ts) serves data passed in.
 * The resolver itself touches no file, so the simulation core stays free of Node-only modules.
 */
export interface ResolveEnv {
  loadGpu(id: string): GpuProfile;
  loadModel(id: string): ModelProfile;
  /** A data path of the scenario (trace, lengths file) → the key `openLines` takes. */
  resolvePath(p: string): string;
  openLines(absPath: string): LineSource;
  /** Reads a small text file (engine.overheads files); absent in environments without files. */
  readText?(absPath: string): string;
  /** Calibration and table files of the step-time models (profiles/calibration, profiles/tables). */
  calibration: CalibrationDataSource;
  /** Node profiles (profiles/nodes) for the scenario key `node`; absent: scenarios with a node cannot run. */
  loadNode?(id: string): NodeProfile;
  /** Per-GPU power, thermal and price defaults (profiles/power) for `power` and `cost.mode`. */
  loadPower?(gpuId: string): GpuPowerProfile;
}


/**
 * Resolves profile ids, fills derived defaults (KV precision, maxModelLen, prices), sizes each pool's KV
 * cache and builds its step-time model; turns tenants, provisioning, failures into the fleet's input.
 * Throws `UserError` for unknown ids, models that do not fit, and inconsistent settings.
 */
export function resolveScenario(s: Scenario, env: ResolveEnv): ResolvedScenario {
  const model = atPath('model', () => env.loadModel(s.model), ['unknown-model']);
  const notes: string[] = [];
  const weights = s.precision.weights;
  const precision: PrecisionConfig = {
    weights,
    kvCache: s.precision.kvCache ?? defaultKvPrecision(weights),
    ...(s.precision.activations ? { activations: s.precision.activations } : {}),
  };
  const maxModelLen = s.engine.maxModelLen ?? model.maxContext;
  if (maxModelLen > model.maxContext) {
    throw UserError.of([messages.maxModelLenTooLong(maxModelLen, model.id, model.maxContext)]);
  }
  const kindCtx = (gpu: GpuProfile, par: Parallelism) => ({ gpu, model, tensor: par.tensor, pipeline: par.pipeline, frontend: s.engine.frontend });
  // The engine kind's defaults are taken for the first pool's GPU (pools of other GPUs share the same settings,
  // as one deployment's flags would).
  const firstGpuId = s.disaggregation?.prefill.gpu ?? s.pools?.[0]?.gpu ?? s.gpu!;
  const firstPar = s.disaggregation?.prefill.parallelism ?? s.pools?.[0]?.parallelism ?? s.parallelism;
  const firstGpuPath = s.disaggregation?.prefill.gpu !== undefined ? 'disaggregation.prefill.gpu' : s.pools?.[0] ? 'pools.0.gpu' : 'gpu';
  const kd = engineKindDefaults(s.engine.kind, kindCtx(atPath(firstGpuPath, () => env.loadGpu(firstGpuId), ['unknown-gpu']), firstPar));
  const e = s.engine;
  const scheduler = e.scheduler ?? kd.scheduler;
  // An explicit V0 or static scheduler is a synchronous engine of that era: no overlap, no prefix caching,
  // V0's watermark, unless the scenario says otherwise.
  const legacy = e.scheduler !== undefined && (scheduler === 'continuous' || scheduler === 'static');
  const maxBatchedTokens = e.maxBatchedTokens ?? kd.maxBatchedTokens;
  const engine: EngineConfig = {
    scheduler,
    maxNumSeqs: e.maxNumSeqs ?? (e.maxBatchedTokens !== undefined && s.engine.kind === 'vllm' ? Math.min(kd.maxNumSeqs, maxBatchedTokens) : kd.maxNumSeqs),
    maxBatchedTokens,
    blockSize: e.blockSize ?? kd.blockSize,
    watermark: e.watermark ?? (legacy ? 0.01 : kd.watermark),
    maxModelLen,
    prefixCaching: e.prefixCaching ?? (legacy ? false : kd.prefixCaching),
    guaranteedNoEvict: e.guaranteedNoEvict ?? (scheduler === kd.scheduler ? kd.guaranteedNoEvict : false),
    // Without chunked prefill a prompt must fit one step (continuous and static handle whole prompts themselves).
    wholePrompt: (scheduler === 'chunked-prefill' || scheduler === 'prefill-first')
      && !(e.chunkedPrefill ?? (scheduler === kd.scheduler ? !kd.wholePrompt : true)),
    ...(e.preemption !== undefined ? { preemption: e.preemption } : {}),
    ...(e.swapSpaceGiB !== undefined ? { swapSpaceBytesPerGpu: e.swapSpaceGiB * 2 ** 30 } : {}),
  };
  const overlapScheduling = e.overlapScheduling ?? (legacy ? false : kd.overlapScheduling);
  const cudaGraphs = e.cudaGraphs ?? (legacy ? false : kd.cudaGraphSizes.length > 0);
  const cudaGraphSizes = cudaGraphs
    ? (s.engine.kind === 'vllm' ? vllmCudaGraphSizes(engine.maxNumSeqs, engine.maxBatchedTokens) : kd.cudaGraphSizes)
    : [];
  const memory = e.kvFreeFraction !== undefined
    ? { memoryMode: 'free-fraction' as const, kvFreeFraction: e.kvFreeFraction, gpuMemoryUtilization: 1 }
    : e.gpuMemoryUtilization !== undefined
      ? { memoryMode: s.engine.kind === 'sglang' ? 'static-fraction' as const : 'budget' as const, gpuMemoryUtilization: e.gpuMemoryUtilization }
      : kd.kvFreeFraction !== undefined
        ? { memoryMode: 'free-fraction' as const, kvFreeFraction: kd.kvFreeFraction, gpuMemoryUtilization: 1 }
        : { memoryMode: s.engine.kind === 'sglang' ? 'static-fraction' as const : 'budget' as const, gpuMemoryUtilization: kd.gpuMemoryUtilization };
  const fileOverheads = typeof e.overheads === 'string' ? readOverheadsFile(e.overheads, env) : undefined;
  const given = typeof e.overheads === 'object' ? e.overheads : fileOverheads?.overheads ?? {};
  const frontendCores = e.frontendCores ?? kd.frontendCores;
  const engineInfo: ResolvedEngine = {
    kind: s.engine.kind, frontend: s.engine.frontend, frontendCores, overlapScheduling, cudaGraphSizes,
    memoryMode: memory.memoryMode, gpuMemoryUtilization: memory.gpuMemoryUtilization,
    kvFreeFraction: 'kvFreeFraction' in memory ? memory.kvFreeFraction : undefined,
    overheads: { ...kd.overheads }, overheadsSource: {}, sources: kd.sources, // set from the first pool below
    overheadsFile: fileOverheads?.file,
  };

  const node = resolveNode(s, env.loadNode);
  // `where` is the key path of the pool's parallelism; `gpuPath` the key its GPU id came from.
  const makePool = (name: string, role: ReplicaRole, gpuId: string, par: Parallelism, replicas: number, where: string,
    weight = 1, priceOverride?: number, gpuPath = 'gpu'): ResolvedPool => {
    const gpu = atPath(gpuPath, () => env.loadGpu(gpuId), ['unknown-gpu']);
    validateParallelism(model, par, where);
    const capacity = kvCapacity({
      gpu, model, precision, parallelism: par,
      gpuMemoryUtilization: memory.gpuMemoryUtilization,
      memoryMode: memory.memoryMode,
      kvFreeFraction: 'kvFreeFraction' in memory ? memory.kvFreeFraction : undefined,
      blockSize: engine.blockSize,
      maxBatchedTokens: engine.maxBatchedTokens,
      maxNumSeqs: engine.maxNumSeqs,
      parallelismPath: where,
    });
    for (const n of precisionNotes(gpu, precision)) if (!notes.includes(n)) notes.push(n);
    const topology = node ? poolTopology(node, gpu, par, where) : undefined;
    const pm = buildStepTimeModel({
      kind: s.perfModel, gpu, model, precision, parallelism: par, tableFallback: s.tableFallback, gpuOnly: true,
      ...(topology ? { collectives: topology.collectives } : {}),
    }, env.calibration);
    // Host costs: the scenario's (inline or file), else the calibrated CPU overhead of this GPU's data, else
    // the engine kind's documented defaults.
    // Host costs: the scenario's (inline or file), else this GPU's calibrated CPU overhead (step costs), else
    // the engine kind's defaults. Step costs differ per pool (per GPU); the report shows the first pool's.
    const o: EngineOverheads = { ...kd.overheads, stepSec: pm.cpuOverhead.baseSec, perSeqSec: pm.cpuOverhead.perSeqSec, ...given };
    const overheadsSource: ResolvedEngine['overheadsSource'] = {};
    for (const k of OVERHEAD_KEYS) {
      overheadsSource[k] = given[k] !== undefined ? (fileOverheads ? fileOverheads.file : 'scenario engine.overheads')
        : k === 'stepSec' || k === 'perSeqSec' ? pm.cpuOverheadSource : `engine.kind ${s.engine.kind} default`;
    }
    const perf = createEngineStepModel(pm.model, {
      stepSec: o.stepSec + (topology?.hostPenaltySec ?? 0), perSeqSec: o.perSeqSec, perTpWorkerSec: o.perTpWorkerSec, gpuEfficiency: o.gpuEfficiency,
      overlapScheduling, cudaGraphSizes, tensor: par.tensor,
    });
    const price = priceOverride ?? s.cost.gpuHourUsd;
    return {
      name, role, gpu, parallelism: par, replicas, capacity, perf,
      gpusPerReplica: par.tensor * par.pipeline,
      gpuHourUsd: price ?? gpu.price.onDemandUsdPerHour,
      gpuHourUsdSource: priceOverride !== undefined ? `pool ${name} gpuHourUsd`
        : s.cost.gpuHourUsd !== undefined ? 'scenario cost.gpuHourUsd' : `profile ${gpu.id} price.onDemandUsdPerHour`,
      weight,
      kvBytesPerToken: kvBytesPerToken(model, precision.kvCache),
      calibrated: pm.calibrated,
      calibrationSource: pm.calibrationSource,
      perfNotes: pm.notes,
      overheads: o,
      overheadsSource,
      ...(topology ? { topology } : {}),
    };
  };

  let pools: ResolvedPool[];
  if (s.disaggregation) {
    const d = s.disaggregation;
    pools = [
      makePool('prefill', 'prefill', d.prefill.gpu ?? s.gpu!, d.prefill.parallelism, d.prefill.replicas, 'disaggregation.prefill.parallelism',
        1, undefined, d.prefill.gpu !== undefined ? 'disaggregation.prefill.gpu' : 'gpu'),
      makePool('decode', 'decode', d.decode.gpu ?? s.gpu!, d.decode.parallelism, d.decode.replicas, 'disaggregation.decode.parallelism',
        1, undefined, d.decode.gpu !== undefined ? 'disaggregation.decode.gpu' : 'gpu'),
    ];
  } else if (s.pools) {
    pools = s.pools.map((p, i) => makePool(p.name, 'mixed', p.gpu, p.parallelism, p.replicas, `pools.${i}.parallelism`, p.weight, p.gpuHourUsd,
      `pools.${i}.gpu`));
  } else {
    pools = [makePool('default', 'mixed', s.gpu!, s.parallelism, s.replicas, 'parallelism')];
  }
  engineInfo.overheads = pools[0]!.overheads;
  engineInfo.overheadsSource = pools[0]!.overheadsSource;

  const routerKind: RouterKind = typeof s.router === 'string' ? s.router : s.router.kind;
  const stalenessSec = typeof s.router === 'string' ? 0 : s.router.stalenessSec;
  if (routerKind === 'weighted' && pools.length < 2) notes.push('router weighted with a single pool behaves like least-outstanding');

  // Traffic: one workload per tenant (or the scenario's workload as the single default tenant).
  const tenantCfgs = s.tenants ?? [{ name: 'default', weight: 1, priority: 0, ...s.workload! }];
  const traces = tenantCfgs.map((t) => t.trace).filter((t) => t !== undefined);
  const hashBlockTokens = traces.some((t) => t.format === 'mooncake') ? MOONCAKE_HASH_BLOCK_TOKENS : 0;
  if (engine.prefixCaching) {
    if (hashBlockTokens === 0) {
      if (s.engine.prefixCaching === true) {
        notes.push('prefixCaching is on but the workload carries no prefix hashes (only mooncake traces do): no hits possible');
      }
    } else if (hashBlockTokens % engine.blockSize !== 0) {
      throw UserError.of([messages.blockSizeVsHashBlocks(engine.blockSize, hashBlockTokens)]);
    }
  }
  const tenants: TenantSpec[] = (s.tenants ?? []).map((t) => {
    const q = t.quota;
    const bucket = (b: { ratePerSec: number; burst?: number } | undefined) =>
      b ? { ratePerSec: b.ratePerSec, burst: b.burst ?? Math.max(1, b.ratePerSec) } : undefined;
    return {
      name: t.name, weight: t.weight, priority: t.priority,
      requestsPerSec: bucket(q?.requestsPerSec), tokensPerSec: bucket(q?.tokensPerSec),
      maxConcurrent: q?.maxConcurrent, maxContextTokens: q?.maxContextTokens,
      onLimit: q?.onLimit ?? 'reject', maxQueued: q?.maxQueued ?? 1000,
      maxPredictedTtftMs: t.admission?.maxPredictedTtftMs,
    };
  });
  if (tenants.length === 0) tenants.push({ name: 'default', weight: 1, priority: 0, onLimit: 'reject', maxQueued: Infinity });
  if (s.engine.queuePolicy === 'priority' && new Set(tenants.map((t) => t.priority)).size < 2) {
    notes.push('queuePolicy priority with a single priority class behaves like fcfs');
  }

  const makeWorkloads = () =>
    tenantCfgs.map((t, i) => {
      const cfg = { arrivals: t.arrivals, lengths: t.lengths, trace: t.trace, requests: t.requests, durationSec: t.durationSec, warmupRequests: t.warmupRequests } as WorkloadConfig;
      const keyPrefix = s.tenants ? `tenants.${i}` : 'workload';
      const w = buildWorkload(cfg, {
        seed: s.seed, ...fileAccessNamingKeys(env, keyPrefix, cfg),
        keyPrefix,
        streamPrefix: s.tenants ? `tenant.${t.name}.` : '',
      });
      // A bad row met while simulating names the trace's key (the file:line comes from the reader).
      const workload = t.trace ? withTraceKey(w as FleetWorkload, `${keyPrefix}.trace`) : w as FleetWorkload;
      if (s.tenants && workload.kind === 'open') {
        const src = workload.source;
        const pr = t.priority;
        // A shared multi-tenant trace: this tenant keeps the rows whose tenant column names it (times stay
        // on the file's clock, so tenants reading the same file stay aligned).
        const mine = t.trace?.tenantColumn !== undefined
          ? () => { for (let r = src.next(); r; r = src.next()) if (r.tag === t.name) return r; return null; }
          : () => src.next();
        return { tenant: i, workload: { ...workload, source: { next: () => tagged(mine(), i, pr) } } };
      }
      if (s.tenants && workload.kind === 'closed') {
        const lengths = workload.lengths;
        const pr = t.priority;
        return { tenant: i, workload: { ...workload, lengths: () => ({ ...lengths(), tenant: i, priority: pr }) } };
      }
      return { tenant: i, workload };
    });

  const provisioning = (p: ResolvedPool): ProvisioningSpec => {
    const prov = s.fleet.provisioning;
    switch (prov.kind) {
      case 'static': return { kind: 'static', replicas: p.replicas };
      case 'reactive': return {
        ...prov,
        initialReplicas: prov.initialReplicas ?? prov.minReplicas,
      };
      case 'scheduled': return prov;
      case 'serverless': return prov;
    }
  };
  let failures: FailureSpec | undefined = s.failures
    ? {
      mtbfSec: s.failures.mtbfSec, mttrSec: s.failures.mttrSec, onFailure: s.failures.onFailure,
      schedule: s.failures.schedule.map((f, i) => {
        const pool = f.pool === undefined ? 0 : pools.findIndex((p) => p.name === f.pool);
        if (pool < 0) {
          throw UserError.of([messages.noSuchPool(`failures.schedule.${i}.pool`, f.pool!, pools.map((p) => p.name))]);
        }
        const most = mostReplicas(s, pools[pool]);
        if (f.replica >= most) {
          throw UserError.of([messages.noSuchReplica(`failures.schedule.${i}.replica`, f.replica, pools[pool].name, most)]);
        }
        return { atSec: f.atSec, pool, replica: f.replica, downSec: f.downSec };
      }),
    }
    : undefined;

  const link = node && s.disaggregation ? kvLink(node, pools[0].topology!.placement, pools[1].topology!.placement) : undefined;
  if (node) {
    notes.push(`node ${node.profile.id}, placement ${node.placement}: TP collectives, weight loads (${pools[0].topology!.weightSource})${link ? ` and KV hand-offs (${link.mode})` : ''} follow its links`);
  }
  const maxReplicas = (p: ResolvedPool): number => {
    const prov = s.fleet.provisioning;
    switch (prov.kind) {
      case 'static': return p.replicas;
      case 'reactive': return prov.maxReplicas;
      case 'scheduled': return Math.max(1, ...prov.schedule.map((e) => e.replicas));
      case 'serverless': return prov.maxReplicas;
    }
  };
  const power = resolvePower(s, pools.map((p) => ({ gpu: p.gpu, precision, gpusPerReplica: p.gpusPerReplica, maxReplicas: maxReplicas(p) })), node, env.loadPower);

  let prices: GpuPriceDefaults | undefined;
  if (s.cost.mode !== undefined) {
    if (!env.loadPower) throw new UserError('cost.mode needs GPU price defaults, which this environment cannot load', { where: 'cost.mode', fix: 'run it with the servesim CLI' });
    prices = env.loadPower(pools[0].gpu.id).price;
    if (pools.some((p) => p.gpu.id !== pools[0].gpu.id)) notes.push(`cost.mode: prices of ${pools[0].gpu.id} are used for every pool`);
  }
  // Spot capacity is interrupted: in cloud mode with spot pricing, interruptions are injected as failures
  // (work retried elsewhere; a replacement is acquired and loads weights) unless the scenario scripts its own
  // failures or sets cost.spotInterruptionsPerHour to 0.
  if (s.cost.mode === 'cloud' && s.cost.cloudPricing === 'spot' && prices) {
    const perGpuHour = s.cost.spotInterruptionsPerHour ?? prices.spotInterruptionsPerHour;
    if (s.failures) {
      notes.push('cost.cloudPricing spot: the scenario\'s failures block replaces the injected spot interruptions');
    } else if (perGpuHour > 0) {
      const g = pools[0].gpusPerReplica;
      failures = { mtbfSec: 3600 / (perGpuHour * g), mttrSec: Math.max(s.fleet.coldStart.acquisitionSec, 1e-3), onFailure: 'retry', schedule: [] };
      notes.push(`spot interruptions injected as failures: ${perGpuHour} per GPU-hour, replica MTBF ${(3600 / (perGpuHour * g) / 3600).toFixed(1)} h, replacement after ~${s.fleet.coldStart.acquisitionSec} s + weight load + warm-up`);
    }
  }

  const fleetInput: ResolvedScenario['fleetInput'] = (opts = {}) => ({
    pools: pools.map((p): PoolInput => ({
      name: p.name, role: p.role, engine, kvBlocks: p.capacity.numBlocks, perf: p.perf, gpusPerReplica: p.gpusPerReplica,
      gpuHourUsd: p.gpuHourUsd, weightBytesPerGpu: p.capacity.weightBytesPerGpu,
      kvTransferBytes: (tokens: number) => kvBytesForContext(model, precision.kvCache, tokens),
      provisioning: provisioning(p), coldStart: s.fleet.coldStart, weight: p.weight, migrateOnDrain: s.fleet.migrateOnDrain,
      ...(engine.preemption === 'swap' ? {
        hostLink: p.topology?.hostLink ?? { bytesPerSecPerGpu: p.gpu.pcie.bandwidthBytesPerSec, latencySec: 0 },
      } : {}),
      ...(p.topology ? {
        paths: {
          weightLoadSec: p.topology.weightLoadSec,
          ...(link && p.role === 'prefill' ? { kvLink: { bandwidthBytesPerSec: link.bandwidthBytesPerSec, latencySec: link.latencySec } } : {}),
        },
      } : {}),
      ...(engineInfo.frontend === 'http' ? {
        frontend: {
          cores: engineInfo.frontendCores,
          requestSec: engineInfo.overheads.frontendRequestSec,
          inputTokenSec: engineInfo.overheads.frontendInputTokenSec,
          outputTokenSec: engineInfo.overheads.frontendOutputTokenSec,
        },
      } : {}),
    })),
    router: routerKind,
    routerStalenessSec: stalenessSec,
    queuePolicy: s.engine.queuePolicy,
    priorityPreemption: s.engine.priorityPreemption,
    tenants,
    workloads: makeWorkloads(),
    link: s.disaggregation ? s.disaggregation.link : undefined,
    failures,
    ...(power ? { power } : {}),
    hashBlockTokens,
    seed: s.seed,
    recordSteps: opts.recordSteps,
    perRequestDetail: opts.perRequestDetail,
    onProgress: opts.onProgress,
  });

  const p0 = pools[0];
  return {
    scenario: s, model, precision, engine, engineInfo, pools, tenants, hashBlockTokens, notes, makeWorkloads, fleetInput,
    ...(node ? { node } : {}), ...(link ? { kvLink: link } : {}), ...(power ? { power } : {}), ...(prices ? { prices } : {}),
    gpu: p0.gpu, capacity: p0.capacity, perf: p0.perf, gpusPerReplica: p0.gpusPerReplica,
  };
}

/**
 * The environment's file access, with problems opening a file named by the scenario key that gave the path
 * (`workload.trace.path`) and the path as written there, not the resolved absolute path.
 */
function fileAccessNamingKeys(env: ResolveEnv, prefix: string, cfg: WorkloadConfig): Pick<ResolveEnv, 'resolvePath' | 'openLines'> {
  const keys: [string, string | undefined][] = [
    [`${prefix}.trace.path`, cfg.trace?.path],
    [`${prefix}.lengths.input.path`, cfg.lengths?.input.kind === 'file' ? cfg.lengths.input.path : undefined],
    [`${prefix}.lengths.output.path`, cfg.lengths?.output.kind === 'file' ? cfg.lengths.output.path : undefined],
  ];
  const asWritten = new Map<string, string>();
  return {
    resolvePath: (p) => {
      const abs = env.resolvePath(p);
      asWritten.set(abs, p);
      return abs;
    },
    openLines: (abs) => {
      try {
        return env.openLines(abs);
      } catch (e) {
        const raw = asWritten.get(abs);
        const key = keys.find(([, v]) => v !== undefined && v === raw)?.[0];
        if (e instanceof UserError && raw !== undefined && key !== undefined) {
          for (const p of e.problems) {
            if (p.code !== 'cannot-open') continue;
            p.path = key;
            delete p.file;
            delete p.line;
            p.message = p.message.replace(`'${abs}'`, `'${raw}'`);
          }
        }
        throw e;
      }
    },
  };
}

/** `w` with problems raised while reading its trace given the trace's key path (when they have none). */
function withTraceKey(w: FleetWorkload, key: string): FleetWorkload {
  if (w.kind !== 'open') return w;
  const src = w.source;
  return { ...w, source: { next: () => atPath(key, () => src.next()) } };
}

/** The most replicas a pool can ever have under the scenario's provisioning. */
function mostReplicas(s: Scenario, p: ResolvedPool): number {
  const prov = s.fleet.provisioning;
  switch (prov.kind) {
    case 'static': return p.replicas;
    case 'reactive': return Math.max(prov.maxReplicas, prov.initialReplicas ?? 0);
    case 'scheduled': return Math.max(...prov.schedule.map((e) => e.replicas));
    case 'serverless': return prov.maxReplicas;
  }
}

function tagged<T extends { tenant?: number; priority?: number } | null>(r: T, tenant: number, priority: number): T {
  if (r) {
    r.tenant = tenant;
    r.priority = priority;
  }
  return r;
}

/** vLLM's `kv_cache_dtype: auto`: the model's 16-bit dtype (quantized weights keep a bf16 cache). */
function defaultKvPrecision(weights: Precision): Precision {
  return weights === 'fp16' || weights === 'fp32' ? weights : 'bf16';
}

/** Reads `engine.overheads: FILE` (relative to the scenario) through the environment. */
function readOverheadsFile(p: string, env: ResolveEnv): { overheads: Partial<EngineOverheads>; file: string } {
  if (!env.readText) {
    throw new UserError('engine.overheads names a file, but this environment cannot read files', {
      where: 'engine.overheads', fix: 'give the overheads inline (engine.overheads: { stepSec: …, … })',
    });
  }
  const abs = env.resolvePath(p);
  let text: string;
  try {
    text = env.readText(abs);
  } catch {
    throw new UserError(`engine.overheads file ${p} cannot be read`, {
      where: 'engine.overheads', fix: 'give a path relative to the scenario file, e.g. one written by servesim calibrate --bench --out FILE',
    });
  }
  return { overheads: parseOverheadsText(text, p), file: p };
}
