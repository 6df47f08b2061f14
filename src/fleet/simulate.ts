import { Simulator } from '../sim/simulator.ts';
import { Replica } from '../engine/replica.ts';
import type { EngineConfig } from '../engine/config.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import type { RejectReason } from '../metrics/collector.ts';
import { StepRecorder } from '../metrics/step-recorder.ts';
import type { StepTimeModel } from '../perf/types.ts';
import type { Lengths, Request, RequestSource } from '../workload/types.ts';
import { createRouter } from './router.ts';
import type { RouterKind } from './router.ts';

/** What drives the fleet: an open stream of timed requests, or a closed loop of users. */
export type FleetWorkload =
  | { kind: 'open'; source: RequestSource }
  | {
    kind: 'closed';
    concurrency: number;
    thinkTimeSec: number;
    lengths: () => Lengths;
    maxRequests: number;
    durationSec: number;
  };

export interface FleetInput {
  replicas: number;
  engine: EngineConfig;
  /** KV blocks per replica. */
  kvBlocks: number;
  perf: StepTimeModel;
  router: RouterKind;
  workload: FleetWorkload;
  /** Tokens per prefix hash block in the workload (Mooncake: 512), 0 when none. */
  hashBlockTokens: number;
  recordSteps?: boolean;
  perRequestDetail?: boolean;
  /** Fuse runs of unchanging decode steps (default true; exactness tests compare with false). */
  fuseDecodes?: boolean;
  /** Called now and then with the simulated time (progress bars). */
  onProgress?: (simSec: number, completed: number) => void;
}

export interface FleetResult {
  metrics: MetricsCollector;
  steps: StepRecorder | null;
  replicas: Replica[];
  /** Time of the last event (all work drained). */
  endSec: number;
  events: number;
}

const EV_ARRIVAL = 0;
const EV_STEP_END = 1;
const EV_KICK = 2;
const EV_CLOSED_ISSUE = 3;
/** Kicks run after every other event at the same instant, so simultaneous arrivals share a batch. */
const PRIO_KICK = 1;

/**
 * Runs a fleet of identical replicas over a workload until every request has finished or been rejected.
 * One event per request arrival and one per engine step: never per token.
 */
export function simulateFleet(input: FleetInput): FleetResult {
  const metrics = new MetricsCollector({ perRequestDetail: input.perRequestDetail ?? false });
  const steps = input.recordSteps ? new StepRecorder() : null;
  const replicas: Replica[] = [];
  for (let i = 0; i < input.replicas; i++) {
    const r = new Replica(i, input.engine, input.kvBlocks, input.perf, metrics, steps, input.hashBlockTokens);
    r.fuseDecodes = input.fuseDecodes ?? true;
    replicas.push(r);
  }
  const router = createRouter(input.router);
  const wl = input.workload;
  let pending: Request | null = null;
  let nextId = 0;
  let closedIssued = 0;
  let lastCompleted = 0;
  let lastRejected = 0;
  let progressEvery = 0;

  const sim: Simulator = new Simulator((kind, target, data) => {
    switch (kind) {
      case EV_ARRIVAL: {
        const req = pending!;
        pending = wl.kind === 'open' ? wl.source.next() : null;
        if (pending) sim.scheduleAt(pending.arrivalSec, EV_ARRIVAL, 0);
        admit(req);
        break;
      }
      case EV_CLOSED_ISSUE: {
        if (wl.kind !== 'closed') break;
        // Trace-driven closed loops may carry prefix hashes along with the lengths.
        admit({ ...(wl.lengths() as Request), id: nextId++, arrivalSec: sim.now });
        break;
      }
      case EV_KICK: {
        const r = replicas[target];
        if (!r.busy) startStep(r);
        else r.kickPending = false;
        break;
      }
      case EV_STEP_END: {
        const r = replicas[target];
        if (data !== r.generation) break; // superseded: the run was cut short and rescheduled
        r.finishStep(sim.now);
        startStep(r);
        break;
      }
    }
    if (wl.kind === 'closed') refillClosedLoop();
    if (input.onProgress && ++progressEvery === 65536) {
      progressEvery = 0;
      input.onProgress(sim.now, metrics.completed);
    }
  });

  function admit(req: Request): void {
    metrics.onArrival(sim.now);
    const i = router.pick(replicas);
    const r = replicas[i];
    const reason = r.enqueue(req, sim.now);
    if (reason !== null) {
      metrics.onReject(sim.now, reason as RejectReason);
      return;
    }
    if (!r.busy && !r.kickPending) {
      r.kickPending = true;
      sim.schedule(0, EV_KICK, i, PRIO_KICK);
    } else if (r.busy && r.fusedExtra > 0 && r.admitsMidRun) {
      const end = r.interrupt(sim.now);
      if (end >= 0) sim.scheduleAt(end, EV_STEP_END, i, 0, r.generation);
    }
  }

  function startStep(r: Replica): void {
    if (r.startStep(sim.now) >= 0) sim.scheduleAt(r.stepEndSec, EV_STEP_END, r.index, 0, r.generation);
  }

  function refillClosedLoop(): void {
    if (wl.kind !== 'closed') return;
    // Each finished (or rejected) request frees its user, who thinks, then sends the next one.
    const freed = metrics.completed - lastCompleted + (metrics.rejected - lastRejected);
    lastCompleted = metrics.completed;
    lastRejected = metrics.rejected;
    for (let k = 0; k < freed; k++) issueClosed(wl.thinkTimeSec);
  }

  function issueClosed(delaySec: number): void {
    if (wl.kind !== 'closed') return;
    if (closedIssued >= wl.maxRequests || sim.now + delaySec > wl.durationSec) return;
    closedIssued++;
    sim.schedule(delaySec, EV_CLOSED_ISSUE, 0);
  }

  if (wl.kind === 'open') {
    pending = wl.source.next();
    if (pending) sim.scheduleAt(Math.max(0, pending.arrivalSec), EV_ARRIVAL, 0);
  } else {
    for (let u = 0; u < wl.concurrency; u++) issueClosed(0);
  }
  const events = sim.run();
  metrics.finish(sim.now);
  return { metrics, steps, replicas, endSec: sim.now, events };
}
