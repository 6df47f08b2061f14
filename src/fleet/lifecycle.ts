import { Frontend } from '../engine/frontend.ts';
import { Replica } from '../engine/replica.ts';
import { createWaitQueue } from '../engine/wait-queue.ts';
import { GrowableFloat64 } from '../metrics/growable.ts';
import { createRng, exponential } from '../workload/rng.ts';
import type { FleetParts } from './context.ts';
import { EV_FAILURE, EV_FRONTEND_OUT, EV_READY, EV_REPAIR } from './event-loop.ts';
import { FleetTimeline } from './timeline.ts';

/**
 * The one owner of replica lifecycle state: creates replicas, and moves them between starting, ready,
 * draining, failed and stopped — recording every change in the fleet timeline. Nothing else writes
 * `Replica.state`.
 */
export class ReplicaLifecycle {
  readonly timeline: FleetTimeline;
  /** Ready replicas per pool (routing candidates). */
  readonly ready: Replica[][];
  /** Cold-start durations (s), one per start or repair. */
  readonly coldStartSec = new GrowableFloat64();
  /** Bumped at each start/stop/failure of a replica: readiness and failure events carry it. */
  private readonly lifeId: number[] = [];
  /** When each replica last had work (serverless idle timeout). */
  private readonly lastActivity: number[] = [];
  private readonly scriptedDownSec = new Map<number, number>();
  private readonly failureRng;
  private readonly tenantWeights: number[];

  constructor(private readonly f: FleetParts) {
    this.timeline = new FleetTimeline(f.pools.length);
    this.ready = f.pools.map(() => []);
    this.failureRng = createRng(f.input.seed, 'failures');
    this.tenantWeights = f.input.tenants.map((t) => t.weight);
  }

  /** Marks that replica `r` had work now (idle timers count from the last activity). */
  touch(r: Replica): void {
    this.lastActivity[r.index] = this.f.sim.now;
  }

  /** Asks for a new replica in `pool`; it serves after its cold start (or at once if `warm`). */
  add(pool: number, warm: boolean): Replica {
    const f = this.f;
    const sim = f.sim;
    const p = f.pools[pool];
    const input = f.input;
    const r = new Replica({
      index: f.replicas.length, cfg: p.engine, kvBlocks: p.kvBlocks, perf: p.perf, sink: f.sink, recorder: f.steps,
      hashBlockTokens: input.hashBlockTokens, queue: createWaitQueue(input.queuePolicy, this.tenantWeights),
      role: p.role, gpus: p.gpusPerReplica, pool, priorityPreemption: input.priorityPreemption,
      frontend: p.frontend && p.role === 'mixed' ? new Frontend(p.frontend) : null,
      clock: f.power ? f.power.clockFor(pool, f.replicas.length) : null,
      swap: p.engine.preemption === 'swap' ? f.transfer.swapPath(pool) : null,
    });
    r.fuseDecodes = input.fuseDecodes ?? true;
    if (r.frontend !== null) r.onDelivery = (atSec) => sim.scheduleAt(atSec, EV_FRONTEND_OUT, r.index);
    if (p.role === 'prefill') r.onPrefilled = (s) => f.transfer.handOff(s, r);
    r.onFirstToken = (ttft, now) => f.autoscaler.onFirstToken(pool, ttft, now);
    f.replicas.push(r);
    this.lifeId.push(0);
    this.lastActivity.push(sim.now);
    r.requestedSec = sim.now;
    r.state = 'starting';
    this.timeline.change(sim.now, pool, null, 'starting');
    if (warm) {
      this.becomeReady(r);
    } else {
      const sec = p.coldStart.acquisitionSec + f.transfer.weightLoadSec(r) + p.coldStart.warmupSec;
      this.coldStartSec.push(sec);
      sim.schedule(sec, EV_READY, r.index, 0, this.lifeId[r.index]);
    }
    return r;
  }

  /** EV_READY: a cold start (or a repair's reload) finished. */
  onReady(target: number, life: number): void {
    const r = this.f.replicas[target];
    if (life !== this.lifeId[target] || r.state !== 'starting') return;
    this.becomeReady(r);
  }

  private becomeReady(r: Replica): void {
    const f = this.f;
    const sim = f.sim;
    r.state = 'ready';
    r.readySec = sim.now;
    this.ready[r.pool].push(r);
    this.timeline.change(sim.now, r.pool, 'starting', 'ready');
    this.lastActivity[r.index] = sim.now;
    f.power?.onReady(r, sim.now);
    const fl = f.input.failures;
    if (fl?.mtbfSec) sim.schedule(exponential(this.failureRng, 1 / fl.mtbfSec), EV_FAILURE, r.index, 0, this.lifeId[r.index]);
    f.dispatch.flushPending();
    this.afterWork(r);
  }

  private removeReady(r: Replica): void {
    const list = this.ready[r.pool];
    const i = list.indexOf(r);
    if (i >= 0) list.splice(i, 1);
  }

