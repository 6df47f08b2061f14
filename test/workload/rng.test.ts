import { describe, expect, it } from 'vitest';
import { createRng, exponential, gamma, standardNormal } from '../../src/workload/rng.ts';
import { meanCv, minMax } from './helpers.ts';

const N = 200_000;
const draw = (n: number, f: () => number): Float64Array => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f();
  return out;
};

describe('createRng', () => {
  it('reproduces the same sequence for the same seed and stream', () => {
    const a = createRng(42, 'arrivals');
    const b = createRng(42, 'arrivals');
    for (let i = 0; i < 1000; i++) expect(a.next()).toBe(b.next());
  });

  it('gives different sequences for different streams or seeds', () => {
    const a = draw(10, createRng(42, 'arrivals').next);
    const b = draw(10, createRng(42, 'lengths.input').next);
    const c = draw(10, createRng(43, 'arrivals').next);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('is uniform on [0, 1)', () => {
    const rng = createRng(1, 'u');
    const xs = draw(N, rng.next);
    expect(minMax(xs).min).toBeGreaterThanOrEqual(0);
    expect(minMax(xs).max).toBeLessThan(1);
    expect(meanCv(xs).mean).toBeCloseTo(0.5, 2);
  });

  it('does not depend on other generators being used in between', () => {
    const a = createRng(7, 's');
    const first = [a.next(), a.next()];
    const b = createRng(7, 's');
    createRng(7, 'other').next();
    expect([b.next(), b.next()]).toEqual(first);
  });
});

describe('variates', () => {
  it('exponential has mean 1/rate and CV 1 (within 2%)', () => {
    const rng = createRng(3, 'exp');
    const { mean, cv } = meanCv(draw(N, () => exponential(rng, 4)));
    expect(Math.abs(mean / 0.25 - 1)).toBeLessThan(0.02);
    expect(Math.abs(cv - 1)).toBeLessThan(0.02);
  });

  it('standardNormal has mean 0 and std 1', () => {
    const rng = createRng(3, 'norm');
    const xs = draw(N, () => standardNormal(rng));
    let s = 0;
    let s2 = 0;
    for (const x of xs) {
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / N)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(s2 / N) - 1)).toBeLessThan(0.01);
  });

  it.each([
    [0.25, 2],
    [1, 1],
    [4, 0.5],
    [0.04, 0.5],
  ])('gamma(shape %f, scale %f) has mean kθ and CV 1/√k (within 3%)', (shape, scale) => {
    const rng = createRng(5, `gamma-${shape}`);
    const { mean, cv } = meanCv(draw(N, () => gamma(rng, shape, scale)));
    expect(Math.abs(mean / (shape * scale) - 1)).toBeLessThan(0.03);
    expect(Math.abs(cv / (1 / Math.sqrt(shape)) - 1)).toBeLessThan(0.03);
  });
});
