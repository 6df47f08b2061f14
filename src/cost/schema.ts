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
  mode: CostModeSchema.describe('Cost of ownership: cloud (GPU-hours × price), onprem (amortised purchase + energy × PUE + rack overhead), hybrid (on-prem baseline replicas + cloud burst)'),
  cloudPricing: CloudPricingSchema.optional().describe('Cloud price class (default on-demand); prices from profiles/power/<gpu>.yaml price'),
  gpuHourUsd: positive.optional().describe('Cloud $/GPU-hour (default the GPU\'s dated price for the price class)'),
  spotInterruptionsPerHour: nonNegative.optional().describe('Spot preemptions per GPU-hour (default the GPU profile\'s): reported, and in cloud mode injected as failures unless a failures block is given (0: none)'),
  purchaseUsd: positive.optional().describe('On-prem purchase price per GPU incl. its share of the server, USD (default the GPU profile\'s)'),
  years: positive.optional().describe('Straight-line amortisation period, years (default 4)'),
  kwhUsd: nonNegative.optional().describe('Electricity price, USD per kWh (default 0.10)'),
  overheadUsdPerRackMonth: nonNegative.optional().describe('Rack space, networking, support, staff per rack per month, USD (default 0)'),
  gpusPerRack: positive.optional().describe('GPUs per rack for the overhead (default 32)'),
  gridGCo2PerKwh: nonNegative.optional().describe('Grid carbon intensity, gCO2 per kWh: reports energy.gCo2PerToken'),
});
export type CostBlock = z.infer<typeof CostBlockSchema>;
