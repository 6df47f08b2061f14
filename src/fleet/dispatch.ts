import type { Replica } from '../engine/replica.ts';
import { Seq } from '../engine/seq.ts';
import type { Request } from '../workload/types.ts';
import { createRng } from '../workload/rng.ts';
import type { FleetParts } from './context.ts';
import { EV_FRONTEND_IN, EV_SNAPSHOT } from './event-loop.ts';
import { createRouter } from './router.ts';
import type { LoadView, Router } from './router.ts';

/**
 * Routing: picks a replica for each admitted request (through its API server, if any) and for each
 * sequence that moves (held for capacity, retried after a failure, handed off to a decode pool); holds
 * work while no replica of the right pools is ready.
 */
export class Dispatcher {
  /** Entry pools (mixed or prefill) and decode pools, by index. */
  readonly entryPools: number[];
  readonly decodePools: number[];
  /** Requests routed to each pool (autoscaler's requests-per-second metric). */
  readonly arrivalsByPool: number[];
  /** Requests waiting because no replica of an entry pool is ready. */
  private readonly pending: Seq[] = [];
  /** Disaggregated hand-offs waiting for a ready decode replica. */
  private readonly pendingDecode: Seq[] = [];
  private readonly router: Router;
  private readonly decodeRouter: Router;
  private readonly load: LoadView;
  private readonly snapOutstanding: number[] = [];
  private readonly snapKv: number[] = [];
  private readonly snapPrefill: number[] = [];
  private readonly snapRunning: number[] = [];
  private readonly snapHost: number[] = [];
  /** Prompt tokens of requests routed to each replica and still in its API server (not yet in the engine's queue). */
  private readonly intakeTokens: number[] = [];
  /** When each request in an API server's intake entered it (by request id). */
  private readonly frontendEntered = new Map<number, number>();
  /**
   * Admission control's routing decision, made once: the replica the router picks for `req` is remembered
   * so that `route` sends the request there instead of asking the (stateful) router a second time.
   */
  private preRouted: { req: Request; replica: Replica } | null = null;
  /** Requests that waited for a cold start (held for capacity). */
  coldStartsWaitedOn = 0;

  constructor(private readonly f: FleetParts) {
    const pools = f.pools;
    this.entryPools = pools.map((p, i) => (p.role === 'decode' ? -1 : i)).filter((i) => i >= 0);
    this.decodePools = pools.map((p, i) => (p.role === 'decode' ? i : -1)).filter((i) => i >= 0);
    this.arrivalsByPool = pools.map(() => 0);
    const input = f.input;
    this.router = createRouter(input.router, { rng: createRng(input.seed, 'routing'), poolWeights: pools.map((p) => p.weight) });
    this.decodeRouter = createRouter('least-outstanding', { rng: createRng(input.seed, 'routing.decode'), poolWeights: [] });
    // Load signal for routers (live or periodically refreshed snapshot).
    const { snapOutstanding, snapKv, snapPrefill, snapRunning, snapHost, intakeTokens } = this;
    const metrics = f.metrics;
    const meanOutputTokens = (): number => (metrics.completed > 0 ? metrics.outputTokens / metrics.completed : 0);
    this.load = input.routerStalenessSec > 0
      ? {
        outstanding: (r) => snapOutstanding[r.index] ?? 0, kvUtilization: (r) => snapKv[r.index] ?? 0,
        prefillTokens: (r) => snapPrefill[r.index] ?? 0, running: (r) => snapRunning[r.index] ?? 0, meanOutputTokens,
        hostBacklogSec: (r) => snapHost[r.index] ?? 0,
      }
      : {
        outstanding: (r) => r.outstanding, kvUtilization: (r) => r.kvUtilization,
        prefillTokens: (r) => r.pendingPrefillTokens + (intakeTokens[r.index] ?? 0), running: (r) => r.running.length,
        meanOutputTokens,
        hostBacklogSec: (r) => this.hostBacklog(r),
      };
  }

  /** Seconds of queued API-server work on a replica; 0 without a frontend. */
  private hostBacklog(r: Replica): number {
    if (r.frontend === null) return 0;
    return r.frontend.backlogSec(this.f.sim.now);
  }

  /** With a stale load signal: schedules the first snapshot. */
  start(): void {
    if (this.f.input.routerStalenessSec > 0) this.f.sim.schedule(0, EV_SNAPSHOT, 0, -1);
  }

  /** EV_SNAPSHOT: refreshes the load signal routers see. */
  onSnapshot(): void {
    for (const r of this.f.replicas) {
      this.snapOutstanding[r.index] = r.outstanding;
      this.snapKv[r.index] = r.kvUtilization;
      this.snapPrefill[r.index] = r.pendingPrefillTokens + (this.intakeTokens[r.index] ?? 0);
      this.snapRunning[r.index] = r.running.length;
      this.snapHost[r.index] = this.hostBacklog(r);
    }
    if (this.f.traffic.activeWork()) this.f.sim.schedule(this.f.input.routerStalenessSec, EV_SNAPSHOT, 0);
  }

  /** Predicted TTFT (ms) if `req` went to the replica the router picks now. */
  predictTtftMs(req: Request): number {
    const cands = this.candidates();
    if (cands.length === 0) return Infinity;
    const r = cands[this.router.pick(cands, req, this.load)];
    this.preRouted = { req, replica: r };
    return r.predictTtftSec(req, this.f.sim.now) * 1e3;
  }

  candidates(): Replica[] {
    return this.readyIn(this.entryPools);
  }

  decodeCandidates(): Replica[] {
    return this.readyIn(this.decodePools);
  }

