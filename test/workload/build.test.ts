import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWorkload, type BuildWorkloadOptions, type Workload } from '../../src/workload/build.ts';
import { openLineSource } from '../../src/workload/node-line-source.ts';
import { WorkloadSchema, type WorkloadConfigInput } from '../../src/workload/schema.ts';
import { stringLineSource } from '../../src/workload/string-line-source.ts';
import type { Request, RequestSource } from '../../src/workload/types.ts';
import { expectUserError, fixture } from './helpers.ts';

const env: BuildWorkloadOptions = {
  seed: 42,
  resolvePath: (p) => path.resolve(fixture('.'), p),
  openLines: (p) => openLineSource(p, { name: path.basename(p) }),
};
const build = (cfg: WorkloadConfigInput, opts: Partial<BuildWorkloadOptions> = {}): Workload =>
  buildWorkload(WorkloadSchema.parse(cfg), { ...env, ...opts });
const open = (w: Workload): RequestSource => {
  if (w.kind !== 'open') throw new Error('expected an open workload');
  return w.source;
};
const take = (src: RequestSource, max = Infinity): Request[] => {
  const out: Request[] = [];
  while (out.length < max) {
    const r = src.next();
    if (r === null) break;
    out.push(r);
  }
  return out;
};
const drain = (src: RequestSource): Request[] => {
  const out: Request[] = [];
  for (let r = src.next(); r !== null; r = src.next()) out.push(r);
  return out;
};
const fixed = (value: number) => ({ kind: 'fixed' as const, value });
const lengths = { input: { kind: 'lognormal' as const, mean: 1000, p99: 4000 }, output: fixed(200) };

/** Key paths of the issues zod reports for `cfg`. */
const issuePaths = (cfg: unknown): string[] => {
  const r = WorkloadSchema.safeParse(cfg);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('WorkloadSchema', () => {
  it('accepts the documented example and applies defaults', () => {
    const cfg = WorkloadSchema.parse({ arrivals: { kind: 'poisson', ratePerSec: 8 }, lengths, requests: 5000, durationSec: 600 });
    expect(cfg.requests).toBe(5000);
    const t = WorkloadSchema.parse({ arrivals: { kind: 'trace' }, trace: { path: 'x.csv', format: 'azure' } });
    expect(t.trace!.timeScale).toBe(1);
    const c = WorkloadSchema.parse({ arrivals: { kind: 'closed-loop', concurrency: 4 }, lengths, requests: 10 });
    expect(c.arrivals).toEqual({ kind: 'closed-loop', concurrency: 4, thinkTimeMs: 0 });
  });

  it.each([
    [{ arrivals: { kind: 'poisson', ratePerSec: -1 }, lengths, requests: 1 }, 'arrivals.ratePerSec'],
    [{ arrivals: { kind: 'gamma', ratePerSec: 1, cv: 0 }, lengths, requests: 1 }, 'arrivals.cv'],
    [{ arrivals: { kind: 'closed-loop', concurrency: 1.5 }, lengths, requests: 1 }, 'arrivals.concurrency'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1, extra: 1 }, lengths, requests: 1 }, 'arrivals'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths, requests: 0 }, 'requests'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths, requests: 2.5 }, 'requests'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths, durationSec: 0 }, 'durationSec'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths: { ...lengths, input: { kind: 'lognormal', mean: 1000, p99: 900 } }, requests: 1 }, 'lengths.input.p99'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths: { ...lengths, output: { kind: 'uniform', min: 5, max: 2 } }, requests: 1 }, 'lengths.output.max'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths: { ...lengths, output: fixed(0) }, requests: 1 }, 'lengths.output.value'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths }, 'requests'],
    [{ arrivals: { kind: 'burst' }, lengths, durationSec: 5 }, 'requests'],
    [{ arrivals: { kind: 'closed-loop', concurrency: 2 }, lengths }, 'requests'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, requests: 5 }, 'lengths'],
    [{ arrivals: { kind: 'trace' } }, 'trace'],
    [{ arrivals: { kind: 'poisson', ratePerSec: 1 }, trace: { path: 'a', format: 'azure' }, lengths, requests: 5 }, 'lengths'],
    [{ arrivals: { kind: 'trace' }, trace: { path: 'a', format: 'csv' } }, 'trace.format'],
    [{ arrivals: { kind: 'trace' }, trace: { path: 'a', format: 'azure', timeScale: 0 } }, 'trace.timeScale'],
  ])('%j → issue at %s', (cfg, key) => {
    expect(issuePaths(cfg)).toContain(key);
  });

  it('custom issues say how to fix them', () => {
    const r = WorkloadSchema.safeParse({ arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/requests.*durationSec/);
  });
});

