import type { Replica } from '../engine/replica.ts';
import type { EngineConfig } from '../engine/config.ts';
import type { RejectReason } from '../metrics/collector.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import { MetricsSink } from '../metrics/sink.ts';
import { StepRecorder } from '../metrics/step-recorder.ts';
import type { StepTimeModel } from '../perf/types.ts';
import type { RouterKind } from './router.ts';
import type { FleetInput, FleetWorkload } from './types.ts';
import { Autoscaler } from './autoscaler.ts';
import { FleetTimeline } from './timeline.ts';
import type { FleetParts } from './context.ts';
import { Dispatcher } from './dispatch.ts';
import {
  EventLoop, EV_ARRIVAL, EV_AUTOSCALE, EV_CLOSED_ISSUE, EV_FAILURE, EV_FRONTEND_IN, EV_FRONTEND_OUT, EV_IDLE_CHECK, EV_KICK,
  EV_POWER_SAMPLE, EV_READY, EV_REPAIR, EV_RETRY_GATE, EV_SCHEDULED, EV_SNAPSHOT, EV_STEP_END, EV_TRANSFER_DONE,
} from './event-loop.ts';
import { ReplicaLifecycle } from './lifecycle.ts';
import { PowerTracker, type PowerReport } from './power-tracker.ts';
import { ReplicaDriver } from './stepping.ts';
import { Traffic } from './traffic.ts';
import { TransferModel } from './transfer.ts';

export type { FleetWorkload } from './types.ts';

/** The single-pool shorthand (one static pool of identical replicas, one tenant, FCFS). */
export interface SimpleFleetInput {
  replicas: number;
  engine: EngineConfig;
  kvBlocks: number;
  perf: StepTimeModel;
  router: RouterKind;
  workload: FleetWorkload;
  hashBlockTokens: number;
  recordSteps?: boolean;
  perRequestDetail?: boolean;
  fuseDecodes?: boolean;
  onProgress?: (simSec: number, completed: number) => void;
}

export interface FleetResult {
  /** Fleet-wide metrics (alias of `sink.all`). */
  metrics: MetricsCollector;
  sink: MetricsSink;
  steps: StepRecorder | null;
  /** Every replica that ever existed, in creation order. */
  replicas: Replica[];
  /** Time of the last event (all work drained). */
  endSec: number;
  events: number;
  timeline: FleetTimeline;
  input: FleetInput;
  /** Power, energy and thermal results (null with the physics off). */
  power: PowerReport | null;
}

/** Simulated seconds without progress after which requests held for capacity are rejected. */
const STALL_SEC = 86_400;

export function singlePoolInput(s: SimpleFleetInput): FleetInput {
  return {
    pools: [{
      name: 'default', role: 'mixed', engine: s.engine, kvBlocks: s.kvBlocks, perf: s.perf, gpusPerReplica: 1,
      gpuHourUsd: 0, weightBytesPerGpu: 0, kvTransferBytes: () => 0, provisioning: { kind: 'static', replicas: s.replicas },
      coldStart: { acquisitionSec: 0, loadBandwidthBytesPerSec: Infinity, warmupSec: 0 }, weight: 1, migrateOnDrain: false,
    }],
    router: s.router, routerStalenessSec: 0, queuePolicy: 'fcfs', priorityPreemption: false,
    tenants: [{ name: 'default', weight: 1, priority: 0, onLimit: 'reject', maxQueued: Infinity }],
    workloads: [{ tenant: 0, workload: s.workload }],
    hashBlockTokens: s.hashBlockTokens, seed: 0, recordSteps: s.recordSteps, perRequestDetail: s.perRequestDetail,
    fuseDecodes: s.fuseDecodes, onProgress: s.onProgress,
  };
}

/**
 * Runs a fleet over its workloads until every request has finished, been rejected or been lost: pools of
 * replicas that start (cold), serve, drain and fail; a router; per-tenant quotas and admission control;
 * disaggregated prefill → decode hand-offs. One event per arrival and per engine step, never per token.
 *
 * The work is split into parts with one job each (src/fleet/context.ts): traffic (arrivals, closed loops,
 * the tenant gate), dispatch (routing, held work), lifecycle (replica states, timeline), the replica driver
 * (engine steps), the transfer model (every byte that moves) and, with physics on, the power tracker. This
 * function builds them, registers their event handlers with the event loop and runs it.
 */
