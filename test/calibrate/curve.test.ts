import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binnedMedianCurve, evalCurve, evalLogCurve, isotonicCurve, roundCurve, simplifyCurve, toLogCurve,
} from '../../src/calibrate/curve.ts';

describe('log-log curves', () => {
  const c = { at: [1, 10, 100], eff: [0.01, 0.1, 0.5] };

  it('is exact at the knots, a power law between them and flat outside', () => {
    expect(evalCurve(c, 1)).toBeCloseTo(0.01, 12);
    expect(evalCurve(c, 10)).toBeCloseTo(0.1, 12);
    expect(evalCurve(c, 100)).toBeCloseTo(0.5, 12);
    // between 1 and 10 eff ∝ x: eff(5) = 0.05
    expect(evalCurve(c, 5)).toBeCloseTo(0.05, 12);
    // geometric midpoint of 10..100: sqrt(0.1·0.5)
    expect(evalCurve(c, Math.sqrt(1000))).toBeCloseTo(Math.sqrt(0.05), 12);
    expect(evalCurve(c, 0.001)).toBeCloseTo(0.01, 14);
    expect(evalCurve(c, 1e9)).toBeCloseTo(0.5, 12);
  });

  it('evaluation stays between neighbouring knot values (property)', () => {
    const lc = toLogCurve(c);
    fc.assert(fc.property(fc.double({ min: 1, max: 100, noNaN: true }), (x) => {
      const v = evalLogCurve(lc, x);
      return v >= 0.01 - 1e-12 && v <= 0.5 + 1e-12;
    }));
  });

  it('isotonic fit is non-decreasing and pools violators', () => {
    const f = isotonicCurve([{ x: 1, y: 0.5 }, { x: 2, y: 0.3 }, { x: 4, y: 0.6 }, { x: 8, y: 0.7 }]);
    for (let i = 1; i < f.eff.length; i++) expect(f.eff[i]!).toBeGreaterThanOrEqual(f.eff[i - 1]!);
    expect(f.at.length).toBe(3);
    expect(f.eff[0]).toBeCloseTo(Math.sqrt(0.15), 10); // geometric mean of the pooled pair
  });

  it('binned medians are robust to an outlier', () => {
    const pts = [1, 1.05, 1.1, 1.12].map((x, i) => ({ x, y: i === 2 ? 100 : 0.5 }));
    const b = binnedMedianCurve(pts, 4);
    expect(b.at.length).toBe(1);
    expect(b.eff[0]).toBeCloseTo(0.5, 10);
  });

  it('simplification keeps the ends and stays within tolerance at dropped knots', () => {
    const at = Array.from({ length: 50 }, (_, i) => 2 ** (i / 4));
    const eff = at.map((x) => 0.9 * x / (x + 30));
    const s = simplifyCurve({ at, eff }, 0.01);
    expect(s.at[0]).toBe(at[0]);
    expect(s.at[s.at.length - 1]).toBe(at[at.length - 1]);
    expect(s.at.length).toBeLessThan(at.length);
    for (let i = 0; i < at.length; i++) expect(Math.abs(Math.log(evalCurve(s, at[i]!) / eff[i]!))).toBeLessThanOrEqual(0.01 + 1e-9);
  });

  it('rounding keeps knots strictly increasing', () => {
    const r = roundCurve({ at: [1, 1.0000000001, 2], eff: [0.1, 0.2, 0.3] });
    expect(r.at).toEqual([1, 2]);
  });
});