  /** Ready replicas of these pools (the pool's own list when there is one pool: no copy on the hot path). */
  private readyIn(pools: readonly number[]): Replica[] {
    const ready = this.f.lifecycle.ready;
    if (pools.length === 1) return ready[pools[0]];
    const out: Replica[] = [];
    for (const p of pools) for (const r of ready[p]) out.push(r);
    return out;
  }

  /** Sends an admitted request to a replica (or holds it until one is ready). */
  route(req: Request): void {
    const cands = this.candidates();
    if (cands.length === 0) {
      this.holdForCapacity(req);
      return;
    }
    const pre = this.preRouted;
    this.preRouted = null;
    const r = pre !== null && pre.req === req && pre.replica.state === 'ready' ? pre.replica : cands[this.router.pick(cands, req, this.load)];
    this.arrivalsByPool[r.pool]++;
    if (r.frontend !== null && r.role === 'mixed') {
      const now = this.f.sim.now;
      r.syncFrontend(now);
      const t = r.frontend.intake(req, now);
      r.intakeQueue.pushBack(req);
      this.intakeTokens[r.index] = (this.intakeTokens[r.index] ?? 0) + req.inputTokens;
      this.frontendEntered.set(req.id, now);
      this.f.sim.scheduleAt(t, EV_FRONTEND_IN, r.index);
      return;
    }
    this.enqueueAt(r, req);
  }

  /** EV_FRONTEND_IN: a request has been tokenised by replica `target`'s API server: the engine sees it now. */
  onFrontendIn(target: number): void {
    const r = this.f.replicas[target];
    const req = r.intakeQueue.popFront()!;
    this.intakeTokens[r.index] -= req.inputTokens;
    if (r.state === 'failed' || r.state === 'stopped') this.route(req);
    else this.enqueueAt(r, req);
  }

  /** Hands a request to a replica's engine (after its frontend, if any). */
  private enqueueAt(r: Replica, req: Request): void {
    const now = this.f.sim.now;
    let viaFrontendSec = 0;
    if (r.frontend !== null && r.role === 'mixed') {
      const entered = this.frontendEntered.get(req.id);
      if (entered !== undefined) {
        viaFrontendSec = now - entered;
        this.frontendEntered.delete(req.id);
      }
    }
    const reason = r.enqueue(req, now, viaFrontendSec);
    if (reason !== null) {
      this.f.sink.onReject(now, reason, req.tenant ?? 0);
      this.f.traffic.left(req);
      return;
    }
    this.f.driver.touched(r);
  }

  /** A request that found no ready replica waits for one; serverless pools start one. */
  private holdForCapacity(req: Request): void {
    const f = this.f;
    if (!f.autoscaler.canEverServe(this.entryPools)) {
      f.sink.onReject(f.sim.now, 'no-capacity', req.tenant ?? 0);
      f.traffic.left(req);
      return;
    }
    this.pending.push(new Seq(req, -1, f.sim.now));
    this.coldStartsWaitedOn++;
    f.sink.count('waitedOnColdStart', req.tenant ?? 0);
    f.autoscaler.onPending(this.entryPools, f.sim.now);
  }

  /** A replica became ready: places held work. */
  flushPending(): void {
    while (this.pending.length > 0 && this.candidates().length > 0) {
      const s = this.pending.shift()!;
      this.placeSeq(s, this.candidates(), this.router);
    }
    while (this.pendingDecode.length > 0 && this.decodeCandidates().length > 0) {
      const s = this.pendingDecode.shift()!;
      this.placeSeq(s, this.decodeCandidates(), this.decodeRouter);
    }
  }

  /**
   * Held requests that no policy will ever serve (e.g. a schedule at zero replicas): after a simulated day
   * without progress they are rejected instead of waiting forever.
   */
  rejectHeld(): void {
    if (this.pending.length === 0 && this.pendingDecode.length === 0) return;
    const f = this.f;
    for (const q of [this.pending, this.pendingDecode]) {
      for (const s of q.splice(0)) {
        f.sink.onReject(f.sim.now, 'no-capacity', s.tenant);
        f.traffic.left(s.req);
      }
    }
  }

  /** Places an existing sequence (held, retried or handed off) on a replica chosen among `cands`. */
  private placeSeq(s: Seq, cands: Replica[], rt: Router): void {
    const f = this.f;
    const r = cands[rt.pick(cands, s.req, this.load)];
    const reason = r.rejectReason(s.req);
    if (reason !== null) {
      f.sink.onReject(f.sim.now, reason, s.tenant);
      f.traffic.left(s.req);
      return;
    }
    r.adopt(s);
    f.driver.touched(r);
  }

  /** A prefilled sequence's KV has arrived: it joins a decode replica (or waits for one). */
  toDecode(s: Seq): void {
    s.ownedBlocks = 0;
    s.prefixHashBlocks = 0;
    const cands = this.decodeCandidates();
    if (cands.length === 0) {
      this.pendingDecode.push(s);
      this.f.autoscaler.onPending(this.decodePools, this.f.sim.now);
      return;
    }
    this.placeSeq(s, cands, this.decodeRouter);
  }

  /** Sends a sequence evicted from a replica of `pool` (failure, migration) to another replica of that role. */
  reroute(s: Seq, pool: number): void {
    const decode = this.f.pools[pool].role === 'decode';
    const cands = decode ? this.decodeCandidates() : this.candidates();
    if (cands.length === 0) {
      (decode ? this.pendingDecode : this.pending).push(s);
      this.f.autoscaler.onPending(decode ? this.decodePools : this.entryPools, this.f.sim.now);
      return;
    }
    this.placeSeq(s, cands, decode ? this.decodeRouter : this.router);
  }
}
