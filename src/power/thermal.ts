/**
 * First-order (single RC) thermal model of one GPU:
 *   C dT/dt = P − (T − T_inlet) / R,   τ = R·C
 * At constant power, T(t) = T_ss + (T0 − T_ss)·e^(−t/τ) with T_ss = T_inlet + P·R.
 * Throttling: once T reaches the throttle temperature the clock is lowered just enough to hold it there,
 * i.e. the GPU runs under a thermal power limit (T_throttle − T_inlet) / R.
 */

/** Steady-state temperature (°C) at constant power. */
export function steadyStateC(inletC: number, watts: number, resistanceCPerWatt: number): number {
  return inletC + watts * resistanceCPerWatt;
}

/** Temperature after `dtSec` at constant power, starting from `tempC`. */
export function tempAfterC(tempC: number, inletC: number, watts: number, resistanceCPerWatt: number, timeConstantSec: number, dtSec: number): number {
  const ss = steadyStateC(inletC, watts, resistanceCPerWatt);
  return ss + (tempC - ss) * Math.exp(-dtSec / timeConstantSec);
}

/**
 * Seconds until the temperature reaches `targetC` at constant power (Infinity if it never does; 0 if it
 * is there already and heading past it).
 */
export function timeToReachSec(tempC: number, targetC: number, inletC: number, watts: number, resistanceCPerWatt: number, timeConstantSec: number): number {
  const ss = steadyStateC(inletC, watts, resistanceCPerWatt);
  const rising = ss > tempC;
  if (tempC === targetC) return ss > targetC ? 0 : Infinity;
  if (rising ? targetC < tempC || targetC >= ss : targetC > tempC || targetC <= ss) return Infinity;
  return timeConstantSec * Math.log((tempC - ss) / (targetC - ss));
}

/** The power that holds the GPU exactly at `throttleC` (W). */
export function thermalLimitWatts(throttleC: number, inletC: number, resistanceCPerWatt: number): number {
  return (throttleC - inletC) / resistanceCPerWatt;
}
