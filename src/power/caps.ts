/**
 * Power limits: the per-GPU limit that binds given the GPU, node and facility caps of a `power` block,
 * and facility power from IT power (PUE).
 */
import type { PowerBlock } from './schema.ts';

export const DEFAULT_PUE = 1.3;
export const DEFAULT_INLET_C = 25;

/**
 * Effective per-GPU cap (W): the smallest of `capWatts` (default TDP), an equal share of `nodeCapWatts`
 * among the node's GPUs, and an equal share of `facilityCapKw` ÷ PUE among all GPUs of the fleet; never
 * below the GPU's minimum settable limit (a cap below it cannot be set: the GPU runs at its minimum).
 */
export function effectiveCapWatts(
  block: PowerBlock, tdpWatts: number, minCapWatts: number, gpusPerNode: number, gpusInFleet: number,
): number {
  let cap = Math.min(block.capWatts ?? tdpWatts, tdpWatts);
  if (block.nodeCapWatts !== undefined) cap = Math.min(cap, block.nodeCapWatts / gpusPerNode);
  if (block.facilityCapKw !== undefined) {
    cap = Math.min(cap, (block.facilityCapKw * 1000) / (block.pue ?? DEFAULT_PUE) / gpusInFleet);
  }
  return Math.max(cap, minCapWatts);
}

/** Facility watts for IT watts under a PUE. */
export function facilityWatts(itWatts: number, pue = DEFAULT_PUE): number {
  return itWatts * pue;
}

/**
 * The `PowerState` configuration of one GPU from a scenario `power` block and the GPU's power profile:
 * effective cap, inlet temperature and cooling (defaults 25 °C, air).
 */
export function powerStateConfig(
  block: PowerBlock, profile: { tdpWatts: number; minCapWatts: number }, gpusPerNode: number, gpusInFleet: number,
): { capWatts: number; inletC: number; cooling: 'air' | 'liquid' } {
  return {
    capWatts: effectiveCapWatts(block, profile.tdpWatts, profile.minCapWatts, gpusPerNode, gpusInFleet),
    inletC: block.inletC ?? DEFAULT_INLET_C,
    cooling: block.cooling ?? 'air',
  };
}
