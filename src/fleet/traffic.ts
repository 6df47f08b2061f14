import type { Request } from '../workload/types.ts';
import type { FleetParts } from './context.ts';
import { EV_ARRIVAL, EV_CLOSED_ISSUE, EV_RETRY_GATE } from './event-loop.ts';
import { TenantGate } from './tenant-gate.ts';

/**
 * Where requests come from and where they leave: open streams (one pending arrival per workload), closed
 * loops of users who send the next request a think time after the previous one left, and the per-tenant
 * gate (quotas, admission control) in front of the dispatcher.
 */
export class Traffic {
  readonly gate: TenantGate;
  private readonly pendingArrival: (Request | null)[];
  private nextId = 0;
  private readonly closedIssued: number[];
  /** Closed-loop requests in flight → the workload (user population) that sent them. */
  private readonly closedOwner = new Map<number, number>();
  private readonly closedFreed: number[] = [];
  /** Closed-loop requests scheduled (thinking users) but not issued yet. */
  private closedScheduled = 0;
  private readonly hasClosed: boolean;
  /** Requests taken from each workload so far (the first `warmupRequests` of them are warm-up). */
  private readonly taken: number[];
  private readonly warmupOf: number[];

  constructor(private readonly f: FleetParts) {
    const wl = f.input.workloads;
    this.pendingArrival = wl.map(() => null);
    this.closedIssued = wl.map(() => 0);
    this.hasClosed = wl.some((w) => w.workload.kind === 'closed');
    this.taken = wl.map(() => 0);
    this.warmupOf = wl.map((w) => w.workload.warmupRequests ?? 0);
    const sim = f.sim;
    this.gate = new TenantGate(f.input.tenants, {
      now: () => sim.now,
      wakeAt: (atSec, tenant) => sim.scheduleAt(Math.max(atSec, sim.now), EV_RETRY_GATE, tenant),
      admit: (req) => f.dispatch.route(req),
      reject: (req, reason) => {
        f.sink.onReject(sim.now, reason, req.tenant ?? 0);
        this.closedDone(req); // refused at the door: never counted in flight by the gate
      },
      deferred: (req) => f.sink.count('deferred', req.tenant ?? 0),
      predictTtftMs: (req) => f.dispatch.predictTtftMs(req),
    });
    f.sink.onDone = (req) => this.left(req);
  }

  /** Schedules the first arrival of every open workload and the first requests of every closed loop. */
  start(): void {
    const wl = this.f.input.workloads;
    for (let i = 0; i < wl.length; i++) {
      const w = wl[i].workload;
      if (w.kind === 'open') {
        const first = w.source.next();
        this.pendingArrival[i] = first;
        if (first) {
          if (first.tenant === undefined) first.tenant = wl[i].tenant;
          this.stamp(first, i);
          this.f.sim.scheduleAt(Math.max(0, first.arrivalSec), EV_ARRIVAL, i);
        }
      } else {
        for (let u = 0; u < w.concurrency; u++) this.issueClosed(i, 0);
      }
    }
  }

  /** EV_ARRIVAL: the pending request of open workload `target` arrives; the next one is scheduled. */
  onArrival(target: number): void {
    const wl = this.f.input.workloads;
    const req = this.pendingArrival[target]!;
    const w = wl[target].workload;
    this.pendingArrival[target] = w.kind === 'open' ? w.source.next() : null;
    const nxt = this.pendingArrival[target];
    if (nxt) {
      if (nxt.tenant === undefined) nxt.tenant = wl[target].tenant;
      this.stamp(nxt, target);
      this.f.sim.scheduleAt(nxt.arrivalSec, EV_ARRIVAL, target);
    }
    this.arrive(req);
  }

  /** EV_CLOSED_ISSUE: a user of closed loop `target` sends its next request. */
  onClosedIssue(target: number): void {
    this.closedScheduled--;
    const wl = this.f.input.workloads;
    const w = wl[target].workload;
    if (w.kind !== 'closed') return;
    const req: Request = { ...(w.lengths() as Request), id: 0, arrivalSec: this.f.sim.now, tenant: wl[target].tenant };
    this.stamp(req, target);
    this.closedOwner.set(req.id, target);
    this.arrive(req);
  }

  /** Numbers a request in arrival order within its workload and marks the warm-up ones. */
  private stamp(req: Request, i: number): void {
    req.id = this.nextId++;
    if (this.taken[i]++ < this.warmupOf[i]) req.warmup = true;
  }

  private arrive(req: Request): void {
    this.f.sink.onArrival(this.f.sim.now, req.tenant ?? 0, req.inputTokens + req.outputTokens, req.warmup === true);
    this.gate.offer(req);
  }

  /** A request left the system (completed, rejected or lost): its closed-loop user may send the next. */
  closedDone(req: Request): void {
    if (!this.hasClosed) return;
    const owner = this.closedOwner.get(req.id);
    if (owner !== undefined) {
      this.closedOwner.delete(req.id);
      this.closedFreed.push(owner);
    }
  }

  /** An admitted request left the system: frees its tenant quota slot and its closed-loop user. */
  left(req: Request): void {
    this.gate.done(req);
    this.closedDone(req);
  }

  /** After every event: users whose request left think, then send the next. */
  refillClosedLoops(): void {
    if (this.closedFreed.length === 0) return;
    const wl = this.f.input.workloads;
    for (const owner of this.closedFreed) {
      const w = wl[owner].workload;
      if (w.kind === 'closed') this.issueClosed(owner, w.thinkTimeSec);
    }
    this.closedFreed.length = 0;
  }

  private issueClosed(i: number, delaySec: number): void {
    const w = this.f.input.workloads[i].workload;
    if (w.kind !== 'closed') return;
    if (this.closedIssued[i] >= w.maxRequests || this.f.sim.now + delaySec > w.durationSec) return;
    this.closedIssued[i]++;
    this.closedScheduled++;
    this.f.sim.schedule(delaySec, EV_CLOSED_ISSUE, i);
  }

  /** Whether any request is in flight, held by the gate, or still to come. */
  activeWork(): boolean {
    if (this.f.metrics.inFlight > 0 || this.gate.held > 0) return true;
    for (let i = 0; i < this.pendingArrival.length; i++) if (this.pendingArrival[i] !== null) return true;
    return this.closedScheduled > 0 || this.closedFreed.length > 0;
  }
}
