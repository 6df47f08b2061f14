import { describe, expect, it } from 'vitest';
import { empiricalLengths, readLengthColumn } from '../../src/workload/lengths/empirical.ts';
import { fixedLengths } from '../../src/workload/lengths/fixed.ts';
import { lognormalLengths, solveLognormal, Z_P99 } from '../../src/workload/lengths/lognormal.ts';
import { normalLengths } from '../../src/workload/lengths/normal.ts';
import { uniformLengths } from '../../src/workload/lengths/uniform.ts';
import { openLineSource } from '../../src/workload/node-line-source.ts';
import { createRng } from '../../src/workload/rng.ts';
import { stringLineSource } from '../../src/workload/string-line-source.ts';
import type { LengthSampler } from '../../src/workload/types.ts';
import { expectUserError, fixture, meanCv, quantile } from './helpers.ts';

const N = 200_000;
const sample = (s: LengthSampler, n: number): Int32Array => {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = s.sample();
  return out;
};
const allPositiveInts = (xs: Int32Array): boolean => xs.every((x) => Number.isInteger(x) && x >= 1);

describe('fixed', () => {
  it('returns the value', () => {
    expect(fixedLengths({ value: 200 }).sample()).toBe(200);
  });
  it('rejects 0, negatives, fractions and NaN with the key path', () => {
    for (const value of [0, -3, 2.5, NaN]) {
      expectUserError(() => fixedLengths({ value }, 'workload.lengths.output'), 'workload.lengths.output.value');
    }
  });
});

describe('uniform', () => {
  it('draws integers in [min, max], both ends included, roughly evenly', () => {
    const xs = sample(uniformLengths({ min: 3, max: 7 }, createRng(1, 'u')), 50_000);
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([3, 4, 5, 6, 7]);
    for (const c of counts.values()) expect(Math.abs(c / 10_000 - 1)).toBeLessThan(0.05);
  });
  it('rejects max < min at the max key', () => {
    expectUserError(() => uniformLengths({ min: 10, max: 5 }, createRng(1, 'u'), 'workload.lengths.input'), 'workload.lengths.input.max', /smaller than min/);
  });
});

describe('normal', () => {
  it('has the requested mean and std', () => {
    const { mean, cv } = meanCv(sample(normalLengths({ mean: 500, std: 100 }, createRng(1, 'n')), N));
    expect(Math.abs(mean / 500 - 1)).toBeLessThan(0.01);
    expect(Math.abs((cv * mean) / 100 - 1)).toBeLessThan(0.02);
  });
  it('never returns less than 1', () => {
    const xs = sample(normalLengths({ mean: 2, std: 50 }, createRng(1, 'n')), 10_000);
    expect(allPositiveInts(xs)).toBe(true);
  });
  it('rejects a negative std', () => {
    expectUserError(() => normalLengths({ mean: 5, std: -1 }, createRng(1, 'n'), 'x'), 'x.std');
  });
});

describe('lognormal', () => {
  it.each([
    [1000, 4000],
    [200, 600],
    [50, 700],
  ])('mean %d / p99 %d are met within 3%% over 200k samples', (m, q) => {
    const xs = sample(lognormalLengths({ mean: m, p99: q }, createRng(42, 'lengths.input')), N);
    expect(allPositiveInts(xs)).toBe(true);
    expect(Math.abs(meanCv(xs).mean / m - 1)).toBeLessThan(0.03);
    expect(Math.abs(quantile(xs, 0.99) / q - 1)).toBeLessThan(0.03);
  });

  it('solves the quadratic for the smaller root', () => {
    const s = solveLognormal({ mean: 1000, p99: 4000 });
    if ('key' in s) throw new Error(s.message);
    expect(Math.exp(s.mu + (s.sigma * s.sigma) / 2)).toBeCloseTo(1000, 6);
    expect(Math.exp(s.mu + Z_P99 * s.sigma)).toBeCloseTo(4000, 6);
    expect(s.sigma).toBeLessThan(Z_P99);
  });

  it('accepts {mean, sigma}', () => {
    const xs = sample(lognormalLengths({ mean: 800, sigma: 0.5 }, createRng(2, 'l')), N);
    expect(Math.abs(meanCv(xs).mean / 800 - 1)).toBeLessThan(0.02);
  });

  it('explains why p99 ≤ mean or p99 > 14.97 × mean has no solution', () => {
    const rng = createRng(1, 'l');
    expectUserError(() => lognormalLengths({ mean: 1000, p99: 900 }, rng, 'workload.lengths.input'), 'workload.lengths.input.p99', /larger than mean/);
    expectUserError(() => lognormalLengths({ mean: 1000, p99: 1000 }, rng, 'workload.lengths.input'), 'workload.lengths.input.p99');
    const e = expectUserError(() => lognormalLengths({ mean: 100, p99: 1600 }, rng, 'workload.lengths.input'), 'workload.lengths.input.p99', /at most/);
    expect(e.fix).toMatch(/1496/);
    expect('key' in solveLognormal({ mean: 100, p99: 1490 })).toBe(false);
    expectUserError(() => lognormalLengths({ mean: 100 }, rng, 'w'), 'w.p99', /exactly one/);
    expectUserError(() => lognormalLengths({ mean: 100, p99: 300, sigma: 1 }, rng, 'w'), 'w.sigma', /exactly one/);
    expectUserError(() => lognormalLengths({ mean: -1, p99: 300 }, rng, 'w'), 'w.mean');
  });
});

describe('file (empirical) lengths', () => {
  it('reads a column and samples only its values, roughly uniformly', () => {
    const values = readLengthColumn(openLineSource(fixture('lengths-small.csv')), 'num_decode_tokens');
    expect(Array.from(values)).toEqual([10, 20, 30]);
    const xs = sample(empiricalLengths(values, createRng(1, 'f')), 30_000);
    for (const v of [10, 20, 30]) {
      const c = xs.filter((x) => x === v).length;
      expect(Math.abs(c / 10_000 - 1)).toBeLessThan(0.05);
    }
  });

  it('names the columns that exist when the column is missing', () => {
    const name = fixture('lengths-small.csv');
    const e = expectUserError(() => readLengthColumn(openLineSource(name), 'output'), `${name}:1`, /no column 'output'/);
    expect(e.fix).toMatch(/num_prefill_tokens, num_decode_tokens/);
  });

  it('rejects zero lengths at file:line', () => {
    const name = fixture('lengths-bad.csv');
    expectUserError(() => readLengthColumn(openLineSource(name), 'num_decode_tokens'), `${name}:3`, /≥ 1/);
  });

  it('rejects an empty file and a header-only file', () => {
    expectUserError(() => readLengthColumn(stringLineSource('e.csv', ''), 'a'), 'e.csv:1', /empty/);
    expectUserError(() => readLengthColumn(stringLineSource('h.csv', 'a,b\n'), 'a'), 'h.csv:1', /no rows/);
  });
});
