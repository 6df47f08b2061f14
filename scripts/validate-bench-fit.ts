/**
 * `npm run validate:bench-fit`: `servesim calibrate --bench` on the shared gpustack `vllm bench serve` runs
 * (../shared/data/validation/gpustack-bench-serve.csv, mapped to scenarios as `npm run validate` maps them).
 * Per group (one model × GPU document, one engine), the runs are split in arrival order of their keys:
 * every other run is fitted, the rest predicted. Writes docs/validation-bench-fit.md.
 *
 *   node --import tsx scripts/validate-bench-fit.ts [--filter SUBSTR] [--no-write] [--max-groups N]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveScenario } from '../src/scenario/resolve.ts';
import { ScenarioSchema } from '../src/scenario/schema.ts';
import { buildScenarioInput } from '../src/validation/run-case.ts';
import { engineSettings } from '../src/validation/engines.ts';
import { sampleShareGpt } from '../src/validation/sharegpt.ts';
import type { ValidationCase } from '../src/validation/types.ts';
import { BENCH_STATS, type BenchResult, type BenchStat } from '../src/calibrate/bench-read.ts';
import { createBenchSimulator, type BenchSimulator } from '../src/calibrate/bench-sim.ts';
import { fitBench, FIT_KEYS } from '../src/calibrate/bench-fit.ts';
import type { EngineOverheads } from '../src/engine/kinds.ts';
import { loadValidationInputs, repoRoot } from './validation-inputs.ts';

const MAX_PROMPTS = 300;

const argv = process.argv.slice(2);
const flag = (k: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
const filter = flag('--filter');
const write = !argv.includes('--no-write') && filter === undefined;
const maxGroups = Number(flag('--max-groups') ?? Infinity);

const { rows, gs, ctx } = loadValidationInputs();
const env = ctx.env;

/** A case as a bench result (the load, lengths and measured statistics of its run). */
function benchOf(c: ValidationCase): BenchResult {
  const s = c.spec;
  const stats: Partial<Record<BenchStat, number>> = {};
  for (const m of s.measured) if ((BENCH_STATS as readonly string[]).includes(m.metric) && m.value > 0) stats[m.metric as BenchStat] = m.value;
  let inputLens: number[] | undefined;
  let outputLens: number[] | undefined;
  let meanInput: number;
  let meanOutput: number;
  if (s.lengths.kind === 'fixed') {
    meanInput = s.lengths.input;
    meanOutput = s.lengths.output;
  } else {
    const sample = sampleShareGpt(ctx.sharegptPairs(), rows.sharegpt, s.lengths);
    inputLens = sample.input;
    outputLens = sample.output;
    meanInput = inputLens.reduce((a, x) => a + x, 0) / inputLens.length;
    meanOutput = outputLens.reduce((a, x) => a + x, 0) / outputLens.length;
  }
  const load = s.arrivals.kind === 'closed-loop' ? { kind: 'closed' as const, concurrency: s.arrivals.concurrency }
    : s.arrivals.kind === 'poisson' ? { kind: 'poisson' as const, ratePerSec: s.arrivals.ratePerSec } : { kind: 'burst' as const };
  return { file: c.key, format: 'vllm-bench-serve', load, prompts: s.requests, inputLens, outputLens, meanInput, meanOutput, stats, notes: [] };
}

interface GroupResult {
  group: string;
  fitted: string[];
  overheads: EngineOverheads;
  start: EngineOverheads;
  train: { key: string; before: number; after: number }[];
  test: { key: string; before: number; after: number; stats: string }[];
  seconds: number;
}

const vllm = gs.cases.filter((c) => c.spec.engine === 'vllm-v1-serve' || c.spec.engine === 'vllm-v0-serve')
  .filter((c) => filter === undefined || c.key.includes(filter));
