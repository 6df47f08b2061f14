import type { Replica } from '../engine/replica.ts';
import { quantileSorted } from '../metrics/percentile.ts';
import type { PoolInput } from './types.ts';

export interface AutoscalerHost {
  now(): number;
  ready: Replica[][];
  replicas: Replica[];
  /** Asks for a replica (it pays a cold start). */
  add(pool: number): Replica;
  /** Stops routing to it; its work finishes (or migrates), then its GPUs are released. */
  drain(r: Replica): void;
  stop(r: Replica): void;
  /** Calls `applySchedule(pool, entry)` after `delaySec`. */
  schedule(delaySec: number, pool: number, entry: number): void;
  /** Calls `onIdle(r)` after `afterSec` if the replica stayed idle. */
  idleCheck(r: Replica, afterSec: number): void;
  /** Whether anything is left to simulate (periodic evaluations stop when not). */
  activeWork(): boolean;
  /** Requests routed to the pool so far. */
  arrivalsTo(pool: number): number;
}

interface PoolState {
  lastActionSec: number;
  samples: { t: number; v: number }[];
  ttft: { t: number; v: number }[];
  lastArrivals: number;
  lastEvalSec: number;
}

/** Serverless pools re-check demand this often (seconds). */
const SERVERLESS_EVAL_SEC = 1;

/**
 * Replica counts over time, per pool: static; reactive (a metric averaged over a window against up/down
 * thresholds, with cooldown and step size, between min and max); scheduled (a time table, optionally
 * repeating); serverless (scale from zero on demand, to zero after an idle timeout). Scale-ups pay a cold
 * start; scale-downs drain.
 */
export class Autoscaler {
  private readonly state: PoolState[];

  constructor(private readonly pools: readonly PoolInput[], private readonly host: AutoscalerHost) {
    this.state = pools.map(() => ({ lastActionSec: -Infinity, samples: [], ttft: [], lastArrivals: 0, lastEvalSec: 0 }));
  }

  /** Replicas ready at t = 0 (a warm fleet). */
  initialReplicas(p: number): number {
    const prov = this.pools[p].provisioning;
    switch (prov.kind) {
      case 'static': return prov.replicas;
      case 'reactive': return prov.initialReplicas;
      case 'scheduled': return prov.schedule.filter((e) => e.atSec <= 0).at(-1)?.replicas ?? 0;
      case 'serverless': return 0;
    }
  }

  /** Starts periodic evaluations / schedule entries of pool `p`. */
  start(p: number, scheduleEval: (delaySec: number) => void): void {
    const prov = this.pools[p].provisioning;
    if (prov.kind === 'reactive') scheduleEval(prov.evaluationIntervalSec);
    if (prov.kind === 'serverless') scheduleEval(SERVERLESS_EVAL_SEC);
    if (prov.kind === 'scheduled') {
      prov.schedule.forEach((e, i) => { if (e.atSec > 0) this.host.schedule(e.atSec, p, i); });
    }
  }

  intervalSec(p: number): number {
    const prov = this.pools[p].provisioning;
    return prov.kind === 'reactive' ? prov.evaluationIntervalSec : SERVERLESS_EVAL_SEC;
  }

  /** Replicas paid for and able to serve soon: starting + ready (draining ones are leaving). */
  held(p: number): number {
    let n = 0;
    for (const r of this.host.replicas) if (r.pool === p && (r.state === 'starting' || r.state === 'ready')) n++;
    return n;
  }

  /** Periodic evaluation; returns false when nothing is left to do (no further evaluations). */
  evaluate(p: number, now: number): boolean {
    const prov = this.pools[p].provisioning;
    const st = this.state[p];
    if (prov.kind === 'serverless') {
      const ready = this.host.ready[p];
      let outstanding = 0;
      for (const r of ready) outstanding += r.outstanding;
      const held = this.held(p);
      if (ready.length > 0 && outstanding / held > prov.targetOutstandingPerReplica && held < prov.maxReplicas) this.host.add(p);
      return this.host.activeWork();
    }
    if (prov.kind !== 'reactive') return false;
    const value = this.sample(p, now);
    st.samples.push({ t: now, v: value });
    while (st.samples.length > 0 && st.samples[0].t < now - prov.windowSec) st.samples.shift();
    while (st.ttft.length > 0 && st.ttft[0].t < now - prov.windowSec) st.ttft.shift();
    let metric: number;
    if (prov.metric === 'ttft-p99') {
      const xs = Float64Array.from(st.ttft, (x) => x.v).sort();
      metric = xs.length > 0 ? quantileSorted(xs, 0.99) * 1e3 : 0;
    } else {
      metric = st.samples.reduce((a, x) => a + x.v, 0) / st.samples.length;
    }
    if (now - st.lastActionSec >= prov.cooldownSec) {
      const held = this.held(p);
      if (metric > prov.scaleUpThreshold && held < prov.maxReplicas) {
        this.scaleTo(p, Math.min(prov.maxReplicas, held + prov.stepSize));
        st.lastActionSec = now;
      } else if (metric < prov.scaleDownThreshold && held > prov.minReplicas) {
        this.scaleTo(p, Math.max(prov.minReplicas, held - prov.stepSize));
        st.lastActionSec = now;
      }
    }
    return this.host.activeWork();
  }

