import { z } from 'zod';
import { SloSchema } from './slo-schema.ts';
import { AUTOSCALE_METRICS } from '../fleet/types.ts';
import { ROUTERS } from '../fleet/router.ts';
import { QUEUE_POLICIES } from '../engine/wait-queue.ts';
import { MAX_REPLICAS } from './limits.ts';
import { ArrivalsSchema, LengthsSchema, TraceSchema, workloadProblems } from '../workload/schema.ts';

/**
 * Scenario keys for fleet dynamics: provisioning and autoscaling, cold starts, routing, tenants and
 * their quotas, disaggregated prefill/decode, failures. Documented in docs/scenario.md.
 */
const positiveInt = z.number().int().positive();
const nonnegInt = z.number().int().nonnegative();
/** A replica count: bounded so a typo (1e12) is an error naming the key, not a run that exhausts memory. */
const replicaCount = positiveInt.max(MAX_REPLICAS);
const replicaCount0 = nonnegInt.max(MAX_REPLICAS);
const pos = z.number().positive();
const nonneg = z.number().nonnegative();

export const ProvisioningSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('static').describe('A fixed number of replicas (the top-level `replicas`), ready at t = 0'),
  }),
  z.strictObject({
    kind: z.literal('reactive').describe('Scale on a metric averaged over a window, with thresholds and cooldown'),
    minReplicas: replicaCount0.default(1),
    maxReplicas: replicaCount,
    initialReplicas: replicaCount0.optional().describe('Ready at t = 0 (default minReplicas)'),
    metric: z.enum(AUTOSCALE_METRICS).describe('queue-depth (waiting per replica), kv-utilization (0–1), busy-fraction (0–1), ttft-p99 (ms), requests-per-sec (per replica)'),
    scaleUpThreshold: nonneg,
    scaleDownThreshold: nonneg,
    windowSec: pos.default(60),
    evaluationIntervalSec: pos.default(15),
    cooldownSec: nonneg.default(60),
    stepSize: positiveInt.default(1),
  }).superRefine((p, ctx) => {
    if (p.minReplicas > p.maxReplicas) {
      ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: `minReplicas ${p.minReplicas} is above maxReplicas ${p.maxReplicas}`, params: { fix: 'make minReplicas ≤ maxReplicas' } });
    }
    if (p.initialReplicas !== undefined && p.initialReplicas > p.maxReplicas) {
      ctx.addIssue({ code: 'custom', path: ['initialReplicas'], message: `initialReplicas ${p.initialReplicas} is above maxReplicas ${p.maxReplicas}`, params: { fix: 'make initialReplicas ≤ maxReplicas' } });
    }
    if (p.scaleUpThreshold < p.scaleDownThreshold) {
      ctx.addIssue({ code: 'custom', path: ['scaleUpThreshold'], message: `scaleUpThreshold ${p.scaleUpThreshold} is below scaleDownThreshold ${p.scaleDownThreshold}: the fleet would scale up and down at once`, params: { fix: 'make scaleUpThreshold ≥ scaleDownThreshold (e.g. up at 8, down at 2)' } });
    }
  }),
  z.strictObject({
    kind: z.literal('scheduled').describe('A time table of replica counts (diurnal plans)'),
    schedule: z.array(z.strictObject({ atSec: nonneg, replicas: replicaCount0 })).min(1),
    periodSec: pos.optional().describe('Repeat the table with this period (e.g. 86400)'),
  }).superRefine((p, ctx) => {
    if (p.schedule.every((e) => e.replicas === 0)) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'the schedule never has a replica, so no request would ever be served', params: { fix: 'give at least one entry with replicas ≥ 1' } });
    }
  }),
  z.strictObject({
    kind: z.literal('serverless').describe('Scale from zero on demand; to zero after an idle timeout'),
    maxReplicas: replicaCount.default(8),
    idleTimeoutSec: pos.default(300),
    targetOutstandingPerReplica: pos.default(32).describe('Start another replica above this load per replica'),
  }),
]);

export const ColdStartSchema = z.strictObject({
  acquisitionSec: nonneg.default(60).describe('Node acquisition / scheduling delay'),
  loadBandwidthBytesPerSec: pos.default(2e9).describe('Weights from storage to each GPU (per GPU)'),
  warmupSec: nonneg.default(30).describe('Engine start, CUDA graph capture, health checks'),
});

