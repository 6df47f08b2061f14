import type { StepCost } from '../perf/types.ts';

/**
 * The per-replica, time-aware seam of step times: the replica's current clock/throttle state multiplies
 * the GPU part of each step (power caps, thermal throttling; src/power/replica-clock.ts).
 *
 * The state is piecewise constant: it changes only when the step activity changes (a different batch) or
 * at `horizonSec` (e.g. the GPU reaching its throttle temperature). A fused decode run keeps one activity
 * and stops at the first step that ends at or after the horizon, so it stays exactly equal to stepping one
 * event at a time.
 */
export interface StepClock {
  /** False when the clock only observes (energy accounting): the multiplier is always 1. */
  readonly scalesSteps: boolean;
  /** Absolute time from which the multiplier may differ under the current activity (Infinity: never). */
  readonly horizonSec: number;
  /**
   * A step starts at `nowSec`. With `cost` (the step's nominal breakdown at the default power limit) the
   * activity changed; with null the previous activity holds. Returns the multiplier of the step's GPU time.
   */
  beginStep(nowSec: number, cost: StepCost | null): number;
  /** The replica has nothing to run from `nowSec`. */
  idle(nowSec: number): void;
}
