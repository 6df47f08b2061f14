/**
 * The power/thermal clock of one replica's GPUs over simulated time (all GPUs of a replica run the same
 * steps, so one state stands for each of them). Implements the engine's `StepClock` seam.
 *
 * - Activity of a step, from its nominal cost (at the default power limit) on G GPUs:
 *     gpuSec = seconds − unhidden CPU overhead; busy = gpuSec / seconds
 *     u_c = FLOPs / G / (gpuSec · peak FLOP/s);  u_m = bytes / G / (gpuSec · HBM bandwidth)
 *     share = compute-bound seconds / gpuSec
 * - Clock: the highest clock whose busy power fits under the effective cap (`clockUnderCap`); at the throttle
 *   temperature with power that would heat further, under the thermal limit instead (src/power/state.ts).
 *   Clock decisions read a lazily filled table over activity quantised to 1/32 (`ClockTable`): deterministic,
 *   and a bisection per new activity cell rather than per step.
 * - Step multiplier: s(f_cap) / s(f_default) of the GPU part (the step-time models are calibrated at the
 *   default limit, where f_default is usually 1).
 * - Temperature integrates lazily (first-order RC, src/power/thermal.ts) at each activity change, at the
 *   horizon and when the replica idles or leaves; `horizonSec` is when the temperature reaches the throttle
 *   point under the current power, so fused decode runs stop there.
 * With `scalesSteps` false (energy accounting without a `power` block) the GPU runs at its default-limit
 * clock, never throttles, and the multiplier is 1.
 */
import type { StepClock } from '../engine/step-clock.ts';
import type { StepCost } from '../perf/types.ts';
import { clockUnderCap, gpuWatts, stretch, type PowerParams, type StepActivity } from './model.ts';
import type { Cooling } from './schema.ts';
import { tempAfterC, thermalLimitWatts, timeToReachSec } from './thermal.ts';

const Q = 32;
const QU = 64;
const QS = Q + 1;

/**
 * Clock fractions per quantised activity (busy GPU) for one (GPU, cap, thermal limit): at the cap, under the
 * thermal limit, and at the default limit (TDP). Filled on first use of a cell.
 */
export class ClockTable {
  private readonly fCap = new Float64Array(QU * QU * QS).fill(-1);
  private readonly fThermal = new Float64Array(QU * QU * QS).fill(-1);
  private readonly fDefault = new Float64Array(QU * QU * QS).fill(-1);
  private readonly a: StepActivity = { computeUtil: 0, memoryUtil: 0, computeBoundShare: 0, busyFraction: 1 };

  constructor(readonly p: PowerParams, readonly capWatts: number, readonly thermalWatts: number) {}

  /** Cell of an activity. */
  cell(a: Readonly<StepActivity>): number {
    const c = Math.min(QU - 1, Math.round(a.computeUtil * Q));
    const m = Math.min(QU - 1, Math.round(a.memoryUtil * Q));
    const s = Math.min(Q, Math.round(a.computeBoundShare * Q));
    return (c * QU + m) * QS + s;
  }

  private fill(i: number): void {
    const s = i % QS;
    const m = ((i - s) / QS) % QU;
    const c = Math.floor(i / (QS * QU));
    const a = this.a;
    a.computeUtil = c / Q; a.memoryUtil = m / Q; a.computeBoundShare = s / Q;
    this.fCap[i] = clockUnderCap(this.p, a, this.capWatts);
    this.fThermal[i] = clockUnderCap(this.p, a, Math.min(this.capWatts, this.thermalWatts));
    this.fDefault[i] = clockUnderCap(this.p, a, this.p.tdpWatts);
  }

  atCap(i: number): number { if (this.fCap[i] < 0) this.fill(i); return this.fCap[i]; }
  thermal(i: number): number { if (this.fCap[i] < 0) this.fill(i); return this.fThermal[i]; }
  atDefault(i: number): number { if (this.fCap[i] < 0) this.fill(i); return this.fDefault[i]; }
}

export interface ReplicaClockConfig {
  params: PowerParams;
  table: ClockTable;
  inletC: number;
  cooling: Cooling;
  gpus: number;
  peakFlopsPerGpu: number;
  memoryBytesPerSecPerGpu: number;
  scalesSteps: boolean;
}

export class ReplicaPowerClock implements StepClock {
  readonly scalesSteps: boolean;
  horizonSec = Infinity;
  /** GPU temperature (°C), as of `syncSec`. */
  tempC: number;
  maxTempC: number;
  clockFraction = 1;
  /** Board power of each GPU now (W). */
  watts: number;
  peakWatts: number;
  throttled = false;
  /** Per GPU: energy (J), serving seconds, of those thermally throttled. */
  joules = 0;
  elapsedSec = 0;
  throttledSec = 0;
  /** Whether the replica is serving (power is accounted only then). */
  serving = false;
  private scale = 1;
  private syncSec = 0;
  /** When the replica last stopped serving (−1: never). */
  private stoppedSec = -1;
  private readonly act: StepActivity = { computeUtil: 0, memoryUtil: 0, computeBoundShare: 0, busyFraction: 0 };
  private readonly p: PowerParams;
  private readonly r: number;
  private readonly tau: number;

  constructor(private readonly cfg: ReplicaClockConfig) {
    this.scalesSteps = cfg.scalesSteps;
    this.p = cfg.params;
    const path = cfg.params.thermal[cfg.cooling];
    this.r = path.resistanceCPerWatt;
    this.tau = path.timeConstantSec;
    this.tempC = cfg.inletC;
    this.maxTempC = this.tempC;
    this.watts = cfg.params.idleWatts;
    this.peakWatts = this.watts;
  }

