import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { quantileSorted, weightedQuantile } from '../../src/metrics/percentile.ts';
import { latencyStatsMs, weightedLatencyStatsMs } from '../../src/metrics/summary.ts';

describe('quantiles', () => {
  it('interpolates between closest ranks like numpy.percentile', () => {
    const d = Float64Array.of(1, 2, 3, 4, 10);
    expect(quantileSorted(d, 0)).toBe(1);
    expect(quantileSorted(d, 0.5)).toBe(3);
    expect(quantileSorted(d, 0.9)).toBeCloseTo(7.6, 12); // numpy.percentile([1,2,3,4,10], 90) = 7.6
    expect(quantileSorted(d, 1)).toBe(10);
    expect(Number.isNaN(quantileSorted(new Float64Array(0), 0.5))).toBe(true);
  });

  it('weighted quantiles equal quantiles of the expanded data (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (pairs, p) => {
          const values = Float64Array.from(pairs.map((x) => x[0]));
          const counts = Float64Array.from(pairs.map((x) => x[1]));
          const expanded = Float64Array.from(pairs.flatMap(([v, c]) => Array(c).fill(v))).sort();
          expect(weightedQuantile(values, counts, p)).toBeCloseTo(quantileSorted(expanded, p), 9);
        },
      ),
    );
  });

  it('reports statistics in milliseconds', () => {
    const st = latencyStatsMs(Float64Array.of(0.3, 0.1, 0.2));
    expect(st.p50).toBeCloseTo(200, 9);
    expect(st.mean).toBeCloseTo(200, 9);
    expect(st.max).toBeCloseTo(300, 9);
    expect(st.count).toBe(3);
    const w = weightedLatencyStatsMs(Float64Array.of(0.01, 0.03), Float64Array.of(3, 1));
    expect(w.mean).toBeCloseTo(15, 9);
    expect(w.count).toBe(4);
  });
});
