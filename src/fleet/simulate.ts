import { Simulator } from '../sim/simulator.ts';
import { Replica } from '../engine/replica.ts';
import { Frontend } from '../engine/frontend.ts';
import type { EngineConfig } from '../engine/config.ts';
import { Seq as SeqClass } from '../engine/seq.ts';
type Seq = SeqClass;
import { createWaitQueue } from '../engine/wait-queue.ts';
import type { RejectReason } from '../metrics/collector.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import { MetricsSink } from '../metrics/sink.ts';
import { StepRecorder } from '../metrics/step-recorder.ts';
import { GrowableFloat64 } from '../metrics/growable.ts';
import type { StepTimeModel } from '../perf/types.ts';
import type { Request } from '../workload/types.ts';
import { createRng, exponential } from '../workload/rng.ts';
import { createRouter } from './router.ts';
import type { LoadView, RouterKind } from './router.ts';
import type { FleetInput, FleetWorkload, PoolInput } from './types.ts';
import { Autoscaler } from './autoscaler.ts';
import { TenantGate } from './tenant-gate.ts';
import { FleetTimeline } from './timeline.ts';

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
}

const EV_ARRIVAL = 0;
const EV_STEP_END = 1;
const EV_KICK = 2;
const EV_CLOSED_ISSUE = 3;
const EV_READY = 4;
const EV_AUTOSCALE = 5;
const EV_FAILURE = 6;
const EV_REPAIR = 7;
const EV_TRANSFER_DONE = 8;
const EV_SNAPSHOT = 9;
const EV_RETRY_GATE = 10;
const EV_IDLE_CHECK = 11;
const EV_SCHEDULED = 12;
const EV_FRONTEND_IN = 13;
const EV_FRONTEND_OUT = 14;
/** Simulated seconds without progress after which requests held for capacity are rejected. */
const STALL_SEC = 86_400;
/** Kicks run after every other event at the same instant, so simultaneous arrivals share a batch. */
const PRIO_KICK = 1;

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
 */
