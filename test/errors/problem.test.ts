import { describe, it, expect } from 'vitest';
import { formatProblem, locationFromWhere, problemsJson } from '../../src/errors/problem.ts';
import { UserError, atPath } from '../../src/errors/user-error.ts';
import { editDistance, suggestions } from '../../src/errors/suggest.ts';

describe('Problem', () => {
  it('reads legacy where strings into file, line, path or argument', () => {
    expect(locationFromWhere('trace.csv:12')).toEqual({ path: '', file: 'trace.csv', line: 12 });
    expect(locationFromWhere('../dir/s.yaml:3')).toEqual({ path: '', file: '../dir/s.yaml', line: 3 });
    expect(locationFromWhere('h100.yaml memoryBandwidthBytesPerSec')).toEqual({ path: 'memoryBandwidthBytesPerSec', file: 'h100.yaml' });
    expect(locationFromWhere('s.yaml: slo')).toEqual({ path: 'slo', file: 's.yaml' });
    expect(locationFromWhere('engine.blockSize')).toEqual({ path: 'engine.blockSize' });
    expect(locationFromWhere('--harness')).toEqual({ path: '', arg: '--harness' });
    expect(locationFromWhere(undefined)).toEqual({ path: '' });
  });

  it('formats one paragraph and keeps ".." in paths', () => {
    expect(formatProblem({ code: 'x', path: 'a.b', message: 'bad', fix: 'do this', file: '../dir/s.yaml', line: 4 }))
      .toBe('error: ../dir/s.yaml:4: a.b: bad. Fix: do this');
    expect(formatProblem({ code: 'x', path: '', message: 'ends with a period.', fix: '', arg: '--set a=1' }))
      .toBe('error: --set a=1: ends with a period.');
  });

  it('prints problems as JSON with a fixed key order and no undefined fields', () => {
    const j = problemsJson([{ line: 2, file: 'f', fix: 'f', message: 'm', path: 'p', code: 'c' }, { code: 'd', path: '', message: 'n', fix: '' }]);
    expect(j).toBe(`${JSON.stringify({ problems: [{ code: 'c', path: 'p', message: 'm', fix: 'f', file: 'f', line: 2 }, { code: 'd', path: '', message: 'n', fix: '' }] }, null, 2)}\n`);
  });

  it('UserError keeps every problem; atPath re-addresses problems without a path', () => {
    const e = UserError.of([{ code: 'a', path: '', message: 'one', fix: '' }, { code: 'b', path: 'x', message: 'two', fix: '' }]);
    expect(e.problems).toHaveLength(2);
    expect(e.format().split('\n')).toHaveLength(2);
    try {
      atPath('pools.1.gpu', () => { throw e; });
    } catch {
      expect(e.problems.map((p) => p.path)).toEqual(['pools.1.gpu', 'x']);
    }
  });
});

describe('suggestions', () => {
  it('finds near misses, truncations and shared prefixes', () => {
    expect(suggestions('replica', ['replicas', 'router'])).toEqual(['replicas']);
    expect(suggestions('maxNumSeq', ['maxNumSeqs', 'maxBatchedTokens'])).toEqual(['maxNumSeqs']);
    expect(suggestions('ttft', ['ttftMs', 'tpotMs'])).toEqual(['ttftMs']);
    expect(suggestions('h100', ['h100-pcie', 'h100-sxm', 'h200'])).toEqual(['h100-pcie', 'h100-sxm']);
    expect(suggestions('prefix-aware', ['round-robin', 'prefix-affinity'])).toEqual(['prefix-affinity']);
    expect(suggestions('capcity', ['capacity', 'calibrate', 'check'])).toEqual(['capacity']);
  });

  it('suggests nothing for an unrelated word or an exact match', () => {
    expect(suggestions('simulate', ['run', 'check', 'capacity'])).toEqual([]);
    expect(suggestions('run', ['run', 'check'])).toEqual([]);
  });

  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('tenosr', 'tensor')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('data files report every schema problem', () => {
  it('a profile with several bad fields gives one problem per field, each naming the file', async () => {
    const { parseGpuProfile } = await import('../../src/profiles/registry.ts');
    let err: unknown;
    try {
      parseGpuProfile('id: x\nname: 3\nmemoryGiB: -1\n', 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const e = err as UserError;
    expect(e.problems.length).toBeGreaterThan(2);
    for (const p of e.problems) {
      expect(p.file).toBe('x.yaml');
      expect(p.message).toMatch(/^invalid GPU profile: /);
    }
    expect(e.problems.map((p) => p.path)).toContain('memoryGiB');
  });
});
