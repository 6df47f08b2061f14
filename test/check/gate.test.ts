/**
 * `servesim check` as a CI gate: baselines and tolerances, exit codes, JUnit and Markdown outputs, several
 * scenarios and checks files, determinism and atomic writes. Runs the CLI in process on small scenarios.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import { childrenNamed, parseXml } from './xml.ts';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

const scenario = (name: string, rate: number, slo = 'slo: { ttftMs: { p99: 60000 } }') => `
name: ${JSON.stringify(name)}
model: llama-3.1-8b
gpu: h100-sxm
workload:
  arrivals: { kind: poisson, ratePerSec: ${rate} }
  lengths: { input: { kind: fixed, value: 500 }, output: { kind: fixed, value: 50 } }
  requests: 200
${slo}
`;

let dir: string;
const at = (...p: string[]) => path.join(dir, ...p);
const write = (file: string, text: string) => {
  writeFileSync(at(file), text);
  return at(file);
};
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** A baseline file recorded from `file`, with each metric multiplied by `factor[metric]`. */
async function tamperedBaseline(file: string, out: string, factor: Record<string, number>): Promise<string> {
  const r = await cli('check', file, '--write-baseline', out);
  expect(r.code).toBe(0);
  const doc = readJson(out);
  for (const entry of Object.values(doc.checks) as { metrics: Record<string, number> }[]) {
    for (const [k, f] of Object.entries(factor)) entry.metrics[k] *= f;
  }
  writeFileSync(out, JSON.stringify(doc));
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'servesim-gate-'));
  write('a.yaml', scenario('chat-a', 4));
  write('b.yaml', scenario('chat-b', 2));
  write('a-busy.yaml', scenario('chat-a', 9));
  write('miss.yaml', scenario('chat-miss', 4, 'slo: { ttftMs: { p99: 0.001 } }'));
  write('noslo.yaml', scenario('chat-noslo', 4, ''));
});