describe('buildWorkload: open synthetic', () => {
  it('stops after `requests`', () => {
    const rs = drain(open(build({ arrivals: { kind: 'poisson', ratePerSec: 100 }, lengths, requests: 500 })));
    expect(rs.length).toBe(500);
    expect(rs.map((r) => r.id)).toEqual(rs.map((_, i) => i));
  });

  it('stops at `durationSec` (arrivals in [0, T))', () => {
    const rs = drain(open(build({ arrivals: { kind: 'constant', ratePerSec: 10 }, lengths, durationSec: 3 })));
    expect(rs.length).toBe(30);
    expect(rs.at(-1)!.arrivalSec).toBeCloseTo(2.9, 12);
  });

  it('stops at whichever cap comes first', () => {
    expect(drain(open(build({ arrivals: { kind: 'constant', ratePerSec: 10 }, lengths, durationSec: 3, requests: 7 }))).length).toBe(7);
    expect(drain(open(build({ arrivals: { kind: 'constant', ratePerSec: 10 }, lengths, durationSec: 3, requests: 700 }))).length).toBe(30);
  });

  it('burst puts all requests at 0', () => {
    const rs = drain(open(build({ arrivals: { kind: 'burst' }, lengths, requests: 50 })));
    expect(rs.length).toBe(50);
    expect(rs.every((r) => r.arrivalSec === 0)).toBe(true);
  });

  it('is reproducible, and the streams are independent', () => {
    const cfg = { arrivals: { kind: 'poisson' as const, ratePerSec: 5 }, lengths, requests: 200 };
    const a = drain(open(build(cfg)));
    expect(drain(open(build(cfg)))).toEqual(a);
    expect(drain(open(build(cfg, { seed: 43 })))).not.toEqual(a);
    // Changing the output distribution must not move arrivals or input lengths.
    const b = drain(open(build({ ...cfg, lengths: { ...lengths, output: { kind: 'uniform', min: 1, max: 999 } } })));
    expect(b.map((r) => [r.arrivalSec, r.inputTokens])).toEqual(a.map((r) => [r.arrivalSec, r.inputTokens]));
    expect(b.map((r) => r.outputTokens)).not.toEqual(a.map((r) => r.outputTokens));
  });

  it('samples `file` lengths through resolvePath + openLines', () => {
    const rs = drain(
      open(
        build({
          arrivals: { kind: 'constant', ratePerSec: 1 },
          lengths: { input: { kind: 'file', path: 'lengths-small.csv', column: 'num_prefill_tokens' }, output: fixed(5) },
          requests: 100,
        }),
      ),
    );
    expect(new Set(rs.map((r) => r.inputTokens))).toEqual(new Set([100, 200, 300]));
  });

  it('reports a bad `file` length at file:line and a missing file by path', () => {
    const cfg = (p: string): WorkloadConfigInput => ({
      arrivals: { kind: 'constant', ratePerSec: 1 },
      lengths: { input: fixed(1), output: { kind: 'file', path: p, column: 'num_decode_tokens' } },
      requests: 1,
    });
    expectUserError(() => build(cfg('lengths-bad.csv')), 'lengths-bad.csv:3');
    expect(() => build(cfg('missing.csv'))).toThrow(/not found.*missing\.csv/);
  });

  it('re-checks cross-field rules for unparsed configs, with the key prefix', () => {
    const cfg = { arrivals: { kind: 'poisson', ratePerSec: 1 }, lengths } as never;
    expectUserError(() => buildWorkload(cfg, { ...env, keyPrefix: 'scenario.workload' }), 'scenario.workload.requests');
  });
});

describe('buildWorkload: traces', () => {
  const traceCfg = (extra: object = {}): WorkloadConfigInput => ({
    arrivals: { kind: 'trace' },
    trace: { path: 'azure-small.csv', format: 'azure' },
    ...extra,
  });

  it('replays a whole trace', () => {
    const rs = drain(open(build(traceCfg())));
    expect(rs.map((r) => r.arrivalSec)).toEqual([0, 1.4999999, 1.5000001, 2.75]);
  });

  it('applies timeScale and caps to a trace', () => {
    const half = drain(open(build(traceCfg({ trace: { path: 'azure-small.csv', format: 'azure', timeScale: 0.5 } }))));
    expect(half.at(-1)!.arrivalSec).toBeCloseTo(1.375, 12);
    expect(drain(open(build(traceCfg({ requests: 2 })))).length).toBe(2);
    expect(drain(open(build(traceCfg({ durationSec: 1.5 })))).length).toBe(2);
  });

  it('with synthetic arrivals, takes lengths from the trace rows in order at synthetic times', () => {
    const rs = drain(open(build({ arrivals: { kind: 'constant', ratePerSec: 2 }, trace: { path: 'mooncake-small.jsonl', format: 'mooncake' } })));
    expect(rs.map((r) => [r.id, r.arrivalSec, r.inputTokens, r.outputTokens])).toEqual([
      [0, 0, 1024, 10],
      [1, 0.5, 1100, 20],
      [2, 1, 300, 5],
      [3, 1.5, 600, 1],
    ]);
    expect(Array.from(rs[1].hashIds!)).toEqual([0, 1, 2]);
  });

  it('with trace arrivals and lengths, replays the times with sampled lengths (no hashes)', () => {
    const rs = drain(open(build({ arrivals: { kind: 'trace' }, trace: { path: 'mooncake-small.jsonl', format: 'mooncake' }, lengths: { input: fixed(77), output: fixed(9) } })));
    const trace = drain(open(build({ arrivals: { kind: 'trace' }, trace: { path: 'mooncake-small.jsonl', format: 'mooncake' } })));
    expect(rs.map((r) => r.arrivalSec)).toEqual(trace.map((r) => r.arrivalSec));
    expect(rs.every((r) => r.inputTokens === 77 && r.outputTokens === 9 && r.hashIds === undefined)).toBe(true);
  });

  it('reports trace errors at file:line', () => {
    expectUserError(() => drain(open(build(traceCfg({ trace: { path: 'azure-unsorted.csv', format: 'azure' } })))), 'azure-unsorted.csv:4', /unsorted/);
  });
});

