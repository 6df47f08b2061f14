/**
 * `servesim check SCENARIO|CHECKS.yaml|'PATTERN' …`: the CI capacity regression gate. Runs every scenario,
 * checks its SLO objectives, the expectations of a checks file and (with `--baseline`) the key metrics against a
 * baseline, and exits 0 when all hold, 1 on any SLO miss, failed expectation or regression, 2 on bad input.
 *
 * Everything that can be wrong with the input is found before the first simulation (files, checks, baseline,
 * tolerances, output paths), all problems at once; output files are written together, atomically, at the end.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../../errors/user-error.ts';
import type { Problem } from '../../errors/problem.ts';
import { messages } from '../../errors/messages.ts';
import { didYouMean } from '../../errors/suggest.ts';
import { nodeResolveEnv, readScenarioSource } from '../node-env.ts';
import { withLocations } from '../errors.ts';
import { resolveScenario } from '../../scenario/resolve.ts';
import type { ResolvedScenario } from '../../scenario/resolve.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { runScenario } from '../../scenario/run.ts';
import type { RunReport } from '../../report/result.ts';
import { stableJson } from '../../report/json.ts';
import { parseChecksFile, readChecksFile } from '../../check/checks-file.ts';
import type { CheckSpec } from '../../check/checks-file.ts';
import { baselineDocument, baselineEntryFor, loadBaseline } from '../../check/baseline.ts';
import type { Baseline, BaselineEntry } from '../../check/baseline.ts';
import { BASELINE_METRICS, metricValue, parseTolerances } from '../../check/metrics.ts';
import { evaluateCheck } from '../../check/compare.ts';
import type { CheckResult } from '../../check/compare.ts';
import { junitXml } from '../../check/junit.ts';
import { markdownSummary } from '../../check/markdown.ts';
import { expandPattern, isPattern } from '../../check/glob.ts';
import { checkOutputFile, writeFilesAtomically } from '../../check/write.ts';
import { checkProblems } from '../../check/problems.ts';
import type { Io } from '../io.ts';

export interface CheckOptions {
  json?: boolean;
  set: string[];
  baseline?: string;
  updateBaseline?: boolean;
  writeBaseline?: string;
  tolerance: string[];
  junit?: string;
  summary?: string;
  markdown?: string;
  format?: 'text' | 'markdown';
}

/** Runs `fn`, adding the problems of a UserError it throws to `into` (anything else is a bug and propagates). */
function collect<T>(into: Problem[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError) {
      into.push(...e.problems);
      return undefined;
    }
    throw e;
  }
}

/** Numeric key paths of a report, for "did you mean" on an expectation's key. */
function numericKeys(node: unknown, prefix = '', out: string[] = []): string[] {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return out;
  for (const [k, v] of Object.entries(node)) {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number' || v === null) out.push(p);
    else numericKeys(v, p, out);
  }
  return out;
}

interface Prepared {
  spec: CheckSpec;
  name: string;
  scenario: Scenario;
  resolved: ResolvedScenario;
  entry?: BaselineEntry;
}

