/**
 * ReplicaPowerClock (the StepClock of the physics): activity from a step's cost, the clock under the cap and
 * the thermal limit, the horizon at the throttle point, lazy integration of temperature and energy.
 */
import { describe, expect, it } from 'vitest';
import { loadPowerProfile } from '../../src/power/load.ts';
import { clockUnderCap, gpuWatts, stretch } from '../../src/power/model.ts';
import { ClockTable, ReplicaPowerClock, thermalWattsFor } from '../../src/power/replica-clock.ts';
import { tempAfterC, timeToReachSec } from '../../src/power/thermal.ts';
import { emptyCost, type StepCost } from '../../src/perf/types.ts';
import { nodeTextReader } from '../../src/cli/node-text-reader.ts';

const p = loadPowerProfile(nodeTextReader, new URL('../../profiles/power', import.meta.url).pathname, 'h100-sxm');
const PEAK = 989e12;
const BW = 3.35e12;

/** A 10 ms step of one GPU with the given utilisations (all GPU time, no CPU overhead). */
function cost(uc: number, um: number, share: number): StepCost {
  const c = emptyCost();
  c.seconds = 0.01; c.flops = uc * PEAK * 0.01; c.bytes = um * BW * 0.01; c.computeBoundSec = share * 0.01;
  return c;
}

function clock(capWatts: number, inletC: number, scalesSteps = true): ReplicaPowerClock {
  const table = new ClockTable(p, capWatts, thermalWattsFor(p, inletC, 'air'));
  return new ReplicaPowerClock({ params: p, table, inletC, cooling: 'air', gpus: 1, peakFlopsPerGpu: PEAK, memoryBytesPerSecPerGpu: BW, scalesSteps });
}

describe('ReplicaPowerClock', () => {
  it('at TDP nothing slows; a cap slows compute-bound steps by the clock stretch relative to the default limit', () => {
    const free = clock(p.tdpWatts, 25);
    free.start(0);
    expect(free.beginStep(0, cost(0.6, 0.05, 0.9))).toBe(1);
    const capped = clock(300, 25);
    capped.start(0);
    const s = capped.beginStep(0, cost(0.6, 0.05, 0.9));
    expect(s).toBeGreaterThan(1.2);
    const a = { computeUtil: 0.6, memoryUtil: 0.05, computeBoundShare: 0.9, busyFraction: 1 };
    expect(capped.watts).toBeLessThanOrEqual(300 + 1e-9);
    expect(s).toBeCloseTo(stretch(0.9, capped.clockFraction, p.memoryClockSensitivity) / stretch(0.9, clockUnderCap(p, a, p.tdpWatts), p.memoryClockSensitivity), 12);
    const decode = clock(300, 25);
    decode.start(0);
    expect(decode.beginStep(0, cost(0.02, 0.6, 0.05))).toBeLessThan(s);
  });

  it('horizon = analytic time to the throttle point; after it the clock holds the temperature there', () => {
    const c = clock(p.tdpWatts, 45);
    c.start(0);
    c.beginStep(0, cost(0.6, 0.05, 0.9));
    const w = c.watts;
    const r = p.thermal.air.resistanceCPerWatt;
    const tau = p.thermal.air.timeConstantSec;
    const h = timeToReachSec(45, p.throttleC, 45, w, r, tau);
    expect(Number.isFinite(h)).toBe(true);
    expect(c.horizonSec).toBeCloseTo(h, 9);
    // Same activity before the horizon: same multiplier, no throttling.
    const f0 = c.clockFraction;
    expect(c.beginStep(h / 2, null)).toBe(1);
    expect(c.tempC).toBeCloseTo(tempAfterC(45, 45, w, r, tau, h / 2), 9);
    // At the horizon the clock drops and the multiplier grows.
    const s = c.beginStep(h + 1, null);
    expect(c.throttled).toBe(true);
    expect(c.clockFraction).toBeLessThan(f0);
    expect(s).toBeGreaterThan(1);
    expect(c.tempC).toBe(p.throttleC);
    expect(c.horizonSec).toBe(Infinity);
    expect(c.joules).toBeCloseTo(w * (h + 1), 6);
    // Idle: cools, idle power, no longer throttled.
    c.idle(h + 2);
    expect(c.throttled).toBe(false);
    expect(c.watts).toBe(p.idleWatts);
    expect(c.tempAt(h + 60)).toBeLessThan(p.throttleC);
    expect(c.throttledSec).toBeCloseTo(1, 9);
    // A failed replica's GPUs cool while it is down.
    c.stop(h + 3);
    const hot = c.tempC;
    c.start(h + 300);
    expect(c.tempC).toBeCloseTo(tempAfterC(hot, 45, p.idleWatts, r, tau, 297), 9);
  });

  it('observing (no power block) never scales steps or throttles, but accounts energy', () => {
    const c = clock(p.tdpWatts, 60, false);
    c.start(0);
    expect(c.beginStep(0, cost(0.6, 0.05, 0.9))).toBe(1);
    expect(c.horizonSec).toBe(Infinity);
    const w = c.watts;
    expect(w).toBeCloseTo(gpuWatts(p, { computeUtil: 0.6, memoryUtil: 0.05, computeBoundShare: 0.9, busyFraction: 1 }, c.clockFraction), 9);
    c.stop(1000);
    expect(c.throttledSec).toBe(0);
    expect(c.maxTempC).toBeGreaterThan(p.throttleC); // hotter than the throttle point, unthrottled: observed only
    expect(c.joules).toBeCloseTo(w * 1000, 6);
  });
});
