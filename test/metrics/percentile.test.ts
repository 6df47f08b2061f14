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

describe('WeightedSelector on large inputs (histogram path)', () => {
  it('matches sorting the expanded data, including clustered and tied values', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    for (const shape of ['spread', 'clustered', 'ties'] as const) {
      const n = 60_000;
      const values = new Float64Array(n);
      const counts = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        values[i] = shape === 'spread' ? rnd() * 100 : shape === 'clustered' ? 7.7 + rnd() * 1e-9 + (i % 1000 === 0 ? 200 : 0) : Math.floor(rnd() * 5);
        counts[i] = 1 + Math.floor(rnd() * 4);
      }
      const expanded: number[] = [];
      for (let i = 0; i < n; i++) for (let k = 0; k < counts[i]; k++) expanded.push(values[i]);
      const sorted = Float64Array.from(expanded).sort();
      for (const p of [0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        expect(weightedQuantile(values, counts, p)).toBe(quantileSorted(sorted, p));
      }
    }
  });
});
