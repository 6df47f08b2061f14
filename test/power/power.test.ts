import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadGpuProfile } from '../../src/profiles/fs.ts';
import { unsourcedFields } from '../../src/profiles/registry.ts';
import { effectiveCapWatts, facilityWatts, powerStateConfig } from '../../src/power/caps.ts';
import { activityOf, parseMlEnergy, predictFraction } from '../../src/power/fit.ts';
import { listPowerProfileIds, loadPowerProfile } from '../../src/power/load.ts';
import { capSlowdown, clockUnderCap, gpuWatts, IDLE, stepScale, type StepActivity } from '../../src/power/model.ts';
import { PowerBlockSchema } from '../../src/power/schema.ts';
import { PowerState } from '../../src/power/state.ts';
import { timeToReachSec } from '../../src/power/thermal.ts';
import { nodeTextReader } from '../../src/cli/node-text-reader.ts';

const DIR = new URL('../../profiles/power', import.meta.url).pathname;
const h100 = loadPowerProfile(nodeTextReader, DIR, 'h100-sxm');
const PREFILL: StepActivity = { computeUtil: 0.6, memoryUtil: 0.05, computeBoundShare: 0.9, busyFraction: 1 };
const DECODE: StepActivity = { computeUtil: 0.02, memoryUtil: 0.6, computeBoundShare: 0.05, busyFraction: 1 };

describe('power profiles', () => {
  it('every value is sourced, TDP matches the GPU profile', () => {
    for (const id of listPowerProfileIds(nodeTextReader, DIR)) {
      const p = loadPowerProfile(nodeTextReader, DIR, id);
      expect(unsourcedFields(p), id).toEqual([]);
      expect(p.tdpWatts, id).toBe(loadGpuProfile(id).tdpWatts);
    }
  });

  it('the scenario block keeps the contract key names and accepts {}', () => {
    expect(PowerBlockSchema.parse({})).toEqual({});
    const keys = Object.keys(PowerBlockSchema.shape).sort();
    expect(keys).toEqual(['capWatts', 'cooling', 'facilityCapKw', 'inletC', 'nodeCapWatts', 'pue']);
    expect(() => PowerBlockSchema.parse({ capwatts: 300 })).toThrow();
  });
});

describe('power model', () => {
  it('power rises with clock and activity; idle is idle', () => {
    expect(gpuWatts(h100, IDLE, 1)).toBe(h100.idleWatts);
    expect(gpuWatts(h100, DECODE, 0.6)).toBeLessThan(gpuWatts(h100, DECODE, 0.9));
    expect(gpuWatts(h100, PREFILL, 0.6)).toBeGreaterThan(gpuWatts(h100, DECODE, 0.6));
  });

  it('compute-bound time scales with 1/clock, memory-bound time much less', () => {
    expect(stepScale(1, 0, 0.5)).toBeCloseTo(2, 12);
    expect(stepScale(0, 1, 0.5)).toBeCloseTo(1.1, 12);
  });

  it('a power cap slows a prefill-heavy (compute-bound) step more than a decode-heavy one', () => {
    const prefill = capSlowdown(h100, PREFILL, 350);
    const decode = capSlowdown(h100, DECODE, 350);
    expect(prefill).toBeGreaterThan(1.2);
    expect(decode).toBeGreaterThan(1);
    expect(decode).toBeLessThan(1.1);
    expect(prefill).toBeGreaterThan(decode + 0.15);
    // The cap is honoured.
    expect(gpuWatts(h100, PREFILL, clockUnderCap(h100, PREFILL, 350))).toBeLessThanOrEqual(350);
  });

  it('node and facility caps share power equally; never below the settable minimum', () => {
    expect(effectiveCapWatts({}, 700, 200, 8, 64)).toBe(700);
    expect(effectiveCapWatts({ nodeCapWatts: 4000 }, 700, 200, 8, 64)).toBe(500);
    expect(effectiveCapWatts({ facilityCapKw: 39, pue: 1.3 }, 700, 200, 8, 64)).toBeCloseTo(468.75, 9);
    expect(effectiveCapWatts({ capWatts: 100 }, 700, 200, 8, 64)).toBe(200);
    expect(facilityWatts(1000, 1.5)).toBe(1500);
  });
});

