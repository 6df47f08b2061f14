/**
 * Cost per million tokens of a plan option under each way of paying for GPUs. A run's cost is GPU-hours ×
 * $/GPU-hour over tokens, so the cost under another price is the run's cost scaled by the price ratio.
 * Prices: cloud on-demand, reserved and spot from profiles/power/<gpu>.yaml `price` (when the GPU has one;
 * else on-demand only, the price the run used), and on-prem TCO per GPU-hour = purchase / (years × 8760 h) +
 * TDP × PUE × $/kWh (energy at TDP: an upper bound unless the run reports energy), as in src/cost/tco.ts.
 * Pure and browser-safe: the report page recomputes it when the reader changes the power price.
 */
import { DEFAULT_YEARS, HOURS_PER_YEAR } from '../../cost/tco.ts';

export const PRICINGS = ['cloud on-demand', 'cloud reserved', 'cloud spot', 'on-prem TCO'] as const;
export type Pricing = (typeof PRICINGS)[number];

export interface GpuPrices {
  onDemandUsdPerGpuHour: number;
  reservedUsdPerGpuHour: number | null;
  spotUsdPerGpuHour: number | null;
  purchaseUsd: number | null;
  tdpWatts: number | null;
}

export interface PricingParams {
  kwhUsd: number;
  pue: number;
  years: number;
}

export const DEFAULT_PRICING: PricingParams = { kwhUsd: 0.1, pue: 1.3, years: DEFAULT_YEARS };

/** $/GPU-hour of owning a GPU: depreciation plus energy at TDP; null without a purchase price and TDP. */
export function onpremUsdPerGpuHour(p: GpuPrices, q: PricingParams): number | null {
  if (p.purchaseUsd === null || p.tdpWatts === null) return null;
  return p.purchaseUsd / (q.years * HOURS_PER_YEAR) + (p.tdpWatts / 1000) * q.pue * q.kwhUsd;
}

export function pricePerGpuHour(p: GpuPrices, pricing: Pricing, q: PricingParams): number | null {
  switch (pricing) {
    case 'cloud on-demand': return p.onDemandUsdPerGpuHour;
    case 'cloud reserved': return p.reservedUsdPerGpuHour;
    case 'cloud spot': return p.spotUsdPerGpuHour;
    default: return onpremUsdPerGpuHour(p, q);
  }
}

/** $/M tokens of a run that cost `usdPerMTok` at `runGpuHourUsd`, under `pricing`; null when the price is unknown. */
export function costUnder(usdPerMTok: number, runGpuHourUsd: number, p: GpuPrices, pricing: Pricing, q: PricingParams): number | null {
  const price = pricePerGpuHour(p, pricing, q);
  if (price === null || runGpuHourUsd <= 0) return null;
  return Math.round((usdPerMTok * price / runGpuHourUsd) * 1e4) / 1e4;
}
