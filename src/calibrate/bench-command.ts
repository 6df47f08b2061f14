/**
 * `servesim calibrate --bench RESULT.json [RESULT.json …] --scenario SCENARIO --out FILE`: fits the engine's
 * overheads (`engine.overheads`) to a user's own serving-benchmark results (src/calibrate/bench-fit.ts),
 * prints the fit error per file and the leave-one-out error, and writes a YAML file a scenario uses as
 * `engine.overheads: FILE`. Node adapter: reads the files, writes the result.
 */
import { existsSync, readFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { UserError } from '../errors/user-error.ts';
import { nodeResolveEnv, readScenarioFile } from '../cli/node-env.ts';
import { resolveScenario } from '../scenario/resolve.ts';
import { OVERHEAD_KEYS } from '../engine/kinds.ts';
import type { EngineOverheads } from '../engine/kinds.ts';
import { readBenchResult, type BenchResult } from './bench-read.ts';
import { createBenchSimulator, DEFAULT_MAX_PROMPTS } from './bench-sim.ts';
import { fitBench, FIT_KEYS, type BenchFit, type FitKey } from './bench-fit.ts';

export interface BenchCalibrateOptions {
  bench: string[];
  scenario?: string;
  out?: string;
  /** Comma-separated parameters to fit (default: those the data constrains). */
  fit?: string;
  maxPrompts?: string | number;
  /** `--set` overrides applied to the scenario. */
  set?: string[];
  json?: boolean;
  write?: boolean;
}

export interface BenchCalibrateIo {
  out(s: string): void;
  err(s: string): void;
}

/** Reads result files (JSON) with messages that name the file. */
export function readBenchFiles(files: readonly string[]): BenchResult[] {
  return files.map((f) => {
    if (!existsSync(f)) {
      throw new UserError(`benchmark result file ${f} does not exist`, { where: 'calibrate --bench', fix: 'give the JSON files vllm bench serve --save-result or genai-perf/AIPerf wrote' });
    }
    return readBenchResult(readFileSync(f, 'utf8'), f);
  });
}

function parseKeys(s: string | undefined): FitKey[] | undefined {
  if (s === undefined) return undefined;
  const keys = s.split(',').map((k) => k.trim()).filter((k) => k !== '');
  for (const k of keys) {
    if (!(FIT_KEYS as readonly string[]).includes(k)) {
      throw new UserError(`--fit: unknown parameter "${k}"`, { where: 'calibrate --fit', fix: `choose among ${FIT_KEYS.join(', ')}` });
    }
  }
  if (keys.length === 0) throw new UserError('--fit names no parameter', { where: 'calibrate --fit', fix: `e.g. --fit gpuEfficiency,frontendRequestSec` });
  return keys as FitKey[];
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(7)) : x);
const pct = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}%` : '—');

/** The human summary of a fit. */
export function formatBenchFit(fit: BenchFit, benches: readonly BenchResult[], simulated: readonly number[]): string {
  const lines: string[] = [];
  lines.push(`fitted ${fit.fitted.length > 0 ? fit.fitted.join(', ') : 'nothing (no parameter moves the statistics these files hold)'}`);
  for (const s of fit.sensitivity) {
    lines.push(`  ${s.key.padEnd(24)} ${s.fitted ? 'fitted' : 'kept  '}  start ${String(fmt(fit.start[s.key])).padEnd(12)} → ${String(fmt(fit.overheads[s.key])).padEnd(12)} sensitivity ${s.norm.toFixed(3)} (beyond the others ${s.remaining.toFixed(3)})`);
  }
  lines.push('');
  lines.push('file                                   load            simulated   fit error   leave-one-out');
  benches.forEach((b, i) => {
    const load = b.load.kind === 'closed' ? `concurrency ${b.load.concurrency}` : b.load.kind === 'poisson' ? `${b.load.ratePerSec} req/s` : 'all at t = 0';
    const loo = fit.leaveOneOut[i];
    lines.push(`${path.basename(b.file).padEnd(38)} ${load.padEnd(15)} ${String(simulated[i]).padStart(9)}   ${pct(fit.files[i]!.errorPct).padStart(9)}   ${loo ? pct(loo.errorPct).padStart(13) : '—'.padStart(13)}`);
    for (const st of fit.files[i]!.stats) {
      const looP = loo?.stats.find((x) => x.stat === st.stat)?.predicted;
      lines.push(`    ${st.stat.padEnd(20)} measured ${String(fmt(st.measured)).padStart(11)}  fit ${String(fmt(st.predicted)).padStart(11)}${looP !== undefined ? `  leave-one-out ${String(fmt(looP)).padStart(11)}` : ''}`);
    }
    for (const n of b.notes) lines.push(`    note: ${n}`);
  });
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  lines.push('');
  lines.push(`mean error: fit ${pct(mean(fit.files.map((f) => f.errorPct)))}` + (fit.leaveOneOut.length > 0 ? `, leave-one-out ${pct(mean(fit.leaveOneOut.map((f) => f.errorPct)))}` : ' (one file: no leave-one-out)'));
  lines.push(`(error = mean |predicted / measured − 1| over the statistics each file holds; latencies ms, throughputs per second; ${fit.evaluations} simulations)`);
  return `${lines.join('\n')}\n`;
}

/** The YAML document written by `--out`: `overheads:` (what `engine.overheads: FILE` reads) and the fit's record. */
export function benchFitYaml(fit: BenchFit, benches: readonly BenchResult[], scenario: string, command: string): string {
  const overheads: Partial<EngineOverheads> = {};
  for (const k of OVERHEAD_KEYS) overheads[k] = fmt(fit.overheads[k]);
  const doc = {
    overheads,
    fit: {
      scenario,
      fitted: fit.fitted,
      kept: FIT_KEYS.filter((k) => !fit.fitted.includes(k)),
      files: benches.map((b, i) => ({
        file: b.file, errorPct: fmt(fit.files[i]!.errorPct),
        ...(fit.leaveOneOut[i] ? { leaveOneOutErrorPct: fmt(fit.leaveOneOut[i]!.errorPct) } : {}),
      })),
    },
  };
  const header = [
    '# Engine overheads fitted to benchmark results by servesim calibrate --bench. Use in a scenario as',
    '#   engine: { overheads: THIS_FILE }     (path relative to the scenario)',
    `# Generated by: ${command}`,
    '# Every key of engine.overheads is written (the fitted ones and the values the others were held at);',
    '# see docs/calibration.md ("Calibrating from your own benchmark runs").',
  ];
  return `${header.join('\n')}\n${YAML.stringify(doc)}`;
}