describe('buildWorkload: closed loop', () => {
  it('exposes concurrency, think time, caps and a lengths source', () => {
    const w = build({ arrivals: { kind: 'closed-loop', concurrency: 16, thinkTimeMs: 250 }, lengths, durationSec: 60 });
    if (w.kind !== 'closed') throw new Error('expected closed');
    expect(w.concurrency).toBe(16);
    expect(w.thinkTimeSec).toBe(0.25);
    expect(w.maxRequests).toBe(Infinity);
    expect(w.durationSec).toBe(60);
    const l = w.lengths();
    expect(l.outputTokens).toBe(200);
    expect(Number.isInteger(l.inputTokens) && l.inputTokens >= 1).toBe(true);
  });

  it('with a trace: lengths in trace order, wrapping around; whole trace by default', () => {
    const w = build({ arrivals: { kind: 'closed-loop', concurrency: 2 }, trace: { path: 'azure-small.csv', format: 'azure' } });
    if (w.kind !== 'closed') throw new Error('expected closed');
    expect(w.maxRequests).toBe(4);
    expect(w.durationSec).toBe(Infinity);
    const ins = Array.from({ length: 6 }, () => w.lengths().inputTokens);
    expect(ins).toEqual([100, 200, 300, 400, 100, 200]);
  });
});

describe('property: any valid config yields non-decreasing arrivals and lengths ≥ 1', () => {
  const pos = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  const int = (min: number, max: number) => fc.integer({ min, max });
  const lengthDist = fc.oneof(
    int(1, 5000).map((value) => ({ kind: 'fixed' as const, value })),
    fc.tuple(int(1, 3000), int(0, 3000)).map(([min, d]) => ({ kind: 'uniform' as const, min, max: min + d })),
    fc.tuple(pos(0.01, 5000), pos(0, 5000)).map(([mean, std]) => ({ kind: 'normal' as const, mean, std })),
    fc.tuple(pos(0.5, 5000), pos(1.001, 14.9)).map(([mean, r]) => ({ kind: 'lognormal' as const, mean, p99: mean * r })),
    fc.tuple(pos(0.5, 5000), pos(0.01, 3)).map(([mean, sigma]) => ({ kind: 'lognormal' as const, mean, sigma })),
    fc.constantFrom('num_prefill_tokens', 'num_decode_tokens').map((column) => ({ kind: 'file' as const, path: 'lengths-small.csv', column })),
  );
  const arrivals = fc.oneof(
    pos(0.001, 1e4).map((ratePerSec) => ({ kind: 'poisson' as const, ratePerSec })),
    fc.tuple(pos(0.001, 1e4), pos(0.05, 20)).map(([ratePerSec, cv]) => ({ kind: 'gamma' as const, ratePerSec, cv })),
    pos(0.001, 1e4).map((ratePerSec) => ({ kind: 'constant' as const, ratePerSec })),
    fc.constant({ kind: 'burst' as const }),
  );
  const trace = fc.constantFrom(
    { path: 'azure-small.csv', format: 'azure' as const },
    { path: 'mooncake-small.jsonl', format: 'mooncake' as const },
    { path: 'splitwise-small.csv', format: 'splitwise' as const },
  );
  const config = fc.oneof(
    fc.record({
      arrivals,
      lengths: fc.record({ input: lengthDist, output: lengthDist }),
      requests: int(1, 300),
      durationSec: fc.option(pos(0.001, 1e5), { nil: undefined }),
    }),
    fc.record({ arrivals: fc.constant({ kind: 'trace' as const }), trace }),
    fc.record({ arrivals, trace }),
  );

  it('holds', () => {
    fc.assert(
      fc.property(config, fc.integer(), (raw, seed) => {
        const cfg = WorkloadSchema.parse(raw);
        const rs = take(open(buildWorkload(cfg, { ...env, seed })), 300);
        if (cfg.durationSec === undefined) expect(rs.length).toBeGreaterThan(0); // a short duration may hold none
        let prev = 0;
        for (const r of rs) {
          expect(r.arrivalSec).toBeGreaterThanOrEqual(prev);
          expect(Number.isFinite(r.arrivalSec)).toBe(true);
          expect(Number.isInteger(r.inputTokens) && r.inputTokens >= 1).toBe(true);
          expect(Number.isInteger(r.outputTokens) && r.outputTokens >= 1).toBe(true);
          prev = r.arrivalSec;
        }
      }),
      { numRuns: 200 },
    );
  });
});
