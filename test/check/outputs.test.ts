/**
 * The pieces of `servesim check`'s outputs on their own: tolerance parsing, comparison directions, XML escaping,
 * Markdown cells, atomic writes, patterns — and the exit codes of the real `servesim` process.
 */
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { canonicalMetric, parseTolerances, worseOf } from '../../src/check/metrics.ts';
import { evaluateCheck, fmtChange } from '../../src/check/compare.ts';
import type { CheckResult } from '../../src/check/compare.ts';
import { junitXml, xmlEscape } from '../../src/check/junit.ts';
import { markdownSummary } from '../../src/check/markdown.ts';
import { writeFilesAtomically } from '../../src/check/write.ts';
import { expandPattern } from '../../src/check/glob.ts';
import { UserError } from '../../src/errors/user-error.ts';
import type { RunReport } from '../../src/report/result.ts';
import { bin } from '../helpers/built.ts';
import { parseXml, childrenNamed } from './xml.ts';

describe('tolerances', () => {
  it('reads 5%, 0.05 and metric=10%, SLO-style names mapped to report keys', () => {
    const t = parseTolerances(['5%', 'ttftMs.p99=10%', 'cost.usdPerMillionTokens=0.2']);
    expect(t.global).toBeCloseTo(0.05, 12);
    expect(t.perMetric.get('latencyMs.ttft.p99')).toBeCloseTo(0.1, 12);
    expect(t.perMetric.get('cost.usdPerMillionTokens')).toBeCloseTo(0.2, 12);
    expect(parseTolerances([]).global).toBe(0.05);
    expect(canonicalMetric('e2eMs.p50')).toBe('latencyMs.e2e.p50');
  });

  it('refuses ambiguous or negative tolerances, all at once', () => {
    try {
      parseTolerances(['5', '-1%', 'x=abc']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).problems.map((p) => p.arg)).toEqual(['--tolerance 5', '--tolerance -1%', '--tolerance x=abc']);
    }
  });

  it('latency and cost up, throughput down are the directions that matter', () => {
    expect(worseOf('latencyMs.ttft.p99')).toBe('up');
    expect(worseOf('latencyMs.queue.mean')).toBe('up');
    expect(worseOf('throughput.totalTokensPerSec')).toBe('down');
    expect(worseOf('kvCache.peakUtilization')).toBe('either');
  });
});

describe('comparison', () => {
  const report = (ttftP99: number | null, tput: number) => ({
    scenario: 's', model: 'm', gpu: 'g', slo: { met: true, checked: 0, violations: [] },
    latencyMs: { ttft: { p99: ttftP99 } }, throughput: { outputTokensPerSec: tput }, requests: { arrived: 10, rejected: 1 },
  }) as unknown as RunReport;
  const baseline = (values: Record<string, number | null>) => ({ scenario: 's', model: 'm', gpu: 'g', value: (k: string) => values[k] });
  const run = (r: RunReport, b: Record<string, number | null>, tol = 0.05) =>
    evaluateCheck({ name: 's', file: 's.yaml', slo: undefined, report: r, expect: [], baseline: baseline(b), tolerances: { global: tol, perMetric: new Map(), args: new Map() } });

  it('a value exactly at the tolerance passes, just beyond fails', () => {
    expect(run(report(105, 100), { 'latencyMs.ttft.p99': 100 }).passed).toBe(true);
    expect(run(report(105.01, 100), { 'latencyMs.ttft.p99': 100 }).passed).toBe(false);
    expect(run(report(10, 95), { 'throughput.outputTokensPerSec': 100 }).passed).toBe(true);
    expect(run(report(10, 94.9), { 'throughput.outputTokensPerSec': 100 }).passed).toBe(false);
  });

  it('a rejection where the baseline had none is a regression whatever the tolerance', () => {
    const r = run(report(10, 100), { rejectionRate: 0 }, 0.5);
    expect(r.passed).toBe(false);
    expect(r.outcomes.find((o) => o.metric === 'rejectionRate')).toMatchObject({ status: 'fail', actual: 0.1, baseline: 0, change: null });
  });

  it('a run without samples fails against a baseline that had them; a metric the baseline lacks is skipped, not passed', () => {
    const r = run(report(null, 100), { 'latencyMs.ttft.p99': 100 });
    expect(r.outcomes.find((o) => o.metric === 'latencyMs.ttft.p99')!.status).toBe('fail');
    const s = run(report(10, 100), {});
    expect(s.outcomes.find((o) => o.metric === 'latencyMs.ttft.p99')!.status).toBe('skip');
    expect(s.outcomes.some((o) => o.metric === 'energy.joulesPerToken')).toBe(false); // optional, absent on both sides
  });

  it('formats changes with a sign', () => {
    expect(fmtChange(0.0625)).toBe('+6.3%');
    expect(fmtChange(-0.5)).toBe('-50%');
    expect(fmtChange(0)).toBe('±0%');
    expect(fmtChange(null)).toBe('n/a');
  });
});

