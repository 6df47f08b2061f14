import { describe, expect, it } from 'vitest';
import { GapHistogram } from '../../src/metrics/gap-histogram.ts';

describe('GapHistogram bounds', () => {
  it('keeps a gap in [0.9999995 s, 1 s) instead of indexing one past the dense bins', () => {
    for (const gap of [0.9999995, 0.9999999, 0.99999999]) {
      const h = new GapHistogram();
      h.add(0.01, 9);
      h.add(gap, 1);
      const s = h.stats();
      for (const k of ['p50', 'p90', 'p95', 'p99', 'max'] as const) expect(Number.isFinite(s[k])).toBe(true);
      expect(s.max).toBeCloseTo(gap * 1e3, 6);
      expect(s.count).toBe(10);
      expect(s.p99).toBeGreaterThan(10);
    }
  });

  it('orders gaps just below and just above 1 s correctly', () => {
    const h = new GapHistogram();
    h.add(0.9999996, 1);
    h.add(1.5, 1);
    h.add(0.5, 1);
    const s = h.stats();
    expect(s.p50).toBeCloseTo(999.9996, 3);
    expect(s.max).toBeCloseTo(1500, 6);
  });
});
