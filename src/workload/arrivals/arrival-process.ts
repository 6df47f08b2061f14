/**
 * An open-loop arrival process: an endless, non-decreasing sequence of absolute arrival times in seconds
 * from the start of the simulation. Caps (request count, duration) are applied by the caller.
 */
export interface ArrivalProcess {
  /** The next arrival time in seconds (≥ the previous one). */
  nextArrivalSec(): number;
}
