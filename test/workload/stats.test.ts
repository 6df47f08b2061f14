import { describe, expect, it } from 'vitest';
import { constantArrivals } from '../../src/workload/arrivals/constant.ts';
import { poissonArrivals } from '../../src/workload/arrivals/poisson.ts';
import { fixedLengths } from '../../src/workload/lengths/fixed.ts';
import { uniformLengths } from '../../src/workload/lengths/uniform.ts';
import { openLineSource } from '../../src/workload/node-line-source.ts';
import { createRng } from '../../src/workload/rng.ts';
import { cappedSource } from '../../src/workload/sources/capped.ts';
import { syntheticSource } from '../../src/workload/sources/synthetic.ts';
import { formatTraceStats, traceStats } from '../../src/workload/stats.ts';
import { readAzureTrace } from '../../src/workload/traces/azure.ts';
import type { Request, RequestSource } from '../../src/workload/types.ts';
import { fixture, sharedTrace } from './helpers.ts';

const fromArray = (rs: Omit<Request, 'id'>[]): RequestSource => {
  let i = 0;
  return { next: () => (i < rs.length ? { id: i, ...rs[i++] } : null) };
};

describe('traceStats', () => {
  it('summarises a small stream exactly', () => {
    const s = traceStats(
      fromArray([
        { arrivalSec: 0, inputTokens: 10, outputTokens: 1 },
        { arrivalSec: 0.5, inputTokens: 20, outputTokens: 2 },
        { arrivalSec: 0.6, inputTokens: 30, outputTokens: 3 },
        { arrivalSec: 4, inputTokens: 40, outputTokens: 4 },
        { arrivalSec: 4, inputTokens: 50, outputTokens: 5 },
      ]),
    );
    expect(s.rows).toBe(5);
    expect(s.spanSec).toBe(4);
    expect(s.ratePerSec).toBe(1);
    expect(s.interArrival.meanSec).toBe(1);
    // gaps 0.5, 0.1, 3.4, 0: population std = sqrt(((−.5)² + (−.9)² + 2.4² + (−1)²)/4)
    expect(s.interArrival.cv).toBeCloseTo(Math.sqrt((0.25 + 0.81 + 5.76 + 1) / 4), 12);
    expect(s.inputTokens).toEqual({ mean: 30, p50: 30, p90: 46, p99: 49.6, max: 50 });
    expect(s.outputTokens.max).toBe(5);
    // busiest 1 s window holds 3 requests; mean rate 1/s
    expect(s.burstiness.peakToMeanRate1s).toBe(3);
    expect(s.burstiness.peakToMeanRate60s).toBeCloseTo(5 / 60, 12);
  });

  it('gives CV ≈ 1 and peak/mean ≈ 1 for constant arrivals vs CV ≈ 1 for Poisson', () => {
    const c = traceStats(cappedSource(syntheticSource(constantArrivals({ ratePerSec: 10 }), fixedLengths({ value: 5 }), fixedLengths({ value: 1 })), { maxRequests: 10_000 }));
    expect(c.interArrival.cv).toBeLessThan(1e-9);
    expect(c.ratePerSec).toBeCloseTo(10, 9);
    expect(c.burstiness.peakToMeanRate1s).toBeCloseTo(1, 9);
    const p = traceStats(
      cappedSource(syntheticSource(poissonArrivals({ ratePerSec: 10 }, createRng(1, 'a')), uniformLengths({ min: 1, max: 100 }, createRng(1, 'i')), fixedLengths({ value: 1 })), {
        maxRequests: 100_000,
      }),
    );
    expect(Math.abs(p.interArrival.cv - 1)).toBeLessThan(0.02);
    expect(Math.abs(p.inputTokens.mean / 50.5 - 1)).toBeLessThan(0.01);
  });

  it('reports NaN rather than nonsense for tiny streams', () => {
    const empty = traceStats(fromArray([]));
    expect(empty.rows).toBe(0);
    expect(empty.ratePerSec).toBeNaN();
    expect(empty.inputTokens.p50).toBeNaN();
    const one = traceStats(fromArray([{ arrivalSec: 0, inputTokens: 1, outputTokens: 1 }]));
    expect(one.spanSec).toBe(0);
    expect(one.interArrival.cv).toBeNaN();
    expect(formatTraceStats(one)).toContain('n/a');
  });

  it('formats for the terminal', () => {
    const text = formatTraceStats(traceStats(readAzureTrace(openLineSource(fixture('azure-small.csv')))), 'azure-small.csv');
    expect(text.split('\n')[0]).toBe('azure-small.csv');
    expect(text).toMatch(/requests\s+4/);
    expect(text).toMatch(/input tokens\s+mean 250/);
  });

  const code = sharedTrace('azure-2023-code.csv');
  it.skipIf(!code)('finds the Azure code trace very bursty (inter-arrival CV ≈ 13)', () => {
    const s = traceStats(readAzureTrace(openLineSource(code!)));
    expect(s.rows).toBe(8_819);
    expect(s.burstiness.cv).toBeGreaterThan(12);
    expect(s.burstiness.cv).toBeLessThan(14);
    expect(s.burstiness.peakToMeanRate1s).toBeGreaterThan(10);
  });
});