  /** The instantaneous value of the pool's metric (averaged over the window by `evaluate`). */
  private sample(p: number, now: number): number {
    const prov = this.pools[p].provisioning;
    if (prov.kind !== 'reactive') return 0;
    const ready = this.host.ready[p];
    const st = this.state[p];
    switch (prov.metric) {
      case 'queue-depth': {
        let w = 0;
        for (const r of ready) w += r.waiting.length;
        return ready.length > 0 ? w / ready.length : Infinity;
      }
      case 'kv-utilization': {
        let u = 0;
        for (const r of ready) u += r.kvUtilization;
        return ready.length > 0 ? u / ready.length : 1;
      }
      case 'busy-fraction': {
        let b = 0;
        for (const r of ready) if (r.busy) b++;
        return ready.length > 0 ? b / ready.length : 1;
      }
      case 'requests-per-sec': {
        const a = this.host.arrivalsTo(p);
        const dt = now - st.lastEvalSec;
        const v = dt > 0 ? (a - st.lastArrivals) / dt / Math.max(1, ready.length) : 0;
        st.lastArrivals = a;
        st.lastEvalSec = now;
        return v;
      }
      case 'ttft-p99':
        return 0;
    }
  }

  applySchedule(p: number, entry: number, now: number): void {
    const prov = this.pools[p].provisioning;
    if (prov.kind !== 'scheduled') return;
    this.scaleTo(p, prov.schedule[entry].replicas);
    if (prov.periodSec && this.host.activeWork()) this.host.schedule(prov.periodSec, p, entry);
    void now;
  }

  /** Adds or drains replicas so that `held` becomes `target` (starting replicas are cancelled first). */
  scaleTo(p: number, target: number): void {
    let held = this.held(p);
    while (held < target) {
      this.host.add(p);
      held++;
    }
    if (held <= target) return;
    const members = this.host.replicas.filter((r) => r.pool === p);
    for (let i = members.length - 1; i >= 0 && held > target; i--) {
      if (members[i].state === 'starting') {
        this.host.stop(members[i]);
        held--;
      }
    }
    while (held > target) {
      const ready = this.host.ready[p];
      if (ready.length === 0) break;
      let victim = ready[0];
      for (const r of ready) if (r.outstanding < victim.outstanding || (r.outstanding === victim.outstanding && r.index > victim.index)) victim = r;
      this.host.drain(victim);
      held--;
    }
  }

  onFirstToken(p: number, ttftSec: number, now: number): void {
    const prov = this.pools[p].provisioning;
    if (prov.kind === 'reactive' && prov.metric === 'ttft-p99') this.state[p].ttft.push({ t: now, v: ttftSec });
  }

  /**
   * Requests are waiting for capacity in `pools` (no replica ready): serverless pools, and reactive pools
   * scaled to zero (their load metrics see no replica to measure), start a replica if none is starting.
   */
  onPending(pools: readonly number[], _now: number): void {
    for (const p of pools) {
      const prov = this.pools[p].provisioning;
      if (prov.kind !== 'serverless' && prov.kind !== 'reactive') continue;
      const starting = this.host.replicas.some((r) => r.pool === p && r.state === 'starting');
      if (!starting && this.held(p) < prov.maxReplicas) this.host.add(p);
      return;
    }
  }

  /** Whether requests held for capacity will ever be served by one of `pools`. */
  canEverServe(pools: readonly number[]): boolean {
    for (const p of pools) {
      const prov = this.pools[p].provisioning;
      if (this.host.replicas.some((r) => r.pool === p && r.state !== 'stopped')) return true;
      if (prov.kind === 'static') continue;
      // A schedule that does not repeat serves again only if a later entry has replicas; otherwise a request
      // held now would still be waiting at the end of the run.
      if (prov.kind === 'scheduled' && prov.periodSec === undefined) {
        const now = this.host.now();
        if (prov.schedule.some((e) => e.atSec > now && e.replicas > 0)) return true;
        continue;
      }
      return true;
    }
    return false;
  }

  /** A ready replica has nothing to do: serverless pools start its idle timer. */
  onReplicaIdle(r: Replica, _now: number): void {
    const prov = this.pools[r.pool].provisioning;
    if (prov.kind === 'serverless') this.host.idleCheck(r, prov.idleTimeoutSec);
  }

  /** The idle timer expired with the replica still idle. */
  onIdle(r: Replica, _now: number): void {
    if (this.pools[r.pool].provisioning.kind === 'serverless') this.host.stop(r);
  }
}
