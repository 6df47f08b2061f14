import type { FrontendCosts } from '../engine/frontend.ts';
import type { EngineConfig } from '../engine/config.ts';
import type { QueuePolicy } from '../engine/wait-queue.ts';
import type { ReplicaRole } from '../engine/replica.ts';
import type { StepTimeModel } from '../perf/types.ts';
import type { Workload } from '../workload/build.ts';
import type { RouterKind } from './router.ts';
import type { PowerParams } from '../power/model.ts';
import type { Cooling } from '../power/schema.ts';

/** What drives the fleet: an open stream of timed requests, or a closed loop of users (see workload/build). */
export type FleetWorkload = Workload;

/** How many replicas a pool holds over time. */
export type ProvisioningSpec =
  | { kind: 'static'; replicas: number }
  | {
    kind: 'reactive';
    minReplicas: number;
    maxReplicas: number;
    initialReplicas: number;
    metric: AutoscaleMetric;
    scaleUpThreshold: number;
    scaleDownThreshold: number;
    windowSec: number;
    evaluationIntervalSec: number;
    cooldownSec: number;
    stepSize: number;
  }
  | { kind: 'scheduled'; schedule: { atSec: number; replicas: number }[]; periodSec?: number }
  | {
    kind: 'serverless';
    maxReplicas: number;
    idleTimeoutSec: number;
    /** Outstanding requests per ready replica above which another replica starts. */
    targetOutstandingPerReplica: number;
  };

export const AUTOSCALE_METRICS = ['queue-depth', 'kv-utilization', 'busy-fraction', 'ttft-p99', 'requests-per-sec'] as const;
export type AutoscaleMetric = (typeof AUTOSCALE_METRICS)[number];

/** Time from asking for a replica to it serving: acquisition + weights / load bandwidth + warm-up. */
export interface ColdStartSpec {
  acquisitionSec: number;
  loadBandwidthBytesPerSec: number;
  warmupSec: number;
}

export interface PoolInput {
  name: string;
  role: ReplicaRole;
  engine: EngineConfig;
  /** KV blocks per replica. */
  kvBlocks: number;
  perf: StepTimeModel;
  gpusPerReplica: number;
  gpuHourUsd: number;
  /** Weight bytes each GPU loads at a cold start. */
  weightBytesPerGpu: number;
  /** KV bytes of a sequence's context (what a disaggregated hand-off sends; sliding-window layers capped). */
  kvTransferBytes(contextTokens: number): number;
  provisioning: ProvisioningSpec;
  coldStart: ColdStartSpec;
  /** Routing weight (`router: weighted`). */
  weight: number;
  /** On scale-down, move queued and running work elsewhere instead of letting it finish. */
  migrateOnDrain: boolean;
  /**
   * Transfer paths from the node topology (scenario `node`): weight-load time for a replica's GPUs and the
   * prefill → decode KV link. Absent: `coldStart.loadBandwidthBytesPerSec` and the fleet's `link`.
   */
  paths?: {
    weightLoadSec?(bytesPerGpu: number): number;
    kvLink?: { bandwidthBytesPerSec: number; latencySec: number };
  };
  /**
   * Host link of each GPU (KV swap, engine preemption `swap`): per-GPU rate with all of the replica's GPUs
   * copying at once, and latency (the node topology's, else the GPU profile's PCIe rate). Absent: swaps are free.
   */
  hostLink?: { bytesPerSecPerGpu: number; latencySec: number };
  /** API-server host costs per replica (`engine.frontend: http`); absent for in-process engines. */
  frontend?: FrontendCosts;
}

export interface TokenBucketSpec {
  ratePerSec: number;
  burst: number;
}

export interface TenantSpec {
  name: string;
  weight: number;
  priority: number;
  requestsPerSec?: TokenBucketSpec;
  tokensPerSec?: TokenBucketSpec;
  maxConcurrent?: number;
  maxContextTokens?: number;
  /** What a quota hit does: refuse the request, or hold it until the quota allows it. */
  onLimit: 'reject' | 'defer';
  /** Most requests held (deferred) at once; more are rejected (`queue-full`). */
  maxQueued: number;
  /** Reject when the predicted TTFT on the chosen replica exceeds this (ms). */
  maxPredictedTtftMs?: number;
}

export interface FailureSpec {
  /** Mean time between failures of one replica (exponential), seconds. */
  mtbfSec?: number;
  /** Mean time to repair (exponential), seconds; then the replica reloads and warms up. */
  mttrSec: number;
  /** Scripted failures: replica `replica` of pool `pool` fails at `atSec` for `downSec`. */
  schedule: { atSec: number; pool: number; replica: number; downSec: number }[];
  /** In-flight work of a failed replica: retried elsewhere (recomputed) or lost. */
  onFailure: 'retry' | 'lose';
}

export interface FleetInput {
  pools: PoolInput[];
  router: RouterKind;
  /** Age of the load signal routers see (0 = live). */
  routerStalenessSec: number;
  queuePolicy: QueuePolicy;
  priorityPreemption: boolean;
  tenants: TenantSpec[];
  /** Request sources; each request carries its tenant index. */
  workloads: { tenant: number; workload: FleetWorkload }[];
  /** Prefill → decode KV transfer link (disaggregation). */
  link?: { bandwidthBytesPerSec: number; latencySec: number };
  failures?: FailureSpec;
  /** Tokens per prefix hash id in the workload (Mooncake: 512), 0 when none. */
  hashBlockTokens: number;
  seed: number;
  recordSteps?: boolean;
  perRequestDetail?: boolean;
  /** Power and thermal models (scenario `power`), or energy accounting only; absent: physics off. */
  power?: FleetPowerInput;
  /** Fuse runs of unchanging decode steps (default true; exactness tests compare with false). */
  fuseDecodes?: boolean;
  onProgress?: (simSec: number, completed: number) => void;
}

/** One pool's power/thermal parameters (per GPU). */
export interface PoolPowerInput {
  params: PowerParams;
  /** Effective per-GPU cap after the GPU, node and facility limits (W). */
  capWatts: number;
  inletC: number;
  cooling: Cooling;
  /** Dense peak FLOP/s and HBM bandwidth of one GPU (for the activity of a step). */
  peakFlopsPerGpu: number;
  memoryBytesPerSecPerGpu: number;
}

export interface FleetPowerInput {
  /** True with a `power` block: caps and throttling change step times. False: energy is only observed. */
  scalesSteps: boolean;
  pue: number;
  /** Interval of the power/temperature samples (s). */
  sampleSec: number;
  pools: PoolPowerInput[];
}