export function checkCommand(io: Io, inputs: string[], opts: CheckOptions): number {
  const problems: Problem[] = [];

  // 1. Flags and output files.
  const tolerances = collect(problems, () => parseTolerances(opts.tolerance)) ?? parseTolerances([]);
  if (opts.updateBaseline && !opts.baseline) problems.push(checkProblems.updateWithoutBaseline());
  if (opts.json && opts.format === 'markdown') {
    problems.push({ code: 'bad-option', path: '', arg: '--format markdown', message: '--json and --format markdown both want stdout', fix: 'choose one; write the Markdown to a file with --summary FILE' });
  }
  const outputs: [string, string | undefined][] = [
    ['--junit', opts.junit], ['--summary', opts.summary], ['--markdown', opts.markdown], ['--write-baseline', opts.writeBaseline],
    ['--baseline', opts.updateBaseline ? opts.baseline : undefined],
  ];
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    const e = checkOutputFile(flag, file);
    if (e) problems.push(...e.problems);
  }

  // 2. Inputs: scenario files, checks files, patterns.
  const files: string[] = [];
  if (inputs.length === 0) problems.push(checkProblems.noInputs());
  for (const i of inputs) {
    if (!existsSync(i) && isPattern(i)) {
      const m = expandPattern(i);
      if (m.length === 0) problems.push(checkProblems.globMatchedNothing(i));
      files.push(...m);
    } else files.push(i);
  }
  const specs: CheckSpec[] = [];
  for (const f of files) {
    const doc = existsSync(f) ? readChecksFile(f) : null;
    if (doc !== null) specs.push(...(collect(problems, () => parseChecksFile(doc, f)) ?? []));
    else specs.push({ scenario: f, scenarioShown: f, set: [], expect: [] });
  }

  // 3. Baseline.
  let baseline: Baseline | undefined;
  let previous: Baseline | undefined;
  if (opts.baseline && !opts.updateBaseline) baseline = collect(problems, () => loadBaseline(opts.baseline!));
  if (opts.baseline && opts.updateBaseline && existsSync(opts.baseline)) {
    try {
      previous = loadBaseline(opts.baseline); // kept entries of checks not run now; a damaged file is replaced
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
    }
  }
  const recording = opts.writeBaseline !== undefined || !!opts.updateBaseline;

  // 4. Scenarios: parsed, named, matched with the baseline, resolved — all before the first run.
  const prepared: Prepared[] = [];
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const parsed = collect(problems, () => readScenarioSource(spec.scenario, [...spec.set, ...opts.set]));
    if (!parsed) continue;
    const { scenario, locate } = parsed;
    const name = spec.name ?? scenario.name;
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push(checkProblems.duplicateCheck(name, first, spec.scenarioShown));
      continue;
    }
    seen.set(name, spec.scenarioShown);
    const hasLimits = spec.expect.some((e) => e.min !== undefined || e.max !== undefined);
    if (!scenario.slo && !hasLimits && !baseline && !recording) {
      problems.push({ ...messages.noSloBlock(spec.scenarioShown), fix: 'add e.g. slo: { ttftMs: { p99: 2000 }, tpotMs: { p99: 100 } }, or compare with a baseline: --baseline FILE' });
      continue;
    }
    const entry = baseline ? collect(problems, () => baselineEntryFor(baseline!, name, scenario.name)) : undefined;
    if (baseline && !entry) continue;
    const resolved = collect(problems, () => withLocations(locate, () => resolveScenario(scenario, nodeResolveEnv(spec.scenario))));
    if (!resolved) continue;
    prepared.push({ spec, name, scenario, resolved, entry });
  }
  const knownMetrics = [...new Set([...BASELINE_METRICS.map((m) => m.key), ...specs.flatMap((s) => s.expect.map((e) => e.metric))])];
  for (const key of tolerances.perMetric.keys()) {
    if (!knownMetrics.includes(key)) problems.push(checkProblems.badToleranceMetric(tolerances.args.get(key) ?? `--tolerance ${key}`, key, knownMetrics));
  }
  if (problems.length > 0) throw UserError.of(problems);

  // 5. Run.
  const runs = prepared.map((p) => ({ ...p, report: runScenario(p.resolved).report as RunReport }));

  // 6. What only the run can tell: a baseline of another model or GPU, an expectation on a key the report lacks.
  for (const r of runs) {
    if (r.entry) {
      for (const what of ['model', 'gpu'] as const) {
        if (r.entry[what] !== r.report[what]) problems.push(checkProblems.baselineMismatch(opts.baseline!, r.name, what, r.entry[what], r.report[what]));
      }
    }
    for (const e of r.spec.expect) {
      if (metricValue(r.report, e.metric) === undefined) {
        const keys = numericKeys(r.report);
        problems.push(checkProblems.checksFile(r.spec.scenarioShown, `expect.${e.key}`, `the report of "${r.name}" has no number at ${e.key}`,
          `${didYouMean(e.metric, keys)}use a key path of the --json report (docs/output.md), e.g. gpus.count, latencyMs.ttft.p99, cost.usdPerMillionTokens`));
      }
    }
  }
  if (problems.length > 0) throw UserError.of(problems);

  // 7. Verdicts and outputs.
  const results: CheckResult[] = runs.map((r) => evaluateCheck({
    name: r.name, file: r.spec.scenarioShown, slo: r.scenario.slo, report: r.report, expect: r.spec.expect, baseline: r.entry, tolerances,
  }));
  const files2: { file: string; text: string }[] = [];
  const md = opts.summary !== undefined || opts.markdown !== undefined || opts.format === 'markdown' ? markdownSummary(results) : '';
  if (opts.junit !== undefined) files2.push({ file: opts.junit, text: junitXml(results) });
  if (opts.summary !== undefined) files2.push({ file: opts.summary, text: md });
  if (opts.markdown !== undefined && opts.markdown !== opts.summary) files2.push({ file: opts.markdown, text: md });
  if (recording) {
    const doc = baselineDocument(runs.map((r) => ({ name: r.name, report: r.report, extraKeys: r.spec.expect.map((e) => e.metric) })), opts.updateBaseline ? previous : undefined);
    if (opts.writeBaseline !== undefined) files2.push({ file: opts.writeBaseline, text: doc });
    if (opts.updateBaseline && opts.baseline !== opts.writeBaseline) files2.push({ file: opts.baseline!, text: doc });
  }
  writeFilesAtomically(files2);

  if (opts.json) io.out(stableJson(runs.length === 1 ? runs[0].report : { reports: runs.map((r) => r.report) }));
  else if (opts.format === 'markdown') io.out(md);
  else io.out(textSummary(results, recording ? (opts.updateBaseline ? opts.baseline! : opts.writeBaseline!) : undefined));
  return results.every((r) => r.passed) ? 0 : 1;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The terminal's verdict: `PASS name: …` / `FAIL name: …` and one line per failure (and per skipped comparison). */