describe('check --baseline: regressions by direction and tolerance', () => {
  it('the same scenario against its own baseline passes; more load on the same fleet is a latency regression (exit 1)', async () => {
    const base = at('base-a.json');
    expect((await cli('check', at('a.yaml'), '--write-baseline', base)).code).toBe(0);
    const same = await cli('check', at('a.yaml'), '--baseline', base);
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/^PASS chat-a: 1 objective met, 11 metrics within tolerance of the baseline/);
    const busy = await cli('check', at('a-busy.yaml'), '--baseline', base);
    expect(busy.code).toBe(1);
    expect(busy.out).toMatch(/^FAIL chat-a: \d+ of 11 metrics regressed/);
    expect(busy.out).toMatch(/latencyMs\.ttft\.p99 = [\d.]+ ms vs baseline [\d.]+ ms \(\+[\d.]+%; tolerance 5\.0%, higher is worse: limit ≤ [\d.]+ ms\) — regression/);
    // Throughput went up with the load: an improvement, not a regression.
    expect(busy.out).not.toMatch(/throughput\.\S+ = .* regression/);
  });

  it('higher latency or cost beyond the tolerance fails, within it passes; lower is never a regression', async () => {
    const f = at('a.yaml');
    // baseline 10 % lower than this run → this run is +11 %: beyond 5 %, within 20 %.
    const lower = await tamperedBaseline(f, at('lower.json'), { 'latencyMs.ttft.p99': 1 / 1.11, 'cost.usdPerMillionTokens': 1 / 1.11 });
    const r = await cli('check', f, '--baseline', lower);
    expect(r.code).toBe(1);
    expect(r.out.match(/regression/g)).toHaveLength(2);
    expect(r.out).toMatch(/latencyMs\.ttft\.p99 = .*\(\+11%/);
    expect(r.out).toMatch(/cost\.usdPerMillionTokens = .*\(\+11%/);
    expect((await cli('check', f, '--baseline', lower, '--tolerance', '20%')).code).toBe(0);
    expect((await cli('check', f, '--baseline', lower, '--tolerance', '0.2')).code).toBe(0);
    // Per metric: loosen one, the other still fails; SLO-style names are accepted.
    const one = await cli('check', f, '--baseline', lower, '--tolerance', 'ttftMs.p99=20%');
    expect(one.code).toBe(1);
    expect(one.out).not.toMatch(/latencyMs\.ttft\.p99 = .*regression/);
    expect(one.out).toMatch(/cost\.usdPerMillionTokens = .*regression/);
    // A baseline that was worse than this run: improvements pass at any tolerance.
    const higher = await tamperedBaseline(f, at('higher.json'), { 'latencyMs.ttft.p99': 2, 'cost.usdPerMillionTokens': 2 });
    expect((await cli('check', f, '--baseline', higher, '--tolerance', '0%')).code).toBe(0);
  });

  it('lower throughput beyond the tolerance is a regression; higher is not', async () => {
    const f = at('a.yaml');
    const faster = await tamperedBaseline(f, at('faster.json'), { 'throughput.outputTokensPerSec': 1.2 });
    const r = await cli('check', f, '--baseline', faster);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/throughput\.outputTokensPerSec = .*\(-17%; tolerance 5\.0%, lower is worse: limit ≥ .*— regression/);
    const slower = await tamperedBaseline(f, at('slower.json'), { 'throughput.outputTokensPerSec': 0.5 });
    expect((await cli('check', f, '--baseline', slower, '--tolerance', '0%')).code).toBe(0);
  });

  it('more GPUs or any new rejection is a regression', async () => {
    const f = at('a.yaml');
    const fewer = await tamperedBaseline(f, at('fewer.json'), { 'gpus.count': 0.5 });
    const r = await cli('check', f, '--baseline', fewer);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/gpus\.count = 1 vs baseline 0\.5 .*regression/);
    // A baseline without rejections: the run has none either, so ±0 % passes at the default tolerance.
    expect(readJson(fewer).checks['chat-a'].metrics.rejectionRate).toBe(0);
  });

  it('a --json report is a baseline too, and an SLO miss fails even when the baseline matches', async () => {
    const rep = await cli('run', at('miss.yaml'), '--json');
    writeFileSync(at('miss-report.json'), rep.out);
    const r = await cli('check', at('miss.yaml'), '--baseline', at('miss-report.json'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL chat-miss: 1 of 1 objective missed\n {2}ttftMs\.p99: [\d.]+ ms > limit 0\.001 ms\n$/);
  });

  it('a scenario without an slo block may be checked against a baseline alone', async () => {
    const base = at('noslo-base.json');
    expect((await cli('check', at('noslo.yaml'))).code).toBe(2);
    expect((await cli('check', at('noslo.yaml'), '--write-baseline', base)).code).toBe(0);
    expect((await cli('check', at('noslo.yaml'), '--baseline', base)).code).toBe(0);
  });
});

describe('check: bad input exits 2 with problems, no stack trace and no output files', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['a missing baseline', () => [at('a.yaml'), '--baseline', at('nope.json')], /baseline file not found: .*Fix: record one first: servesim check SCENARIO --write-baseline FILE/],
    ['a corrupt baseline', () => [at('a.yaml'), '--baseline', write('corrupt.json', '{"servesimBaseline": 1, "checks": ')], /is not a servesim baseline: invalid JSON/],
    ['a JSON file that is no baseline', () => [at('a.yaml'), '--baseline', write('other.json', '{"hello": 1}')], /neither a baseline file nor a run report/],
    ['a baseline of another scenario', () => [at('b.yaml'), '--baseline', at('base-a.json')], /recorded with scenario "chat-a", this run uses "chat-b".*Fix: compare like with like/],
    ['a bad tolerance', () => [at('a.yaml'), '--baseline', at('base-a.json'), '--tolerance', '5'], /"5" is not a tolerance\. Fix: write a percentage or a fraction/],
    ['a tolerance for an unknown metric', () => [at('a.yaml'), '--baseline', at('base-a.json'), '--tolerance', 'ttftMs.p98=5%'], /--tolerance ttftMs\.p98=5%: "latencyMs\.ttft\.p98" is not a metric .*Fix: did you mean "latencyMs\.ttft\.p99"/],
    ['--update-baseline without --baseline', () => [at('a.yaml'), '--update-baseline'], /--update-baseline needs --baseline FILE/],
    ['an output in a missing folder', () => [at('a.yaml'), '--junit', at('no-dir', 'j.xml')], /cannot write .*j\.xml: the folder .* does not exist/],
    ['an unmatched pattern', () => [at('zz-*.yaml')], /no file matches/],
    ['a missing scenario', () => [at('a.yaml'), at('missing.yaml')], /scenario file not found/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const outDir = mkdtempSync(path.join(tmpdir(), 'servesim-gate-out-'));
      const r = await cli('check', ...args(), '--summary', path.join(outDir, 's.md'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
      expect(readdirSync(outDir)).toEqual([]);
    });
  }

  it('a baseline of another GPU is refused after the run, before any file is written', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'servesim-gate-out-'));
    const r = await cli('check', at('a.yaml'), '--set', 'gpu=h200', '--baseline', at('base-a.json'), '--junit', path.join(outDir, 'j.xml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/recorded with gpu "h100-sxm", this run uses "h200"/);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('a check missing from a baseline of several checks names the entries it has and how to add it', async () => {
    const two = at('two.json');
    expect((await cli('check', at('a.yaml'), at('noslo.yaml'), '--write-baseline', two)).code).toBe(0);
    const r = await cli('check', at('b.yaml'), '--baseline', two);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the baseline has no entry for "chat-b" \(it has "chat-a", "chat-noslo"\)\. Fix: did you mean "chat-a"\? .*--update-baseline/);
  });

  it('with --json the problems are one JSON document on stderr', async () => {
    const r = await cli('check', at('a.yaml'), '--baseline', at('nope.json'), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).problems[0]).toMatchObject({ code: 'file-not-found', arg: `--baseline ${at('nope.json')}` });
  });
});