export const FleetSchema = z.strictObject({
  provisioning: ProvisioningSchema.prefault({ kind: 'static' }),
  coldStart: ColdStartSchema.prefault({}),
  migrateOnDrain: z.boolean().default(false).describe('Move work off a draining replica instead of letting it finish'),
});

export const RouterSchema = z.union([
  z.enum(ROUTERS),
  z.strictObject({
    kind: z.enum(ROUTERS),
    stalenessSec: nonneg.default(0).describe('Age of the load signal the router sees'),
  }),
]);

const TokenBucketSchema = z.strictObject({
  ratePerSec: pos,
  burst: pos.optional().describe('Bucket size (default: one second of rate, at least 1)'),
});

export const QuotaSchema = z.strictObject({
  requestsPerSec: TokenBucketSchema.optional(),
  tokensPerSec: TokenBucketSchema.optional().describe('Charges input + output tokens'),
  maxConcurrent: positiveInt.optional(),
  maxContextTokens: positiveInt.optional(),
  onLimit: z.enum(['reject', 'defer']).default('reject'),
  maxQueued: nonnegInt.default(1000).describe('Deferred requests held at most (then queue-full)'),
});

/**
 * One tenant: its own traffic (the keys of `workload`), weight, priority class, quota, admission control
 * and objectives. Each tenant's random streams are its own (named after it).
 */
export const TenantSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"'),
    weight: pos.default(1).describe('Share under weighted fair queueing'),
    priority: nonnegInt.default(0).describe('Priority class: lower values are served first (engine.queuePolicy: priority)'),
    arrivals: ArrivalsSchema,
    lengths: LengthsSchema.optional(),
    trace: TraceSchema.optional(),
    requests: positiveInt.optional(),
    durationSec: pos.optional(),
    warmupRequests: z.number().int().min(0).default(0).describe('The first N requests run but are left out of every statistic'),
    quota: QuotaSchema.optional(),
    admission: z.strictObject({
      maxPredictedTtftMs: pos.describe('Reject when the predicted TTFT on the chosen replica is above this'),
    }).optional(),
    slo: SloSchema.optional(),
  })
  .superRefine((t, ctx) => {
    for (const p of workloadProblems(t)) {
      ctx.addIssue({ code: 'custom', path: p.path, message: `${p.message} — ${p.fix}`, params: { fix: p.fix } });
    }
    if (t.trace?.tenantColumn !== undefined && t.arrivals.kind !== 'trace') {
      ctx.addIssue({ code: 'custom', path: ['trace', 'tenantColumn'], message: "a tenant column selects this tenant's rows of a shared trace: use arrivals: { kind: trace }" });
    }
  });

export const PoolSchema = z.strictObject({
  name: z.string().min(1),
  gpu: z.string().min(1),
  replicas: replicaCount.default(1),
  parallelism: z.strictObject({ tensor: positiveInt.default(1), pipeline: positiveInt.default(1) }).prefault({}),
  weight: pos.default(1).describe('Share of traffic under router: weighted'),
  gpuHourUsd: nonneg.optional(),
});

export const DisaggregationSchema = z.strictObject({
  prefill: z.strictObject({
    gpu: z.string().optional().describe('Default: the scenario gpu'),
    replicas: replicaCount,
    parallelism: z.strictObject({ tensor: positiveInt.default(1), pipeline: positiveInt.default(1) }).prefault({}),
  }),
  decode: z.strictObject({
    gpu: z.string().optional(),
    replicas: replicaCount,
    parallelism: z.strictObject({ tensor: positiveInt.default(1), pipeline: positiveInt.default(1) }).prefault({}),
  }),
  link: z.strictObject({
    bandwidthBytesPerSec: pos.default(50e9).describe('Per prefill replica (e.g. 400 Gb/s RDMA = 50e9)'),
    latencySec: nonneg.default(20e-6),
  }).prefault({}),
});

export const FailuresSchema = z.strictObject({
  mtbfSec: pos.optional().describe('Mean time between failures of one replica (exponential)'),
  mttrSec: pos.default(600).describe('Mean time to repair (exponential); then weights reload and warm-up'),
  onFailure: z.enum(['retry', 'lose']).default('retry'),
  schedule: z.array(z.strictObject({
    atSec: nonneg,
    pool: z.string().optional().describe('Pool name (default: the first pool)'),
    replica: nonnegInt.default(0),
    downSec: pos,
  })).default([]),
});
