import type { ArrivalProcess } from './arrival-process.ts';

/**
 * "Offline" mode: every request arrives at t = 0 (a batch job). Use it with a `requests` cap.
 *
 * @example
 * burstArrivals().nextArrivalSec(); // 0, always
 */
export function burstArrivals(): ArrivalProcess {
  return { nextArrivalSec: () => 0 };
}
