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
 * A work-conserving queue of CPU work served by `cores` cores (fluid: the backlog drains at `cores` seconds
 * of work per second; one job runs on one core):
 * - a request's intake (requestSec + inputTokenSec × input tokens) starts when the backlog clears and ends
 *   one job-length later; only then does the engine see the request;
 * - the tokens of each engine step (outputTokenSec × tokens) are appended when the step ends; the client
 *   receives them when the backlog including them has drained.
 * At low load this adds the intake to TTFT and a per-step delay to every token; when the CPU saturates, the
 * backlog grows and shows up as TTFT and inter-token latency, as in real servers. Jobs finish in FIFO order.
 */
export class Frontend {
  /** When the backlog known so far drains. */
  private freeSec = 0;
  /** Latest intake completion (intakes complete in order). */
  private lastIntakeSec = 0;
  /** CPU seconds of work done (or queued) so far. */
  workSec = 0;

  constructor(readonly costs: FrontendCosts) {}

  /** Time at which a request arriving at `nowSec` has been tokenised and reaches the engine. */
  intake(req: Request, nowSec: number): number {
    const c = this.costs;
    const w = c.requestSec + c.inputTokenSec * req.inputTokens;
    const start = this.freeSec > nowSec ? this.freeSec : nowSec;
    this.freeSec = start + w / c.cores;
    this.workSec += w;
    let t = start + w;
    if (t < this.lastIntakeSec) t = this.lastIntakeSec;
    this.lastIntakeSec = t;
    return t;
  }

  /** Time at which `tokens` tokens produced by a step ending at `stepEndSec` reach their clients. */
  output(stepEndSec: number, tokens: number): number {
    const w = this.costs.outputTokenSec * tokens;
    this.freeSec = (this.freeSec > stepEndSec ? this.freeSec : stepEndSec) + w / this.costs.cores;
    this.workSec += w;
    return this.freeSec;
  }
}
