/**
 * Per-GPU power as a function of the step's activity and the clock, and the step-time stretch a lower
 * clock causes. Pure, allocation-free functions (hot-loop safe).
 *
 * Activity (measured at the maximum clock, f = 1):
 *   u_c   compute utilisation: useful FLOP/s ÷ peak FLOP/s
 *   u_m   memory utilisation: bytes/s ÷ peak HBM bandwidth
 *   share fraction of the step's time that is compute-bound
 *   busy  fraction of wall time with a step running (0 = idle)
 * At clock fraction f the step stretches by
 *   s(f) = share / f + (1 − share) · (1 + β (1/f − 1))          (β = memoryClockSensitivity)
 * and the utilisations fall to u/s(f). Power (T = TDP, γ = clockExponent):
 *   P = P_idle + busy · [ (a·T − P_idle) f^γ + b·T · (u_c/s(f)) · f^(γ−1) + c·T · u_m/s(f) ]
 * (compute energy per operation ∝ V² ∝ f^(γ−1), so compute-bound power ∝ f^γ; memory power follows the
 * bytes moved, whose clock the SM clock does not set). a, b, c are fitted to ML.ENERGY measurements.
 */
import type { GpuPowerProfile } from './schema.ts';

export interface StepActivity {
  computeUtil: number;
  memoryUtil: number;
  computeBoundShare: number;
  busyFraction: number;
}

/** No step running. */
export const IDLE: Readonly<StepActivity> = Object.freeze({ computeUtil: 0, memoryUtil: 0, computeBoundShare: 0, busyFraction: 0 });

/** The parameters the power functions read (a subset of a power profile). */
export type PowerParams = Pick<GpuPowerProfile,
  'tdpWatts' | 'idleWatts' | 'minCapWatts' | 'maxClockMhz' | 'minClockMhz' | 'clockStepMhz' | 'clockExponent' |
  'memoryClockSensitivity' | 'coefficients' | 'throttleC' | 'thermal'>;

/** Step-time multiplier s(f) at clock fraction f for a step whose compute-bound share is `share`. */
export function stretch(share: number, clockFraction: number, memoryClockSensitivity: number): number {
  const inv = 1 / clockFraction;
  return share * inv + (1 - share) * (1 + memoryClockSensitivity * (inv - 1));
}

/**
 * Seconds of a step at clock fraction f, from its compute-bound and memory-bound parts at the maximum
 * clock: compute-bound time scales with 1/f, memory-bound time only by β(1/f − 1).
 */
export function stepScale(computeBoundSec: number, memoryBoundSec: number, clockFraction: number, memoryClockSensitivity = 0.1): number {
  const inv = 1 / clockFraction;
  return computeBoundSec * inv + memoryBoundSec * (1 + memoryClockSensitivity * (inv - 1));
}

/** Board power (W) of one GPU for an activity at clock fraction f. */
export function gpuWatts(p: PowerParams, a: Readonly<StepActivity>, clockFraction: number): number {
  if (a.busyFraction <= 0) return p.idleWatts;
  const f = clockFraction;
  const s = stretch(a.computeBoundShare, f, p.memoryClockSensitivity);
  const t = p.tdpWatts;
  const c = p.coefficients;
  const fg = Math.pow(f, p.clockExponent);
  const active = (c.activeFloor * t - p.idleWatts) * fg + (c.compute * t * a.computeUtil * fg) / f / s + (c.memory * t * a.memoryUtil) / s;
  return p.idleWatts + a.busyFraction * Math.max(0, active);
}

/** Lowest clock fraction the GPU runs at. */
export function minClockFraction(p: PowerParams): number {
  return p.minClockMhz / p.maxClockMhz;
}

/** Round a clock fraction down to the GPU's clock bins (e.g. 15 MHz). */
export function quantiseClock(p: PowerParams, f: number): number {
  const mhz = Math.floor((f * p.maxClockMhz) / p.clockStepMhz + 1e-9) * p.clockStepMhz;
  return Math.max(minClockFraction(p), Math.min(1, mhz / p.maxClockMhz));
}

/**
 * Highest clock fraction (quantised) at which the GPU's power for this activity fits under `capWatts`;
 * the minimum clock when even that exceeds the cap. Power rises monotonically with the clock, so
 * bisection applies. Allocation-free.
 */
export function clockUnderCap(p: PowerParams, a: Readonly<StepActivity>, capWatts: number): number {
  if (gpuWatts(p, a, 1) <= capWatts) return 1;
  let lo = minClockFraction(p);
  if (gpuWatts(p, a, lo) >= capWatts) return lo;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = 0.5 * (lo + hi);
    if (gpuWatts(p, a, mid) <= capWatts) lo = mid;
    else hi = mid;
  }
  return quantiseClock(p, lo);
}

/**
 * Slowdown of a step under a cap relative to the GPU at its default limit (TDP): the step-time models
 * are calibrated on GPUs running at their default limit, so only the extra stretch is applied.
 */
export function capSlowdown(p: PowerParams, a: Readonly<StepActivity>, capWatts: number): number {
  const fDefault = clockUnderCap(p, a, p.tdpWatts);
  const fCap = clockUnderCap(p, a, Math.min(capWatts, p.tdpWatts));
  const b = p.memoryClockSensitivity;
  return stretch(a.computeBoundShare, fCap, b) / stretch(a.computeBoundShare, fDefault, b);
}
