/**
 * The physical layer end to end through scenarios: node topology (placement), power caps, thermal
 * throttling, energy and cost of ownership. Each test would fail if the physics were wrong or unwired.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import { stableJson } from '../../src/report/json.ts';
import { parseMlEnergy } from '../../src/power/fit.ts';

const file = path.resolve(import.meta.dirname, '../../scenarios/physics.test.yaml');

function run(yaml: string, opts: { fuse?: boolean } = {}) {
  const resolved = resolveScenario(parseScenario(yaml, file), nodeResolveEnv(file));
  if (opts.fuse === false) {
    const orig = resolved.fleetInput;
    resolved.fleetInput = (o) => ({ ...orig(o), fuseDecodes: false });
  }
  return runScenario(resolved);
}

function synthetic(o: { model?: string; gpu?: string; extra?: string; input: number; output: number; rate: number; sec: number; head?: string }): string {
  return `name: physics-test
model: ${o.model ?? 'llama-3.1-8b'}
gpu: ${o.gpu ?? 'h100-sxm'}
${o.head ?? ''}
engine: { scheduler: chunked-prefill }
workload:
  arrivals: { kind: poisson, ratePerSec: ${o.rate} }
  lengths:
    input: { kind: fixed, value: ${o.input} }
    output: { kind: fixed, value: ${o.output} }
  durationSec: ${o.sec}
${o.extra ?? ''}
`;
}

describe('power and thermal wiring', () => {
  it('fused decode runs equal step-by-step execution with caps and thermal throttling on', () => {
    for (const extra of ['power: { inletC: 50 }', 'power: { capWatts: 450, inletC: 60, cooling: air }']) {
      const y = synthetic({ input: 2000, output: 200, rate: 10, sec: 600, extra });
      const fused = run(y);
      const stepped = run(y, { fuse: false });
      expect(fused.result.events).toBeLessThan(stepped.result.events); // fusion did happen
      const pick = (r: typeof fused.report) => stableJson({ l: r.latencyMs, e: r.energy, p: r.power, t: r.thermal });
      expect(pick(fused.report)).toBe(pick(stepped.report));
      expect(fused.report.thermal!.throttledFraction).toBeGreaterThan(0); // the horizon was crossed
    }
  });

  it('without a power block step times are unchanged; an empty block only reports at full TDP', () => {
    const base = synthetic({ input: 1000, output: 100, rate: 4, sec: 120 });
    const off = run(base).report;
    const on = run(base + 'power: {}\n').report;
    expect(off.power).toBeUndefined();
    expect(off.energy).toBeUndefined();
    // 25 °C inlet, TDP cap: nothing throttles, so latencies are those of the model.
    expect(on.thermal!.throttledFraction).toBe(0);
    expect(stableJson(on.latencyMs)).toBe(stableJson(off.latencyMs));
    expect(on.power!.meanWattsPerGpu).toBeGreaterThan(70);
    expect(on.power!.peakWattsPerGpu).toBeLessThanOrEqual(700 + 1e-6);
  });

  it('a power cap slows a prefill-heavy workload more than a decode-heavy one', () => {
    const slowdown = (input: number, output: number, key: 'ttft' | 'tpot') => {
      const y = synthetic({ input, output, rate: 0.5, sec: 300 });
      const free = run(y + 'power: {}\n').report.latencyMs[key].mean;
      const cappedReport = run(y + 'power: { capWatts: 250 }\n').report;
      expect(cappedReport.power!.peakWattsPerGpu).toBeLessThanOrEqual(250 + 1e-6); // the cap holds
      return cappedReport.latencyMs[key].mean / free;
    };
    const prefill = slowdown(4000, 4, 'ttft');
    const decode = slowdown(64, 512, 'tpot');
    expect(decode).toBeGreaterThan(1); // the cap binds for decode too, but memory-bound steps lose little
    expect(prefill).toBeGreaterThan(decode * 1.3);
  });

  it('a hotter inlet throttles under sustained load and raises p99', () => {
    const y = synthetic({ input: 2000, output: 200, rate: 10, sec: 900 });
    const cool = run(y + 'power: { inletC: 25 }\n').report;
    const hot = run(y + 'power: { inletC: 50 }\n').report;
    expect(cool.thermal!.throttledFraction).toBe(0);
    expect(hot.thermal!.throttledFraction).toBeGreaterThan(0.1);
    expect(hot.thermal!.maxC).toBeCloseTo(87, 6); // h100-sxm throttle point holds
    expect(hot.latencyMs.e2e.p99).toBeGreaterThan(cool.latencyMs.e2e.p99 * 1.1);
    // Liquid cooling at the same inlet keeps the GPU below the throttle point.
    const liquid = run(y + 'power: { inletC: 50, cooling: liquid }\n').report;
    expect(liquid.thermal!.throttledFraction).toBe(0);
  });

  const mlEnergy = path.resolve(import.meta.dirname, '../../../shared/data/power/mlenergy-llama-3.1-405b-fp8.json');
  it.skipIf(!existsSync(mlEnergy))('energy per output token falls with batch size as ML.ENERGY measures it (Llama-3.1-405B FP8, 8 × H100)', () => {
    const measured = parseMlEnergy(readFileSync(mlEnergy, 'utf8')).configs.filter((c) => c.gpu === 'H100' && c.numGpus === 8);
    const sim: number[] = [];
    const meas: number[] = [];
    for (const batch of [8, 32, 128]) {
      const m = measured.find((c) => Math.round(c.batch) === batch)!;
      const y = `name: mlenergy
model: llama-3.1-405b
gpu: h100-sxm
precision: { weights: fp8 }
parallelism: { tensor: 8 }
engine: { maxNumSeqs: ${batch} }
workload:
  arrivals: { kind: closed-loop, concurrency: ${batch} }
  lengths: { input: { kind: fixed, value: 500 }, output: { kind: fixed, value: ${Math.round(m.avgOutputTokens)} } }
  requests: ${batch * 4}
power: {}
`;
      sim.push(run(y).report.energy!.joulesPerOutputToken);
      meas.push(m.joulesPerToken);
    }
    for (let i = 1; i < sim.length; i++) {
      expect(sim[i]).toBeLessThan(sim[i - 1]!);
      // The fall from one batch size to the next matches the measurement within 30%.
      expect((sim[i - 1]! / sim[i]!) / (meas[i - 1]! / meas[i]!)).toBeGreaterThan(0.7);
      expect((sim[i - 1]! / sim[i]!) / (meas[i - 1]! / meas[i]!)).toBeLessThan(1.3);
    }
    for (let i = 0; i < sim.length; i++) expect(Math.abs(sim[i]! / meas[i]! - 1)).toBeLessThan(0.3);
  }, 30_000);

  it('writes no power samples without the physics, one row per serving replica per second with it', () => {
    const y = synthetic({ input: 500, output: 50, rate: 2, sec: 30, head: 'replicas: 2' });
    expect(run(y).result.power).toBeNull();
    const res = run(y + 'power: {}\n').result;
    const s = res.power!.samples;
    expect(s.tSec.length).toBeGreaterThan(2 * 25);
    expect(s.tSec.length).toBeLessThanOrEqual(2 * (Math.ceil(res.endSec) + 1));
    for (const w of s.wattsPerGpu.toArray()) expect(w).toBeGreaterThanOrEqual(70);
  });
});

describe('topology wiring', () => {
  const tp2 = (extra: string) => run(synthetic({
    model: 'llama-3.1-70b', gpu: 'h100-pcie', input: 1000, output: 200, rate: 0.5, sec: 120,
    head: 'precision: { weights: fp8 }\nparallelism: { tensor: 2 }', extra,
  })).report;

  it('on pcie-2socket-h100 a TP-2 replica has a measurably higher TPOT with naive placement', () => {
    const aware = tp2('node: pcie-2socket-h100\nplacement: topology-aware');
    const naive = tp2('node: pcie-2socket-h100\nplacement: naive');
    expect(aware.topology!.pools['default']!.gpus).toEqual([0, 1]);
    expect(new Set(naive.topology!.pools['default']!.gpus.map((g) => (g < 4 ? 0 : 1))).size).toBe(2); // both sockets
    expect(naive.topology!.pools['default']!.allReduceMsPer16MiB).toBeGreaterThan(aware.topology!.pools['default']!.allReduceMsPer16MiB);
    expect(naive.latencyMs.tpot.p50).toBeGreaterThan(aware.latencyMs.tpot.p50 * 1.05);
  });

  it('the node changes TP collectives (NVSwitch vs the profile constant) and cold starts load through it', () => {
    const y = (extra: string) => synthetic({
      model: 'llama-3.1-70b', input: 1000, output: 100, rate: 0.5, sec: 300,
      head: 'precision: { weights: fp8 }\nparallelism: { tensor: 4 }\nfleet:\n  provisioning: { kind: serverless, maxReplicas: 1, idleTimeoutSec: 5 }', extra,
    });
    const plain = run(y('')).report;
    const dgx = run(y('node: dgx-h100')).report;
    expect(dgx.latencyMs.tpot.p50).not.toBe(plain.latencyMs.tpot.p50);
    const load = dgx.topology!.pools['default']!.weightLoadSec;
    expect(load).toBeGreaterThan(0);
    // Serverless cold starts: acquisition + weight load through the node + warm-up.
    expect(dgx.fleet.coldStarts.count).toBeGreaterThan(0);
    expect(dgx.fleet.coldStarts.maxSec).toBeCloseTo(60 + load + 30, 4);
  });

  it('disaggregated KV hand-offs go over the topology link', () => {
    const y = `name: disagg
model: llama-3.1-8b
gpu: h100-sxm
node: dgx-h100
disaggregation:
  prefill: { replicas: 1 }
  decode: { replicas: 1 }
workload:
  arrivals: { kind: poisson, ratePerSec: 2 }
  lengths: { input: { kind: fixed, value: 2000 }, output: { kind: fixed, value: 50 } }
  durationSec: 60
`;
    const r = run(y).report;
    expect(r.topology!.kvLink!.mode).toBe('gpudirect-rdma');
    expect(r.topology!.kvLink!.bandwidthBytesPerSec).toBeGreaterThan(1e9);
    expect(r.requests.completed).toBeGreaterThan(100);
  });

  it('placement without a node is an error', () => {
    expect(() => parseScenario(synthetic({ input: 10, output: 10, rate: 1, sec: 1, extra: 'placement: naive' }), file)).toThrow(/placement needs a node/);
  });
});

describe('cost of ownership wiring', () => {
  it('the on-prem breakdown adds up', () => {
    const y = synthetic({
      input: 1000, output: 200, rate: 4, sec: 300, head: 'replicas: 2',
      extra: 'power: { pue: 1.4 }\ncost: { mode: onprem, purchaseUsd: 30000, years: 4, kwhUsd: 0.12, overheadUsdPerRackMonth: 3000, gridGCo2PerKwh: 400 }',
    });
    const r = run(y).report;
    const c = r.cost;
    const b = c.breakdown!;
    expect(b.cloudUsd).toBe(0);
    expect(b.capexUsd + b.energyUsd + b.overheadUsd).toBeCloseTo(c.totalUsd, 5);
    expect(b.capexUsd).toBeCloseTo((c.gpuHours * 30000) / (4 * 8760), 5);
    expect(b.energyUsd).toBeCloseTo(r.energy!.kWh * 1.4 * 0.12, 5);
    expect(b.overheadUsd).toBeCloseTo((c.gpuHours / 32 / 730) * 3000, 5);
    expect(c.usdPerHour! * (r.simulatedSec / 3600)).toBeCloseTo(c.totalUsd, 5);
    const inUsd = (c.usdPerMillionInputTokens! * r.throughput.inputTokensPerSec * r.simulatedSec) / 1e6;
    const outUsd = (c.usdPerMillionOutputTokens! * r.throughput.outputTokensPerSec * r.simulatedSec) / 1e6;
    expect(inUsd + outUsd).toBeCloseTo(c.totalUsd, 4);
    expect(r.energy!.gCo2PerToken).toBeCloseTo((r.energy!.kWh * 1.4 * 400) / (r.throughput.outputTokensPerSec * r.simulatedSec), 4);
    // Energy is observed even without a power block (step times unchanged).
    const noPower = run(y.replace('power: { pue: 1.4 }\n', '')).report;
    expect(noPower.energy!.kWh).toBeGreaterThan(0);
    expect(noPower.thermal).toBeUndefined();
  });

  it('hybrid: the reactive pool minimum is owned, the burst above it is cloud', () => {
    const y = synthetic({
      input: 3000, output: 300, rate: 40, sec: 600,
      head: 'fleet:\n  provisioning: { kind: reactive, minReplicas: 1, maxReplicas: 4, metric: queue-depth, scaleUpThreshold: 2, scaleDownThreshold: 0.5, windowSec: 30, evaluationIntervalSec: 10, cooldownSec: 30 }',
      extra: 'cost: { mode: hybrid, cloudPricing: on-demand, kwhUsd: 0.1 }',
    });
    const r = run(y).report;
    const c = r.cost;
    expect(r.fleet.replicas.max).toBeGreaterThan(1); // it did burst
    expect(c.onpremGpuHours!).toBeCloseTo(r.simulatedSec / 3600, 4); // one owned GPU for the whole run
    expect(c.onpremGpuHours! + c.cloudGpuHours!).toBeCloseTo(c.gpuHours, 4);
    expect(c.breakdown!.cloudUsd).toBeCloseTo(c.cloudGpuHours! * 2.25, 4);
    expect(c.breakdown!.capexUsd).toBeGreaterThan(0);
    expect(c.breakdown!.energyUsd).toBeGreaterThan(0);
    const b = c.breakdown!;
    expect(b.capexUsd + b.energyUsd + b.cloudUsd + b.overheadUsd).toBeCloseTo(c.totalUsd, 5);
  });

  it('spot capacity is interrupted: injected failures retry the work, and 0 interruptions turns them off', () => {
    const base = synthetic({ input: 500, output: 200, rate: 4, sec: 1800, head: 'replicas: 2' });
    const spot = run(base + 'cost: { mode: cloud, cloudPricing: spot, spotInterruptionsPerHour: 4 }\n').report;
    expect(spot.fleet.failures).toBeGreaterThan(0);
    expect(spot.requests.retried).toBeGreaterThan(0);
    expect(spot.requests.completed).toBe(spot.requests.arrived);
    expect(spot.cost.expectedSpotInterruptions).toBeCloseTo(spot.cost.gpuHours * 4, 4);
    const none = run(base + 'cost: { mode: cloud, cloudPricing: spot, spotInterruptionsPerHour: 0 }\n').report;
    expect(none.fleet.failures).toBe(0);
  });

  it('cloud mode with spot prices, and the legacy gpuHourUsd alone keeps the old cost block', () => {
    const base = synthetic({ input: 500, output: 100, rate: 2, sec: 120 });
    const spot = run(base + 'cost: { mode: cloud, cloudPricing: spot }\n').report.cost;
    expect(spot.breakdown!.cloudUsd).toBeCloseTo(spot.gpuHours * 0.9, 6); // h100-sxm spot default
    const legacy = run(base + 'cost: { gpuHourUsd: 3 }\n').report.cost;
    expect(legacy.mode).toBeUndefined();
    expect(legacy.totalUsd).toBeCloseTo(legacy.gpuHours * 3, 6);
  });
});

describe('KV swap on preemption through the transfer model', () => {
  const y = (engine: string) => `name: swap
model: llama-3.1-8b
gpu: h100-sxm
engine: { scheduler: chunked-prefill, gpuMemoryUtilization: 0.26, ${engine} }
workload:
  arrivals: { kind: closed-loop, concurrency: 48 }
  lengths:
    input: { kind: uniform, min: 500, max: 3000 }
    output: { kind: uniform, min: 200, max: 1500 }
  requests: 300
`;

  it('swaps decoding victims out and back in instead of recomputing them, exactly under fused runs', () => {
    const recompute = run(y('preemption: recompute')).report;
    const swapped = run(y('preemption: swap'));
    const stepped = run(y('preemption: swap'), { fuse: false });
    const s = swapped.report;
    expect(recompute.requests.preemptions).toBeGreaterThan(20); // the cache is short
    expect(recompute.engine.swap).toBeUndefined();
    expect(s.engine.swap!.outs).toBeGreaterThan(20);
    expect(s.engine.swap!.ins).toBe(s.engine.swap!.outs); // every swapped sequence came back
    expect(s.requests.completed).toBe(300);
    // Copying KV over PCIe is cheaper than recomputing the prompt and the generated tokens.
    expect(s.throughput.outputTokensPerSec).toBeGreaterThan(recompute.throughput.outputTokensPerSec);
    expect(stableJson(s.latencyMs)).toBe(stableJson(stepped.report.latencyMs));
  });

  it('falls back to recompute when the swap space is full', () => {
    const tiny = run(y('preemption: swap, swapSpaceGiB: 0.001')).report;
    expect(tiny.requests.preemptions).toBeGreaterThan(20);
    expect(tiny.engine.swap!.outs).toBe(0);
  });
});
