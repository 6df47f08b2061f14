import { GrowableFloat64 } from '../metrics/growable.ts';
import type { Replica, ReplicaState } from '../engine/replica.ts';

type Counted = Exclude<ReplicaState, 'stopped'>;
const STATES: Counted[] = ['starting', 'ready', 'draining', 'failed'];

/**
 * Replicas over time, per pool: every state change is recorded (for the `fleet.csv` time series), and
 * time-weighted statistics of replicas held (starting + ready + draining + failed: what is paid for).
 */
export class FleetTimeline {
  readonly counts: Record<Counted, number>[];
  // Time series: one row per change.
  readonly tSec = new GrowableFloat64();
  readonly pool = new GrowableFloat64();
  readonly starting = new GrowableFloat64();
  readonly readyCount = new GrowableFloat64();
  readonly draining = new GrowableFloat64();
  readonly failed = new GrowableFloat64();
  failures = 0;
  coldStarts = new GrowableFloat64();
  requestsWaitedOnColdStart = 0;
  /** Per pool: min / max held, ∫ held dt, ∫ gpus held dt, filled by `finish`. */
  readonly held: { min: number; max: number; areaReplicaSec: number; lastSec: number; now: number }[];
  gpuSecByPool: number[] = [];
  endSec = 0;

  constructor(pools: number) {
    this.counts = Array.from({ length: pools }, () => ({ starting: 0, ready: 0, draining: 0, failed: 0 }));
    this.held = Array.from({ length: pools }, () => ({ min: Infinity, max: 0, areaReplicaSec: 0, lastSec: 0, now: 0 }));
  }

  change(tSec: number, pool: number, from: ReplicaState | null, to: ReplicaState | null): void {
    const c = this.counts[pool];
    const h = this.held[pool];
    this.closeSegment(h, tSec);
    if (from && from !== 'stopped') c[from]--;
    if (to && to !== 'stopped') c[to]++;
    h.now = STATES.reduce((a, k) => a + c[k], 0);
    this.tSec.push(tSec);
    this.pool.push(pool);
    this.starting.push(c.starting);
    this.readyCount.push(c.ready);
    this.draining.push(c.draining);
    this.failed.push(c.failed);
  }

  /** Accounts the count held over [lastSec, tSec); zero-length segments (same-instant changes) do not count. */
  private closeSegment(h: FleetTimeline['held'][number], tSec: number): void {
    if (tSec > h.lastSec) {
      h.areaReplicaSec += h.now * (tSec - h.lastSec);
      if (h.now > h.max) h.max = h.now;
      if (h.now < h.min) h.min = h.now;
      h.lastSec = tSec;
    }
  }

  /** Closes the integrals at the end of the run and sums GPU time per pool from replica lifetimes. */
  finish(endSec: number, replicas: readonly Replica[]): void {
    this.endSec = endSec;
    for (const h of this.held) {
      this.closeSegment(h, endSec);
      if (h.min === Infinity) h.min = h.max = h.now;
    }
    this.gpuSecByPool = this.held.map(() => 0);
    for (const r of replicas) {
      const until = r.stoppedSec >= 0 ? r.stoppedSec : endSec;
      this.gpuSecByPool[r.pool] += r.gpus * (until - r.requestedSec);
    }
  }
}
