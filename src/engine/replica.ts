import { Seq } from './seq.ts';
import type { EngineConfig } from './config.ts';
import { KvCache } from '../memory/kv-cache.ts';
import type { MetricsSink } from '../metrics/sink.ts';
import type { WaitQueue } from './wait-queue.ts';
import { FcfsQueue } from './wait-queue.ts';
import type { StepTimeModel, BatchShape, StepCost } from '../perf/types.ts';
import { emptyBatch, emptyCost } from '../perf/types.ts';
import type { Request } from '../workload/types.ts';
import { scheduleContinuous } from './schedulers/continuous.ts';
import { scheduleChunkedPrefill } from './schedulers/chunked-prefill.ts';
import { scheduleStatic } from './schedulers/static.ts';
import { schedulePrefillFirst } from './schedulers/prefill-first.ts';
import type { StepRecorder } from '../metrics/step-recorder.ts';
import type { RejectReason } from '../metrics/collector.ts';
import type { Frontend } from './frontend.ts';
import { Deque } from './deque.ts';
import type { StepClock } from './step-clock.ts';

import type { Scheduler, SchedulerView } from './scheduler-view.ts';
export type { Scheduler, SchedulerView } from './scheduler-view.ts';

/** vLLM's default swap_space: 4 GiB of host memory per GPU. */
export const DEFAULT_SWAP_SPACE_BYTES_PER_GPU = 4 * 2 ** 30;

/** Longest fused decode run (bounds the per-replica buffer of step end times). */
const MAX_FUSED_STEPS = 1 << 16;

/** What a replica does: everything, only prompts (disaggregated prefill) or only decodes. */
export type ReplicaRole = 'mixed' | 'prefill' | 'decode';

/** Lifecycle of a replica in the fleet. */
export type ReplicaState = 'starting' | 'ready' | 'draining' | 'stopped' | 'failed';

export interface ReplicaOptions {
  index: number;
  cfg: EngineConfig;
  kvBlocks: number;
  perf: StepTimeModel;
  sink: MetricsSink;
  recorder?: StepRecorder | null;
  hashBlockTokens?: number;
  /** Waiting-queue policy (default FCFS). */
  queue?: WaitQueue;
  role?: ReplicaRole;
  /** GPUs of the replica (for GPU-time accounting). */
  gpus?: number;
  /** Pool the replica belongs to. */
  pool?: number;
  /** Preempt lower-priority running sequences for a higher-priority waiting one. */
  priorityPreemption?: boolean;
  /** The API server's host path (`engine.frontend: http`); none for in-process engines. */
  frontend?: Frontend | null;
  /** Clock/throttle state that scales this replica's steps (power and thermal models); none: unscaled. */
  clock?: StepClock | null;
  /** KV swap to host memory (engine preemption `swap`): bytes of a context and the copy time (the fleet's transfer model). */
  swap?: KvSwapPath | null;
}

/** How a replica's KV reaches host memory: bytes of `tokens` of context, and seconds to copy `bytes` out or in. */
export interface KvSwapPath {
  bytes(tokens: number): number;
  copySec(bytes: number, direction: 'out' | 'in'): number;
}

export interface AdmitOptions {
  /** Admit only if the whole (remaining) prompt fits in the chunk (no chunked prefill). */
  wholePrompt: boolean;
  /** Reserve KV for input + output up front (static batching never preempts). */
  reserveWholeRequest: boolean;
}

/**
 * One model replica (TP × PP GPUs running one engine): a waiting queue, a running set, a paged KV cache
 * and a batching policy. The fleet calls `enqueue`, `startStep` and `finishStep`; the replica decides each
 * step's batch, asks the step-time model for its duration and applies its effects at the end.
 */
export class Replica implements SchedulerView {
  readonly waiting: WaitQueue;
  running: Seq[] = [];
  readonly index: number;
  readonly cfg: EngineConfig;
  readonly perf: StepTimeModel;
  readonly role: ReplicaRole;
  readonly gpus: number;
  readonly pool: number;
  /** Lifecycle state: written only by src/fleet/lifecycle.ts. */
  state: ReplicaState = 'ready';
  /** When the replica was requested (GPU-hours start) and became ready. */
  requestedSec = 0;
  /** When the replica last became ready (−1 before that), and the serving time of earlier ready spells. */
  readySec = -1;
  servingSec = 0;
  /** When the replica was released (stopped), or −1. */
  stoppedSec = -1;
  /** Prefilled sequences whose KV is being sent to a decode replica (disaggregation). */
  transferring = 0;
  /** Prompt tokens still to prefill over waiting and running sequences (admission-control estimate). */
  pendingPrefillTokens = 0;
  private prefillRateCache = -1;
  /** Called when a prefill-role replica finishes a prompt (hand-off to the decode pool). */
  onPrefilled: ((s: Seq, nowSec: number) => void) | null = null;
  /** Called at each first token (autoscaler TTFT window). */
  onFirstToken: ((ttftSec: number, nowSec: number) => void) | null = null;
  readonly kv: KvCache;
  /** True between startStep and finishStep. */
  busy = false;
  /** A start event is already scheduled. */
  kickPending = false;
  stepCount = 0;
  busySec = 0;
  /** Busy seconds of steps that carried prompt tokens (cost split between input and output tokens). */
  prefillBusySec = 0;
  /** When the previous step's tokens reached their clients (its end without a frontend; for inter-token gaps). */
  private lastDeliverSec = -1;
  /** The API server's host path, or null (in-process). */
  readonly frontend: Frontend | null;
  /** Requests tokenised by the frontend, waiting to reach the engine (FIFO, by `intakeSec`). */
  readonly intakeQueue = new Deque<Request>();
  /** Finished sequences whose last token is still on its way through the frontend (FIFO, by `lastTokenSec`). */
  readonly deliveries = new Deque<Seq>();
  /** Called when a finished sequence's last token will reach its client at `atSec` (later than now). */
  onDelivery: ((atSec: number) => void) | null = null;