export function simulateFleet(arg: FleetInput | SimpleFleetInput): FleetResult {
  const input: FleetInput = 'pools' in arg ? arg : singlePoolInput(arg);
  const sink = new MetricsSink(input.tenants.length, input.perRequestDetail ?? false);
  if (input.pools.some((p) => p.frontend !== undefined && p.role === 'mixed')) {
    sink.all.hasFrontend = true;
    for (const t of sink.tenants) t.hasFrontend = true;
  }
  const metrics = sink.all;
  const steps = input.recordSteps ? new StepRecorder() : null;
  const replicas: Replica[] = [];
  const pools = input.pools;
  const entryPools = pools.map((p, i) => (p.role === 'decode' ? -1 : i)).filter((i) => i >= 0);
  const decodePools = pools.map((p, i) => (p.role === 'decode' ? i : -1)).filter((i) => i >= 0);
  const tenantWeights = input.tenants.map((t) => t.weight);
  const router = createRouter(input.router, { rng: createRng(input.seed, 'routing'), poolWeights: pools.map((p) => p.weight) });
  const decodeRouter = createRouter('least-outstanding', { rng: createRng(input.seed, 'routing.decode'), poolWeights: [] });
  const failureRng = createRng(input.seed, 'failures');
  const timeline = new FleetTimeline(pools.length);
  /** Ready replicas per pool (routing candidates). */
  const ready: Replica[][] = pools.map(() => []);
  /** Requests waiting because no replica of an entry pool is ready. */
  const pending: Seq[] = [];
  /** Disaggregated hand-offs waiting for a ready decode replica. */
  const pendingDecode: Seq[] = [];
  const linkFreeAt: number[] = [];
  const transfers = new Map<number, { s: Seq; from: Replica }>();
  let nextTransfer = 0;
  const lifeId: number[] = [];
  const lastActivity: number[] = [];
  const coldStartSec = new GrowableFloat64();
  const scriptedDownSec = new Map<number, number>();
  let coldStartsWaitedOn = 0;

  // Load signal for routers (live or periodically refreshed snapshot).
  const stale = input.routerStalenessSec > 0;
  const snapOutstanding: number[] = [];
  const snapKv: number[] = [];
  const snapPrefill: number[] = [];
  /** Prompt tokens of requests routed to each replica and still in its API server (not yet in the engine's queue). */
  const intakeTokens: number[] = [];
  const snapRunning: number[] = [];
  const snapHost: number[] = [];
  const hostBacklog = (r: Replica): number => {
    if (r.frontend === null) return 0;
    return r.frontend.backlogSec(sim.now);
  };
  const meanOutputTokens = (): number => (metrics.completed > 0 ? metrics.outputTokens / metrics.completed : 0);
  const load: LoadView = stale
    ? {
      outstanding: (r) => snapOutstanding[r.index] ?? 0, kvUtilization: (r) => snapKv[r.index] ?? 0,
      prefillTokens: (r) => snapPrefill[r.index] ?? 0, running: (r) => snapRunning[r.index] ?? 0, meanOutputTokens,
      hostBacklogSec: (r) => snapHost[r.index] ?? 0,
    }
    : {
      outstanding: (r) => r.outstanding, kvUtilization: (r) => r.kvUtilization,
      prefillTokens: (r) => r.pendingPrefillTokens + (intakeTokens[r.index] ?? 0), running: (r) => r.running.length,
      meanOutputTokens,
      hostBacklogSec: (r) => hostBacklog(r),
    };

  const wl = input.workloads;
  const pendingArrival: (Request | null)[] = wl.map(() => null);
  let nextId = 0;
  /** When each request in an API server's intake entered it (by request id). */
  const frontendEntered = new Map<number, number>();
  const closedIssued: number[] = wl.map(() => 0);
  /** Requests taken from each workload so far (the first `warmupRequests` of them are warm-up). */
  const taken: number[] = wl.map(() => 0);
  const warmupOf: number[] = wl.map((w) => w.workload.warmupRequests ?? 0);
  /** Numbers a request in arrival order within its workload and marks the warm-up ones. */
  function stamp(req: Request, i: number): void {
    req.id = nextId++;
    if (taken[i]++ < warmupOf[i]) req.warmup = true;
  }
  let progressEvery = 0;

  /** Time of the last event that did work: the run's end (timers firing after the traffic is done don't count). */
  let endSec = 0;
  /** Time of the last non-timer event (arrivals, steps, readiness, transfers). */
  let lastProgressSec = 0;
  const sim: Simulator = new Simulator((kind, target, data) => {
    // Timers and failure/repair cycles stop once the traffic is done (they would otherwise run forever).
    const timer = kind === EV_AUTOSCALE || kind === EV_SCHEDULED || kind === EV_SNAPSHOT || kind === EV_IDLE_CHECK
      || kind === EV_FAILURE || kind === EV_REPAIR;
    if (kind >= EV_READY && kind !== EV_TRANSFER_DONE && kind !== EV_RETRY_GATE) {
      if (!activeWork()) return;
    }
    if (timer) {
      // Requests held for capacity that no policy will ever provide (e.g. a schedule at zero replicas):
      // after a simulated day without progress they are rejected instead of waiting forever.
      if (sim.now - lastProgressSec > STALL_SEC && (pending.length > 0 || pendingDecode.length > 0)) {
        for (const q of [pending, pendingDecode]) {
          for (const s of q.splice(0)) {
            sink.onReject(sim.now, 'no-capacity', s.tenant);
            left(s.req);
          }
        }
      }
    } else {
      lastProgressSec = sim.now;
    }
    endSec = sim.now;
    switch (kind) {
      case EV_ARRIVAL: {
        const req = pendingArrival[target]!;
        const w = wl[target].workload;
        pendingArrival[target] = w.kind === 'open' ? w.source.next() : null;
        const nxt = pendingArrival[target];
        if (nxt) {
          if (nxt.tenant === undefined) nxt.tenant = wl[target].tenant;
          stamp(nxt, target);
          sim.scheduleAt(nxt.arrivalSec, EV_ARRIVAL, target);
        }
        arrive(req);
        break;
      }
      case EV_CLOSED_ISSUE: {
        closedScheduled--;
        const w = wl[target].workload;
        if (w.kind !== 'closed') break;
        const req: Request = { ...(w.lengths() as Request), id: 0, arrivalSec: sim.now, tenant: wl[target].tenant };
        stamp(req, target);
        closedOwner.set(req.id, target);
        arrive(req);
        break;
      }
      case EV_FRONTEND_IN: {
        // A request has been tokenised by replica `target`'s API server: the engine sees it now.
        const r = replicas[target];
        const req = r.intakeQueue.popFront()!;
        intakeTokens[r.index] -= req.inputTokens;
        if (r.state === 'failed' || r.state === 'stopped') route(req);
        else enqueueAt(r, req);
        break;
      }
      case EV_FRONTEND_OUT:
        replicas[target].deliverDue(sim.now);
        break;
      case EV_KICK: {
        const r = replicas[target];
        r.kickPending = false;
        if (!r.busy && (r.state === 'ready' || r.state === 'draining')) startStep(r);
        break;
      }
      case EV_STEP_END: {
        const r = replicas[target];
        if (data !== r.generation) break; // superseded: the run was cut short, or the replica failed
        r.finishStep(sim.now);
        afterWork(r);
        startStep(r);
        break;
      }
      case EV_READY: {
        const r = replicas[target];
        if (data !== lifeId[target] || r.state !== 'starting') break;
        becomeReady(r);
        break;
      }
      case EV_AUTOSCALE:
        if (autoscaler.evaluate(target, sim.now)) sim.schedule(autoscaler.intervalSec(target), EV_AUTOSCALE, target);
        break;
      case EV_SCHEDULED:
        autoscaler.applySchedule(target, data, sim.now);
        break;
      case EV_FAILURE: {
        const r = replicas[target];
        if (data !== lifeId[target] || (r.state !== 'ready' && r.state !== 'draining')) break;
        const scripted = scriptedDownSec.get(r.index);
        scriptedDownSec.delete(r.index);
        fail(r, scripted ?? exponential(failureRng, 1 / input.failures!.mttrSec));
        break;
      }
      case EV_REPAIR: {
        const r = replicas[target];
        if (r.state !== 'failed') break;
        // The node is back: it reloads weights and warms up (no new acquisition).
        const p = pools[r.pool];
        r.state = 'starting';
        lifeId[r.index]++;
        const sec = loadSec(p) + p.coldStart.warmupSec;
        coldStartSec.push(sec);
        timeline.change(sim.now, r.pool, 'failed', 'starting');
        sim.schedule(sec, EV_READY, r.index, 0, lifeId[r.index]);
        break;
      }
      case EV_TRANSFER_DONE: {
        const t = transfers.get(target)!;
        transfers.delete(target);
        t.from.releaseTransferred(t.s);
        afterWork(t.from);
        toDecode(t.s);
        break;
      }
      case EV_SNAPSHOT:
        for (const r of replicas) {
          snapOutstanding[r.index] = r.outstanding;
          snapKv[r.index] = r.kvUtilization;
          snapPrefill[r.index] = r.pendingPrefillTokens + (intakeTokens[r.index] ?? 0);
          snapRunning[r.index] = r.running.length;
          snapHost[r.index] = hostBacklog(r);
        }
        if (activeWork()) sim.schedule(input.routerStalenessSec, EV_SNAPSHOT, 0);
        break;
      case EV_RETRY_GATE:
        gate.release(target, sim.now);
        break;
      case EV_IDLE_CHECK: {
        const r = replicas[target];
        const prov = pools[r.pool].provisioning;
        const timeout = prov.kind === 'serverless' ? prov.idleTimeoutSec : Infinity;
        if (r.state === 'ready' && r.outstanding === 0 && !r.busy && sim.now - lastActivity[r.index] >= timeout - 1e-9) {
          autoscaler.onIdle(r, sim.now);
        }
        break;
      }
    }
    refillClosedLoops();
    if (input.onProgress && ++progressEvery === 65536) {
      progressEvery = 0;
      input.onProgress(sim.now, metrics.completed);
    }
  });

  // ——— requests ———

  const gate = new TenantGate(input.tenants, {
    now: () => sim.now,
    wakeAt: (atSec, tenant) => sim.scheduleAt(Math.max(atSec, sim.now), EV_RETRY_GATE, tenant),
    admit: (req) => route(req),
    reject: (req, reason) => {
      sink.onReject(sim.now, reason, req.tenant ?? 0);
      closedDone(req); // refused at the door: never counted in flight by the gate
    },
    deferred: (req) => sink.count('deferred', req.tenant ?? 0),
    predictTtftMs,
  });

  function arrive(req: Request): void {
    sink.onArrival(sim.now, req.tenant ?? 0, req.inputTokens + req.outputTokens, req.warmup === true);
    gate.offer(req);
  }

  /**
   * Admission control's routing decision, made once: the replica the router picks for `req` is remembered
   * so that `route` sends the request there instead of asking the (stateful) router a second time.
   */
  let preRouted: { req: Request; replica: Replica } | null = null;

  /** Predicted TTFT (ms) if `req` went to the replica the router picks now. */
  function predictTtftMs(req: Request): number {
    const cands = candidates();
    if (cands.length === 0) return Infinity;
    const r = cands[router.pick(cands, req, load)];
    preRouted = { req, replica: r };
    return r.predictTtftSec(req, sim.now) * 1e3;
  }

  function candidates(): Replica[] {
    if (entryPools.length === 1) return ready[entryPools[0]];
    const out: Replica[] = [];
    for (const p of entryPools) for (const r of ready[p]) out.push(r);
    return out;
  }

  /** Sends an admitted request to a replica (or holds it until one is ready). */
  function route(req: Request): void {
    const cands = candidates();
    if (cands.length === 0) {
      holdForCapacity(req);
      return;
    }
    const pre = preRouted;
    preRouted = null;
    const r = pre !== null && pre.req === req && pre.replica.state === 'ready' ? pre.replica : cands[router.pick(cands, req, load)];
    arrivalsByPool[r.pool]++;
    if (r.frontend !== null && r.role === 'mixed') {
      r.syncFrontend(sim.now);
      const t = r.frontend.intake(req, sim.now);
      r.intakeQueue.pushBack(req);
      intakeTokens[r.index] = (intakeTokens[r.index] ?? 0) + req.inputTokens;
      frontendEntered.set(req.id, sim.now);
      sim.scheduleAt(t, EV_FRONTEND_IN, r.index);
      return;
    }
    enqueueAt(r, req);
  }

  /** Hands a request to a replica's engine (after its frontend, if any). */
  function enqueueAt(r: Replica, req: Request): void {
    let viaFrontendSec = 0;
    if (r.frontend !== null && r.role === 'mixed') {
      const entered = frontendEntered.get(req.id);
      if (entered !== undefined) {
        viaFrontendSec = sim.now - entered;
        frontendEntered.delete(req.id);
      }
    }
    const reason = r.enqueue(req, sim.now, viaFrontendSec);
    if (reason !== null) {
      sink.onReject(sim.now, reason, req.tenant ?? 0);
      left(req);
      return;
    }
    touched(r);
  }

  /** A request or sequence that found no ready replica waits for one; serverless pools start one. */
  function holdForCapacity(req: Request): void {
    if (!autoscaler.canEverServe(entryPools)) {
      sink.onReject(sim.now, 'no-capacity', req.tenant ?? 0);
      left(req);
      return;
    }
    pending.push(new SeqClass(req, -1, sim.now));
    coldStartsWaitedOn++;
    sink.count('waitedOnColdStart', req.tenant ?? 0);
    autoscaler.onPending(entryPools, sim.now);
  }

  function flushPending(): void {
    while (pending.length > 0 && candidates().length > 0) {
      const s = pending.shift()!;
      placeSeq(s, candidates(), router);
    }
    while (pendingDecode.length > 0 && decodeCandidates().length > 0) {
      const s = pendingDecode.shift()!;
      placeSeq(s, decodeCandidates(), decodeRouter);
    }
  }

  /** Places an existing sequence (held, retried or handed off) on a replica chosen among `cands`. */
  function placeSeq(s: Seq, cands: Replica[], rt: typeof router): void {
    const r = cands[rt.pick(cands, s.req, load)];
    const reason = r.rejectReason(s.req);
    if (reason !== null) {
      sink.onReject(sim.now, reason, s.tenant);
      left(s.req);
      return;
    }
    r.adopt(s);
    touched(r);
  }

  function decodeCandidates(): Replica[] {
    if (decodePools.length === 1) return ready[decodePools[0]];
    const out: Replica[] = [];
    for (const p of decodePools) for (const r of ready[p]) out.push(r);
    return out;
  }

  /** A prefill replica finished a prompt: send its KV over the link, then hand it to a decode replica. */
  function onPrefilled(s: Seq, from: Replica): void {
    const link = input.link!;
    const bytes = pools[from.pool].kvTransferBytes(s.kvTokens);
    const start = Math.max(sim.now, linkFreeAt[from.index] ?? 0);
    const wire = bytes / link.bandwidthBytesPerSec;
    linkFreeAt[from.index] = start + wire;
    const id = nextTransfer++;
    transfers.set(id, { s, from });
    sim.scheduleAt(start + wire + link.latencySec, EV_TRANSFER_DONE, id);
  }

  function toDecode(s: Seq): void {
    s.ownedBlocks = 0;
    s.prefixHashBlocks = 0;
    const cands = decodeCandidates();
    if (cands.length === 0) {
      pendingDecode.push(s);
      autoscaler.onPending(decodePools, sim.now);
      return;
    }
    placeSeq(s, cands, decodeRouter);
  }

  /** After a replica got work: kick it if idle, or cut its fused decode run so the newcomer is seen. */
  function touched(r: Replica): void {
    lastActivity[r.index] = sim.now;
    if (!r.busy && !r.kickPending) {
      r.kickPending = true;
      sim.schedule(0, EV_KICK, r.index, PRIO_KICK);
    } else if (r.busy && r.fusedExtra > 0 && r.admitsMidRun) {
      const end = r.interrupt(sim.now);
      if (end >= 0) sim.scheduleAt(end, EV_STEP_END, r.index, 0, r.generation);
    }
  }

  function startStep(r: Replica): void {
    if (r.state !== 'ready' && r.state !== 'draining') return;
    if (r.startStep(sim.now) >= 0) sim.scheduleAt(r.stepEndSec, EV_STEP_END, r.index, 0, r.generation);
  }

  /** Bookkeeping after a replica's work changed: closed-loop users, drains, idle timers. */
  function afterWork(r: Replica): void {
    if (r.outstanding === 0 && !r.busy) {
      lastActivity[r.index] = sim.now;
      if (r.state === 'draining') stop(r);
      else if (r.state === 'ready') autoscaler.onReplicaIdle(r, sim.now);
    }
  }

  // ——— closed loops ———

  /** Closed-loop requests in flight → the workload (user population) that sent them. */
  const closedOwner = new Map<number, number>();
  const closedFreed: number[] = [];
  /** Closed-loop requests scheduled (thinking users) but not issued yet. */
  let closedScheduled = 0;
  const hasClosed = wl.some((w) => w.workload.kind === 'closed');
  /** A request left the system (completed, rejected or lost): its closed-loop user may send the next. */
  function closedDone(req: Request): void {
    if (!hasClosed) return;
    const owner = closedOwner.get(req.id);
    if (owner !== undefined) {
      closedOwner.delete(req.id);
      closedFreed.push(owner);
    }
  }
  /** An admitted request left the system: frees its tenant quota slot and its closed-loop user. */
  function left(req: Request): void {
    gate.done(req);
    closedDone(req);
  }
  sink.onDone = left;

  function refillClosedLoops(): void {
    if (closedFreed.length === 0) return;
    for (const owner of closedFreed) {
      const w = wl[owner].workload;
      if (w.kind === 'closed') issueClosed(owner, w.thinkTimeSec);
    }
    closedFreed.length = 0;
  }

  function issueClosed(i: number, delaySec: number): void {
    const w = wl[i].workload;
    if (w.kind !== 'closed') return;
    if (closedIssued[i] >= w.maxRequests || sim.now + delaySec > w.durationSec) return;
    closedIssued[i]++;
    closedScheduled++;
    sim.schedule(delaySec, EV_CLOSED_ISSUE, i);
  }

  // ——— replicas: start, ready, drain, stop, fail ———

  function loadSec(p: PoolInput): number {
    return p.coldStart.loadBandwidthBytesPerSec === Infinity ? 0 : p.weightBytesPerGpu / p.coldStart.loadBandwidthBytesPerSec;
  }

  /** Asks for a new replica in `pool`; it serves after its cold start (or at once if `warm`). */
  function addReplica(pool: number, warm: boolean): Replica {
    const p = pools[pool];
    const r = new Replica({
      index: replicas.length, cfg: p.engine, kvBlocks: p.kvBlocks, perf: p.perf, sink, recorder: steps,
      hashBlockTokens: input.hashBlockTokens, queue: createWaitQueue(input.queuePolicy, tenantWeights),
      role: p.role, gpus: p.gpusPerReplica, pool, priorityPreemption: input.priorityPreemption,
      frontend: p.frontend && p.role === 'mixed' ? new Frontend(p.frontend) : null,
    });
    r.fuseDecodes = input.fuseDecodes ?? true;
    if (r.frontend !== null) r.onDelivery = (atSec) => sim.scheduleAt(atSec, EV_FRONTEND_OUT, r.index);
    if (p.role === 'prefill') r.onPrefilled = (s) => onPrefilled(s, r);
    r.onFirstToken = (ttft, now) => autoscaler.onFirstToken(pool, ttft, now);
    replicas.push(r);
    lifeId.push(0);
    lastActivity.push(sim.now);
    r.requestedSec = sim.now;
    if (warm) {
      r.state = 'starting';
      timeline.change(sim.now, pool, null, 'starting');
      becomeReady(r);
    } else {
      r.state = 'starting';
      timeline.change(sim.now, pool, null, 'starting');
      const sec = p.coldStart.acquisitionSec + loadSec(p) + p.coldStart.warmupSec;
      coldStartSec.push(sec);
      sim.schedule(sec, EV_READY, r.index, 0, lifeId[r.index]);
    }
    return r;
  }

  function becomeReady(r: Replica): void {
    r.state = 'ready';
    r.readySec = sim.now;
    ready[r.pool].push(r);
    timeline.change(sim.now, r.pool, 'starting', 'ready');
    lastActivity[r.index] = sim.now;
    const f = input.failures;
    if (f?.mtbfSec) sim.schedule(exponential(failureRng, 1 / f.mtbfSec), EV_FAILURE, r.index, 0, lifeId[r.index]);
    flushPending();
    afterWork(r);
  }

  function removeReady(r: Replica): void {
    const list = ready[r.pool];
    const i = list.indexOf(r);
    if (i >= 0) list.splice(i, 1);
  }

  /** Scale-down: no new work; in-flight work finishes (or migrates) before the GPUs are released. */
  function drain(r: Replica): void {
    if (r.state !== 'ready') return;
    removeReady(r);
    r.state = 'draining';
    timeline.change(sim.now, r.pool, 'ready', 'draining');
    if (pools[r.pool].migrateOnDrain) {
      for (const s of r.evictAll()) {
        sink.count('retried', s.tenant);
        reroute(s, r.pool);
      }
    }
    afterWork(r);
  }

  /** Closes a ready/draining spell (for the busy fraction's denominator). */
  function leaveServing(r: Replica): void {
    if (r.state === 'ready' || r.state === 'draining') r.servingSec += sim.now - r.readySec;
  }

  function stop(r: Replica): void {
    const from = r.state;
    leaveServing(r);
    if (from === 'ready') removeReady(r);
    r.state = 'stopped';
    r.stoppedSec = sim.now;
    timeline.change(sim.now, r.pool, from, null);
    lifeId[r.index]++;
  }

  function fail(r: Replica, downSec: number): void {
    const from = r.state;
    leaveServing(r);
    if (from === 'ready') removeReady(r);
    r.state = 'failed';
    timeline.change(sim.now, r.pool, from, 'failed');
    timeline.failures++;
    lifeId[r.index]++;
    for (const s of r.evictAll()) {
      if (input.failures!.onFailure === 'retry') {
        sink.count('retried', s.tenant);
        reroute(s, r.pool);
      } else {
        sink.onLost(sim.now, s.tenant);
        left(s.req);
      }
    }
    if (from === 'draining') {
      stop(r); // it was leaving anyway
      return;
    }
    sim.schedule(downSec, EV_REPAIR, r.index);
  }

  function reroute(s: Seq, pool: number): void {
    const role = pools[pool].role;
    const cands = role === 'decode' ? decodeCandidates() : candidates();
    if (cands.length === 0) {
      (role === 'decode' ? pendingDecode : pending).push(s);
      autoscaler.onPending(role === 'decode' ? decodePools : entryPools, sim.now);
      return;
    }
    placeSeq(s, cands, role === 'decode' ? decodeRouter : router);
  }

  function activeWork(): boolean {
    if (metrics.inFlight > 0 || gate.held > 0) return true;
    for (let i = 0; i < wl.length; i++) if (pendingArrival[i] !== null) return true;
    return closedScheduled > 0 || closedFreed.length > 0;
  }

  const arrivalsByPool = pools.map(() => 0);
  const autoscaler = new Autoscaler(pools, {
    now: () => sim.now,
    ready,
    replicas,
    add: (pool) => addReplica(pool, false),
    drain,
    stop,
    schedule: (delaySec, pool, entry) => sim.schedule(delaySec, EV_SCHEDULED, pool, 0, entry),
    idleCheck: (r, afterSec) => sim.schedule(afterSec, EV_IDLE_CHECK, r.index, 0, afterSec),
    activeWork,
    arrivalsTo: (pool) => arrivalsByPool[pool],
  });

  // ——— start ———
  for (let p = 0; p < pools.length; p++) {
    for (let k = 0; k < autoscaler.initialReplicas(p); k++) addReplica(p, true);
    autoscaler.start(p, (delaySec) => sim.schedule(delaySec, EV_AUTOSCALE, p));
  }
  if (input.failures) {
    for (const ev of input.failures.schedule) {
      const r = replicas.filter((x) => x.pool === ev.pool)[ev.replica];
      if (!r) continue;
      scriptedDownSec.set(r.index, ev.downSec);
      sim.scheduleAt(ev.atSec, EV_FAILURE, r.index, 0, lifeId[r.index]);
    }
  }
  for (let i = 0; i < wl.length; i++) {
    const w = wl[i].workload;
    if (w.kind === 'open') {
      const first = w.source.next();
      pendingArrival[i] = first;
      if (first) {
        if (first.tenant === undefined) first.tenant = wl[i].tenant;
        stamp(first, i);
        sim.scheduleAt(Math.max(0, first.arrivalSec), EV_ARRIVAL, i);
      }
    } else {
      for (let u = 0; u < w.concurrency; u++) issueClosed(i, 0);
    }
  }
  if (stale) sim.schedule(0, EV_SNAPSHOT, 0, -1);
  const events = sim.run();
  metrics.finish(endSec);
  for (const t of sink.tenants) t.finish(endSec);
  timeline.finish(endSec, replicas);
  timeline.coldStarts = coldStartSec;
  timeline.requestsWaitedOnColdStart = coldStartsWaitedOn;
  return { metrics, sink, steps, replicas, endSec, events, timeline, input };
}

export type { RejectReason };