  /** Bookkeeping after a replica's work changed: drains complete, idle replicas are reported to the autoscaler. */
  afterWork(r: Replica): void {
    if (r.outstanding === 0 && !r.busy) {
      const now = this.f.sim.now;
      this.lastActivity[r.index] = now;
      if (r.state === 'draining') this.stop(r);
      else if (r.state === 'ready') this.f.autoscaler.onReplicaIdle(r, now);
    }
  }

  /** Scale-down: no new work; in-flight work finishes (or migrates) before the GPUs are released. */
  drain(r: Replica): void {
    if (r.state !== 'ready') return;
    const f = this.f;
    this.removeReady(r);
    r.state = 'draining';
    this.timeline.change(f.sim.now, r.pool, 'ready', 'draining');
    if (f.pools[r.pool].migrateOnDrain) {
      for (const s of r.evictAll()) {
        f.sink.count('retried', s.tenant);
        f.dispatch.reroute(s, r.pool);
      }
    }
    this.afterWork(r);
  }

  /** Closes a ready/draining spell (for the busy fraction's denominator). */
  private leaveServing(r: Replica): void {
    if (r.state === 'ready' || r.state === 'draining') {
      r.servingSec += this.f.sim.now - r.readySec;
      this.f.power?.onLeave(r, this.f.sim.now);
    }
  }

  stop(r: Replica): void {
    const now = this.f.sim.now;
    const from = r.state;
    this.leaveServing(r);
    if (from === 'ready') this.removeReady(r);
    r.state = 'stopped';
    r.stoppedSec = now;
    this.timeline.change(now, r.pool, from, null);
    this.lifeId[r.index]++;
  }

  /** EV_FAILURE: a random (MTBF) or scripted failure of a serving replica. */
  onFailure(target: number, life: number): void {
    const r = this.f.replicas[target];
    if (life !== this.lifeId[target] || (r.state !== 'ready' && r.state !== 'draining')) return;
    const scripted = this.scriptedDownSec.get(r.index);
    this.scriptedDownSec.delete(r.index);
    this.fail(r, scripted ?? exponential(this.failureRng, 1 / this.f.input.failures!.mttrSec));
  }

  private fail(r: Replica, downSec: number): void {
    const f = this.f;
    const now = f.sim.now;
    const from = r.state;
    this.leaveServing(r);
    if (from === 'ready') this.removeReady(r);
    r.state = 'failed';
    this.timeline.change(now, r.pool, from, 'failed');
    this.timeline.failures++;
    this.lifeId[r.index]++;
    for (const s of r.evictAll()) {
      if (f.input.failures!.onFailure === 'retry') {
        f.sink.count('retried', s.tenant);
        f.dispatch.reroute(s, r.pool);
      } else {
        f.sink.onLost(now, s.tenant);
        f.traffic.left(s.req);
      }
    }
    if (from === 'draining') {
      this.stop(r); // it was leaving anyway
      return;
    }
    f.sim.schedule(downSec, EV_REPAIR, r.index);
  }

  /** EV_REPAIR: the node is back: it reloads weights and warms up (no new acquisition). */
  onRepair(target: number): void {
    const f = this.f;
    const r = f.replicas[target];
    if (r.state !== 'failed') return;
    const p = f.pools[r.pool];
    r.state = 'starting';
    this.lifeId[r.index]++;
    const sec = f.transfer.weightLoadSec(r) + p.coldStart.warmupSec;
    this.coldStartSec.push(sec);
    this.timeline.change(f.sim.now, r.pool, 'failed', 'starting');
    f.sim.schedule(sec, EV_READY, r.index, 0, this.lifeId[r.index]);
  }

  /** EV_IDLE_CHECK: a serverless replica idle for its timeout is released. */
  onIdleCheck(target: number): void {
    const f = this.f;
    const r = f.replicas[target];
    const prov = f.pools[r.pool].provisioning;
    const timeout = prov.kind === 'serverless' ? prov.idleTimeoutSec : Infinity;
    if (r.state === 'ready' && r.outstanding === 0 && !r.busy && f.sim.now - this.lastActivity[r.index] >= timeout - 1e-9) {
      f.autoscaler.onIdle(r, f.sim.now);
    }
  }

  /** Schedules the scenario's scripted failures (replica indices within their pool's initial replicas). */
  scheduleScriptedFailures(): void {
    const fl = this.f.input.failures;
    if (!fl) return;
    for (const ev of fl.schedule) {
      const r = this.f.replicas.filter((x) => x.pool === ev.pool)[ev.replica];
      if (!r) continue;
      this.scriptedDownSec.set(r.index, ev.downSec);
      this.f.sim.scheduleAt(ev.atSec, EV_FAILURE, r.index, 0, this.lifeId[r.index]);
    }
  }

  /** Closes the timeline at the end of the run. */
  finish(endSec: number, waitedOnColdStart: number): FleetTimeline {
    this.timeline.finish(endSec, this.f.replicas);
    this.timeline.coldStarts = this.coldStartSec;
    this.timeline.requestsWaitedOnColdStart = waitedOnColdStart;
    return this.timeline;
  }
}