describe('thermal', () => {
  const run = (inletC: number) => {
    const s = new PowerState(h100, { inletC, cooling: 'air' });
    s.setActivity(PREFILL);
    const onset = s.nextChangeSec();
    const clock0 = s.clockFraction;
    for (let i = 0; i < 600; i++) s.advance(1, PREFILL);
    return { onset, clock0, s };
  };

  it('a hotter inlet throttles sooner, runs slower and spends longer throttled', () => {
    const cool = run(25);
    const warm = run(42);
    const hot = run(47);
    expect(cool.onset).toBe(Infinity);
    expect(cool.s.throttledSec).toBe(0);
    expect(hot.onset).toBeLessThan(warm.onset);
    expect(hot.s.throttledSec).toBeGreaterThan(warm.s.throttledSec);
    expect(hot.s.clockFraction).toBeLessThan(warm.s.clockFraction);
    expect(warm.s.clockFraction).toBeLessThan(warm.clock0);
    expect(hot.s.maxTempC).toBeCloseTo(h100.throttleC, 6);
    // Slower clock → longer compute-bound steps (the p99 of a sustained prefill load drifts up).
    expect(stepScale(0.1, 0.01, hot.s.clockFraction)).toBeGreaterThan(stepScale(0.1, 0.01, cool.s.clockFraction));
  });

  it('liquid cooling does not throttle where air does', () => {
    const s = new PowerState(h100, { inletC: 47, cooling: 'liquid' });
    s.advance(600, PREFILL);
    expect(s.throttledSec).toBe(0);
  });

  it('the clock is constant until nextChangeSec, and changes right there', () => {
    const s = new PowerState(h100, { inletC: 47 });
    s.setActivity(PREFILL);
    const f0 = s.clockFraction;
    const t = s.nextChangeSec();
    s.advance(t * 0.999);
    expect(s.clockFraction).toBe(f0);
    s.advance(t * 0.002);
    expect(s.clockFraction).toBeLessThan(f0);
    expect(s.throttled).toBe(true);
    expect(s.nextChangeSec()).toBe(Infinity);
    // Idle again: the GPU cools, the clock returns.
    s.advance(1, IDLE);
    expect(s.throttled).toBe(false);
    expect(s.tempC).toBeLessThan(h100.throttleC);
  });

  it('energy integrates power over time', () => {
    const s = new PowerState(h100, { inletC: 25 });
    s.advance(10, DECODE);
    expect(s.joules).toBeCloseTo(10 * gpuWatts(h100, DECODE, s.clockFraction), 6);
    expect(timeToReachSec(30, 30, 25, 0, 0.1, 10)).toBe(Infinity);
  });
});

describe('sustained load: step latencies and fused runs', () => {
  /** Back-to-back prefill-heavy steps for `sec` seconds; returns every step's duration. */
  const stepwise = (inletC: number, sec: number): number[] => {
    const s = new PowerState(h100, powerStateConfig({ inletC }, h100, 8, 8));
    const out: number[] = [];
    for (let t = 0; t < sec;) {
      s.setActivity(PREFILL);
      const d = stepScale(0.018, 0.002, s.clockFraction);
      out.push(d);
      s.advance(d, PREFILL);
      t += d;
    }
    return out;
  };
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))]!;

  it('a hotter inlet raises the p99 step time of a sustained load', () => {
    const cool = stepwise(25, 900);
    const hot = stepwise(47, 900);
    expect(p99(hot)).toBeGreaterThan(1.05 * p99(cool));
    expect(Math.min(...hot)).toBeCloseTo(Math.min(...cool), 12); // same speed before the GPU heats up
  });

  it('a fused run up to nextChangeSec gives the same step times and state as stepping one by one', () => {
    const a = new PowerState(h100, { inletC: 47 });
    const b = new PowerState(h100, { inletC: 47 });
    const times: number[] = [];
    let t = 0;
    while (t < 400) {
      a.setActivity(PREFILL);
      const d = stepScale(0.018, 0.002, a.clockFraction);
      times.push(d);
      a.advance(d);
      t += d;
    }
    // Fused: all steps that start before the clock changes run at one clock, in one advance().
    const fused: number[] = [];
    let u = 0;
    while (u < 400) {
      b.setActivity(PREFILL);
      const d = stepScale(0.018, 0.002, b.clockFraction);
      const horizon = b.nextChangeSec();
      let k = 0;
      let span = 0;
      while (u + span < 400 && (k === 0 || span < horizon)) { span += d; k++; fused.push(d); }
      b.advance(span);
      u += span;
    }
    expect(fused.length).toBe(times.length);
    for (let i = 0; i < times.length; i++) expect(fused[i]).toBe(times[i]);
    expect(b.tempC).toBeCloseTo(a.tempC, 9);
    expect(b.joules / a.joules).toBeCloseTo(1, 9);
  });
});

const SHARED = new URL('../../../shared/data/power/', import.meta.url).pathname;
describe.skipIf(!existsSync(SHARED))('energy per token vs ML.ENERGY', () => {
  it('falls with batch size the way the measurements do (Llama-3.1-405B FP8, 8x H100)', () => {
    const f = parseMlEnergy(readFileSync(`${SHARED}mlenergy-llama-3.1-405b-fp8.json`, 'utf8'));
    const cs = f.configs.filter((c) => c.gpu === 'H100');
    const shape = { activeParams: 405e9, totalParams: 405e9, bytesPerParam: 1, kvBytesPerToken: 2 * 126 * 8 * 128 * 2, layers: 126, attnWidth: 16384 };
    const peaks = { peakFlops: 1978.9e12, memoryBytesPerSec: 3.35e12, tdpWatts: 700 };
    const pred = cs.map((c) => (predictFraction(h100.coefficients, activityOf(c, shape, peaks, 1000)) * 700 * c.numGpus) / c.tokensPerSec);
    const meas = cs.map((c) => c.joulesPerToken);
    for (let i = 1; i < pred.length; i++) {
      expect(pred[i]!).toBeLessThan(pred[i - 1]!);
      expect(meas[i]!).toBeLessThan(meas[i - 1]!);
    }
    const predDrop = pred[0]! / pred[pred.length - 1]!;
    const measDrop = meas[0]! / meas[meas.length - 1]!;
    expect(Math.abs(predDrop / measDrop - 1)).toBeLessThan(0.25);
    for (let i = 0; i < pred.length; i++) expect(Math.abs(pred[i]! / meas[i]! - 1)).toBeLessThan(0.3);
  });
});
