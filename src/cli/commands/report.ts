/**
 * `servesim report SCENARIO --space SPACE.yaml [--growth PCT] [--months N] [--lead-time …] --out DIR`: a plan
 * (with the max sustainable rate of every option), a procurement what-if and its charts, written as
 * DIR/report.html (self-contained), DIR/<chart>.svg and .png (rendered here: vega-lite → vega → SVG → resvg),
 * DIR/summary.md and DIR/plan.json. Pipeline: src/report/charts/* (specs) → src/report/render/vl-to-vega.ts →
 * vega-to-svg.ts → svg-to-png.ts; page: src/report/html/page.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../../errors/user-error.ts';
import { prepareOutDir } from '../errors.ts';
import { computePlan } from './plan.ts';
import type { PlanFlags } from './plan.ts';
import type { PlanDocument } from '../../plan/plan.ts';
import { parseScenarioSource } from '../../scenario/parse.ts';
import { resolveScenario } from '../../scenario/resolve.ts';
import { runScenario } from '../../scenario/run.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { nodeResolveEnv } from '../node-env.ts';
import { stableJson } from '../../report/json.ts';
import { loadPowerProfile } from '../../power/load.ts';
import { nodeTextReader } from '../node-text-reader.ts';
import { profilesDir } from '../../profiles/fs.ts';
import { buildReportModel, shortLabel, summaryMarkdown } from '../../report/procurement/model.ts';
import type { SimulatorData } from '../../report/html/app.ts';
import type { ReportInputs, ReportParams } from '../../report/procurement/model.ts';
import type { GpuPrices } from '../../report/procurement/pricing.ts';
import { DEFAULT_PRICING } from '../../report/procurement/pricing.ts';
import type { TimePoint } from '../../report/charts/replicas-queue.ts';
import { vlToVega } from '../../report/render/vl-to-vega.ts';
import { vegaToSvg } from '../../report/render/vega-to-svg.ts';
import { svgToPng } from '../../report/render/svg-to-png.ts';
import { markdownToHtml, renderPage } from '../../report/html/page.ts';
import type { Io } from '../io.ts';

export interface ReportFlags extends PlanFlags {
  out: string;
  growth: number;
  months: number;
  leadTime: string[];
  kwhUsd: number;
}

const bad = (arg: string, message: string, fix: string) => UserError.of([{ code: 'bad-option', path: '', arg, message, fix }]);

/** `--lead-time 3` (every GPU) or `--lead-time h100-sxm=6` (repeatable). */
export function parseLeadTimes(args: readonly string[]): Record<string, number> {
  const out: Record<string, number> = { default: 3 };
  for (const a of args) {
    const m = /^(?:([A-Za-z0-9._-]+)=)?(\d+(?:\.\d+)?)$/.exec(a.trim());
    if (!m) throw bad('--lead-time', `--lead-time must be MONTHS or GPU=MONTHS, got "${a}"`, 'e.g. --lead-time 3 --lead-time h100-sxm=6');
    out[m[1] ?? 'default'] = Number(m[2]);
  }
  return out;
}

/** Prices of a GPU: profiles/power/<gpu>.yaml `price` when present, else the on-demand price the run used. */
function gpuPrices(gpu: string, runGpuHourUsd: number | undefined): GpuPrices {
  const dir = path.join(profilesDir(), 'power');
  if (existsSync(path.join(dir, `${gpu}.yaml`))) {
    const p = loadPowerProfile(nodeTextReader, dir, gpu);
    const price = p.price as { onDemandUsdPerGpuHour: number; reservedUsdPerGpuHour: number; spotUsdPerGpuHour: number; purchaseUsd: number };
    return {
      onDemandUsdPerGpuHour: price.onDemandUsdPerGpuHour, reservedUsdPerGpuHour: price.reservedUsdPerGpuHour,
      spotUsdPerGpuHour: price.spotUsdPerGpuHour, purchaseUsd: price.purchaseUsd, tdpWatts: p.tdpWatts,
    };
  }
  return { onDemandUsdPerGpuHour: runGpuHourUsd ?? 0, reservedUsdPerGpuHour: null, spotUsdPerGpuHour: null, purchaseUsd: null, tdpWatts: null };
}

