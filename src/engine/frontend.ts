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
 * Two lanes of CPU work, each a work-conserving FIFO queue on `cores` cores (fluid: a lane's backlog drains at
 * `cores` seconds of work per second; one job runs on one core):
 * - intake: a request's handling (requestSec + inputTokenSec × input tokens) starts when the intake backlog
 *   clears and ends one job-length later; only then does the engine see the request;
 * - streaming: the tokens of each engine step (outputTokenSec × tokens) join the streaming backlog when the
 *   step ends; clients receive them when the backlog including them has drained.
 * The lanes are separate because the server's event loop interleaves request handlers with the output
 * handler (neither waits for the other's whole backlog), and because part of the per-token work is the
 * benchmark client's own parsing in another process. At low load this adds the intake to TTFT and a per-step
 * delay to every token; when a lane saturates its backlog grows and shows up as TTFT (intake) or as
 * inter-token latency and lower client-side throughput (streaming), as in real servers.
 */
export class Frontend {
  /** When each lane's backlog known so far drains. */
  private intakeFreeSec = 0;
  private streamFreeSec = 0;
  /** Latest intake completion (intakes complete in order). */
  private lastIntakeSec = 0;
  /** CPU seconds of work done (or queued) so far, both lanes. */
  workSec = 0;

  constructor(readonly costs: FrontendCosts) {}

  /** Seconds of queued work at `nowSec` in each lane (what a load balancer can estimate from what it sent). */
  backlogSec(nowSec: number): { intake: number; stream: number } {
    return { intake: Math.max(0, this.intakeFreeSec - nowSec), stream: Math.max(0, this.streamFreeSec - nowSec) };
  }

  /** Time at which a request arriving at `nowSec` has been handled and tokenised and reaches the engine. */
  intake(req: Request, nowSec: number): number {
    const c = this.costs;
    const w = c.requestSec + c.inputTokenSec * req.inputTokens;
    const start = this.intakeFreeSec > nowSec ? this.intakeFreeSec : nowSec;
    this.intakeFreeSec = start + w / c.cores;
    this.workSec += w;
    let t = start + w;
    if (t < this.lastIntakeSec) t = this.lastIntakeSec;
    this.lastIntakeSec = t;
    return t;
  }

  /** Time at which `tokens` tokens produced by a step ending at `stepEndSec` reach their clients. */
  output(stepEndSec: number, tokens: number): number {
    const w = this.costs.outputTokenSec * tokens;
    this.streamFreeSec = (this.streamFreeSec > stepEndSec ? this.streamFreeSec : stepEndSec) + w / this.costs.cores;
    this.workSec += w;
    return this.streamFreeSec;
  }
}