describe('check --junit', () => {
  it('one testsuite per scenario, one testcase per objective and comparison, failures with actual vs limit', async () => {
    const junit = at('out.xml');
    const r = await cli('check', at('a-busy.yaml'), at('miss.yaml'), '--baseline', at('base-a.json'), '--junit', junit);
    // miss.yaml is not in a single-scenario baseline of chat-a: refused as a mismatch (exit 2).
    expect(r.code).toBe(2);
    const both = at('both.json');
    expect((await cli('check', at('a.yaml'), at('miss.yaml'), '--write-baseline', both)).code).toBe(1);
    const r2 = await cli('check', at('a-busy.yaml'), at('miss.yaml'), '--baseline', both, '--junit', junit);
    expect(r2.code).toBe(1);
    const root = parseXml(readFileSync(junit, 'utf8'));
    expect(root.name).toBe('testsuites');
    const suites = childrenNamed(root, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(['chat-a', 'chat-miss']);
    let total = 0;
    let failures = 0;
    for (const s of suites) {
      const cases = childrenNamed(s, 'testcase');
      const failed = cases.filter((c) => childrenNamed(c, 'failure').length > 0);
      expect(Number(s.attrs.tests)).toBe(cases.length);
      expect(Number(s.attrs.failures)).toBe(failed.length);
      expect(s.attrs.errors).toBe('0');
      total += cases.length;
      failures += failed.length;
      for (const c of cases) {
        expect(c.attrs.classname).toBe(`servesim.check.${s.attrs.name}`);
        expect(c.attrs.name).toMatch(/^(slo|expect|baseline) \S+$/);
      }
    }
    expect(Number(root.attrs.tests)).toBe(total);
    expect(Number(root.attrs.failures)).toBe(failures);
    const a = childrenNamed(suites[0], 'testcase');
    expect(a.map((c) => c.attrs.name)).toEqual(['slo ttftMs.p99', ...[
      'latencyMs.ttft.p50', 'latencyMs.ttft.p99', 'latencyMs.tpot.p50', 'latencyMs.tpot.p99', 'latencyMs.e2e.p50', 'latencyMs.e2e.p99',
      'throughput.requestsPerSec', 'throughput.outputTokensPerSec', 'gpus.count', 'cost.usdPerMillionTokens', 'rejectionRate',
    ].map((k) => `baseline ${k}`)]);
    const ttft = a.find((c) => c.attrs.name === 'baseline latencyMs.ttft.p99')!;
    const failure = childrenNamed(ttft, 'failure')[0];
    expect(failure.attrs.type).toBe('Regression');
    expect(failure.attrs.message).toMatch(/= [\d.]+ ms vs baseline [\d.]+ ms .*limit ≤ [\d.]+ ms/);
    const slo = childrenNamed(suites[1], 'testcase').find((c) => c.attrs.name === 'slo ttftMs.p99')!;
    expect(childrenNamed(slo, 'failure')[0].attrs).toMatchObject({ type: 'SloMissed' });
    expect(childrenNamed(slo, 'failure')[0].attrs.message).toMatch(/ms > limit 0\.001 ms/);
  });

  it('escapes names that would break the XML (& < > quotes) and reads back the same text', async () => {
    const name = `a<b> & "c" 'd'`;
    const f = write('odd.yaml', scenario(name, 4));
    const junit = at('odd.xml');
    expect((await cli('check', f, '--junit', junit, '--summary', at('odd.md'))).code).toBe(0);
    const root = parseXml(readFileSync(junit, 'utf8'));
    const suite = childrenNamed(root, 'testsuite')[0];
    expect(suite.attrs.name).toBe(name);
    expect(childrenNamed(suite, 'testcase')[0].attrs.classname).toBe(`servesim.check.${name}`);
    expect(readFileSync(at('odd.md'), 'utf8')).toContain(`### ✅ ${name}`);
  });
});

describe('check --summary / --markdown / --format markdown', () => {
  it('a headline and one table row per check with baseline, actual, change and ✅/❌', async () => {
    const r = await cli('check', at('a-busy.yaml'), '--baseline', at('base-a.json'), '--format', 'markdown', '--markdown', at('m.md'));
    expect(r.code).toBe(1);
    expect(readFileSync(at('m.md'), 'utf8')).toBe(r.out);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^## ❌ servesim check failed: 1 of 1 scenario — \d+ regressions?$/);
    expect(r.out).toContain('| check | metric | baseline | actual | change | limit | headroom | status |');
    const ttft = lines.find((l) => l.startsWith('| baseline | `latencyMs.ttft.p99`'))!;
    expect(ttft).toMatch(/^\| baseline \| `latencyMs\.ttft\.p99` \| [\d.]+ ms \| [\d.]+ ms \| \+[\d.]+% \| ≤ [\d.]+ \| -[\d.]+% \| ❌ \|$/);
    const tput = lines.find((l) => l.startsWith('| baseline | `throughput.outputTokensPerSec`'))!;
    expect(tput).toMatch(/\| \+[\d.]+% \| ≥ [\d.]+ \| \+[\d.]+% \| ✅ \|$/);
    const pass = await cli('check', at('a.yaml'), '--baseline', at('base-a.json'), '--format', 'markdown');
    expect(pass.out.split('\n')[0]).toBe('## ✅ servesim check passed: 1 scenario, 12 checks passed');
    expect(pass.out).not.toContain('❌');
  });
});

describe('check: several scenarios, patterns and checks files', () => {
  it('aggregates several scenarios into one exit code', async () => {
    const ok = await cli('check', at('a.yaml'), at('b.yaml'));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/PASS all 2 scenarios\n$/);
    const bad = await cli('check', at('a.yaml'), at('miss.yaml'), at('b.yaml'));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/PASS chat-a[\s\S]*FAIL chat-miss[\s\S]*PASS chat-b[\s\S]*FAIL 1 of 3 scenarios\n$/);
  });

  it('expands a quoted pattern in sorted order', async () => {
    mkdirSync(at('glob'), { recursive: true });
    writeFileSync(at('glob', 'z.yaml'), scenario('g-z', 4));
    writeFileSync(at('glob', 'm.yaml'), scenario('g-m', 4));
    writeFileSync(at('glob', 'notes.txt'), 'x');
    const r = await cli('check', path.join(at('glob'), '*.yaml'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).reports.map((x: { scenario: string }) => x.scenario)).toEqual(['g-m', 'g-z']);
  });

  it('two scenarios with one name are refused (results and baselines are kept by name)', async () => {
    const r = await cli('check', at('a.yaml'), at('a-busy.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/two checks are named "chat-a"/);
  });

  it('a checks file: names, set, absolute limits and relTolerance against the baseline', async () => {
    mkdirSync(at('ci'), { recursive: true });
    const checks = write('ci/checks.yaml', `
checks:
  - name: prod
    scenario: ../a.yaml
    expect:
      gpus.count: { max: 1 }
      latencyMs.ttft.p99: { max: 60000, relTolerance: 0.05 }
  - name: prod-peak
    scenario: ../a.yaml
    set: { workload.arrivals.ratePerSec: 9 }
    expect:
      latencyMs.ttft.p99: { relTolerance: 0.5 }
      gpus.count: { min: 2 }
`);
    const base = at('ci', 'baseline.json');
    const rec = await cli('check', checks, '--write-baseline', base);
    expect(rec.code).toBe(1); // prod-peak expects min 2 GPUs
    expect(rec.out).toMatch(/FAIL prod-peak: 1 of 1 expectation not met\n {2}gpus\.count = 1, expected ≥ 2/);
    expect(Object.keys(readJson(base).checks)).toEqual(['prod', 'prod-peak']);
    // The same run against its baseline: only the absolute expectation fails.
    const same = await cli('check', checks, '--baseline', base, '--junit', at('ci', 'j.xml'));
    expect(same.code).toBe(1);
    const suites = childrenNamed(parseXml(readFileSync(at('ci', 'j.xml'), 'utf8')), 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(['prod', 'prod-peak']);
    expect(suites[0].attrs.failures).toBe('0');
    expect(childrenNamed(suites[0], 'testcase').map((c) => c.attrs.name).slice(0, 4)).toEqual(['slo ttftMs.p99', 'expect gpus.count', 'expect latencyMs.ttft.p99', 'baseline latencyMs.ttft.p50']);
    expect(suites[1].attrs.failures).toBe('1');
  });

  it('a bad checks file lists every problem', async () => {
    const f = write('bad-checks.yaml', `
checks:
  - scenario: a.yaml
    expect: { gpus.count: { maximum: 3 } }
  - name: x
    expect: { gpus.count: { max: "twelve" } }
`);
    const r = await cli('check', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^3 problems:/);
    expect(r.err).toMatch(/checks\.0\.expect\.gpus\.count\.maximum: unknown key "maximum"/);
    expect(r.err).toMatch(/checks\.1\.scenario: scenario must be the path of a scenario file/);
    expect(r.err).toMatch(/checks\.0\.expect\.gpus\.count: the expectation sets no limit/);
  });

  it('an expectation on a key the report lacks is an error with a suggestion', async () => {
    const f = write('typo-checks.yaml', 'checks:\n  - scenario: a.yaml\n    expect: { gpus.cont: { max: 3 } }\n');
    const r = await cli('check', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/has no number at gpus\.cont\. Fix: did you mean "gpus\.count"/);
  });
});

describe('check --update-baseline and determinism', () => {
  it('re-records the baseline deliberately, keeping entries of checks not run', async () => {
    const base = at('upd.json');
    expect((await cli('check', at('a.yaml'), at('b.yaml'), '--write-baseline', base)).code).toBe(0);
    // chat-a is now busier: a regression until the baseline is re-recorded.
    expect((await cli('check', at('a-busy.yaml'), '--baseline', base)).code).toBe(1);
    const before = readJson(base);
    const upd = await cli('check', at('a-busy.yaml'), '--baseline', base, '--update-baseline');
    expect(upd.code).toBe(0);
    expect(upd.out).toMatch(/baseline written to /);
    const after = readJson(base);
    expect(after.checks['chat-b']).toEqual(before.checks['chat-b']);
    expect(after.checks['chat-a'].metrics['latencyMs.ttft.p99']).toBeGreaterThan(before.checks['chat-a'].metrics['latencyMs.ttft.p99']);
    expect((await cli('check', at('a-busy.yaml'), '--baseline', base)).code).toBe(0);
  });

  it('the same inputs give byte-identical JUnit, Markdown and baseline files, and leave no .partial files', async () => {
    const outs: string[][] = [];
    for (const n of [1, 2]) {
      const d = mkdtempSync(path.join(tmpdir(), `servesim-gate-det${n}-`));
      const r = await cli('check', at('a-busy.yaml'), at('b.yaml'), '--baseline', at('upd.json'), '--tolerance', '1%', '--tolerance', 'gpus.count=0%',
        '--junit', path.join(d, 'j.xml'), '--summary', path.join(d, 's.md'), '--write-baseline', path.join(d, 'b.json'));
      expect(r.code).toBe(0);
      expect(readdirSync(d).sort()).toEqual(['b.json', 'j.xml', 's.md']);
      outs.push(['j.xml', 's.md', 'b.json'].map((f) => readFileSync(path.join(d, f), 'utf8')));
      outs[outs.length - 1].push(r.out.replaceAll(d, 'DIR'));
    }
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[0][0]).not.toMatch(/timestamp|hostname/);
    expect(existsSync(at('upd.json.partial'))).toBe(false);
  });
});
