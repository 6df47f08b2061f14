import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fastCurve } from '../../src/calibrate/fast-curve.ts';
import { evalLogCurve, toLogCurve } from '../../src/calibrate/curve.ts';

describe('fastCurve', () => {
  it('matches the log-log curve to 1e-3 relative, flat outside the knots', () => {
    const c = toLogCurve({ at: [1, 7, 64, 300, 4096, 1e6], eff: [0.002, 0.05, 0.4, 0.62, 0.8, 0.83] });
    const f = fastCurve(c);
    expect(f(0.5)).toBe(evalLogCurve(c, 1));
    expect(f(2e6)).toBe(evalLogCurve(c, 1e6));
    fc.assert(fc.property(fc.double({ min: 1, max: 1e6, noNaN: true }), (x) => {
      const exact = evalLogCurve(c, x);
      expect(Math.abs(f(x) - exact) / exact).toBeLessThan(1e-3);
    }));
  });
});
