import { exponential, type Rng } from '../rng.ts';
import { requirePositive } from '../validate.ts';
import type { ArrivalProcess } from './arrival-process.ts';

/** Parameters of a Poisson arrival process. */
export interface PoissonArrivalParams {
  /** Mean arrival rate in requests per second (> 0). */
  ratePerSec: number;
}

/**
 * Poisson arrivals: exponential inter-arrival gaps with mean 1/rate. The process starts at t = 0, so the
 * first arrival is one gap after 0.
 *
 * @param where config key path used in error messages
 * @example
 * const p = poissonArrivals({ ratePerSec: 8 }, createRng(42, 'arrivals'));
 * p.nextArrivalSec(); // ≈ 0.125 s on average
 */
export function poissonArrivals(
  params: PoissonArrivalParams,
  rng: Rng,
  where = 'workload.arrivals',
): ArrivalProcess {
  const rate = requirePositive(params.ratePerSec, `${where}.ratePerSec`, 'an arrival rate in requests per second, e.g. 8');
  let t = 0;
  return {
    nextArrivalSec() {
      t += exponential(rng, rate);
      return t;
    },
  };
}