  /** The replica starts serving (idle) at `nowSec`; after a stop, the GPU has cooled at idle power meanwhile. */
  start(nowSec: number): void {
    if (this.stoppedSec >= 0 && nowSec > this.stoppedSec) {
      this.tempC = tempAfterC(this.tempC, this.cfg.inletC, this.p.idleWatts, this.r, this.tau, nowSec - this.stoppedSec);
    }
    this.syncSec = nowSec;
    this.serving = true;
    this.setIdle();
  }

  /** The replica stops serving at `nowSec` (stopped or failed). */
  stop(nowSec: number): void {
    if (!this.serving) return;
    this.sync(nowSec);
    this.serving = false;
    this.stoppedSec = nowSec;
    this.setIdle();
  }

  beginStep(nowSec: number, cost: StepCost | null): number {
    this.sync(nowSec);
    if (cost !== null) {
      const a = this.act;
      const sec = cost.seconds;
      const gpuSec = sec - cost.overheadSec > 0 ? sec - cost.overheadSec : sec;
      const g = this.cfg.gpus;
      a.busyFraction = sec > 0 ? gpuSec / sec : 0;
      a.computeUtil = gpuSec > 0 ? cost.flops / g / (gpuSec * this.cfg.peakFlopsPerGpu) : 0;
      a.memoryUtil = gpuSec > 0 ? cost.bytes / g / (gpuSec * this.cfg.memoryBytesPerSecPerGpu) : 0;
      const share = gpuSec > 0 ? cost.computeBoundSec / gpuSec : 0;
      a.computeBoundShare = share < 1 ? share : 1;
      this.evaluate();
    } else if (nowSec >= this.horizonSec) {
      this.evaluate();
    }
    return this.scale;
  }

  idle(nowSec: number): void {
    this.sync(nowSec);
    this.setIdle();
  }

  /** Temperature at `nowSec` ≥ the last sync under the current power (read-only). */
  tempAt(nowSec: number): number {
    if (this.throttled || nowSec <= this.syncSec) return this.tempC;
    const t = tempAfterC(this.tempC, this.cfg.inletC, this.watts, this.r, this.tau, nowSec - this.syncSec);
    return this.scalesSteps && t > this.p.throttleC ? this.p.throttleC : t;
  }

  private setIdle(): void {
    const a = this.act;
    a.busyFraction = 0; a.computeUtil = 0; a.memoryUtil = 0; a.computeBoundShare = 0;
    this.evaluate();
  }

  /** Integrates temperature and energy from the last sync to `nowSec` at the current power. */
  private sync(nowSec: number): void {
    const dt = nowSec - this.syncSec;
    if (!(dt > 0)) return;
    this.syncSec = nowSec;
    if (!this.serving) return;
    this.joules += this.watts * dt;
    this.elapsedSec += dt;
    if (this.throttled) {
      this.throttledSec += dt;
      return; // the controller holds the temperature at the throttle point
    }
    let t = tempAfterC(this.tempC, this.cfg.inletC, this.watts, this.r, this.tau, dt);
    // Crossing the throttle point: the clock drops there (re-evaluated at the next step start).
    if (this.scalesSteps && t > this.p.throttleC) t = this.p.throttleC;
    this.tempC = t;
    if (t > this.maxTempC) this.maxTempC = t;
  }

  /** Clock, power, multiplier and horizon for the current activity and temperature. */
  private evaluate(): void {
    const a = this.act;
    const p = this.p;
    const table = this.cfg.table;
    let f: number;
    if (a.busyFraction <= 0) {
      f = 1;
      this.throttled = false;
      this.scale = 1;
    } else {
      const cell = table.cell(a);
      const fDefault = table.atDefault(cell);
      if (!this.scalesSteps) {
        f = fDefault;
        this.throttled = false;
      } else {
        f = table.atCap(cell);
        this.throttled = this.tempC >= p.throttleC - 1e-9 && gpuWatts(p, a, f) > table.thermalWatts;
        if (this.throttled) f = table.thermal(cell);
        // The table's clock is for the cell's centre: step down a clock bin while this activity exceeds the limit.
        const limit = this.throttled ? Math.min(table.capWatts, table.thermalWatts) : table.capWatts;
        const bin = p.clockStepMhz / p.maxClockMhz;
        const fMin = p.minClockMhz / p.maxClockMhz;
        while (f - bin >= fMin && gpuWatts(p, a, f) > limit) f -= bin;
      }
      const b = p.memoryClockSensitivity;
      this.scale = f === fDefault ? 1 : stretch(a.computeBoundShare, f, b) / stretch(a.computeBoundShare, fDefault, b);
    }
    this.clockFraction = f;
    this.watts = gpuWatts(p, a, f);
    if (this.serving && this.watts > this.peakWatts) this.peakWatts = this.watts;
    this.horizonSec = !this.scalesSteps || this.throttled || !this.serving
      ? Infinity
      : this.syncSec + timeToReachSec(this.tempC, p.throttleC, this.cfg.inletC, this.watts, this.r, this.tau);
  }
}

/** The thermal power limit of a cooling path at an inlet temperature (W). */
export function thermalWattsFor(p: PowerParams, inletC: number, cooling: Cooling): number {
  return thermalLimitWatts(p.throttleC, inletC, p.thermal[cooling].resistanceCPerWatt);
}
