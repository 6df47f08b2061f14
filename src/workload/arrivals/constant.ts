import { requirePositive } from '../validate.ts';
import type { ArrivalProcess } from './arrival-process.ts';

/** Parameters of a constant-rate (deterministic) arrival process. */
export interface ConstantArrivalParams {
  /** Arrival rate in requests per second (> 0). */
  ratePerSec: number;
}

/**
 * Evenly spaced arrivals at t = 0, 1/rate, 2/rate, … (computed as i/rate, so no drift accumulates).
 *
 * @param where config key path used in error messages
 * @example
 * const c = constantArrivals({ ratePerSec: 4 });
 * c.nextArrivalSec(); // 0
 * c.nextArrivalSec(); // 0.25
 */
export function constantArrivals(params: ConstantArrivalParams, where = 'workload.arrivals'): ArrivalProcess {
  const rate = requirePositive(params.ratePerSec, `${where}.ratePerSec`, 'an arrival rate in requests per second, e.g. 8');
  let i = 0;
  return {
    nextArrivalSec() {
      return i++ / rate;
    },
  };
}