export function simulateFleet(arg: FleetInput | SimpleFleetInput): FleetResult {
  const input: FleetInput = 'pools' in arg ? arg : singlePoolInput(arg);
  const sink = new MetricsSink(input.tenants.length, input.perRequestDetail ?? false);
  if (input.pools.some((p) => p.frontend !== undefined && p.role === 'mixed')) {
    sink.all.hasFrontend = true;
    for (const t of sink.tenants) t.hasFrontend = true;
  }
  const metrics = sink.all;
  let progressEvery = 0;
  const loop: EventLoop = new EventLoop({
    activeWork: () => f.traffic.activeWork(),
    onTimer: (nowSec, lastProgressSec) => {
      if (nowSec - lastProgressSec > STALL_SEC) f.dispatch.rejectHeld();
    },
    afterEvent: () => {
      f.traffic.refillClosedLoops();
      if (input.onProgress && ++progressEvery === 65536) {
        progressEvery = 0;
        input.onProgress(loop.sim.now, metrics.completed);
      }
    },
  });
  // The parts reach each other through `f`; each is created before the first event.
  const f = {
    input, pools: input.pools, loop, sim: loop.sim, sink, metrics,
    steps: input.recordSteps ? new StepRecorder() : null,
    replicas: [] as Replica[],
    power: input.power ? new PowerTracker(input.power, input.pools, loop.sim) : null,
  } as unknown as FleetParts;
  f.traffic = new Traffic(f);
  f.dispatch = new Dispatcher(f);
  f.lifecycle = new ReplicaLifecycle(f);
  f.driver = new ReplicaDriver(f);
  f.transfer = new TransferModel(f);
  const lc = f.lifecycle;
  f.autoscaler = new Autoscaler(input.pools, {
    now: () => loop.sim.now,
    ready: lc.ready,
    replicas: f.replicas,
    add: (pool) => lc.add(pool, false),
    drain: (r) => lc.drain(r),
    stop: (r) => lc.stop(r),
    schedule: (delaySec, pool, entry) => loop.sim.schedule(delaySec, EV_SCHEDULED, pool, 0, entry),
    idleCheck: (r, afterSec) => loop.sim.schedule(afterSec, EV_IDLE_CHECK, r.index, 0, afterSec),
    activeWork: () => f.traffic.activeWork(),
    arrivalsTo: (pool) => f.dispatch.arrivalsByPool[pool],
  });

  const timer = { timer: true, whileActive: true };
  loop.on(EV_ARRIVAL, (t) => f.traffic.onArrival(t));
  loop.on(EV_CLOSED_ISSUE, (t) => f.traffic.onClosedIssue(t));
  loop.on(EV_RETRY_GATE, (t) => f.traffic.gate.release(t, loop.sim.now));
  loop.on(EV_FRONTEND_IN, (t) => f.dispatch.onFrontendIn(t), { whileActive: true });
  loop.on(EV_FRONTEND_OUT, (t) => f.driver.onFrontendOut(t), { whileActive: true });
  loop.on(EV_KICK, (t) => f.driver.onKick(t));
  loop.on(EV_STEP_END, (t, gen) => f.driver.onStepEnd(t, gen));
  loop.on(EV_TRANSFER_DONE, (t) => f.transfer.onDone(t));
  loop.on(EV_READY, (t, life) => lc.onReady(t, life), { whileActive: true });
  loop.on(EV_FAILURE, (t, life) => lc.onFailure(t, life), timer);
  loop.on(EV_REPAIR, (t) => lc.onRepair(t), timer);
  loop.on(EV_IDLE_CHECK, (t) => lc.onIdleCheck(t), timer);
  loop.on(EV_AUTOSCALE, (p) => {
    if (f.autoscaler.evaluate(p, loop.sim.now)) loop.sim.schedule(f.autoscaler.intervalSec(p), EV_AUTOSCALE, p);
  }, timer);
  loop.on(EV_SCHEDULED, (p, entry) => f.autoscaler.applySchedule(p, entry, loop.sim.now), timer);
  loop.on(EV_SNAPSHOT, () => f.dispatch.onSnapshot(), timer);
  if (f.power) {
    const power = f.power;
    loop.on(EV_POWER_SAMPLE, () => power.sample(f.replicas, () => f.traffic.activeWork()), timer);
  }

  // ——— start ———
  for (let p = 0; p < input.pools.length; p++) {
    for (let k = 0; k < f.autoscaler.initialReplicas(p); k++) lc.add(p, true);
    f.autoscaler.start(p, (delaySec) => loop.sim.schedule(delaySec, EV_AUTOSCALE, p));
  }
  lc.scheduleScriptedFailures();
  f.traffic.start();
  f.dispatch.start();
  f.power?.start();
  const events = loop.run();
  const endSec = loop.endSec;
  metrics.finish(endSec);
  for (const t of sink.tenants) t.finish(endSec);
  const timeline = lc.finish(endSec, f.dispatch.coldStartsWaitedOn);
  f.power?.finish(f.replicas, endSec);
  return { metrics, sink, steps: f.steps, replicas: f.replicas, endSec, events, timeline, input, power: f.power?.report(f.replicas, endSec) ?? null };
}

export type { RejectReason };