  // The batch being formed / run: parallel arrays, reused across steps.
  batchSeqs: Seq[] = [];
  batchChunks: number[] = [];
  batchN = 0;
  readonly shape: BatchShape = emptyBatch();
  readonly cost: StepCost = emptyCost();
  stepStartSec = 0;
  stepSec = 0;
  /** Set by the scheduler when it preempted this step (continuous mode then admits no prefills). */
  preemptedThisStep = false;
  /** End time of the running step (or fused run). */
  stepEndSec = 0;
  /** Bumped whenever the end of the running step changes; step-end events carry it to detect stale ones. */
  generation = 0;
  /**
   * Decode steps fused after the first step of the current run. While nothing can change a decode-only
   * batch (no arrival routed here, no completion, enough free blocks), consecutive steps are computed in a
   * tight loop and applied at the end of the run: exactly the same times and metrics as stepping one
   * event at a time, at a fraction of the cost. An arrival routed here `interrupt`s the run at the end of
   * the step in progress.
   */
  fusedExtra = 0;
  /** Cumulative end times of the current run's steps: fusedEnds[0] is the first step's end. */
  private fusedEnds = new Float64Array(64);
  /** Client-side times of the fused steps' tokens (with a frontend). */
  private deliverEnds = new Float64Array(64);
  /** Frontend delay of the tokens of the step just finished. */
  private frontendDelaySec = 0;
  /** Steps of the current run whose tokens were handed to the frontend. */
  private feSynced = 0;
  /** Whether decode runs may be fused (exactness tests turn it off to compare). */
  fuseDecodes = true;
  /** The replica's clock state (power/thermal), or null: step times as the model predicts them. */
  readonly clock: StepClock | null;
  /** Decode count of the previous step when it was decode-only (its activity still holds), else −1. */
  private clockKey = -1;
  /** GPU-time multiplier of the current step (or fused run). */
  gpuScale = 1;
  /** KV swap path (preemption `swap`), or null. */
  private readonly swap: KvSwapPath | null;
  /** Seconds of KV copies (swap out / in) the batch being formed adds to its step. */
  private stepCopySec = 0;
  /** KV bytes held in host memory, and counts of swaps. */
  swappedBytes = 0;
  swapOuts = 0;
  swapIns = 0;

  private readonly schedule: Scheduler;
  private readonly watermarkBlocks: number;
  private readonly blocksPerHash: number;
  private readonly finished: Seq[] = [];
  private readonly sink: MetricsSink;
  private readonly recorder: StepRecorder | null;
  private readonly priorityPreemption: boolean;
  /** Per-tenant scratch counters (multi-tenant runs only). */
  private readonly tenantGap: Float64Array;
  private readonly tenantTokens: Float64Array;

  constructor(o: ReplicaOptions) {
    this.index = o.index;
    this.cfg = o.cfg;
    this.perf = o.perf;
    this.sink = o.sink;
    this.recorder = o.recorder ?? null;
    this.waiting = o.queue ?? new FcfsQueue();
    this.role = o.role ?? 'mixed';
    this.gpus = o.gpus ?? 1;
    this.pool = o.pool ?? 0;
    this.priorityPreemption = o.priorityPreemption ?? false;
    this.frontend = o.frontend ?? null;
    this.clock = o.clock ?? null;
    this.swap = o.cfg.preemption === 'swap' ? o.swap ?? null : null;
    if (this.clock !== null && this.clock.scalesSteps && !this.perf.scalesGpu) {
      throw new Error('a replica clock that scales steps needs a step-time model with scalesGpu (createEngineStepModel)');
    }
    const cfg = o.cfg;
    const kvBlocks = o.kvBlocks;
    const hashBlockTokens = o.hashBlockTokens ?? 0;
    this.tenantGap = new Float64Array(Math.max(1, o.sink.tenants.length));
    this.tenantTokens = new Float64Array(Math.max(1, o.sink.tenants.length));
    this.kv = new KvCache(kvBlocks, cfg.blockSize);
    this.watermarkBlocks = Math.floor(cfg.watermark * kvBlocks);
    this.blocksPerHash = hashBlockTokens > 0 ? hashBlockTokens / cfg.blockSize : 0;
    this.schedule =
      cfg.scheduler === 'continuous' ? scheduleContinuous
        : cfg.scheduler === 'chunked-prefill' ? scheduleChunkedPrefill
        : cfg.scheduler === 'prefill-first' ? schedulePrefillFirst
          : scheduleStatic;
  }

