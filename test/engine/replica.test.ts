/**
 * One replica driven step by step with a linear step-time model: the batching policies (continuous,
 * chunked prefill, static), their limits, preemption under KV pressure, and the fused decode runs.
 */
import { describe, it, expect } from 'vitest';
import { Replica } from '../../src/engine/replica.ts';
import type { EngineConfig } from '../../src/engine/config.ts';
import { MetricsSink } from '../../src/metrics/sink.ts';
import type { Request } from '../../src/workload/types.ts';
import { engine, lcg, linearPerf } from '../helpers/fakes.ts';

const request = (id: number, inputTokens: number, outputTokens: number, arrivalSec = 0): Request =>
  ({ id, arrivalSec, inputTokens, outputTokens }) as Request;

/** Runs `reqs` (all arriving at t = 0) to completion; returns the sink, the replica and the most running at once. */
function drive(cfg: Partial<EngineConfig>, reqs: Request[], kvBlocks = 10_000, fuse = true) {
  const sink = new MetricsSink(1, true);
  const r = new Replica({ index: 0, cfg: engine(cfg), kvBlocks, perf: linearPerf(0.01, 1e-5, 1e-4), sink });
  r.fuseDecodes = fuse;
  const rejected: string[] = [];
  for (const q of reqs) {
    sink.onArrival(0, q.inputTokens + q.outputTokens, 0);
    const why = r.enqueue(q, 0);
    if (why !== null) {
      rejected.push(why);
      sink.onReject(0, why, 0);
    }
  }
  let now = 0;
  let maxRunning = 0;
  for (let steps = 0; steps < 1_000_000; steps++) {
    const dur = r.startStep(now);
    if (dur < 0) break;
    maxRunning = Math.max(maxRunning, r.batchN);
    now += dur;
    r.finishStep(now);
  }
  return { sink, r, rejected, maxRunning, endSec: now };
}

const mix = (n: number, seed = 1) => {
  const rnd = lcg(seed);
  return Array.from({ length: n }, (_, i) => request(i, 50 + Math.floor(rnd() * 900), 1 + Math.floor(rnd() * 100)));
};

describe('Replica', () => {
  for (const scheduler of ['continuous', 'chunked-prefill', 'static'] as const) {
    it(`${scheduler}: completes every request and frees every KV block`, () => {
      const { sink, r, rejected } = drive({ scheduler, maxNumSeqs: 8 }, mix(60));
      expect(rejected).toEqual([]);
      expect(sink.all.completed).toBe(60);
      expect(r.outstanding).toBe(0);
      expect(r.kv.ownedBlocks).toBe(0);
    });
  }

  it('never runs more than maxNumSeqs sequences in one step', () => {
    expect(drive({ maxNumSeqs: 4 }, mix(40)).maxRunning).toBeLessThanOrEqual(4);
  });

  it('rejects requests that can never run, with the reason', () => {
    const { rejected } = drive({ maxBatchedTokens: 512, maxModelLen: 4096 }, [
      request(0, 600, 10), // prompt over the step budget (continuous)
      request(1, 4000, 200), // over maxModelLen
      request(2, 100, 10),
    ], 100); // 100 blocks × 16 = 1,600 tokens
    expect(rejected).toEqual(['prompt-exceeds-max-batched-tokens', 'exceeds-max-model-len']);
    expect(drive({}, [request(0, 2000, 10)], 100).rejected).toEqual(['exceeds-kv-capacity']);
  });

  it('chunked prefill admits a prompt longer than the step budget and splits it over steps', () => {
    const { sink, rejected } = drive({ scheduler: 'chunked-prefill', maxBatchedTokens: 256 }, [request(0, 1000, 2)]);
    expect(rejected).toEqual([]);
    expect(sink.all.completed).toBe(1);
    // Four chunked prefill steps (256 + 256 + 256 + 232) before the first token, then one decode step.
    expect(sink.all.ttftSec.get(0)).toBeCloseTo(4 * 0.01 + 1000 * 1e-5, 9);
  });

  it('static batching finishes a batch before starting the next one', () => {
    const reqs = [request(0, 100, 5), request(1, 100, 50), request(2, 100, 5)];
    const { sink } = drive({ scheduler: 'static', maxNumSeqs: 2 }, reqs);
    const d = sink.all.detail!;
    const firstToken = new Map<number, number>();
    const done = new Map<number, number>();
    for (let i = 0; i < d.id.length; i++) {
      firstToken.set(d.id.get(i), d.firstTokenSec.get(i));
      done.set(d.id.get(i), d.completionSec.get(i));
    }
    // Request 2 waits for the whole first batch (including the long request 1) to finish.
    expect(firstToken.get(2)!).toBeGreaterThanOrEqual(done.get(1)!);
  });

  it('preempts under KV pressure and still completes everything', () => {
    const reqs = Array.from({ length: 12 }, (_, i) => request(i, 200, 300));
    const { sink, r } = drive({ maxNumSeqs: 12 }, reqs, 200); // 3,200 tokens for 6,000 wanted
    expect(sink.all.completed).toBe(12);
    expect(sink.all.preemptedRequests).toBeGreaterThan(0);
    expect(r.kv.ownedBlocks).toBe(0);
  });

  it('fused decode runs give exactly the times of stepping one by one', () => {
    const reqs = mix(30, 7);
    const a = drive({ maxNumSeqs: 6 }, reqs, 10_000, true);
    const b = drive({ maxNumSeqs: 6 }, reqs.map((q) => ({ ...q })), 10_000, false);
    expect(a.endSec).toBe(b.endSec);
    expect(Array.from(a.sink.all.e2eSec.toArray())).toEqual(Array.from(b.sink.all.e2eSec.toArray()));
    expect(a.r.stepCount).toBe(b.r.stepCount);
  });
});

describe('Replica with preemption by swap', () => {
  /** Long decodes in a small cache, with a swap path whose copies take `copySec` each. */
  function swapRun(copySec: number) {
    const sink = new MetricsSink(1, true);
    let copies = 0;
    const r = new Replica({
      index: 0, cfg: engine({ scheduler: 'chunked-prefill', maxNumSeqs: 16, preemption: 'swap' }), kvBlocks: 120,
      perf: linearPerf(0.01, 1e-5, 1e-4), sink,
      swap: { bytes: (tokens) => tokens * 1000, copySec: () => { copies++; return copySec; } },
    });
    for (let i = 0; i < 12; i++) {
      sink.onArrival(0, 500, 0);
      r.enqueue(request(i, 100, 400), 0);
    }
    let now = 0;
    for (let steps = 0; steps < 1_000_000; steps++) {
      const dur = r.startStep(now);
      if (dur < 0) break;
      now += dur;
      r.finishStep(now);
    }
    return { sink, r, copies, endSec: now };
  }

  it('swaps victims out and in, adds each copy to its step, and leaves no host memory behind', () => {
    const free = swapRun(0);
    const slow = swapRun(0.5);
    expect(free.r.swapOuts).toBeGreaterThan(0);
    expect(free.r.swapIns).toBe(free.r.swapOuts);
    expect(free.copies).toBe(free.r.swapOuts + free.r.swapIns);
    expect(free.r.swappedBytes).toBe(0);
    expect(free.sink.all.completed).toBe(12);
    // Same schedule, each copy half a second longer.
    expect(slow.r.swapOuts).toBe(free.r.swapOuts);
    expect(slow.endSec - free.endSec).toBeCloseTo(0.5 * slow.copies, 6);
  });
});
