import type { EngineConfig } from './config.ts';
import type { Seq } from './seq.ts';
import type { AdmitOptions } from './replica.ts';

/**
 * What a batching policy (src/engine/schedulers/*.ts) sees of a replica: its queues, the batch being formed
 * and the admission / preemption / KV-growth operations. Nothing about the fleet, timing, metrics or
 * lifecycle, so a scheduler cannot reach them.
 */
export interface SchedulerView {
  readonly cfg: Pick<EngineConfig, 'maxNumSeqs' | 'maxBatchedTokens' | 'wholePrompt' | 'guaranteedNoEvict'>;
  /** The waiting queue, read-only: admission goes through `tryAdmitHead`. */
  readonly waiting: { readonly length: number; peekFront(): Seq | undefined };
  /** Running sequences, oldest first (read-only: preemption goes through `preemptNewest` / `preemptForHead`). */
  readonly running: readonly Seq[];
  /** Sequences in the batch formed so far. */
  readonly batchN: number;
  /** Set when this step preempted (continuous mode then admits no prefills). */
  readonly preemptedThisStep: boolean;
  addToBatch(s: Seq, tokens: number): void;
  tryAdmitHead(maxChunk: number, opts: AdmitOptions): number;
  headBlocked(): boolean;
  preemptForHead(): boolean;
  preemptNewest(): Seq;
  grow(s: Seq, tokens: number): boolean;
  fitTokens(s: Seq): number;
}

/** A batching policy: forms one step's batch through the view. */
export type Scheduler = (r: SchedulerView) => void;