/** The chosen option run once more with steps recorded: replicas and queued requests (sum over replicas of
 * each one's mean waiting count) per time bin. */
function chosenTimeline(file: string, flags: ReportFlags, plan: PlanDocument): TimePoint[] | null {
  const best = plan.options.find((o) => o.id === plan.best);
  if (!best) return null;
  const overrides = [...flags.set, ...Object.entries(best.set).map(([k, v]) => `${k}=${JSON.stringify(v)}`), `replicas=${best.replicas}`];
  const { scenario } = parseScenarioSource(readFileSync(file, 'utf8'), file, overrides);
  const s: Scenario = { ...scenario, fleet: { ...scenario.fleet, provisioning: { kind: 'static' } } as Scenario['fleet'] };
  const { result } = runScenario(resolveScenario(s, nodeResolveEnv(file)), { recordSteps: true });
  const st = result.steps!;
  // Bins of 1 s … 5 min, so that even a short run has at least 30 points.
  const bin = [1, 5, 10, 30, 60, 300].findLast((w) => result.endSec / w >= 30) ?? 1;
  const bins = Math.max(1, Math.ceil(result.endSec / bin));
  const n = best.replicas!;
  const sum = new Float64Array(bins * n);
  const cnt = new Float64Array(bins * n);
  for (let i = 0; i < st.startSec.length; i++) {
    const k = Math.min(bins - 1, Math.floor(st.startSec.get(i) / bin)) * n + st.replica.get(i);
    sum[k] += st.waiting.get(i);
    cnt[k] += 1;
  }
  const out: TimePoint[] = [];
  for (let m = 0; m < bins; m++) {
    let q = 0;
    for (let r = 0; r < n; r++) if (cnt[m * n + r] > 0) q += sum[m * n + r] / cnt[m * n + r];
    out.push({ minute: Math.round((m * bin / 60) * 1e4) / 1e4, replicas: n, queued: Math.round(q * 100) / 100 });
  }
  return out;
}

function libText(pkg: string, file: string): string {
  // The packages do not export package.json: find their folder from the resolved main entry.
  const main = createRequire(import.meta.url).resolve(pkg);
  const marker = `${path.sep}node_modules${path.sep}${pkg}${path.sep}`;
  const i = main.lastIndexOf(marker);
  if (i < 0) throw new Error(`cannot locate the ${pkg} package folder from ${main}`);
  return readFileSync(path.join(main.slice(0, i + marker.length), file), 'utf8');
}

/** Largest data file (trace) embedded in report.html for the in-page re-run. */
export const MAX_EMBEDDED_DATA_BYTES = 4 << 20;

/** What the page needs to re-run the simulator: the scenario, every profile and calibration, the trace. */
function simulatorData(file: string, flags: ReportFlags, plan: PlanDocument): SimulatorData | null {
  const text = readFileSync(file, 'utf8');
  const { scenario } = parseScenarioSource(text, file, flags.set);
  const files: Record<string, string> = {};
  const tracePath = scenario.workload?.trace?.path;
  if (tracePath !== undefined) {
    const abs = path.resolve(path.dirname(file), tracePath);
    if (!existsSync(abs) || statSync(abs).size > MAX_EMBEDDED_DATA_BYTES) return null;
    files[tracePath] = readFileSync(abs, 'utf8');
  }
  const dir = profilesDir();
  const yamls = (sub: string) => {
    const d = path.join(dir, sub);
    return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ id: f.slice(0, -5), text: readFileSync(path.join(d, f), 'utf8') })) : [];
  };
  return {
    scenarioText: text, fileName: path.basename(file), overrides: flags.set,
    options: plan.options.filter((o) => !o.pruned).map((o) => ({
      id: o.id, label: o.meetsSlo ? shortLabel(o) : o.id,
      overrides: Object.entries(o.set).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    })),
    profiles: { gpus: yamls('gpus').map((y) => y.text), models: yamls('models').map((y) => y.text) },
    calibrations: Object.fromEntries(yamls('calibration').map((y) => [y.id, y.text])),
    nodes: Object.fromEntries(yamls('nodes').map((y) => [y.id, y.text])),
    power: Object.fromEntries(yamls('power').map((y) => [y.id, y.text])),
    files, maxReplicas: flags.maxReplicas, maxRejectionRate: flags.maxRejectionRate,
  };
}

