import { describe, it, expect } from 'vitest';
import { checkSlo } from '../../src/check/slo.ts';
import type { LatencyStats } from '../../src/metrics/summary.ts';

const stats = (p99: number, extra: Partial<LatencyStats> = {}): LatencyStats =>
  ({ mean: p99 / 2, p50: p99 / 2, p90: p99 * 0.9, p95: p99 * 0.95, p99, max: p99 * 1.2, count: 10, ...extra });
const latency = (o: Partial<Record<'ttft' | 'tpot' | 'itl' | 'e2e' | 'queue', LatencyStats>> = {}) =>
  ({ ttft: stats(100), tpot: stats(10), itl: stats(10), e2e: stats(1000), queue: stats(5), ...o });

describe('checkSlo', () => {
  it('without objectives nothing is checked and the SLO holds', () => {
    expect(checkSlo(undefined, latency())).toEqual({ met: true, checked: 0, violations: [] });
  });

  it('counts each objective and reports the ones missed with their key, limit and actual value', () => {
    const r = checkSlo({ ttftMs: { p99: 50, p50: 100 }, tpotMs: { p99: 20 } }, latency());
    expect(r.checked).toBe(3);
    expect(r.met).toBe(false);
    expect(r.violations).toEqual([{ key: 'ttftMs.p99', limitMs: 50, actualMs: 100 }]);
  });

  it('a value equal to the limit meets it', () => {
    expect(checkSlo({ e2eMs: { p99: 1000 } }, latency()).met).toBe(true);
  });

  it('a statistic without samples (NaN) is a violation: a run that completed nothing must not pass', () => {
    const r = checkSlo({ ttftMs: { p99: 1e9 } }, latency({ ttft: stats(Number.NaN, { count: 0 }) }));
    expect(r.met).toBe(false);
    expect(r.violations[0].key).toBe('ttftMs.p99');
    expect(Number.isNaN(r.violations[0].actualMs)).toBe(true);
  });
});
