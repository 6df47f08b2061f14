/**
 * The interactive part of report.html, bundled for the browser by `npm run build` (scripts/bundle-report-app.mjs,
 * esbuild, platform browser, no `node:` module allowed) into dist/src/report/html/app.bundle.js and inlined into
 * the page by `servesim report`.
 *
 * - Growth per month, months and the power price redraw the procurement what-if at once (the pure model of
 *   src/report/procurement/, the same code that wrote the static charts).
 * - A GPU option and a p99 TTFT objective re-run the simulator itself in the page (the browser-safe core: parse,
 *   resolve against the embedded profiles, calibration and trace, then the replica search of `servesim plan`)
 *   and show the fewest replicas, GPUs, cost and latency that meet the new objective.
 */
import { buildReportModel } from '../procurement/model.ts';
import type { ReportInputs, ReportParams, ReportModel } from '../procurement/model.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { memoryResolveEnv } from '../../api/memory-env.ts';
import { evaluateOption } from '../../plan/evaluate.ts';
import type { OptionEvaluation } from '../../plan/evaluate.ts';

/** What `servesim report` embeds for the in-page re-run. */
export interface SimulatorData {
  scenarioText: string;
  fileName: string;
  /** The command line's --set overrides. */
  overrides: string[];
  options: { id: string; label: string; overrides: string[] }[];
  profiles: { gpus: string[]; models: string[] };
  calibrations: Record<string, string>;
  /** Node and power profiles by id (profiles/nodes, profiles/power), for scenarios that model them. */
  nodes: Record<string, string>;
  power: Record<string, string>;
  /** Data files by the path written in the scenario. */
  files: Record<string, string>;
  maxReplicas: number;
  maxRejectionRate: number;
}

export interface AppData {
  inputs: ReportInputs;
  params: ReportParams;
  sim: SimulatorData | null;
}

/** The in-page re-run: the fewest replicas of `optionId` meeting p99 TTFT ≤ `ttftMs` (the other objectives kept). */
export function rerun(sim: SimulatorData, optionId: string, ttftMs: number): OptionEvaluation {
  const opt = sim.options.find((o) => o.id === optionId) ?? sim.options[0];
  const s = parseScenario(sim.scenarioText, sim.fileName, [...sim.overrides, ...opt.overrides]);
  const slo = { ...(s.slo ?? {}), ttftMs: { ...(s.slo?.ttftMs ?? {}), p99: ttftMs } };
  const env = memoryResolveEnv({ profiles: sim.profiles, calibrations: sim.calibrations, nodes: sim.nodes, power: sim.power, files: sim.files });
  return evaluateOption({ ...s, slo }, env, { maxReplicas: sim.maxReplicas, maxRejectionRate: sim.maxRejectionRate, maxRate: false });
}

/** The growth table of the page (same columns as summary.md). */
export function growthTableHtml(m: ReportModel, months: number): string {
  const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
  const rows = m.growth.map((g) => `<tr><td>${esc(g.id)}</td><td>${g.gpusNow}</td><td>${g.gpusByMonth[g.gpusByMonth.length - 1]}</td>` +
    `<td>${g.headroomMonths ?? `&gt; ${months}`}</td><td>${g.orderByMonth === null ? '—' : g.orderByMonth < 0 ? `now (${(-g.orderByMonth).toFixed(1)} late)` : g.orderByMonth}</td>` +
    `<td>${usd(g.overProvisionUsd)}</td><td>${usd(g.underProvisionUsd)}</td></tr>`);
  return '<table id="whatif-growth"><tr><th>option</th><th>GPUs now</th><th>GPUs at the end</th><th>headroom runs out (month)</th><th>order by (month)</th><th>over-provisioning</th><th>under-provisioning</th></tr>' +
    rows.join('') + '</table>';
}

declare const document: {
  getElementById(id: string): { textContent: string | null; innerHTML: string; value: string; addEventListener(ev: string, f: () => void): void } | null;
};
declare const window: { servesimDraw?: (specs: Record<string, unknown>) => Promise<unknown>; servesimApp?: unknown; location: { hash: string } };