/** The interactive app bundle (built by `npm run build` next to this file's compiled module), if present. */
function appBundle(): string | null {
  const here = path.dirname(new URL(import.meta.url).pathname);
  for (const p of [path.join(here, '../../report/html/app.bundle.js'), path.join(here, '../../../dist/src/report/html/app.bundle.js')]) {
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  return null;
}

export async function reportCommand(io: Io, file: string, flags: ReportFlags): Promise<number> {
  if (!flags.out) throw bad('--out', 'report needs --out DIR', 'e.g. --out report/');
  prepareOutDir(flags.out);
  if (!flags.space) throw bad('--space', 'report needs --space SPACE.yaml', 'e.g. --space space.yaml (see docs/planning.md)');
  const leadTimeMonths = parseLeadTimes(flags.leadTime); // before the (long) plan: a typo must fail at once
  const { doc } = await computePlan(file, { ...flags, maxRate: true, shard: undefined });
  const plan = doc!;
  const prices: Record<string, GpuPrices> = {};
  for (const o of plan.options) if (!prices[o.gpu] && !o.pruned) prices[o.gpu] = gpuPrices(o.gpu, o.gpuHourUsd);
  const params: ReportParams = {
    growthPctPerMonth: flags.growth, months: flags.months, leadTimeMonths,
    pricing: { ...DEFAULT_PRICING, kwhUsd: flags.kwhUsd },
  };
  const inputs: ReportInputs = { plan, prices, timeline: chosenTimeline(path.resolve(file), flags, plan) };
  const model = buildReportModel(inputs, params);
  const summary = summaryMarkdown(inputs, model, params);
  const files: Record<string, string | Buffer> = {};
  for (const [name, spec] of Object.entries(model.charts)) {
    const svg = await vegaToSvg(vlToVega(spec));
    files[`${name}.svg`] = svg;
    files[`${name}.png`] = svgToPng(svg);
    files[`${name}.vl.json`] = stableJson(spec);
  }
  files['summary.md'] = summary;
  files['plan.json'] = stableJson(plan);
  const bundle = appBundle();
  files['report.html'] = renderPage({
    title: `Capacity plan: ${plan.scenario}`,
    bodyHtml: markdownToHtml(summary),
    charts: model.charts,
    libs: [libText('vega', 'build/vega.min.js'), libText('vega-lite', 'build/vega-lite.min.js'), libText('vega-embed', 'build/vega-embed.min.js')],
    ...(bundle ? { app: { bundle, data: { inputs, params, sim: simulatorData(path.resolve(file), flags, plan) } } } : {}),
  });
  // Written under temporary names, renamed once all are written.
  const dir = path.resolve(flags.out);
  mkdirSync(dir, { recursive: true });
  const names = Object.keys(files).sort();
  try {
    for (const n of names) writeFileSync(path.join(dir, `${n}.partial`), files[n]);
    for (const n of names) renameSync(path.join(dir, `${n}.partial`), path.join(dir, n));
  } catch (e) {
    for (const n of names) rmSync(path.join(dir, `${n}.partial`), { force: true });
    throw e;
  }
  io.out(`${summary.split('\n').find((l) => l.startsWith('**')) ?? ''}\nwrote ${names.length} files to ${flags.out}: ${names.filter((n) => !n.endsWith('.vl.json')).join(', ')}\n`);
  return plan.best === null ? 1 : 0;
}