  /** Requests waiting or running here (what a load balancer sees as outstanding). */
  get outstanding(): number {
    return this.waiting.length + this.running.length + this.transferring + this.intakeQueue.length;
  }

  /** Fraction of KV blocks pinned by live sequences. */
  get kvUtilization(): number {
    return this.kv.pinnedBlocks / this.kv.numBlocks;
  }

  /**
   * Accepts a routed request, or returns a reject reason when it can never run here.
   */
  enqueue(req: Request, nowSec: number, frontendSec = 0): RejectReason | null {
    const reason = this.rejectReason(req);
    if (reason !== null) return reason;
    const s = new Seq(req, this.index, nowSec);
    s.frontendSec = frontendSec;
    this.waiting.pushBack(s);
    this.pendingPrefillTokens += req.inputTokens;
    return null;
  }

  /**
   * Predicted time to first token (s) for `req` if it joined now: the rest of the step in progress plus
   * every queued prompt token ahead of it (and its own) at this replica's full-budget prefill rate — an
   * estimate a gateway can compute from what it knows.
   */
  predictTtftSec(req: Request, nowSec: number): number {
    let rest = 0;
    if (this.busy) {
      let end = this.stepEndSec;
      for (let j = 0; j < this.fusedExtra; j++) {
        if (this.fusedEnds[j] >= nowSec) { end = this.fusedEnds[j]; break; }
      }
      rest = Math.max(0, end - nowSec);
    }
    return rest + (this.pendingPrefillTokens + req.inputTokens) / this.prefillTokensPerSec();
  }

  /** Prompt tokens per second of a full-budget prefill step. */
  prefillTokensPerSec(): number {
    if (this.prefillRateCache < 0) {
      const b = emptyBatch();
      const n = this.cfg.maxBatchedTokens;
      b.prefillTokens = n; b.prefillSeqs = 1; b.prefillAttnPairs = (n * (n + 1)) / 2; b.prefillKvTokens = n; b.logitSeqs = 1;
      this.prefillRateCache = n / this.perf.predict(b);
    }
    return this.prefillRateCache;
  }

  /** Why a request can never run on this replica, or null. */
  rejectReason(req: Request): RejectReason | null {
    const total = req.inputTokens + req.outputTokens;
    if (total > this.cfg.maxModelLen) return 'exceeds-max-model-len';
    const kvTokens = this.role === 'prefill' ? req.inputTokens : total;
    if (this.kv.blocksFor(kvTokens) > this.kv.numBlocks) return 'exceeds-kv-capacity';
    if ((this.cfg.scheduler === 'continuous' || this.cfg.wholePrompt) && this.role !== 'decode' && req.inputTokens > this.cfg.maxBatchedTokens) {
      return 'prompt-exceeds-max-batched-tokens';
    }
    return null;
  }

  /** Accepts a sequence that arrives with state: retried after a failure, or prefilled elsewhere. */
  adopt(s: Seq): void {
    s.replica = this.index;
    this.waiting.pushBack(s);
    if (s.promptLen > s.kvTokens) this.pendingPrefillTokens += s.promptLen - s.kvTokens;
  }

  /**
   * Removes every sequence (failure, or drain with migration): running work loses its KV and will be
   * recomputed wherever it goes. Any step in flight is abandoned. Returns the sequences, oldest first.
   */
  evictAll(): Seq[] {
    const out: Seq[] = [];
    for (const s of this.running) {
      this.releaseSeq(s);
      s.promptLen = s.req.inputTokens + s.generated;
      s.kvTokens = 0;
      out.push(s);
    }
    this.running = [];
    for (const s of this.waiting.drain()) {
      if (s.ownedBlocks > 0 || s.prefixHashBlocks > 0) this.releaseSeq(s);
      if (s.swappedBytes > 0) {
        this.swappedBytes -= s.swappedBytes; // the host copy is lost with the replica
        s.swappedBytes = 0;
      }
      if (s.kvTokens > 0) {
        s.promptLen = s.req.inputTokens + s.generated;
        s.kvTokens = 0;
      }
      out.push(s);
    }
    this.batchN = 0;
    this.fusedExtra = 0;
    this.busy = false;
    this.kickPending = false;
    this.pendingPrefillTokens = 0;
    this.generation++;
    return out;
  }