describe('XML and Markdown escaping', () => {
  const result = (name: string, message: string): CheckResult => ({
    name, file: 'f.yaml', scenario: name, model: 'm', gpu: 'g', passed: false,
    outcomes: [{ kind: 'slo', metric: 'ttftMs.p99', unit: 'ms', actual: 2, max: 1, status: 'fail', message }],
  });

  it('escapes markup characters and replaces characters XML 1.0 cannot hold', () => {
    expect(xmlEscape(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(xmlEscape('a\u0001b\u0000')).toBe('a\ufffdb\ufffd');
    const odd = 'x]]></failure><evil a="1"/>\u0007 & \n next';
    const root = parseXml(junitXml([result(odd, odd)]));
    const suite = childrenNamed(root, 'testsuite')[0];
    expect(suite.attrs.name).toBe(odd.replace('\u0007', '\ufffd'));
    const failure = childrenNamed(childrenNamed(suite, 'testcase')[0], 'failure')[0];
    expect(failure.attrs.message).toBe(odd.replace('\u0007', '\ufffd'));
    expect(failure.text).toBe(odd.replace('\u0007', '\ufffd'));
  });

  it('the reader used above rejects what a reporter would reject', () => {
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a x="<"/>')).toThrow();
    expect(() => parseXml('<a>&</a>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
  });

  it('a pipe or line break in a name does not break the Markdown table', () => {
    const md = markdownSummary([result('a|b\nc', 'x | y')]);
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(10);
    expect(md).toContain('### ❌ a\\|b c');
  });
});

describe('atomic writes and patterns', () => {
  it('writes every file or none', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'servesim-atomic-'));
    writeFileSync(path.join(d, 'old.xml'), 'old');
    expect(() => writeFilesAtomically([{ file: path.join(d, 'old.xml'), text: 'new' }, { file: path.join(d, 'missing', 'x.md'), text: 'x' }])).toThrow();
    expect(readdirSync(d)).toEqual(['old.xml']);
    expect(readFileSync(path.join(d, 'old.xml'), 'utf8')).toBe('old');
    writeFilesAtomically([{ file: path.join(d, 'old.xml'), text: 'new' }, { file: path.join(d, 'b.md'), text: 'b' }]);
    expect(readdirSync(d).sort()).toEqual(['b.md', 'old.xml']);
    expect(readFileSync(path.join(d, 'old.xml'), 'utf8')).toBe('new');
  });

  it('expands *, ? and ** in sorted order, skipping folders and hidden files', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'servesim-glob-'));
    mkdirSync(path.join(d, 'x', 'y'), { recursive: true });
    for (const f of ['b.yaml', 'a.yaml', '.h.yaml', 'c.yml', 'x/d.yaml', 'x/y/e.yaml']) writeFileSync(path.join(d, f), '');
    mkdirSync(path.join(d, 'dir.yaml'));
    expect(expandPattern('*.yaml', d)).toEqual(['a.yaml', 'b.yaml']);
    expect(expandPattern('?.y*ml', d)).toEqual(['a.yaml', 'b.yaml', 'c.yml']);
    expect(expandPattern('**/*.yaml', d)).toEqual(['a.yaml', 'b.yaml', 'x/d.yaml', 'x/y/e.yaml']);
    expect(expandPattern(path.join(d, 'x', '*.yaml'))).toEqual([path.join(d, 'x', 'd.yaml')]);
  });
});

describe('exit codes of the servesim process', () => {
  it('0 pass, 1 SLO miss or regression, 2 bad input (no stack trace)', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'servesim-exit-'));
    const s = (slo: string) => `name: e\nmodel: llama-3.1-8b\ngpu: h100-sxm\nworkload:\n  arrivals: { kind: poisson, ratePerSec: 4 }\n  lengths: { input: { kind: fixed, value: 200 }, output: { kind: fixed, value: 20 } }\n  requests: 50\nslo: ${slo}\n`;
    writeFileSync(path.join(d, 'ok.yaml'), s('{ ttftMs: { p99: 60000 } }'));
    writeFileSync(path.join(d, 'miss.yaml'), s('{ ttftMs: { p99: 0.001 } }'));
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'check', ...args], { cwd: d, encoding: 'utf8' });
    expect(run('ok.yaml', '--write-baseline', 'b.json').status).toBe(0);
    expect(run('ok.yaml', '--baseline', 'b.json').status).toBe(0);
    expect(run('miss.yaml').status).toBe(1);
    const reg = run('ok.yaml', '--baseline', 'b.json', '--set', 'workload.arrivals.ratePerSec=40', '--tolerance', '0%');
    expect(reg.status).toBe(1);
    expect(reg.stdout).toMatch(/regression/);
    writeFileSync(path.join(d, 'bad.json'), 'not json');
    const bad = run('ok.yaml', '--baseline', 'bad.json');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --baseline bad\.json: bad\.json is not a servesim baseline: invalid JSON/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