const groups = new Map<string, ValidationCase[]>();
for (const c of vllm) {
  const g = `${c.key.replace(/^gs:/, '').replace(/#\d+.*$/, '')} · ${c.spec.engineLabel}`;
  groups.set(g, [...(groups.get(g) ?? []), c]);
}
const results: GroupResult[] = [];
let n = 0;
for (const [group, cases] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
  if (cases.length < 2 || n >= maxGroups) continue;
  const t0 = performance.now();
  const sims = new Map<BenchResult, BenchSimulator>();
  const benches: BenchResult[] = [];
  for (const c of cases) {
    try {
      const { gpu, model } = { gpu: env.loadGpu(c.spec.gpu), model: env.loadModel(c.spec.model) };
      const eng = engineSettings(c.spec, rows.engines[c.spec.engine]!, gpu, model);
      const built = buildScenarioInput(c, eng, ctx);
      const parsed = ScenarioSchema.parse(built.input);
      const sim = createBenchSimulator(resolveScenario(parsed, env), { maxPrompts: MAX_PROMPTS, calibration: env.calibration });
      const b = benchOf(c);
      if (Object.keys(b.stats).length === 0) continue;
      sims.set(b, sim);
      benches.push(b);
    } catch (e) {
      process.stderr.write(`skip ${c.key}: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }
  if (benches.length < 2) continue;
  n++;
  const train = benches.filter((_, i) => i % 2 === 0);
  const test = benches.filter((_, i) => i % 2 === 1);
  const predict = (b: BenchResult, o: Partial<EngineOverheads>) => sims.get(b)!.predict(b, o);
  const start = sims.get(train[0]!)!.base;
  const fit = fitBench(train, predict, start, { skipLeaveOneOut: true, maxEvalPerRound: 60 });
  const err = (b: BenchResult, o: Partial<EngineOverheads>) => {
    const p = predict(b, o);
    const e = (Object.entries(b.stats) as [BenchStat, number][]).map(([k, v]) => Math.abs((p[k] ?? NaN) / v - 1));
    return 100 * e.reduce((a, x) => a + (Number.isFinite(x) ? x : 1), 0) / e.length;
  };
  const r: GroupResult = {
    group, fitted: fit.fitted, overheads: fit.overheads, start,
    train: train.map((b) => ({ key: b.file, before: err(b, {}), after: err(b, fit.overheads) })),
    test: test.map((b) => ({ key: b.file, before: err(b, {}), after: err(b, fit.overheads), stats: Object.keys(b.stats).join(' ') })),
    seconds: (performance.now() - t0) / 1000,
  };
  results.push(r);
  process.stderr.write(`${group}: fitted ${fit.fitted.join(', ') || 'nothing'}; train ${r.train.map((x) => `${x.before.toFixed(1)}→${x.after.toFixed(1)}`).join(' ')}; held out ${r.test.map((x) => `${x.before.toFixed(1)}→${x.after.toFixed(1)}`).join(' ')} (${r.seconds.toFixed(1)} s)\n`);
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const sig = (x: number) => Number(x.toPrecision(3)).toString();
const lines: string[] = [
  '# Calibration from benchmark runs: gpustack `vllm bench serve` groups',
  '',
  'Generated by `npm run validate:bench-fit` (scripts/validate-bench-fit.ts) — do not edit by hand.',
  '',
  '`servesim calibrate --bench` ([calibration.md](calibration.md#calibrating-from-your-own-benchmark-runs)) applied to the',
  'parsed `vllm bench serve` runs of ../shared/data/validation/gpustack-bench-serve.csv, mapped to scenarios exactly as',
  '`npm run validate` maps them (engine kind `vllm`, HTTP frontend). A group is one model × GPU document and one vLLM',
  'version; its runs (different flags and loads) are ordered by key and split alternately: the even ones are fitted',
  `(the parameters their statistics constrain, Nelder–Mead capped at 60 evaluations per round, at most ${MAX_PROMPTS} prompts`,
  'simulated per closed-loop or Poisson run), the odd ones are predicted with the fitted overheads. Error = mean',
  '|predicted / measured − 1| over the statistics a run reports (throughput, TTFT, TPOT, ITL), in %; "before" uses the',
  'engine kind\'s default overheads.',
  '',
  'The fitted values are effective parameters: besides the host costs they name, they absorb whatever else the',
  'model misses on that deployment (a GPU efficiency far below 1 usually stands for kernels or features the',
  'step-time model does not describe, see docs/validation.md). Fitting helps where the remaining error is a host or',
  'efficiency offset shared by the runs of a group, and cannot help a run whose error has another cause (a held-out',
  'run of 100% is one the simulation could not reproduce at all, e.g. every request rejected).',
  '',
];
const allTestBefore = results.flatMap((r) => r.test.map((t) => t.before));
const allTestAfter = results.flatMap((r) => r.test.map((t) => t.after));
const allTrainBefore = results.flatMap((r) => r.train.map((t) => t.before));
const allTrainAfter = results.flatMap((r) => r.train.map((t) => t.after));
lines.push('| runs | n | median error before | median error after |', '|---|---|---|---|');
lines.push(`| fitted (in-sample) | ${allTrainAfter.length} | ${f1(median(allTrainBefore))}% | ${f1(median(allTrainAfter))}% |`);
lines.push(`| **held out (predicted)** | ${allTestAfter.length} | ${f1(median(allTestBefore))}% | **${f1(median(allTestAfter))}%** |`);
lines.push('', '## Per group', '');
lines.push('| group | fitted parameters (default → fit) | fitted runs: error before → after | held-out runs: error before → after |', '|---|---|---|---|');
for (const r of results) {
  const params = r.fitted.length === 0 ? 'none constrained' : r.fitted.map((k) => `${k} ${sig(r.start[k as keyof EngineOverheads])} → ${sig(r.overheads[k as keyof EngineOverheads])}`).join('; ');
  lines.push(`| ${r.group} | ${params} | ${r.train.map((t) => `${f1(t.before)} → ${f1(t.after)}`).join(', ')} | ${r.test.map((t) => `${f1(t.before)} → ${f1(t.after)}`).join(', ')} |`);
}
lines.push('', `Parameters that can be fitted: ${FIT_KEYS.join(', ')}.`, '');
const text = `${lines.join('\n')}\n`;
if (write) {
  writeFileSync(path.join(repoRoot, 'docs/validation-bench-fit.md'), text);
  process.stderr.write('wrote docs/validation-bench-fit.md\n');
} else process.stdout.write(text);