  /** Forms the next batch. Returns its duration in seconds, or −1 when there is nothing to run. */
  startStep(nowSec: number): number {
    this.kickPending = false;
    this.batchN = 0;
    this.preemptedThisStep = false;
    this.stepStartSec = nowSec;
    this.stepCopySec = 0;
    this.schedule(this);
    if (this.batchN === 0) {
      this.busy = false;
      if (this.clock !== null) {
        this.clock.idle(nowSec);
        this.clockKey = -1;
      }
      return -1;
    }
    this.fillShape();
    this.feSynced = 0;
    let sec = this.clock === null ? this.perf.predict(this.shape, this.recorder ? this.cost : undefined) : this.clockedStepSec(nowSec);
    // KV swaps run as cache operations before the forward pass (vLLM V0), adding to the step.
    if (this.stepCopySec > 0) sec += this.stepCopySec;
    this.stepSec = sec;
    this.busy = true;
    this.fusedExtra = 0;
    let end = nowSec + sec;
    this.fusedEnds[0] = end;
    if (this.fuseDecodes && this.shape.prefillSeqs === 0 && (this.waiting.length === 0 || this.cfg.scheduler === 'static')) {
      end = this.planFusedRun(end);
    }
    this.stepCount += 1 + this.fusedExtra;
    this.busySec += end - nowSec;
    if (this.shape.prefillSeqs > 0) this.prefillBusySec += end - nowSec;
    this.stepEndSec = end;
    this.generation++;
    return end - nowSec;
  }

  /**
   * Step time under the replica's clock. The activity (hence clock and power) is re-evaluated when the batch
   * changes — anything but a decode-only step with as many sequences as the previous decode-only step — and
   * otherwise held, so a fused decode run and step-by-step execution see the same multipliers.
   */
  private clockedStepSec(nowSec: number): number {
    const clock = this.clock!;
    const b = this.shape;
    const same = b.prefillTokens === 0 && b.decodeSeqs === this.clockKey;
    this.clockKey = b.prefillTokens === 0 ? b.decodeSeqs : -1;
    const cost = this.cost;
    if (same) {
      const scale = clock.beginStep(nowSec, null);
      this.gpuScale = scale;
      return this.perf.predict(b, this.recorder ? cost : undefined, scale);
    }
    const nominal = this.perf.predict(b, cost);
    const scale = clock.beginStep(nowSec, cost);
    this.gpuScale = scale;
    if (scale === 1) return nominal;
    if (this.recorder === null && this.perf.rescaleLast) return this.perf.rescaleLast(scale);
    return this.perf.predict(b, cost, scale);
  }

  /** Whether an arrival routed here must cut the current fused run short (the policy admits mid-batch). */
  get admitsMidRun(): boolean {
    return this.cfg.scheduler !== 'static';
  }

  /**
   * Cuts the current fused run at the end of the step in progress at `nowSec`. Returns the new end time,
   * or −1 when the run ends then anyway.
   */
  interrupt(nowSec: number): number {
    if (this.fusedExtra === 0) return -1;
    const ends = this.fusedEnds;
    let j = 0;
    while (j < this.fusedExtra && ends[j] < nowSec) j++;
    if (j === this.fusedExtra) return -1;
    const removed = this.fusedExtra - j;
    this.fusedExtra = j;
    this.stepCount -= removed;
    this.busySec -= this.stepEndSec - ends[j];
    this.stepEndSec = ends[j];
    this.generation++;
    return this.stepEndSec;
  }