function textSummary(results: readonly CheckResult[], recorded: string | undefined): string {
  let t = '';
  for (const r of results) {
    const slo = r.outcomes.filter((o) => o.kind === 'slo');
    const exp = r.outcomes.filter((o) => o.kind === 'expect');
    const base = r.outcomes.filter((o) => o.kind === 'baseline' && o.status !== 'skip');
    const failed = (os: typeof slo) => os.filter((o) => o.status === 'fail').length;
    const parts: string[] = [];
    if (r.passed) {
      if (slo.length > 0) parts.push(`${plural(slo.length, 'objective')} met`);
      if (exp.length > 0) parts.push(`${plural(exp.length, 'expectation')} met`);
      if (base.length > 0) parts.push(`${plural(base.length, 'metric')} within tolerance of the baseline`);
      t += `PASS ${r.name}: ${parts.length > 0 ? parts.join(', ') : 'nothing to compare'}\n`;
    } else {
      if (failed(slo) > 0) parts.push(`${failed(slo)} of ${plural(slo.length, 'objective')} missed`);
      if (failed(exp) > 0) parts.push(`${failed(exp)} of ${plural(exp.length, 'expectation')} not met`);
      if (failed(base) > 0) parts.push(`${failed(base)} of ${plural(base.length, 'metric')} regressed against the baseline`);
      t += `FAIL ${r.name}: ${parts.join(', ')}\n`;
    }
    for (const o of r.outcomes) {
      if (o.status === 'fail') t += `  ${o.message}\n`;
      else if (o.status === 'skip') t += `  skipped: ${o.message}\n`;
    }
  }
  if (results.length > 1) {
    const bad = results.filter((r) => !r.passed).length;
    t += bad === 0 ? `PASS all ${results.length} scenarios\n` : `FAIL ${bad} of ${results.length} scenarios\n`;
  }
  if (recorded !== undefined) t += `baseline written to ${recorded}\n`;
  return t;
}