/**
 * A what-if as a link: `report.html#growth=20&months=24&kwh=0.3&option=2&ttft=500&run` sets the inputs (option:
 * its position in the list, from 0) and, with `run`, re-runs the simulator on opening.
 */
export function parseHash(hash: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out[decodeURIComponent(eq < 0 ? part : part.slice(0, eq))] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

function start(): void {
  const dataEl = document.getElementById('servesim-data');
  const root = document.getElementById('whatif');
  if (!dataEl || !root) return;
  const data = JSON.parse(dataEl.textContent ?? '{}') as AppData;
  const p = data.params;
  const ttft0 = (data.inputs.plan.slo as { ttftMs?: { p99?: number } }).ttftMs?.p99 ?? 1000;
  const optionList = (data.sim?.options ?? []).map((o) => `<option value="${o.id.replace(/"/g, '&quot;')}">${o.label}</option>`).join('');
  root.innerHTML = '<h2>What if</h2>' +
    `<label>traffic growth %/month <input id="wi-growth" type="number" step="0.5" value="${p.growthPctPerMonth}"></label>` +
    `<label>months <input id="wi-months" type="number" min="1" step="1" value="${p.months}"></label>` +
    `<label>power price $/kWh <input id="wi-kwh" type="number" step="0.01" value="${p.pricing.kwhUsd}"></label>` +
    '<div id="whatif-growth-holder"></div>' +
    (data.sim ? `<p><label>GPU option <select id="wi-option">${optionList}</select></label>` +
      `<label>p99 TTFT SLO ms <input id="wi-ttft" type="number" step="50" value="${ttft0}"></label>` +
      '<button id="wi-run">re-run the simulator</button></p><p id="whatif-result"></p>' : '');
  const link = parseHash(window.location.hash ?? '');
  const setInput = (id: string, v: string | undefined) => {
    const el = document.getElementById(id);
    if (el && v !== undefined) el.value = v;
  };
  setInput('wi-growth', link.growth);
  setInput('wi-months', link.months);
  setInput('wi-kwh', link.kwh);
  setInput('wi-ttft', link.ttft);
  if (link.option !== undefined && data.sim) setInput('wi-option', data.sim.options[Number(link.option)]?.id);
  const num = (id: string, dflt: number) => {
    const v = Number(document.getElementById(id)?.value);
    return Number.isFinite(v) ? v : dflt;
  };
  const redraw = () => {
    const params: ReportParams = {
      ...p, growthPctPerMonth: num('wi-growth', p.growthPctPerMonth), months: Math.max(1, Math.round(num('wi-months', p.months))),
      pricing: { ...p.pricing, kwhUsd: num('wi-kwh', p.pricing.kwhUsd) },
    };
    const m = buildReportModel(data.inputs, params);
    document.getElementById('whatif-growth-holder')!.innerHTML = growthTableHtml(m, params.months);
    return window.servesimDraw ? window.servesimDraw(m.charts) : Promise.resolve();
  };
  for (const id of ['wi-growth', 'wi-months', 'wi-kwh']) document.getElementById(id)?.addEventListener('change', () => { void redraw(); });
  const run = () => {
    const out = document.getElementById('whatif-result')!;
    try {
      const r = rerun(data.sim!, document.getElementById('wi-option')!.value, num('wi-ttft', ttft0));
      out.innerHTML = r.meetsSlo
        ? `<strong id="whatif-replicas">${r.replicas}</strong> replicas (${r.gpus} GPUs) · $${r.costUsdPerMillionTokens!.toFixed(3)} per million tokens · p99 TTFT ${Math.round(r.latencyMs!.ttft!)} ms`
        : `does not meet the SLO: ${r.reason}`;
    } catch (e) {
      out.innerHTML = `error: ${String((e as Error).message)}`;
    }
  };
  document.getElementById('wi-run')?.addEventListener('click', run);
  if ('run' in link && data.sim) run();
  void redraw();
  window.servesimApp = { redraw, rerun: (id: string, ttft: number) => rerun(data.sim!, id, ttft) };
}

start();