/** Runs the bench calibration. Returns the fit (tests use it). */
export function runBenchCalibrate(opts: BenchCalibrateOptions, io: BenchCalibrateIo): { fit: BenchFit; yaml: string } {
  if (!opts.scenario) {
    throw new UserError('--bench needs --scenario (what was deployed: model, GPU, parallelism, engine)', {
      where: 'calibrate --scenario', fix: 'servesim calibrate --bench result.json --scenario my-deployment.yaml --out overheads.yaml',
    });
  }
  if (opts.bench.length === 0) throw new UserError('--bench names no file', { where: 'calibrate --bench', fix: 'give one or more result JSON files' });
  let maxPrompts = DEFAULT_MAX_PROMPTS;
  if (opts.maxPrompts !== undefined) {
    maxPrompts = Number(opts.maxPrompts);
    if (!Number.isInteger(maxPrompts) || maxPrompts < 1) {
      throw new UserError(`--max-prompts must be a positive integer, got "${opts.maxPrompts}"`, { where: 'calibrate --max-prompts', fix: 'e.g. --max-prompts 400' });
    }
  }
  const keys = parseKeys(opts.fit);
  const benches = readBenchFiles(opts.bench);
  const env = nodeResolveEnv(opts.scenario);
  const r = resolveScenario(readScenarioFile(opts.scenario, opts.set ?? []), env);
  const sim = createBenchSimulator(r, { maxPrompts, calibration: env.calibration });
  const fit = fitBench(benches, sim.predict, sim.base, keys ? { keys } : {});
  const simulated = benches.map((b) => sim.simulatedPrompts(b));
  if (opts.json) io.out(`${JSON.stringify({ fitted: fit.fitted, overheads: fit.overheads, sensitivity: fit.sensitivity, files: fit.files, leaveOneOut: fit.leaveOneOut }, null, 2)}\n`);
  else io.out(formatBenchFit(fit, benches, simulated));
  const command = ['servesim calibrate --bench', ...opts.bench, '--scenario', opts.scenario, ...(opts.fit ? ['--fit', opts.fit] : []),
    ...(opts.maxPrompts !== undefined ? ['--max-prompts', String(opts.maxPrompts)] : []), ...(opts.out ? ['--out', opts.out] : [])].join(' ');
  const scenarioRel = opts.out ? path.relative(path.dirname(path.resolve(opts.out)), path.resolve(opts.scenario)) : opts.scenario;
  const yaml = benchFitYaml(fit, benches, scenarioRel, command);
  if (opts.out && opts.write !== false) {
    const file = path.resolve(opts.out);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, yaml);
    renameSync(tmp, file);
    io.err(`wrote ${file}\n`);
  } else if (!opts.out) {
    io.err('no --out: nothing written (the fitted overheads are above)\n');
  }
  return { fit, yaml };
}
