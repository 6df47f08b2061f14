/**
 * No crash on any input: valid scenarios and traces, mutated at random (bytes, truncation, CRLF, BOM, huge
 * numbers, deep nesting, deleted and duplicated lines), either still work or fail as user errors whose
 * every problem names a key path, a file (with its line where one exists) or an argument — never another
 * exception. Most iterations run parse + resolve (+ the first requests of each workload) in-process; a few
 * run the real binary.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseScenarioSource } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import { UserError } from '../../src/errors/user-error.ts';
import { readTrace } from '../../src/workload/traces/open-trace.ts';
import type { TraceFormat } from '../../src/workload/traces/open-trace.ts';
import { stringLineSource } from '../../src/workload/string-line-source.ts';
import { readLengthPairs } from '../../src/workload/lengths/pairs.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const scenarioDir = path.join(repo, 'scenarios');
const fixtures = path.join(repo, 'test/fixtures/traces');
const hasSharedData = existsSync(path.join(repo, '../shared/data/traces'));
const scenarios = readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  // Scenarios replaying the shared traces need ../shared/data beside the checkout.
  .filter((f) => hasSharedData || !/azure|mooncake|sharegpt|openorca/.test(f))
  .map((f) => ({ name: f, text: readFileSync(path.join(scenarioDir, f), 'utf8') }));

/** One mutation of a text: what a careless edit, a bad download or a hostile user could do to it. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  fc.record({ kind: fc.constant('bom' as const) }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), value: fc.constantFrom('1e12', '1e400', '-1e308', '9007199254740993', '.nan', '.inf', '-0', '0', '1.5', '"7"', 'null', 'true', '[]', '{}') }),
  fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.integer({ min: 50, max: 5000 }) }),
  fc.record({ kind: fc.constant('deleteLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapChars' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = (n: number, len: number) => (len === 0 ? 0 : n % (len + 1));
  switch (m.kind) {
    case 'bytes': {
      const buf = Buffer.from(text, 'utf8');
      const i = at(m.at, buf.length);
      return Buffer.concat([buf.subarray(0, i), Buffer.from(m.bytes), buf.subarray(i)]).toString('utf8');
    }
    case 'truncate': return text.slice(0, at(m.at, text.length));
    case 'crlf': return text.replace(/\r?\n/g, '\r\n');
    case 'bom': return `\uFEFF${text}`;
    case 'huge': {
      const nums = [...text.matchAll(/(?<=[:,\[{]\s*)-?\d+(\.\d+)?(e\d+)?/g)];
      if (nums.length === 0) return text;
      const n = nums[m.at % nums.length];
      return text.slice(0, n.index) + m.value + text.slice(n.index! + n[0].length);
    }
    case 'deep': {
      const i = at(m.at, text.length);
      return text.slice(0, i) + '['.repeat(m.depth) + ']'.repeat(m.depth) + text.slice(i);
    }
    case 'deleteLine':
    case 'duplicateLine': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      if (m.kind === 'deleteLine') lines.splice(i, 1);
      else lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }
    case 'swapChars': {
      const i = at(m.at, text.length - 2);
      return text.slice(0, i) + text.charAt(i + 1) + text.charAt(i) + text.slice(i + 2);
    }
  }
}

/** Every problem is located: a key path, a file (with its line) or an argument. */
function expectLocated(e: UserError): void {
  expect(e.problems.length).toBeGreaterThan(0);
  for (const p of e.problems) {
    expect(p.path !== '' || p.file !== undefined || p.arg !== undefined, JSON.stringify(p)).toBe(true);
    expect(p.message).not.toMatch(/internal error|\n\s+at /);
    expect(typeof p.code).toBe('string');
  }
}

/** Parses, resolves and pulls the first requests of every workload; user errors are fine. */
function tryScenario(text: string, file: string): 'ok' | 'user-error' {
  try {
    const { scenario } = parseScenarioSource(text, file);
    const r = resolveScenario(scenario, nodeResolveEnv(file));
    for (const { workload } of r.makeWorkloads()) {
      if (workload.kind === 'open') for (let i = 0; i < 20 && workload.source.next(); i++);
    }
    return 'ok';
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    expectLocated(e);
    return 'user-error';
  }
}

describe('fuzz: mutated scenarios', () => {
  it('every valid scenario is valid as shipped', () => {
    for (const s of scenarios) expect(tryScenario(s.text, path.join(scenarioDir, s.name))).toBe('ok');
  }, 30_000);

  it('parse + resolve: ok or a located user error, never a crash', () => {
    const seen = { ok: 0, 'user-error': 0 };
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (pick, ms) => {
        const s = scenarios[pick % scenarios.length];
        const text = ms.reduce(mutate, s.text);
        seen[tryScenario(text, path.join(scenarioDir, s.name))]++;
      }),
      { numRuns: 300, seed: 20261208 },
    );
    // The mutations both break scenarios and leave some valid: both paths are exercised.
    expect(seen.ok).toBeGreaterThan(20);
    expect(seen['user-error']).toBeGreaterThan(20);
  }, 60_000);
});

const TRACES: { file: string; format: TraceFormat | 'lengths' }[] = [
  { file: 'azure-small.csv', format: 'azure' },
  { file: 'mooncake-small.jsonl', format: 'mooncake' },
  { file: 'splitwise-small.csv', format: 'splitwise' },
  { file: 'splitwise-tenants.csv', format: 'splitwise' },
  { file: 'lengths-small.csv', format: 'lengths' },
];

describe('fuzz: mutated traces', () => {
  it('a mutated trace reads to its end or fails at file:line', () => {
    let failed = 0;
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (pick, ms) => {
        const t = TRACES[pick % TRACES.length];
        const text = ms.reduce(mutate, readFileSync(path.join(fixtures, t.file), 'utf8'));
        try {
          if (t.format === 'lengths') readLengthPairs(text, t.file);
          else {
            const src = readTrace(t.format, stringLineSource(t.file, text), { tagColumn: t.file.includes('tenants') ? 'tenant' : undefined });
            for (let r = src.next(); r; r = src.next());
          }
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          expectLocated(e);
          for (const p of e.problems) expect(p.file ?? p.path, JSON.stringify(p)).toMatch(/\S/);
          failed++;
        }
      }),
      { numRuns: 300, seed: 20261208 },
    );
    expect(failed).toBeGreaterThan(20);
  }, 60_000);
});

describe('fuzz: the real binary', () => {
  it('exits 0 or 2, without a stack trace, and leaves no partial outputs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'servesim-fuzz-'));
    const quick = readFileSync(path.join(scenarioDir, 'quickstart.yaml'), 'utf8').replace(/durationSec: \d+/, 'durationSec: 5');
    const samples = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 2 }), { numRuns: 4, seed: 7 });
    samples.forEach((ms, i) => {
      const file = path.join(dir, `s${i}.yaml`);
      writeFileSync(file, ms.reduce(mutate, quick));
      const out = path.join(dir, `out${i}`);
      const p = spawnSync(process.execPath, [path.join(repo, 'bin/servesim.js'), 'run', file, '--set', 'workload.requests=30', '--out', out],
        { encoding: 'utf8', timeout: 60_000 });
      expect([0, 2], p.stderr).toContain(p.status);
      expect(p.stderr).not.toMatch(/\n\s+at |internal error/);
      const files = existsSync(out) ? readdirSync(out).sort() : [];
      if (p.status === 0) expect(files).toEqual(['fleet.csv', 'report.json', 'requests.csv', 'steps.csv']);
      else expect(files).toEqual([]);
    });
  }, 120_000);
});
