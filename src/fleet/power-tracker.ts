import type { Replica } from '../engine/replica.ts';
import { GrowableFloat64 } from '../metrics/growable.ts';
import { ClockTable, ReplicaPowerClock, thermalWattsFor } from '../power/replica-clock.ts';
import type { Simulator } from '../sim/simulator.ts';
import { EV_POWER_SAMPLE } from './event-loop.ts';
import type { FleetPowerInput, PoolInput } from './types.ts';

/** Power, energy and thermal results of a run (per GPU unless named otherwise). */
export interface PowerReport {
  /** Whether power caps and throttling changed step times (a `power` block), or energy was only observed. */
  scalesSteps: boolean;
  meanWattsPerGpu: number;
  peakWattsPerGpu: number;
  /** Peak over the power samples of Σ GPU watts × PUE (kW). */
  facilityPeakKw: number;
  /** GPU board energy of the run (J), all GPUs. */
  joules: number;
  /** Of which on each pool's GPUs (J). */
  joulesByPool: number[];
  maxC: number;
  /** Fraction of serving GPU-time spent thermally throttled. */
  throttledFraction: number;
  pue: number;
  /** Per-GPU power and temperature over time (one row per serving replica per sample). */
  samples: PowerSamples;
}

export interface PowerSamples {
  tSec: GrowableFloat64;
  replica: GrowableFloat64;
  pool: GrowableFloat64;
  wattsPerGpu: GrowableFloat64;
  tempC: GrowableFloat64;
  clockFraction: GrowableFloat64;
}

/**
 * Per-replica power/thermal clocks of a fleet (the physics on): creates each replica's clock, starts and
 * stops it with the replica's serving spells, samples power and temperature at a fixed interval (read-only:
 * sampling never changes the simulation) and sums energy at the end.
 */
export class PowerTracker {
  private readonly clocks: (ReplicaPowerClock | null)[] = [];
  private readonly tables: ClockTable[];
  private readonly samples: PowerSamples = {
    tSec: new GrowableFloat64(), replica: new GrowableFloat64(), pool: new GrowableFloat64(),
    wattsPerGpu: new GrowableFloat64(), tempC: new GrowableFloat64(), clockFraction: new GrowableFloat64(),
  };
  private facilityPeakW = 0;

  constructor(private readonly input: FleetPowerInput, private readonly pools: readonly PoolInput[], private readonly sim: Simulator) {
    this.tables = input.pools.map((p) => new ClockTable(p.params, p.capWatts, thermalWattsFor(p.params, p.inletC, p.cooling)));
  }

  /** The clock of a new replica `index` of `pool`. */
  clockFor(pool: number, index: number): ReplicaPowerClock {
    const p = this.input.pools[pool];
    const c = new ReplicaPowerClock({
      params: p.params, table: this.tables[pool], inletC: p.inletC, cooling: p.cooling, gpus: this.pools[pool].gpusPerReplica,
      peakFlopsPerGpu: p.peakFlopsPerGpu, memoryBytesPerSecPerGpu: p.memoryBytesPerSecPerGpu, scalesSteps: this.input.scalesSteps,
    });
    this.clocks[index] = c;
    return c;
  }

  onReady(r: Replica, nowSec: number): void {
    this.clocks[r.index]?.start(nowSec);
  }

  onLeave(r: Replica, nowSec: number): void {
    this.clocks[r.index]?.stop(nowSec);
  }

  start(): void {
    this.sim.schedule(0, EV_POWER_SAMPLE, 0);
  }

  /** EV_POWER_SAMPLE: records every serving replica's power and temperature; reschedules while there is work. */
  sample(replicas: readonly Replica[], activeWork: () => boolean): void {
    const now = this.sim.now;
    const s = this.samples;
    let fleetW = 0;
    for (const r of replicas) {
      const c = this.clocks[r.index];
      if (!c || !c.serving) continue;
      s.tSec.push(now); s.replica.push(r.index); s.pool.push(r.pool);
      s.wattsPerGpu.push(c.watts); s.tempC.push(c.tempAt(now)); s.clockFraction.push(c.clockFraction);
      fleetW += c.watts * r.gpus;
    }
    if (fleetW > this.facilityPeakW) this.facilityPeakW = fleetW;
    if (activeWork()) this.sim.schedule(this.input.sampleSec, EV_POWER_SAMPLE, 0);
  }

  /** Closes every serving spell at the end of the run. */
  finish(replicas: readonly Replica[], endSec: number): void {
    for (const r of replicas) this.clocks[r.index]?.stop(endSec);
  }

  report(replicas: readonly Replica[], _endSec: number): PowerReport {
    let joules = 0;
    let gpuSec = 0;
    let peak = 0;
    let maxC = -Infinity;
    let throttled = 0;
    const joulesByPool = this.pools.map(() => 0);
    for (const r of replicas) {
      const c = this.clocks[r.index];
      if (!c) continue;
      joules += c.joules * r.gpus;
      joulesByPool[r.pool] += c.joules * r.gpus;
      gpuSec += c.elapsedSec * r.gpus;
      throttled += c.throttledSec * r.gpus;
      if (c.elapsedSec > 0) {
        if (c.peakWatts > peak) peak = c.peakWatts;
        if (c.maxTempC > maxC) maxC = c.maxTempC;
      }
    }
    return {
      scalesSteps: this.input.scalesSteps,
      meanWattsPerGpu: gpuSec > 0 ? joules / gpuSec : 0,
      peakWattsPerGpu: peak,
      facilityPeakKw: (this.facilityPeakW * this.input.pue) / 1000,
      joules, joulesByPool,
      maxC: maxC === -Infinity ? 0 : maxC,
      throttledFraction: gpuSec > 0 ? throttled / gpuSec : 0,
      pue: this.input.pue,
      samples: this.samples,
    };
  }
}
