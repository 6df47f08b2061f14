import { Deque } from './deque.ts';
import { Seq } from './seq.ts';
import type { EngineConfig } from './config.ts';
import { KvCache } from '../memory/kv-cache.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import type { StepTimeModel, BatchShape, StepCost } from '../perf/types.ts';
import { emptyBatch, emptyCost } from '../perf/types.ts';
import type { Request } from '../workload/types.ts';
import { scheduleContinuous } from './schedulers/continuous.ts';
import { scheduleChunkedPrefill } from './schedulers/chunked-prefill.ts';
import { scheduleStatic } from './schedulers/static.ts';
import type { StepRecorder } from '../metrics/step-recorder.ts';

export type Scheduler = (r: Replica) => void;

/** Longest fused decode run (bounds the per-replica buffer of step end times). */
const MAX_FUSED_STEPS = 1 << 16;

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
export class Replica {
  readonly waiting = new Deque<Seq>();
  running: Seq[] = [];
  readonly kv: KvCache;
  /** True between startStep and finishStep. */
  busy = false;
  /** A start event is already scheduled. */
  kickPending = false;
  stepCount = 0;
  busySec = 0;
  /** Completion time of the previous step (for inter-token gaps). */
  private lastStepEndSec = -1;

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
  /** Whether decode runs may be fused (exactness tests turn it off to compare). */
  fuseDecodes = true;

  private readonly schedule: Scheduler;
  private readonly watermarkBlocks: number;
  private readonly blocksPerHash: number;
  private readonly finished: Seq[] = [];

  constructor(
    readonly index: number,
    readonly cfg: EngineConfig,
    kvBlocks: number,
    readonly perf: StepTimeModel,
    private readonly metrics: MetricsCollector,
    private readonly recorder: StepRecorder | null,
    hashBlockTokens = 0,
  ) {
    this.kv = new KvCache(kvBlocks, cfg.blockSize);
    this.watermarkBlocks = Math.floor(cfg.watermark * kvBlocks);
    this.blocksPerHash = hashBlockTokens > 0 ? hashBlockTokens / cfg.blockSize : 0;
    this.schedule =
      cfg.scheduler === 'continuous' ? scheduleContinuous
        : cfg.scheduler === 'chunked-prefill' ? scheduleChunkedPrefill
          : scheduleStatic;
  }

  /** Requests waiting or running here (what a load balancer sees as outstanding). */
  get outstanding(): number {
    return this.waiting.length + this.running.length;
  }

  /** Fraction of KV blocks pinned by live sequences. */
  get kvUtilization(): number {
    return this.kv.pinnedBlocks / this.kv.numBlocks;
  }

  /**
   * Accepts a routed request, or returns a reject reason when it can never run here.
   */
  enqueue(req: Request, nowSec: number): string | null {
    const total = req.inputTokens + req.outputTokens;
    if (total > this.cfg.maxModelLen) return 'exceeds-max-model-len';
    if (this.kv.blocksFor(total) > this.kv.numBlocks) return 'exceeds-kv-capacity';
    if (this.cfg.scheduler === 'continuous' && req.inputTokens > this.cfg.maxBatchedTokens) {
      return 'prompt-exceeds-max-batched-tokens';
    }
    this.waiting.pushBack(new Seq(req, this.index, nowSec));
    return null;
  }

