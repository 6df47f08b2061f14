import type { Request } from '../workload/types.ts';

/** Host costs of an API server (seconds of CPU). */
export interface FrontendCosts {
  cores: number;
  requestSec: number;
  inputTokenSec: number;
  outputTokenSec: number;
}

/**
 * The host path of one replica's API server (`engine.frontend: http`): the request handling, tokenisation,
 * detokenisation and streaming that vLLM's, SGLang's and trtllm-serve's frontends run on host CPU cores,
 * outside the GPU's step loop.
 *
 * Two classes of CPU work share `cores` cores (fluid: work drains at `cores` CPU-seconds per second):
 * - intake: a request's handling (requestSec + inputTokenSec × input tokens); the engine sees the request
 *   when its intake is done;
 * - streaming: the tokens of each engine step (outputTokenSec × tokens), appended when the step ends; clients
 *   receive them when the streaming work queued up to and including them is done.
 * Each class is FIFO; the two share the CPU equally while both have work (the server's event loop interleaves
 * request handlers with its output handler), and a class alone gets all of it. A job's completion is computed
 * when it arrives, from the backlogs known then (later arrivals of the other class are not foreseen). At low
 * load this adds the intake to TTFT and a small per-step delay to every token; in a burst the intake storm
 * slows streaming (inter-token gaps grow) and heavy streaming slows intake (TTFT grows), and client-side
 * throughput is capped by the CPU, as in real servers.
 */
/** Scratch for `drained` (the simulator is single-threaded). */
const scratch = new Float64Array(2);

export class Frontend {
  /** Work (CPU seconds) left in each class at `atSec`. */
  private intakeLeft = 0;
  private streamLeft = 0;
  private atSec = 0;
  /** Latest completion handed out per class (each class completes in order). */
  private lastIntakeSec = 0;
  private lastStreamSec = 0;
  /** CPU seconds of work done (or queued) so far, both classes. */
  workSec = 0;

  constructor(readonly costs: FrontendCosts) {}

  /** Drains the backlogs up to `t` (never backwards). */
  private advance(t: number): void {
    if (!(t > this.atSec)) return;
    this.drained(t);
    this.atSec = t;
    this.intakeLeft = scratch[0]!;
    this.streamLeft = scratch[1]!;
  }

  /** The two backlogs as they will be at `t` ≥ atSec if nothing arrives, into `scratch` (no allocation). */
  private drained(t: number): void {
    let dt = t - this.atSec;
    const c = this.costs.cores;
    let a = this.intakeLeft;
    let b = this.streamLeft;
    if (dt > 0 && a > 0 && b > 0) {
      const m = a < b ? a : b;
      const shared = (2 * m) / c; // time for the smaller backlog to drain at half the CPU
      if (shared >= dt) {
        scratch[0] = a - (dt * c) / 2;
        scratch[1] = b - (dt * c) / 2;
        return;
      }
      a -= m;
      b -= m;
      dt -= shared;
    }
    scratch[0] = a > 0 ? Math.max(0, a - (dt > 0 ? dt : 0) * c) : 0;
    scratch[1] = b > 0 ? Math.max(0, b - (dt > 0 ? dt : 0) * c) : 0;
  }

  /**
   * Seconds of CPU work still queued at `nowSec` (both classes, per core): what a load balancer can estimate
   * from what it sent. Does not change the state; allocates nothing.
   */
  backlogSec(nowSec: number): number {
    this.drained(nowSec > this.atSec ? nowSec : this.atSec);
    return (scratch[0]! + scratch[1]!) / this.costs.cores;
  }

  /** When a class with `own` work left (the new job included) finishes it, the other class having `other`. */
  private finishAt(own: number, other: number): number {
    const c = this.costs.cores;
    return other >= own ? this.atSec + (2 * own) / c : this.atSec + (2 * other) / c + (own - other) / c;
  }

  /** Time at which a request arriving at `nowSec` has been handled and tokenised and reaches the engine. */
  intake(req: Request, nowSec: number): number {
    const c = this.costs;
    const w = c.requestSec + c.inputTokenSec * req.inputTokens;
    this.advance(nowSec);
    this.intakeLeft += w;
    this.workSec += w;
    // one request's handling runs on one core
    let t = this.finishAt(this.intakeLeft, this.streamLeft);
    const oneCore = (this.atSec > nowSec ? this.atSec : nowSec) + w;
    if (t < oneCore) t = oneCore;
    if (t < this.lastIntakeSec) t = this.lastIntakeSec;
    this.lastIntakeSec = t;
    return t;
  }

  /** Time at which `tokens` tokens produced by a step ending at `stepEndSec` reach their clients. */
  output(stepEndSec: number, tokens: number): number {
    const w = this.costs.outputTokenSec * tokens;
    this.advance(stepEndSec);
    this.streamLeft += w;
    this.workSec += w;
    const start = stepEndSec > this.atSec ? stepEndSec : this.atSec;
    let t = this.finishAt(this.streamLeft, this.intakeLeft);
    if (t < start) t = start;
    if (t < this.lastStreamSec) t = this.lastStreamSec;
    this.lastStreamSec = t;
    return t;
  }
}
