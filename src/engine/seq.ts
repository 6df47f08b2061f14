import type { Request } from '../workload/types.ts';

/**
 * The engine-side state of one request on one replica. Token counts:
 * - `promptLen`: tokens whose KV must exist before decoding (the input; input + generated after a
 *   preemption by recompute);
 * - `kvTokens`: tokens whose KV is in the cache (prefix-cache hits included);
 * - `generated`: output tokens sampled so far (the first one by the step that finishes the prompt).
 * A decode step appends the last sampled token to the KV and samples the next one.
 */
export class Seq {
  promptLen: number;
  kvTokens = 0;
  generated = 0;
  /** KV blocks this sequence owns. */
  ownedBlocks = 0;
  /** Leading prefix-cache hash blocks this sequence pins. */
  prefixHashBlocks = 0;
  /** Tokens served from the prefix cache at (the latest) admission. */
  prefixHitTokens = 0;
  enqueuedSec: number;
  firstScheduledSec = -1;
  firstTokenSec = -1;
  lastTokenSec = -1;
  preemptions = 0;
  /** Time spent in the API server's host path before the first token reached the client (intake + output delay). */
  frontendSec = 0;
  /** Tenant index (0 when the scenario has no tenants). */
  readonly tenant: number;
  /** Priority class: lower values are served first. */
  readonly priority: number;
  /** Replica currently holding the sequence (changes on disaggregated hand-off and on retry). */
  replica: number;
  /** Scratch flags of the replica: finished this step / leaving for a decode replica. */
  done = false;
  handoff = false;
  /** KV bytes of this sequence held in host memory after a preemption by swap (0: none). */
  swappedBytes = 0;

  constructor(
    readonly req: Request,
    replica: number,
    nowSec: number,
  ) {
    this.promptLen = req.inputTokens;
    this.enqueuedSec = nowSec;
    this.replica = replica;
    this.tenant = req.tenant ?? 0;
    this.priority = req.priority ?? 0;
  }

  get inPrefill(): boolean {
    return this.kvTokens < this.promptLen;
  }
}
