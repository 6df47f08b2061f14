import { describe, it, expect } from 'vitest';
import { createRouter, ROUTERS } from '../../src/fleet/router.ts';
import type { LoadView, RouterKind } from '../../src/fleet/router.ts';
import type { Replica } from '../../src/engine/replica.ts';
import type { Request } from '../../src/workload/types.ts';
import { createRng } from '../../src/workload/rng.ts';

/** Replicas as routers see them: an index and a pool. */
const replicas = (n: number, pools: number[] = []) =>
  Array.from({ length: n }, (_, i) => ({
    index: i, pool: pools[i] ?? 0,
    // what least-work reads: a prefill rate, a step-time model and the KV geometry
    prefillTokensPerSec: () => 10_000, perf: { predict: () => 0.01 }, kv: { numBlocks: 1000 }, cfg: { blockSize: 16, maxBatchedTokens: 8192 },
  }) as unknown as Replica);
const req = (extra: Partial<Request> = {}) => ({ id: 0, arrivalSec: 0, inputTokens: 10, outputTokens: 5, ...extra }) as Request;
const loadOf = (out: number[], kv: number[] = []): LoadView => ({
  outstanding: (r) => out[r.index] ?? 0,
  kvUtilization: (r) => kv[r.index] ?? 0,
  prefillTokens: () => 0,
  running: () => 0,
  meanOutputTokens: () => 0,
  hostBacklogSec: () => 0,
});
const router = (kind: RouterKind, poolWeights = [1]) => createRouter(kind, { rng: createRng(1, 'routing'), poolWeights });

describe('routers', () => {
  it('every router returns a valid index for any candidate count', () => {
    for (const kind of ROUTERS) {
      const r = router(kind, [1, 1]);
      for (const n of [1, 2, 5]) {
        const i = r.pick(replicas(n, [0, 1, 0, 1, 0]), req({ sessionId: 3, hashIds: Int32Array.from([1, 2]) }), loadOf([3, 1, 4, 1, 5]));
        expect(Number.isInteger(i) && i >= 0 && i < n, `${kind} with ${n}`).toBe(true);
      }
    }
  });

  it('round-robin cycles', () => {
    const r = router('round-robin');
    const c = replicas(3);
    expect([0, 1, 2, 3].map(() => r.pick(c, req(), loadOf([])))).toEqual([0, 1, 2, 0]);
  });

  it('least-outstanding picks the least loaded and spreads ties', () => {
    const r = router('least-outstanding');
    const c = replicas(3);
    expect(r.pick(c, req(), loadOf([5, 2, 7]))).toBe(1);
    const picks = [0, 1, 2].map(() => r.pick(c, req(), loadOf([0, 0, 0])));
    expect(new Set(picks).size).toBe(3);
  });

  it('least-kv prefers the emptier cache', () => {
    expect(router('least-kv').pick(replicas(3), req(), loadOf([0, 9, 9], [0.9, 0.1, 0.5]))).toBe(1);
  });

  it('power-of-two never picks the most loaded of two', () => {
    const r = router('power-of-two');
    for (let k = 0; k < 50; k++) expect(r.pick(replicas(2), req(), loadOf([0, 100]))).toBe(0);
  });

  it('session-affinity sends a session to one replica, and sessions spread', () => {
    const r = router('session-affinity');
    const c = replicas(4);
    const flat = loadOf([1, 1, 1, 1]);
    const first = r.pick(c, req({ sessionId: 42 }), flat);
    for (let k = 0; k < 5; k++) expect(r.pick(c, req({ sessionId: 42 }), flat)).toBe(first);
    const targets = new Set(Array.from({ length: 40 }, (_, s) => r.pick(c, req({ sessionId: s }), flat)));
    expect(targets.size).toBeGreaterThan(1);
  });

  it('prefix-affinity follows a shared prefix unless that replica is overloaded', () => {
    const r = router('prefix-affinity');
    const c = replicas(3);
    const first = r.pick(c, req({ hashIds: Int32Array.from([7, 8]) }), loadOf([0, 0, 0]));
    expect(r.pick(c, req({ hashIds: Int32Array.from([7, 8, 9]) }), loadOf([1, 0, 0].map((v, i) => (i === first ? 1 : 0))))).toBe(first);
    const overloaded = [0, 0, 0];
    overloaded[first] = 100;
    expect(r.pick(c, req({ hashIds: Int32Array.from([7, 8]) }), loadOf(overloaded))).not.toBe(first);
  });

  it('weighted splits traffic across pools in proportion to their weights', () => {
    const r = router('weighted', [3, 1]);
    const c = replicas(4, [0, 0, 1, 1]);
    const counts = [0, 0];
    for (let k = 0; k < 400; k++) counts[(c[r.pick(c, req(), loadOf([]))] as unknown as { pool: number }).pool]++;
    expect(counts).toEqual([300, 100]);
  });
});
