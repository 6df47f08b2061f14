import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { quantileSorted } from '../../src/metrics/percentile.ts';
import { latencyStatsMs } from '../../src/metrics/summary.ts';
import { GapHistogram } from '../../src/metrics/gap-histogram.ts';
import { GrowableFloat64 } from '../../src/metrics/growable.ts';

describe('quantiles', () => {
  it('interpolates between closest ranks like numpy.percentile', () => {
    const d = Float64Array.of(1, 2, 3, 4, 10);
    expect(quantileSorted(d, 0)).toBe(1);
    expect(quantileSorted(d, 0.5)).toBe(3);
    expect(quantileSorted(d, 0.9)).toBeCloseTo(7.6, 12); // numpy.percentile([1,2,3,4,10], 90) = 7.6
    expect(quantileSorted(d, 1)).toBe(10);
    expect(Number.isNaN(quantileSorted(new Float64Array(0), 0.5))).toBe(true);
  });

  it('reports statistics in milliseconds', () => {
    const st = latencyStatsMs(Float64Array.of(0.3, 0.1, 0.2));
    expect(st.p50).toBeCloseTo(200, 9);
    expect(st.mean).toBeCloseTo(200, 9);
    expect(st.max).toBeCloseTo(300, 9);
    expect(st.count).toBe(3);
  });
});


describe('GapHistogram', () => {
  it('gives type-7 percentiles of the µs-rounded expanded gaps, exact mean, long gaps exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 1e-4, max: 3, noNaN: true }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 80 }),
        (pairs) => {
          const h = new GapHistogram();
          const expanded: number[] = [];
          let sum = 0;
          for (const [g, c] of pairs) {
            h.add(g, c);
            sum += g * c;
            const rounded = g < 1 ? Math.round(g / 1e-6) * 1e-6 : g;
            for (let k = 0; k < c; k++) expanded.push(rounded);
          }
          const sorted = Float64Array.from(expanded).sort();
          const st = h.stats();
          expect(st.count).toBe(expanded.length);
          expect(st.mean).toBeCloseTo((sum / expanded.length) * 1e3, 6);
          for (const [key, p] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]] as const) {
            expect(st[key]).toBeCloseTo(quantileSorted(sorted, p) * 1e3, 6);
          }
          expect(st.max).toBeCloseTo(sorted[sorted.length - 1] * 1e3, 6);
        },
      ),
    );
  });
});

describe('GrowableFloat64', () => {
  it('keeps values across chunk boundaries', () => {
    const g = new GrowableFloat64();
    for (let i = 0; i < 200_000; i++) g.push(i * 0.5);
    expect(g.length).toBe(200_000);
    expect(g.get(65_536)).toBe(32_768);
    const a = g.toArray();
    expect(a.length).toBe(200_000);
    expect(a[199_999]).toBe(99_999.5);
    expect(g.sum()).toBe((0.5 * 199_999 * 200_000) / 2);
  });
});
