/**
 * Zod schemas for the scenario's `power` block (exported for the scenario schema to wire in later; the key
 * names are a contract) and for the per-GPU power/thermal defaults in `profiles/power/<gpu>.yaml`.
 *
 * Scenario semantics: no `power` block → step times are not changed (energy may still be reported); an
 * empty `power: {}` turns the power and thermal models on with the GPU's defaults.
 */
import { z } from 'zod';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();
const fraction = z.number().finite().gt(0).lte(1);

export const CoolingSchema = z.enum(['air', 'liquid']);
export type Cooling = z.infer<typeof CoolingSchema>;

/** Scenario key `power`. */
export const PowerBlockSchema = z.strictObject({
  capWatts: positive.optional().describe('Per-GPU power limit, W (default the GPU\'s TDP)'),
  nodeCapWatts: positive.optional().describe('Power limit of all GPUs of one node together, W (shared equally)'),
  facilityCapKw: positive.optional().describe('Facility limit on GPU power × PUE, kW (shared equally by every GPU of the fleet at its largest)'),
  inletC: z.number().finite().min(-20).max(70).optional().describe('Cold-aisle / coolant inlet temperature, °C (default 25)'),
  cooling: CoolingSchema.optional().describe('Thermal path: air or liquid (resistance and time constant from profiles/power)'),
  pue: z.number().finite().min(1).max(3).optional().describe('Power usage effectiveness: facility watts / IT watts (default 1.3)'),
}).describe('Power caps and thermal throttling change step times; an empty block turns them on with profile defaults');
export type PowerBlock = z.infer<typeof PowerBlockSchema>;

export const ThermalPathSchema = z.strictObject({
  /** Steady-state rise of the GPU over the inlet per watt (°C/W). */
  resistanceCPerWatt: positive,
  /** First-order time constant R·C (s). */
  timeConstantSec: positive,
});

/** Fitted power-model coefficients, as fractions of TDP (see docs/physics.md). */
export const PowerCoefficientsSchema = z.strictObject({
  /** Power of a busy GPU at zero measured activity, at the maximum clock. */
  activeFloor: nonNegative,
  /** Watts per unit of compute utilisation (useful FLOP/s ÷ peak), at the maximum clock. */
  compute: nonNegative,
  /** Watts per unit of memory-bandwidth utilisation. */
  memory: nonNegative,
});

/** `profiles/power/<gpu>.yaml`. */
export const GpuPowerProfileSchema = z.strictObject({
  /** GPU profile id. */
  gpu: z.string().min(1),
  tdpWatts: positive,
  idleWatts: positive,
  minCapWatts: positive,
  maxClockMhz: positive,
  minClockMhz: positive,
  clockStepMhz: positive,
  /** Dynamic power ∝ f^clockExponent at constant activity per cycle (DVFS: V roughly ∝ f). */
  clockExponent: z.number().finite().min(1).max(4),
  /** Fraction of memory-bound time that stretches with 1/clock (0: not at all). */
  memoryClockSensitivity: z.number().finite().min(0).max(1),
  coefficients: PowerCoefficientsSchema,
  /** Temperature at which the GPU starts to reduce its clock (°C). */
  throttleC: positive,
  thermal: z.strictObject({ air: ThermalPathSchema, liquid: ThermalPathSchema }),
  /** Dated cloud prices and purchase price (USD), used by src/cost. */
  price: z.strictObject({
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    onDemandUsdPerGpuHour: positive,
    reservedUsdPerGpuHour: positive,
    spotUsdPerGpuHour: positive,
    /** Spot preemptions per GPU-hour. */
    spotInterruptionsPerHour: nonNegative,
    purchaseUsd: positive,
  }),
  sources: z.record(z.string(), z.string().min(1)),
});
export type GpuPowerProfile = z.infer<typeof GpuPowerProfileSchema>;

/** Fraction helper re-exported for callers that validate their own numbers. */
export const FractionSchema = fraction;
