import type { Lengths } from '../types.ts';

/**
 * Closed-loop load: `concurrency` virtual users, each sending a request, waiting for it to finish, thinking
 * for `thinkTimeMs`, then sending the next. The simulator drives it (it issues a new request when one
 * finishes); the workload layer supplies only the lengths of each new request.
 */
export interface ClosedLoopParams {
  /** Number of concurrent users (integer ≥ 1). */
  concurrency: number;
  /** Pause between a response and the user's next request, in milliseconds (≥ 0). */
  thinkTimeMs: number;
}

/** Draws the lengths of the next closed-loop request. */
export type LengthsSource = () => Lengths;
