import { describe, expect, it } from 'vitest';
import { burstArrivals } from '../../src/workload/arrivals/burst.ts';
import { constantArrivals } from '../../src/workload/arrivals/constant.ts';
import { gammaArrivals } from '../../src/workload/arrivals/gamma.ts';
import { poissonArrivals } from '../../src/workload/arrivals/poisson.ts';
import type { ArrivalProcess } from '../../src/workload/arrivals/arrival-process.ts';
import { createRng } from '../../src/workload/rng.ts';
import { expectUserError, meanCv, minMax } from './helpers.ts';

const N = 200_000;

/** Inter-arrival gaps of the first n arrivals (the first measured from t = 0). */
function gaps(p: ArrivalProcess, n: number): Float64Array {
  const out = new Float64Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const t = p.nextArrivalSec();
    out[i] = t - prev;
    prev = t;
  }
  return out;
}

describe('poisson arrivals', () => {
  it('has the requested mean rate and exponential gaps (CV 1) within 2% over 200k arrivals', () => {
    const g = gaps(poissonArrivals({ ratePerSec: 8 }, createRng(42, 'arrivals')), N);
    const { mean, cv } = meanCv(g);
    expect(Math.abs(1 / mean / 8 - 1)).toBeLessThan(0.02);
    expect(Math.abs(cv - 1)).toBeLessThan(0.02);
    expect(minMax(g).min).toBeGreaterThanOrEqual(0);
  });

  it('rejects a non-positive rate with the key path', () => {
    expectUserError(() => poissonArrivals({ ratePerSec: 0 }, createRng(1, 'a')), 'workload.arrivals.ratePerSec', /> 0/);
    expectUserError(() => poissonArrivals({ ratePerSec: NaN }, createRng(1, 'a'), 'w.a'), 'w.a.ratePerSec');
  });
});

describe('gamma arrivals', () => {
  it.each([0.5, 1, 2, 4])('cv %f: mean rate within 2%% and gap CV within 3%%', (cv) => {
    const g = gaps(gammaArrivals({ ratePerSec: 5, cv }, createRng(42, `arrivals-${cv}`)), N);
    const s = meanCv(g);
    expect(Math.abs(1 / s.mean / 5 - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.cv / cv - 1)).toBeLessThan(0.03);
  });

  it('rejects cv ≤ 0', () => {
    expectUserError(() => gammaArrivals({ ratePerSec: 1, cv: -1 }, createRng(1, 'a')), 'workload.arrivals.cv');
  });
});

describe('constant and burst arrivals', () => {
  it('constant spaces arrivals exactly 1/rate apart from t = 0, without drift', () => {
    const p = constantArrivals({ ratePerSec: 10 });
    expect(p.nextArrivalSec()).toBe(0);
    expect(p.nextArrivalSec()).toBe(0.1);
    for (let i = 2; i < 1_000_000; i++) p.nextArrivalSec();
    expect(p.nextArrivalSec()).toBe(100_000);
  });

  it('burst puts every request at t = 0', () => {
    const p = burstArrivals();
    for (let i = 0; i < 10; i++) expect(p.nextArrivalSec()).toBe(0);
  });
});
