/**
 * Zod schema of the scenario's `cost` block (exported for the scenario schema to wire in later; the key
 * names are a contract). Defaults per GPU (dated cloud prices, purchase price) live in
 * profiles/power/<gpu>.yaml `price`.
 */
import { z } from 'zod';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

export const CostModeSchema = z.enum(['cloud', 'onprem', 'hybrid']);
export const CloudPricingSchema = z.enum(['on-demand', 'reserved', 'spot']);

/** Scenario key `cost`. */
export const CostBlockSchema = z.strictObject({
  mode: CostModeSchema,
  /** Cloud (and hybrid burst) price class; default on-demand. */
  cloudPricing: CloudPricingSchema.optional(),
  /** Cloud $/GPU-hour override (else the GPU's dated default for the price class). */
  gpuHourUsd: positive.optional(),
  /** Spot preemptions per GPU-hour (else the GPU's default); used as failures when wired. */
  spotInterruptionsPerHour: nonNegative.optional(),
  /** On-prem purchase price per GPU incl. its share of the server (USD); default the GPU's. */
  purchaseUsd: positive.optional(),
  /** Straight-line amortisation period (years); default 4. */
  years: positive.optional(),
  /** Electricity price (USD/kWh); default 0.10. */
  kwhUsd: nonNegative.optional(),
  /** Rack space, networking, support, staff per rack per month (USD); default 0. */
  overheadUsdPerRackMonth: nonNegative.optional(),
  /** GPUs per rack (for the overhead); default 32 (four 8-GPU servers). */
  gpusPerRack: positive.optional(),
  /** Grid carbon intensity (gCO2/kWh) for energy.gCo2PerToken; omitted → not reported. */
  gridGCo2PerKwh: nonNegative.optional(),
});
export type CostBlock = z.infer<typeof CostBlockSchema>;