  /**
   * Extends a decode-only step by the further steps that are certain to follow unchanged: up to the first
   * completion, within the free KV blocks. Returns the run's end time.
   */
  private planFusedRun(firstEnd: number): number {
    const n = this.batchN;
    const seqs = this.batchSeqs;
    // Steps after the first before some sequence finishes.
    let maxExtra = MAX_FUSED_STEPS;
    for (let i = 0; i < n; i++) {
      const s = seqs[i];
      const left = s.req.outputTokens - s.generated - 1;
      if (left < maxExtra) maxExtra = left;
    }
    if (maxExtra <= 0) return firstEnd;
    // Largest extra count whose new blocks fit in the available blocks (monotone: binary search).
    const available = this.kv.availableBlocks;
    if (this.extraBlocksFor(maxExtra) > available) {
      let lo = 0;
      let hi = maxExtra;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.extraBlocksFor(mid) <= available) lo = mid;
        else hi = mid - 1;
      }
      maxExtra = lo;
      if (maxExtra === 0) return firstEnd;
    }
    if (this.fusedEnds.length < maxExtra + 1) {
      this.fusedEnds = new Float64Array(Math.max(maxExtra + 1, this.fusedEnds.length * 2));
    }
    const ends = this.fusedEnds;
    const shape = this.shape;
    ends[0] = firstEnd;
    const scale = this.gpuScale;
    if (this.perf.predictDecodeRun) {
      this.perf.predictDecodeRun(shape, maxExtra, ends, scale);
    } else {
      const ctx0 = shape.decodeContextTokens;
      let t = firstEnd;
      for (let k = 1; k <= maxExtra; k++) {
        shape.decodeContextTokens = ctx0 + k * n;
        t += this.perf.predict(shape, undefined, scale);
        ends[k] = t;
      }
      shape.decodeContextTokens = ctx0;
    }
    if (this.clock !== null) {
      // The clock may change at its horizon: a step starting at or after it must be re-evaluated, so the run
      // keeps only the steps that start before it.
      const h = this.clock.horizonSec;
      if (h !== Infinity) {
        let k = 1;
        while (k <= maxExtra && ends[k - 1] < h) k++;
        maxExtra = k - 1;
      }
    }
    this.fusedExtra = maxExtra;
    return ends[maxExtra];
  }

  /** New blocks the batch needs to run `extra` decode steps beyond the first. */
  private extraBlocksFor(extra: number): number {
    let need = 0;
    for (let i = 0; i < this.batchN; i++) {
      const s = this.batchSeqs[i];
      need += this.blocksNeeded(s, s.kvTokens + 1 + extra);
    }
    return need;
  }

  /** Applies the running step's effects at `nowSec` (its end). */
  finishStep(nowSec: number): void {
    const { batchSeqs, batchChunks, sink } = this;
    const multi = sink.multiTenant;
    const prevEnd = this.lastDeliverSec;
    const fe = this.frontend;
    // End of the run's first step (= nowSec unless decode steps were fused), or when its tokens reach the
    // clients through the frontend.
    let t1 = this.fusedEnds[0];
    if (fe !== null) {
      this.syncFrontend(t1);
      t1 = this.deliverEnds[0];
      this.frontendDelaySec = t1 - this.fusedEnds[0];
    }
    let sameGapCount = 0;
    let anyFinished = false;
    if (multi) { this.tenantGap.fill(0); this.tenantTokens.fill(0); }
    for (let i = 0; i < this.batchN; i++) {
      const s = batchSeqs[i];
      const chunk = batchChunks[i];
      if (multi) this.tenantTokens[s.tenant] += chunk;
      const wasPrefill = s.kvTokens < s.promptLen;
      if (wasPrefill) this.pendingPrefillTokens -= chunk;
      s.kvTokens += chunk;
      if (wasPrefill) {
        if (s.kvTokens < s.promptLen) continue; // a middle chunk: no token yet
        this.publishPrompt(s);
      }
      // A token was sampled for s.
      s.generated++;
      if (s.firstTokenSec < 0) {
        s.firstTokenSec = t1;
        if (fe !== null) s.frontendSec += this.frontendDelaySec;
        if (this.onFirstToken) this.onFirstToken(t1 - s.req.arrivalSec, t1);
      } else if (s.req.warmup) {
        // warm-up requests are in no latency statistic (workload.warmupRequests)
      } else if (s.lastTokenSec === prevEnd) {
        sameGapCount++;
        if (multi) this.tenantGap[s.tenant]++;
      } else {
        sink.all.onItl(t1 - s.lastTokenSec, 1);
        if (multi) sink.tenants[s.tenant].onItl(t1 - s.lastTokenSec, 1);
      }
      s.lastTokenSec = t1;
      if (s.generated >= s.req.outputTokens) {
        this.finished.push(s);
        anyFinished = true;
      } else if (wasPrefill && this.role === 'prefill') {
        this.finished.push(s); // leaves for a decode replica
        s.handoff = true;
        anyFinished = true;
      }
    }
    if (sameGapCount > 0) {
      sink.all.onItl(t1 - prevEnd, sameGapCount);
      if (multi) {
        for (let t = 0; t < this.tenantGap.length; t++) if (this.tenantGap[t] > 0) sink.tenants[t].onItl(t1 - prevEnd, this.tenantGap[t]);
      }
    }
    if (multi) {
      // Service accounting (WFQ counters) once per tenant per step; single-tenant queues ignore it.
      for (let t = 0; t < this.tenantTokens.length; t++) if (this.tenantTokens[t] > 0) this.waiting.onServed(t, this.tenantTokens[t]);
      this.attributeGpuTime(this.stepSec, this.tenantTokens);
    }
    if (this.recorder) this.recorder.record(this, t1);
    this.lastDeliverSec = t1;
    if (this.fusedExtra > 0) anyFinished = this.applyFusedSteps() || anyFinished;
    if (anyFinished) {
      for (let i = 0; i < this.finished.length; i++) {
        const s = this.finished[i];
        if (s.handoff) {
          this.transferring++;
          this.onPrefilled!(s, nowSec); // keeps its blocks until the transfer completes
        } else {
          this.releaseSeq(s);
          if (fe !== null && s.lastTokenSec > nowSec) {
            this.deliveries.pushBack(s);
            this.onDelivery!(s.lastTokenSec);
          } else {
            sink.onComplete(s, nowSec);
          }
        }
        s.done = true; // marks it for the compaction below
      }
      this.finished.length = 0;
      let w = 0;
      const run = this.running;
      for (let i = 0; i < run.length; i++) {
        const r = run[i];
        if (r.done) r.done = false;
        else run[w++] = r;
      }
      run.length = w;
    }
    this.busy = false;
  }

  /**
   * Hands the frontend the tokens of the current run's steps that ended by `nowSec` and were not handed over
   * yet (a fused run is applied lazily at its end, but its tokens reach the API server step by step, before any
   * request that arrives later). Fills deliverEnds[0..].
   */
  syncFrontend(nowSec: number): void {
    const fe = this.frontend;
    if (fe === null || !this.busy) return;
    const ends = this.fusedEnds;
    const last = this.fusedExtra;
    if (this.deliverEnds.length < last + 1) {
      const d = new Float64Array(Math.max(last + 1, this.deliverEnds.length * 2));
      d.set(this.deliverEnds.subarray(0, this.feSynced));
      this.deliverEnds = d;
    }
    while (this.feSynced <= last && ends[this.feSynced] <= nowSec) {
      const k = this.feSynced;
      let sampled = this.batchN;
      if (k === 0) {
        sampled = 0;
        for (let i = 0; i < this.batchN; i++) if (this.batchSeqs[i].kvTokens + this.batchChunks[i] >= this.batchSeqs[i].promptLen) sampled++;
      }
      this.deliverEnds[k] = fe.output(ends[k], sampled);
      this.feSynced++;
    }
  }

  /** Completes the finished sequences whose last token has reached its client by `nowSec`. */
  deliverDue(nowSec: number): void {
    while (this.deliveries.length > 0 && this.deliveries.peekFront()!.lastTokenSec <= nowSec) {
      this.sink.onComplete(this.deliveries.popFront()!, nowSec);
    }
  }

  /** A handed-off sequence's KV has reached its decode replica: free it here. */
  releaseTransferred(s: Seq): void {
    this.releaseSeq(s);
    this.transferring--;
    s.handoff = false;
  }

  /** Splits `sec` of this replica's GPUs among tenants by their share of the step's tokens. */
  private attributeGpuTime(sec: number, tokens: Float64Array): void {
    let total = 0;
    for (let t = 0; t < tokens.length; t++) total += tokens[t];
    if (total <= 0) return;
    const gpuSec = sec * this.gpus;
    for (let t = 0; t < tokens.length; t++) if (tokens[t] > 0) this.sink.tenants[t].gpuSec += (gpuSec * tokens[t]) / total;
    this.sink.all.gpuSec += gpuSec;
  }

  /** Applies the fused decode steps 2..K of a run: tokens, blocks, inter-token gaps. */
  private applyFusedSteps(): boolean {
    const extra = this.fusedExtra;
    let ends = this.fusedEnds;
    const n = this.batchN;
    const fe = this.frontend;
    if (fe !== null) {
      // Client-side times of the fused steps' tokens (the first step's is lastDeliverSec).
      if (this.deliverEnds.length < extra + 1) this.deliverEnds = new Float64Array(Math.max(extra + 1, this.deliverEnds.length * 2));
      this.syncFrontend(ends[extra]);
      const d = this.deliverEnds;
      ends = d;
      this.lastDeliverSec = d[extra];
    }
    const end = ends[extra];
    const sink = this.sink;
    const multi = sink.multiTenant;
    if (multi) this.tenantTokens.fill(0);
    let anyFinished = false;
    let warmupSeqs = 0;
    if (multi) this.tenantGap.fill(0);
    for (let i = 0; i < n; i++) {
      const s = this.batchSeqs[i];
      s.kvTokens += extra;
      s.generated += extra;
      s.lastTokenSec = end;
      if (s.req.warmup) warmupSeqs++;
      else if (multi) this.tenantGap[s.tenant]++;
      if (multi) this.tenantTokens[s.tenant]++;
      if (!this.grow(s, s.kvTokens)) throw new Error('invariant: fused decode run outgrew the KV cache');
      if (s.generated >= s.req.outputTokens) {
        this.finished.push(s);
        anyFinished = true;
      }
    }
    if (n > warmupSeqs) for (let k = 1; k <= extra; k++) sink.all.onItl(ends[k] - ends[k - 1], n - warmupSeqs);
    if (multi) {
      for (let t = 0; t < this.tenantTokens.length; t++) {
        const c = this.tenantTokens[t];
        if (c > 0) {
          this.waiting.onServed(t, c * extra);
          const measured = this.tenantGap[t];
          if (measured > 0) for (let k = 1; k <= extra; k++) sink.tenants[t].onItl(ends[k] - ends[k - 1], measured);
        }
      }
      this.attributeGpuTime(this.fusedEnds[extra] - this.fusedEnds[0], this.tenantTokens);
    }
    if (this.recorder) {
      const ctx0 = this.shape.decodeContextTokens;
      const se = this.fusedEnds;
      for (let k = 1; k <= extra; k++) {
        this.shape.decodeContextTokens = ctx0 + k * n;
        this.perf.predict(this.shape, this.cost);
        this.stepStartSec = se[k - 1];
        this.stepSec = se[k] - se[k - 1];
        this.recorder.record(this, se[k]);
      }
      this.shape.decodeContextTokens = ctx0;
    }
    this.fusedExtra = 0;
    return anyFinished;
  }

  // ——— helpers for the schedulers ———

  /** Blocks `s` still needs so that `tokens` of its KV fit. */
  blocksNeeded(s: Seq, tokens: number): number {
    const covered = s.ownedBlocks + s.prefixHashBlocks * this.blocksPerHash;
    const need = this.kv.blocksFor(tokens) - covered;
    return need > 0 ? need : 0;
  }

  /** Most KV tokens `s` could hold if it took every available block. */
  fitTokens(s: Seq): number {
    const covered = s.ownedBlocks + s.prefixHashBlocks * this.blocksPerHash;
    return (covered + this.kv.availableBlocks) * this.cfg.blockSize;
  }

  /** Allocates blocks so that `tokens` of `s` fit. False (nothing changed) when the cache is short. */
  grow(s: Seq, tokens: number): boolean {
    const n = this.blocksNeeded(s, tokens);
    if (n === 0) return true;
    if (!this.kv.allocate(n)) return false;
    s.ownedBlocks += n;
    return true;
  }

  /**
   * Tries to admit the head of the waiting queue with a first chunk of at most `maxChunk` prompt tokens.
   * Reuses prefix-cached blocks when enabled. Returns the chunk scheduled (0 = not admitted).
   */
  tryAdmitHead(maxChunk: number, opts: AdmitOptions): number {
    const s = this.waiting.peekFront()!;
    if (s.generated > 0 && s.kvTokens >= s.promptLen) return this.admitPrefilled(s);
    let hitBlocks = 0;
    let hitTokens = 0;
    const hashIds = s.req.hashIds;
    if (this.cfg.prefixCaching && hashIds && this.blocksPerHash > 0) {
      const hbt = s.req.hashBlockTokens!;
      // At least one prompt token must be computed to produce logits.
      hitBlocks = this.kv.matchPrefix(hashIds, Math.floor((s.promptLen - 1) / hbt));
      hitTokens = hitBlocks * hbt;
    }
    const remaining = s.promptLen - hitTokens;
    if (opts.wholePrompt && remaining > maxChunk) return 0;
    const chunk = Math.min(remaining, maxChunk);
    if (chunk <= 0) return 0;
    const tokens = opts.reserveWholeRequest ? s.req.inputTokens + s.req.outputTokens : hitTokens + chunk;
    const need = this.kv.blocksFor(tokens) - hitBlocks * this.blocksPerHash;
    const noOtherWork = this.running.length === 0;
    // Pinning the hit blocks takes them out of the evictable pool.
    const available = this.kv.availableBlocks - (hitBlocks > 0 ? this.kv.evictableAmong(hashIds!, hitBlocks) : 0);
    if (need > available - (noOtherWork ? 0 : this.watermarkBlocks)) return 0;
    this.waiting.popFront();
    if (hitBlocks > 0) {
      this.kv.acquirePrefix(hashIds!, hitBlocks);
      this.sink.onPrefixHit(hitTokens, s.tenant);
    }
    s.prefixHashBlocks = hitBlocks;
    s.prefixHitTokens = hitTokens;
    s.kvTokens = hitTokens;
    this.pendingPrefillTokens -= hitTokens;
    if (!this.kv.allocate(need)) throw new Error('invariant: admission allocation failed');
    s.ownedBlocks = need;
    if (s.firstScheduledSec < 0) s.firstScheduledSec = this.stepStartSec;
    this.running.push(s);
    this.addToBatch(s, chunk);
    return chunk;
  }

  /**
   * Admits a sequence whose prompt was computed on a prefill replica: its KV (now transferred) needs
   * blocks here, and it joins this step as a decode. Returns 1 (the decode token), 0 if the cache is short.
   */
  private admitPrefilled(s: Seq): number {
    const need = this.kv.blocksFor(s.kvTokens + 1);
    const reserve = this.running.length === 0 ? 0 : this.watermarkBlocks;
    if (need > this.kv.availableBlocks - reserve) return 0;
    this.waiting.popFront();
    if (!this.kv.allocate(need)) throw new Error('invariant: admission allocation failed');
    if (s.swappedBytes > 0) {
      // Swapped out on preemption: its KV comes back from host memory.
      this.stepCopySec += this.swap!.copySec(s.swappedBytes, 'in');
      this.swappedBytes -= s.swappedBytes;
      s.swappedBytes = 0;
      this.swapIns++;
    }
    s.ownedBlocks = need;
    this.running.push(s);
    this.addToBatch(s, 1);
    return 1;
  }

  /** Whether the waiting head cannot start now: the running set is full or the cache lacks its first chunk. */
  headBlocked(): boolean {
    const head = this.waiting.peekFront();
    if (!head) return false;
    if (this.running.length >= this.cfg.maxNumSeqs) return true;
    const first = Math.min(head.promptLen, this.cfg.maxBatchedTokens);
    return this.kv.blocksFor(first) > this.kv.availableBlocks - this.watermarkBlocks;
  }

  /**
   * Strict-priority preemption: if the waiting head outranks the lowest-priority running sequence,
   * preempts that sequence (the newest among equals) so the head can be admitted. True if it did.
   */
  preemptForHead(): boolean {
    if (!this.priorityPreemption || this.running.length === 0) return false;
    const head = this.waiting.peekFront();
    if (!head) return false;
    let victim = -1;
    for (let i = this.running.length - 1; i >= 0; i--) {
      const r = this.running[i];
      if (victim < 0 || r.priority > this.running[victim].priority) victim = i;
    }
    if (this.running[victim].priority <= head.priority) return false;
    // Never preempt a sequence already in this step's batch.
    for (let i = 0; i < this.batchN; i++) if (this.batchSeqs[i] === this.running[victim]) return false;
    const [v] = this.running.splice(victim, 1);
    this.evict(v);
    return true;
  }

  addToBatch(s: Seq, tokens: number): void {
    this.batchSeqs[this.batchN] = s;
    this.batchChunks[this.batchN] = tokens;
    this.batchN++;
  }

  /**
   * Preempts the newest running sequence (recompute: its KV is dropped and it returns to the front of the
   * waiting queue to be prefilled again over input + generated tokens). Returns the victim.
   */
  preemptNewest(): Seq {
    const victim = this.running.pop()!;
    this.evict(victim);
    return victim;
  }

  /** Preemption by recompute of a sequence already removed from `running`. */
  private evict(victim: Seq): void {
    if (this.swap !== null && victim.kvTokens >= victim.promptLen && victim.kvTokens > 0) {
      const bytes = this.swap.bytes(victim.kvTokens);
      if (this.swappedBytes + bytes <= (this.cfg.swapSpaceBytesPerGpu ?? DEFAULT_SWAP_SPACE_BYTES_PER_GPU) * this.gpus) {
        // Preemption by swap: the KV goes to host memory and the sequence resumes decoding when readmitted.
        this.releaseSeq(victim);
        victim.swappedBytes = bytes;
        this.swappedBytes += bytes;
        this.stepCopySec += this.swap.copySec(bytes, 'out');
        this.swapOuts++;
        victim.preemptions++;
        this.sink.onPreempt(victim.tenant);
        this.waiting.pushFront(victim);
        this.preemptedThisStep = true;
        return;
      }
    }
    const before = victim.promptLen > victim.kvTokens ? victim.promptLen - victim.kvTokens : 0;
    this.releaseSeq(victim);
    victim.promptLen = victim.req.inputTokens + victim.generated;
    victim.kvTokens = 0;
    victim.preemptions++;
    this.pendingPrefillTokens += victim.promptLen - before;
    this.sink.onPreempt(victim.tenant);
    this.waiting.pushFront(victim);
    this.preemptedThisStep = true;
  }

  /** Returns a sequence's blocks; the prefix blocks it pins become evictable once nobody pins them. */
  private releaseSeq(s: Seq): void {
    if (s.prefixHashBlocks > 0) {
      this.kv.releasePrefix(s.req.hashIds!, s.prefixHashBlocks);
      s.prefixHashBlocks = 0;
    }
    this.kv.release(s.ownedBlocks);
    s.ownedBlocks = 0;
  }

  /** With prefix caching, hands the full hash blocks of a just-finished prompt to the prefix cache. */
  private publishPrompt(s: Seq): void {
    const hashIds = s.req.hashIds;
    if (!this.cfg.prefixCaching || !hashIds || this.blocksPerHash === 0) return;
    const full = Math.min(Math.floor(s.req.inputTokens / s.req.hashBlockTokens!), hashIds.length);
    if (full <= s.prefixHashBlocks) return;
    s.ownedBlocks -= this.kv.publishPrefix(hashIds, s.prefixHashBlocks, full, this.blocksPerHash);
    s.prefixHashBlocks = full;
  }

  private fillShape(): void {
    const b = this.shape;
    b.prefillTokens = 0; b.prefillSeqs = 0; b.prefillAttnPairs = 0; b.prefillKvTokens = 0;
    b.decodeSeqs = 0; b.decodeContextTokens = 0; b.logitSeqs = 0;
    for (let i = 0; i < this.batchN; i++) {
      const s = this.batchSeqs[i];
      const c = this.batchChunks[i];
      const prior = s.kvTokens;
      if (prior < s.promptLen) {
        b.prefillTokens += c;
        b.prefillSeqs++;
        b.prefillAttnPairs += c * (prior + (c + 1) / 2);
        b.prefillKvTokens += prior + c;
        if (prior + c >= s.promptLen) b.logitSeqs++;
      } else {
        b.decodeSeqs++;
        b.decodeContextTokens += prior + 1;
        b.logitSeqs++;
      }
    }
  }
}
