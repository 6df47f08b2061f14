import { GrowableFloat64 } from './growable.ts';
import { GapHistogram } from './gap-histogram.ts';
import type { Seq } from '../engine/seq.ts';

export type RejectReason =
  | 'prompt-exceeds-max-batched-tokens'
  | 'exceeds-kv-capacity'
  | 'exceeds-max-model-len'
  | 'rate-limit'
  | 'token-rate-limit'
  | 'max-concurrency'
  | 'max-context'
  | 'queue-full'
  | 'predicted-ttft'
  | 'no-capacity';

/**
 * Collects exact per-request latencies (seconds) in chunked typed arrays, inter-token gaps in a
 * µs-resolution histogram (every sequence that produced a token in the previous step of its replica has
 * the same gap, so a step adds one entry for all of them), plus counters. Summaries are computed at the end.
 */
export class MetricsCollector {
  readonly ttftSec = new GrowableFloat64();
  /** TPOT per request with ≥ 2 output tokens. */
  readonly tpotSec = new GrowableFloat64();
  readonly e2eSec = new GrowableFloat64();
  readonly queueSec = new GrowableFloat64();
  /** Per request: time in the API server's host path before its first token reached the client (http frontend). */
  readonly frontendSec = new GrowableFloat64();
  /** Whether requests pass through a frontend (then `frontendSec` has one value per completed request). */
  hasFrontend = false;
  /** Inter-token gaps (bounded memory, µs resolution). */
  readonly itl = new GapHistogram();

  /** Per-request details for CSV output; null unless asked for. */
  readonly detail: RequestDetail | null;

  arrived = 0;
  completed = 0;
  rejected = 0;
  readonly rejectedByReason: Record<string, number> = {};
  /** Preemption events (a request preempted twice counts twice). */
  preemptions = 0;
  /** Completed requests that were preempted at least once. */
  preemptedRequests = 0;
  inputTokens = 0;
  outputTokens = 0;
  prefixHitTokens = 0;
  /** GPU-seconds of engine steps attributed to these requests (by their share of each step's tokens). */
  gpuSec = 0;
  /** Requests re-run elsewhere after their replica failed or was drained with migration. */
  retried = 0;
  /** Requests lost with a failed replica. */
  lost = 0;
  /** Requests that waited for a replica to finish its cold start. */
  waitedOnColdStart = 0;
  /** Requests whose admission was deferred by a quota. */
  deferred = 0;
  firstArrivalSec = Infinity;
  lastCompletionSec = 0;
  /**
   * Warm-up requests (`workload.warmupRequests`) that arrived. They run, and count in `arrived`, `completed`
   * and the token totals (cost), but in no latency sample and not in the throughput numerators.
   */
  warmup = 0;
  warmupCompleted = 0;
  warmupInputTokens = 0;
  warmupOutputTokens = 0;
  /** Arrival time of the first request that is not warm-up (start of the throughput window when warm-up is on). */
  firstMeasuredArrivalSec = Infinity;
  /** Σ time in system of every completed request, warm-up included (Little's law). */
  sojournSumSec = 0;

  // Little's law bookkeeping: ∫ N(t) dt where N = requests in the system (arrived, not finished).
  private inSystem = 0;
  private lastChangeSec = 0;
  inSystemAreaReqSec = 0;

  constructor(opts: { perRequestDetail: boolean } = { perRequestDetail: false }) {
    this.detail = opts.perRequestDetail ? new RequestDetail() : null;
  }

  /** Tokens (input + output) of arrived requests: the demand, for fair-share accounting. */
  demandTokens = 0;

  onArrival(nowSec: number, tokens = 0, warmup = false): void {
    this.arrived++;
    this.demandTokens += tokens;
    if (nowSec < this.firstArrivalSec) this.firstArrivalSec = nowSec;
    if (warmup) this.warmup++;
    else if (nowSec < this.firstMeasuredArrivalSec) this.firstMeasuredArrivalSec = nowSec;
    this.changeInSystem(nowSec, +1);
  }

  onReject(nowSec: number, reason: RejectReason): void {
    this.rejected++;
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + 1;
    this.changeInSystem(nowSec, -1);
  }

  onPreempt(): void {
    this.preemptions++;
  }

  /** A request left the system without completing (lost with a failed replica). */
  onLost(nowSec: number): void {
    this.lost++;
    this.changeInSystem(nowSec, -1);
  }

  /** `count` sequences saw an inter-token gap of `gapSec`. */
  onItl(gapSec: number, count: number): void {
    this.itl.add(gapSec, count);
  }

  onComplete(seq: Seq, nowSec: number): void {
    const req = seq.req;
    const ttft = seq.firstTokenSec - req.arrivalSec;
    const e2e = nowSec - req.arrivalSec;
    this.completed++;
    this.sojournSumSec += e2e;
    if (req.warmup) {
      this.warmupCompleted++;
      this.warmupInputTokens += req.inputTokens;
      this.warmupOutputTokens += req.outputTokens;
    } else {
      this.ttftSec.push(ttft);
      this.e2eSec.push(e2e);
      this.queueSec.push(seq.firstScheduledSec - req.arrivalSec);
      if (this.hasFrontend) this.frontendSec.push(seq.frontendSec);
      if (req.outputTokens > 1) this.tpotSec.push((e2e - ttft) / (req.outputTokens - 1));
    }
    this.inputTokens += req.inputTokens;
    this.outputTokens += req.outputTokens;
    if (seq.preemptions > 0) this.preemptedRequests++;
    if (nowSec > this.lastCompletionSec) this.lastCompletionSec = nowSec;
    this.changeInSystem(nowSec, -1);
    if (this.detail) this.detail.add(seq, nowSec);
  }

  /** Requests arrived and neither completed nor rejected. */
  get inFlight(): number {
    return this.inSystem;
  }

  /** Closes the Little's-law integral at `nowSec`. */
  finish(nowSec: number): void {
    this.changeInSystem(nowSec, 0);
  }

  private changeInSystem(nowSec: number, delta: number): void {
    this.inSystemAreaReqSec += this.inSystem * (nowSec - this.lastChangeSec);
    this.lastChangeSec = nowSec;
    this.inSystem += delta;
  }
}

/** Column store of per-request results, in completion order. */
export class RequestDetail {
  readonly id = new GrowableFloat64();
  readonly replica = new GrowableFloat64();
  readonly arrivalSec = new GrowableFloat64();
  readonly firstScheduledSec = new GrowableFloat64();
  readonly firstTokenSec = new GrowableFloat64();
  readonly completionSec = new GrowableFloat64();
  readonly inputTokens = new GrowableFloat64();
  readonly outputTokens = new GrowableFloat64();
  readonly prefixHitTokens = new GrowableFloat64();
  readonly preemptions = new GrowableFloat64();

  add(seq: Seq, nowSec: number): void {
    const r = seq.req;
    this.id.push(r.id);
    this.replica.push(seq.replica);
    this.arrivalSec.push(r.arrivalSec);
    this.firstScheduledSec.push(seq.firstScheduledSec);
    this.firstTokenSec.push(seq.firstTokenSec);
    this.completionSec.push(nowSec);
    this.inputTokens.push(r.inputTokens);
    this.outputTokens.push(r.outputTokens);
    this.prefixHitTokens.push(seq.prefixHitTokens);
    this.preemptions.push(seq.preemptions);
  }
}
