import { describe, it, expect } from 'vitest';
import { TenantGate } from '../../src/fleet/tenant-gate.ts';
import type { GateHost } from '../../src/fleet/tenant-gate.ts';
import type { TenantSpec } from '../../src/fleet/types.ts';
import type { Request } from '../../src/workload/types.ts';

/** A host that records what the gate did; time moves only when the test says so. */
function host(predictedTtftMs = 0) {
  const log: string[] = [];
  const wakes: { atSec: number; tenant: number }[] = [];
  let now = 0;
  const h: GateHost = {
    now: () => now,
    wakeAt: (atSec, tenant) => { wakes.push({ atSec, tenant }); },
    admit: (r) => { log.push(`admit ${r.id}`); },
    reject: (r, reason) => { log.push(`reject ${r.id} ${reason}`); },
    deferred: (r) => { log.push(`defer ${r.id}`); },
    predictTtftMs: () => predictedTtftMs,
  };
  return { h, log, wakes, setNow: (t: number) => { now = t; } };
}
const tenant = (o: Partial<TenantSpec> = {}): TenantSpec => ({ name: 't', weight: 1, priority: 0, onLimit: 'reject', maxQueued: 10, ...o });
const req = (id: number, inputTokens = 10, outputTokens = 10): Request => ({ id, arrivalSec: 0, inputTokens, outputTokens, tenant: 0 }) as Request;

describe('TenantGate', () => {
  it('admits everything without quotas', () => {
    const { h, log } = host();
    const g = new TenantGate([tenant()], h);
    for (let i = 0; i < 5; i++) g.offer(req(i));
    expect(log).toEqual(['admit 0', 'admit 1', 'admit 2', 'admit 3', 'admit 4']);
  });

  it('rejects a request over the context limit', () => {
    const { h, log } = host();
    new TenantGate([tenant({ maxContextTokens: 100 })], h).offer(req(1, 90, 20));
    expect(log).toEqual(['reject 1 max-context']);
  });

  it('a request-rate bucket admits its burst, then rejects until it refills', () => {
    const { h, log, setNow } = host();
    const g = new TenantGate([tenant({ requestsPerSec: { ratePerSec: 2, burst: 2 } })], h);
    g.offer(req(1));
    g.offer(req(2));
    g.offer(req(3));
    setNow(0.5); // one token refilled
    g.offer(req(4));
    expect(log).toEqual(['admit 1', 'admit 2', 'reject 3 rate-limit', 'admit 4']);
  });

  it('defers over the concurrency limit and releases in FIFO order as requests finish', () => {
    const { h, log } = host();
    const g = new TenantGate([tenant({ maxConcurrent: 1, onLimit: 'defer' })], h);
    g.offer(req(1));
    g.offer(req(2));
    g.offer(req(3));
    expect(g.held).toBe(2);
    g.done(req(1));
    g.done(req(2));
    expect(log).toEqual(['admit 1', 'defer 2', 'defer 3', 'admit 2', 'admit 3']);
    expect(g.held).toBe(0);
  });

  it('rejects with queue-full beyond maxQueued deferred requests', () => {
    const { h, log } = host();
    const g = new TenantGate([tenant({ maxConcurrent: 1, onLimit: 'defer', maxQueued: 1 })], h);
    g.offer(req(1));
    g.offer(req(2));
    g.offer(req(3));
    expect(log).toEqual(['admit 1', 'defer 2', 'reject 3 queue-full']);
  });

  it('a deferred rate-limited request asks to be woken when its token is due', () => {
    const { h, log, wakes, setNow } = host();
    const g = new TenantGate([tenant({ tokensPerSec: { ratePerSec: 100, burst: 100 }, onLimit: 'defer' })], h);
    g.offer(req(1, 50, 50)); // takes the whole burst
    g.offer(req(2, 10, 10));
    expect(wakes).toEqual([{ atSec: 0.2, tenant: 0 }]);
    setNow(0.2);
    g.release(0, 0.2);
    expect(log).toEqual(['admit 1', 'defer 2', 'admit 2']);
  });

  it('admission control rejects when the predicted TTFT is above the limit', () => {
    const { h, log } = host(500);
    new TenantGate([tenant({ maxPredictedTtftMs: 200 })], h).offer(req(1));
    expect(log).toEqual(['reject 1 predicted-ttft']);
  });
});
