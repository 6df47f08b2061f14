/**
 * Power and thermal state of one GPU over simulated time.
 *
 * The clock is piecewise constant: it changes only when the activity changes (a new batch shape) or when
 * the temperature reaches the throttle point. `nextChangeSec()` says how long the clock stays constant
 * under the current activity, so a fused decode run can stop exactly there.
 *
 *   const s = new PowerState(params, { capWatts: 500, inletC: 30, cooling: 'air' });
 *   s.setActivity(decode);            // clock for this activity at the current temperature
 *   const horizon = s.nextChangeSec(); // run steps at s.clockFraction until then
 *   s.advance(dt, decode);            // integrate temperature and energy
 *
 * No allocation after construction.
 */
import { DEFAULT_INLET_C } from './caps.ts';
import { IDLE, clockUnderCap, gpuWatts, type PowerParams, type StepActivity } from './model.ts';
import type { Cooling } from './schema.ts';
import { tempAfterC, thermalLimitWatts, timeToReachSec } from './thermal.ts';

export interface PowerStateConfig {
  /** Effective per-GPU limit (W), e.g. from `effectiveCapWatts`; default TDP. */
  capWatts?: number;
  inletC?: number;
  cooling?: Cooling;
  /** Starting temperature (°C); default the inlet temperature (a cold GPU). */
  initialTempC?: number;
}

export class PowerState {
  /** GPU temperature (°C). */
  tempC: number;
  /** Current clock as a fraction of the maximum clock. */
  clockFraction = 1;
  /** Current board power (W). */
  watts: number;
  /** True while the thermal limit, not the power cap, sets the clock. */
  throttled = false;
  /** Energy since construction (J). */
  joules = 0;
  /** Simulated seconds since construction, and of those, seconds spent thermally throttled. */
  elapsedSec = 0;
  throttledSec = 0;
  /** Highest temperature seen (°C). */
  maxTempC: number;

  private readonly capWatts: number;
  private readonly inletC: number;
  private readonly r: number;
  private readonly tau: number;
  private readonly thermalWatts: number;
  private activity: Readonly<StepActivity> = IDLE;

  constructor(private readonly p: PowerParams, cfg: PowerStateConfig = {}) {
    this.capWatts = Math.min(cfg.capWatts ?? p.tdpWatts, p.tdpWatts);
    this.inletC = cfg.inletC ?? DEFAULT_INLET_C;
    const path = p.thermal[cfg.cooling ?? 'air'];
    this.r = path.resistanceCPerWatt;
    this.tau = path.timeConstantSec;
    this.thermalWatts = thermalLimitWatts(p.throttleC, this.inletC, this.r);
    this.tempC = cfg.initialTempC ?? this.inletC;
    this.maxTempC = this.tempC;
    this.watts = p.idleWatts;
    this.setActivity(IDLE);
  }

  /** Set the current activity; updates the clock and power for the present temperature. */
  setActivity(a: Readonly<StepActivity>): void {
    this.activity = a;
    const fCap = clockUnderCap(this.p, a, this.capWatts);
    const pCap = gpuWatts(this.p, a, fCap);
    // At (or, after rounding, just above) the throttle temperature with power that would heat further:
    // hold the temperature by running under the thermal limit instead.
    if (this.tempC >= this.p.throttleC - 1e-9 && pCap > this.thermalWatts) {
      this.throttled = true;
      this.clockFraction = clockUnderCap(this.p, a, Math.min(this.capWatts, this.thermalWatts));
    } else {
      this.throttled = false;
      this.clockFraction = fCap;
    }
    this.watts = gpuWatts(this.p, a, this.clockFraction);
  }

  /**
   * Seconds until the clock changes if the activity stays as it is: the time the temperature needs to
   * reach the throttle point; Infinity when it never will (or when already throttled at steady state).
   */
  nextChangeSec(): number {
    if (this.throttled) return Infinity;
    return timeToReachSec(this.tempC, this.p.throttleC, this.inletC, this.watts, this.r, this.tau);
  }

  /**
   * Advance `dtSec` under `activity` (default: the current one): integrates temperature and energy,
   * switching to the thermal limit when the throttle point is reached inside the interval. Returns this
   * object (fields `watts`, `tempC`, `clockFraction`).
   */
  advance(dtSec: number, activity: Readonly<StepActivity> = this.activity): this {
    if (activity !== this.activity) this.setActivity(activity);
    let left = dtSec;
    while (left > 0) {
      const until = this.nextChangeSec();
      const dt = Math.min(left, until);
      this.joules += this.watts * dt;
      this.elapsedSec += dt;
      if (this.throttled) this.throttledSec += dt;
      // Throttled, the controller holds the temperature at the throttle point.
      this.tempC = this.throttled || until <= left
        ? this.p.throttleC
        : tempAfterC(this.tempC, this.inletC, this.watts, this.r, this.tau, dt);
      if (this.tempC > this.maxTempC) this.maxTempC = this.tempC;
      left -= dt;
      if (until <= dt) this.setActivity(this.activity);
    }
    return this;
  }
}
