import { describe, expect, it } from 'vitest';
import { growthPlan } from '../../src/report/procurement/growth.ts';
import { costUnder, onpremUsdPerGpuHour, DEFAULT_PRICING } from '../../src/report/procurement/pricing.ts';

const base = { id: 'x', gpu: 'h100-sxm', replicas: 4, gpusPerReplica: 2, maxRateFactor: 2, gpuHourUsd: 2, onDemandGpuHourUsd: 3, leadTimeMonths: 3 };

describe('growthPlan', () => {
  it('runs out of headroom when the load passes the sustainable factor, and orders a lead time earlier', () => {
    const r = growthPlan(base, { growthPctPerMonth: 10, months: 24 });
    expect(r.headroomMonths).toBeCloseTo(Math.log(2) / Math.log(1.1), 2);
    expect(r.orderByMonth).toBeCloseTo(r.headroomMonths! - 3, 2);
    expect(r.gpusNow).toBe(8);
    // Enough GPUs every month: replicas × (maxRate / replicas) ≥ load, and never fewer than today.
    r.gpusByMonth.forEach((g, m) => {
      expect(g).toBeGreaterThanOrEqual(8);
      expect((g / 2) * (2 / 4)).toBeGreaterThanOrEqual(1.1 ** m - 1e-9);
      if (m > 0) expect(g).toBeGreaterThanOrEqual(r.gpusByMonth[m - 1]);
    });
    expect(r.gpusByMonth[0]).toBe(8);
    expect(r.overProvisionUsd).toBeGreaterThan(0);
    expect(r.underProvisionUsd).toBeGreaterThan(0);
  });

  it('needs nothing within the horizon when growth stays below the headroom', () => {
    const r = growthPlan(base, { growthPctPerMonth: 2, months: 12 });
    expect(r.headroomMonths).toBeNull();
    expect(r.orderByMonth).toBeNull();
    expect(new Set(r.gpusByMonth)).toEqual(new Set([8]));
    expect(r.overProvisionUsd).toBe(0);
    expect(r.underProvisionUsd).toBe(0);
  });

  it('is late when the lead time exceeds the headroom', () => {
    const r = growthPlan({ ...base, maxRateFactor: 1.05, leadTimeMonths: 6 }, { growthPctPerMonth: 10, months: 12 });
    expect(r.orderByMonth!).toBeLessThan(0);
  });
});

describe('pricing', () => {
  const prices = { onDemandUsdPerGpuHour: 2, reservedUsdPerGpuHour: 1.5, spotUsdPerGpuHour: 1, purchaseUsd: 35040, tdpWatts: 1000 };
  it('scales the run cost by the price ratio', () => {
    expect(costUnder(0.4, 2, prices, 'cloud spot', DEFAULT_PRICING)).toBe(0.2);
    expect(costUnder(0.4, 2, prices, 'cloud reserved', DEFAULT_PRICING)).toBe(0.3);
    expect(costUnder(0.4, 2, { ...prices, spotUsdPerGpuHour: null }, 'cloud spot', DEFAULT_PRICING)).toBeNull();
  });
  it('on-prem TCO: depreciation plus energy at TDP, rising with the power price', () => {
    const q = { years: 4, pue: 1.5, kwhUsd: 0.2 };
    expect(onpremUsdPerGpuHour(prices, q)).toBeCloseTo(35040 / (4 * 8760) + 1 * 1.5 * 0.2, 9);
    expect(costUnder(1, 2, prices, 'on-prem TCO', { ...q, kwhUsd: 0.4 })!).toBeGreaterThan(costUnder(1, 2, prices, 'on-prem TCO', q)!);
  });
});