  /** Forms the next batch. Returns its duration in seconds, or −1 when there is nothing to run. */
  startStep(nowSec: number): number {
    this.kickPending = false;
    this.batchN = 0;
    this.preemptedThisStep = false;
    this.stepStartSec = nowSec;
    this.schedule(this);
    if (this.batchN === 0) {
      this.busy = false;
      return -1;
    }
    this.fillShape();
    const sec = this.perf.predict(this.shape, this.recorder ? this.cost : undefined);
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
    this.stepEndSec = end;
    this.generation++;
    return end - nowSec;
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
    if (this.perf.predictDecodeRun) {
      this.perf.predictDecodeRun(shape, maxExtra, ends);
    } else {
      const ctx0 = shape.decodeContextTokens;
      let t = firstEnd;
      for (let k = 1; k <= maxExtra; k++) {
        shape.decodeContextTokens = ctx0 + k * n;
        t += this.perf.predict(shape);
        ends[k] = t;
      }
      shape.decodeContextTokens = ctx0;
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
    const { batchSeqs, batchChunks, metrics } = this;
    const prevEnd = this.lastStepEndSec;
    const t1 = this.fusedEnds[0]; // end of the run's first step (= nowSec unless decode steps were fused)
    let sameGapCount = 0;
    let anyFinished = false;
    for (let i = 0; i < this.batchN; i++) {
      const s = batchSeqs[i];
      const wasPrefill = s.kvTokens < s.promptLen;
      s.kvTokens += batchChunks[i];
      if (wasPrefill) {
        if (s.kvTokens < s.promptLen) continue; // a middle chunk: no token yet
        this.publishPrompt(s);
      }
      // A token was sampled for s.
      s.generated++;
      if (s.firstTokenSec < 0) {
        s.firstTokenSec = t1;
      } else if (s.lastTokenSec === prevEnd) {
        sameGapCount++;
      } else {
        metrics.onItl(t1 - s.lastTokenSec, 1);
      }
      s.lastTokenSec = t1;
      if (s.generated >= s.req.outputTokens) {
        this.finished.push(s);
        anyFinished = true;
      }
    }
    if (sameGapCount > 0) metrics.onItl(t1 - prevEnd, sameGapCount);
    if (this.recorder) this.recorder.record(this, t1);
    if (this.fusedExtra > 0) anyFinished = this.applyFusedSteps() || anyFinished;
    if (anyFinished) {
      for (let i = 0; i < this.finished.length; i++) {
        const s = this.finished[i];
        this.releaseSeq(s);
        metrics.onComplete(s, nowSec);
        s.promptLen = -1; // marks finished for the compaction below
      }
      this.finished.length = 0;
      let w = 0;
      const run = this.running;
      for (let i = 0; i < run.length; i++) if (run[i].promptLen >= 0) run[w++] = run[i];
      run.length = w;
    }
    this.lastStepEndSec = nowSec;
    this.busy = false;
  }

  /** Applies the fused decode steps 2..K of a run: tokens, blocks, inter-token gaps. */
  private applyFusedSteps(): boolean {
    const extra = this.fusedExtra;
    const ends = this.fusedEnds;
    const n = this.batchN;
    const end = ends[extra];
    let anyFinished = false;
    for (let i = 0; i < n; i++) {
      const s = this.batchSeqs[i];
      s.kvTokens += extra;
      s.generated += extra;
      s.lastTokenSec = end;
      if (!this.grow(s, s.kvTokens)) throw new Error('invariant: fused decode run outgrew the KV cache');
      if (s.generated >= s.req.outputTokens) {
        this.finished.push(s);
        anyFinished = true;
      }
    }
    for (let k = 1; k <= extra; k++) this.metrics.onItl(ends[k] - ends[k - 1], n);
    if (this.recorder) {
      const ctx0 = this.shape.decodeContextTokens;
      for (let k = 1; k <= extra; k++) {
        this.shape.decodeContextTokens = ctx0 + k * n;
        this.perf.predict(this.shape, this.cost);
        this.stepStartSec = ends[k - 1];
        this.stepSec = ends[k] - ends[k - 1];
        this.recorder.record(this, ends[k]);
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
    const available = this.kv.availableBlocks - (hitBlocks > 0 ? this.pinnableBlocks(hashIds!, hitBlocks) : 0);
    if (need > available - (noOtherWork ? 0 : this.watermarkBlocks)) return 0;
    this.waiting.popFront();
    if (hitBlocks > 0) {
      this.kv.acquirePrefix(hashIds!, hitBlocks);
      this.metrics.prefixHitTokens += hitTokens;
    }
    s.prefixHashBlocks = hitBlocks;
    s.prefixHitTokens = hitTokens;
    s.kvTokens = hitTokens;
    if (!this.kv.allocate(need)) throw new Error('invariant: admission allocation failed');
    s.ownedBlocks = need;
    if (s.firstScheduledSec < 0) s.firstScheduledSec = this.stepStartSec;
    this.running.push(s);
    this.addToBatch(s, chunk);
    return chunk;
  }

  /** Evictable blocks among the first `k` hash blocks (they stop being evictable once pinned). */
  private pinnableBlocks(hashIds: Int32Array, k: number): number {
    // acquirePrefix pins them, removing them from the evictable pool; count those that are evictable now.
    return this.kv.evictableAmong(hashIds, k);
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
    this.releaseSeq(victim);
    victim.promptLen = victim.req.inputTokens + victim.generated;
    victim.kvTokens = 0;
    victim.preemptions++;
    this.metrics.onPreempt();
    this.waiting.pushFront(victim);
    this.preemptedThisStep = true;
    return victim;
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
