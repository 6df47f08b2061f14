import { gamma, type Rng } from '../rng.ts';
import { requirePositive } from '../validate.ts';
import type { ArrivalProcess } from './arrival-process.ts';

/** Parameters of a gamma renewal arrival process. */
export interface GammaArrivalParams {
  /** Mean arrival rate in requests per second (> 0). */
  ratePerSec: number;
  /** Coefficient of variation of the inter-arrival gaps (> 0): 1 ⇒ Poisson, > 1 bursty, < 1 regular. */
  cv: number;
}

/**
 * Gamma-distributed inter-arrival gaps with mean 1/rate and coefficient of variation `cv`
 * (shape k = 1/cv², scale θ = cv²/rate). The process starts at t = 0, so the first arrival is one gap
 * after 0.
 *
 * @param where config key path used in error messages
 * @example
 * const bursty = gammaArrivals({ ratePerSec: 8, cv: 4 }, createRng(42, 'arrivals'));
 * bursty.nextArrivalSec();
 */
export function gammaArrivals(params: GammaArrivalParams, rng: Rng, where = 'workload.arrivals'): ArrivalProcess {
  const rate = requirePositive(params.ratePerSec, `${where}.ratePerSec`, 'an arrival rate in requests per second, e.g. 8');
  const cv = requirePositive(params.cv, `${where}.cv`, 'the inter-arrival coefficient of variation, e.g. 2 (1 is Poisson)');
  const shape = 1 / (cv * cv);
  const scale = (cv * cv) / rate;
  let t = 0;
  return {
    nextArrivalSec() {
      t += gamma(rng, shape, scale);
      return t;
    },
  };
}
