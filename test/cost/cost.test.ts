import { describe, expect, it } from 'vitest';
import { loadPowerProfile } from '../../src/power/load.ts';
import { CostBlockSchema } from '../../src/cost/schema.ts';
import { cloudRateUsd, costOfRun, type CostUsage } from '../../src/cost/tco.ts';
import { nodeTextReader } from '../../src/cli/node-text-reader.ts';

const price = loadPowerProfile(nodeTextReader, new URL('../../profiles/power', import.meta.url).pathname, 'h100-sxm').price;
const hour: CostUsage = {
  durationSec: 3600, onpremGpuSec: 8 * 3600, cloudGpuSec: 0, onpremItKwh: 8 * 0.5, cloudItKwh: 0,
  inputTokens: 3e6, outputTokens: 1e6, prefillBusySec: 1000, decodeBusySec: 3000, pue: 1.3,
};

describe('cost of ownership', () => {
  it('the on-prem breakdown adds up, item by item', () => {
    const block = CostBlockSchema.parse({ mode: 'onprem', purchaseUsd: 35040, years: 4, kwhUsd: 0.12, overheadUsdPerRackMonth: 7300, gpusPerRack: 32 });
    const r = costOfRun(block, price, hour);
    expect(r.breakdown.capexUsd).toBeCloseTo(8 * 35040 / (4 * 8760), 9); // $8/h
    expect(r.breakdown.energyUsd).toBeCloseTo(4 * 1.3 * 0.12, 9);
    expect(r.breakdown.overheadUsd).toBeCloseTo((8 / 32) * (7300 / 730), 9);
    expect(r.breakdown.cloudUsd).toBe(0);
    const sum = r.breakdown.capexUsd + r.breakdown.energyUsd + r.breakdown.overheadUsd + r.breakdown.cloudUsd;
    expect(r.totalUsd).toBeCloseTo(sum, 12);
    expect(r.usdPerHour).toBeCloseTo(sum, 12);
    // Input/output split by prefill vs decode busy time (1:3), recombining to the total.
    expect(r.usdPerMillionInputTokens * 3 + r.usdPerMillionOutputTokens * 1).toBeCloseTo(sum, 9);
    expect(r.usdPerMillionInputTokens * 3).toBeCloseTo(sum / 4, 9);
  });

  it('cloud prices by class; spot reports expected interruptions', () => {
    const usage = { ...hour, onpremGpuSec: 0, onpremItKwh: 0, cloudGpuSec: 8 * 3600, cloudItKwh: 4 };
    const od = costOfRun({ mode: 'cloud' }, price, usage);
    const spot = costOfRun({ mode: 'cloud', cloudPricing: 'spot' }, price, usage);
    expect(od.breakdown.cloudUsd).toBeCloseTo(8 * price.onDemandUsdPerGpuHour, 9);
    expect(spot.totalUsd).toBeLessThan(od.totalUsd);
    expect(spot.expectedSpotInterruptions).toBeCloseTo(8 * price.spotInterruptionsPerHour, 12);
    expect(od.expectedSpotInterruptions).toBe(0);
    expect(cloudRateUsd({ mode: 'cloud', gpuHourUsd: 9 }, price)).toBe(9);
    expect(() => costOfRun({ mode: 'cloud' }, price, hour)).toThrow();
  });

  it('hybrid adds the cloud burst to the on-prem baseline; carbon per token from grid intensity', () => {
    const usage = { ...hour, cloudGpuSec: 2 * 3600, cloudItKwh: 1 };
    const r = costOfRun({ mode: 'hybrid', gridGCo2PerKwh: 400 }, price, usage);
    const onprem = costOfRun({ mode: 'onprem' }, price, hour);
    expect(r.totalUsd).toBeCloseTo(onprem.totalUsd + 2 * price.onDemandUsdPerGpuHour, 9);
    expect(r.gCo2PerToken).toBeCloseTo((5 * 1.3 * 400) / 1e6, 12);
    expect(onprem.gCo2PerToken).toBeUndefined();
  });

  it('keeps the contract key names, strictly', () => {
    for (const k of ['mode', 'purchaseUsd', 'years', 'kwhUsd', 'overheadUsdPerRackMonth', 'gpuHourUsd']) {
      expect(Object.keys(CostBlockSchema.shape)).toContain(k);
    }
    expect(() => CostBlockSchema.parse({ mode: 'onprem', kwhusd: 1 })).toThrow();
  });
});
