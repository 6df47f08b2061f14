/**
 * The procurement what-if of `servesim report`, as data: from a plan (with `--max-rate`), the GPU prices, the
 * growth and pricing parameters and the chosen option's time series → growth results, cost rows and every
 * chart specification. Pure and browser-safe: the report page calls it again when a reader changes the
 * growth, the SLO, the GPU option or the power price.
 */
import type { PlanDocument, PlanOption } from '../../plan/plan.ts';
import { growthPlan } from './growth.ts';
import type { GrowthResult } from './growth.ts';
import { costUnder, PRICINGS } from './pricing.ts';
import type { GpuPrices, PricingParams } from './pricing.ts';
import { latencyVsLoadSpec } from '../charts/latency-vs-load.ts';
import { gpusVsGrowthSpec } from '../charts/gpus-vs-growth.ts';
import { costByPricingSpec } from '../charts/cost-by-pricing.ts';
import type { CostRow } from '../charts/cost-by-pricing.ts';
import { replicasQueueSpec } from '../charts/replicas-queue.ts';
import type { TimePoint } from '../charts/replicas-queue.ts';
import { energySpec } from '../charts/energy.ts';
import type { VlSpec } from '../charts/types.ts';

/** Options shown in the charts: the best ones meeting the SLO, at most this many. */
export const CHART_OPTIONS = 8;

export interface ReportParams {
  growthPctPerMonth: number;
  months: number;
  /** Lead time by GPU id, months; `default` for the others. */
  leadTimeMonths: Record<string, number>;
  pricing: PricingParams;
}

export interface ReportInputs {
  plan: PlanDocument;
  prices: Record<string, GpuPrices>;
  /** The chosen option's replicas and queue over time (null when no option meets the SLO). */
  timeline: TimePoint[] | null;
}

export interface ReportModel {
  chosen: string | null;
  growth: GrowthResult[];
  costs: CostRow[];
  charts: Record<string, VlSpec>;
}

export function shortLabel(o: PlanOption): string {
  const tp = o.parallelism.pipeline > 1 ? `TP${o.parallelism.tensor}xPP${o.parallelism.pipeline}` : `TP${o.parallelism.tensor}`;
  const prec = o.precision.weights === o.precision.kvCache ? o.precision.weights : `${o.precision.weights}/${o.precision.kvCache}`;
  return `${o.gpu} ${tp} ${prec} ×${o.replicas}`;
}

export function buildReportModel(inp: ReportInputs, p: ReportParams): ReportModel {
  const shown = inp.plan.options.filter((o) => o.meetsSlo).slice(0, CHART_OPTIONS);
  const label = new Map(shown.map((o) => [o.id, shortLabel(o)]));
  const growth = shown.map((o) => growthPlan({
    id: label.get(o.id)!, gpu: o.gpu, replicas: o.replicas!, gpusPerReplica: o.gpus! / o.replicas!,
    maxRateFactor: o.maxRateFactor ?? null,
    gpuHourUsd: o.gpuHourUsd ?? inp.prices[o.gpu]?.onDemandUsdPerGpuHour ?? 0,
    onDemandGpuHourUsd: inp.prices[o.gpu]?.onDemandUsdPerGpuHour ?? o.gpuHourUsd ?? 0,
    leadTimeMonths: p.leadTimeMonths[o.gpu] ?? p.leadTimeMonths.default ?? 0,
  }, { growthPctPerMonth: p.growthPctPerMonth, months: p.months }));
  const costs: CostRow[] = [];
  for (const o of shown) {
    const prices = inp.prices[o.gpu];
    const atPrice = o.gpuHourCostUsdPerMillionTokens ?? o.costUsdPerMillionTokens;
    if (!prices || atPrice === null) continue;
    for (const pricing of PRICINGS) {
      const c = costUnder(atPrice, o.gpuHourUsd ?? prices.onDemandUsdPerGpuHour, prices, pricing, p.pricing);
      if (c !== null) costs.push({ option: label.get(o.id)!, pricing, usdPerMillionTokens: c });
    }
  }
  const ttftLimit = (inp.plan.slo as { ttftMs?: { p99?: number } }).ttftMs?.p99 ?? null;
  const charts: Record<string, VlSpec> = {
    'latency-vs-load': latencyVsLoadSpec(shown.map((o) => ({
      id: label.get(o.id)!, points: (o.loadCurve ?? []).map((pt) => ({ factor: pt.factor, ttftMs: pt.latencyMs.ttft })),
    })), ttftLimit),
    'gpus-vs-growth': gpusVsGrowthSpec(growth, p.growthPctPerMonth),
    'cost-by-pricing': costByPricingSpec(costs),
  };
  const best = inp.plan.options.find((o) => o.id === inp.plan.best);
  if (best && inp.timeline) charts['replicas-queue'] = replicasQueueSpec(inp.timeline, shortLabel(best));
  const energy = shown.filter((o) => o.energyJPerToken !== null).map((o) => ({ option: label.get(o.id)!, joulesPerToken: o.energyJPerToken! }));
  if (energy.length > 0) charts.energy = energySpec(energy);
  return { chosen: best ? shortLabel(best) : null, growth, costs, charts };
}

const usd = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

/** DIR/summary.md. */
export function summaryMarkdown(inp: ReportInputs, m: ReportModel, p: ReportParams): string {
  const d = inp.plan;
  const out: string[] = [];
  out.push(`# Capacity plan: ${d.scenario} (${d.model})`, '');
  out.push(`${d.space.size} options searched (${d.space.keys.join(' × ') || 'the scenario as given'}); ` +
    `${d.options.filter((o) => o.meetsSlo).length} meet the SLO, ${d.options.filter((o) => o.pruned).length} cannot run.`, '');
  out.push(m.chosen === null ? '**No option meets the SLO.**' : `**Chosen: ${m.chosen}** (cheapest per million tokens that meets every objective).`, '');
  out.push('| option | GPUs | replicas | $/M tokens | p99 TTFT ms | p99 TPOT ms | headroom | max rate | status |', '|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const o of d.options) {
    const f = (x: number | null | undefined, k: number) => (x === null || x === undefined ? '—' : x.toFixed(k));
    out.push(`| ${o.id} | ${o.gpus ?? '—'} | ${o.replicas ?? '—'} | ${f(o.costUsdPerMillionTokens, 3)} | ${f(o.latencyMs?.ttft, 0)} | ${f(o.latencyMs?.tpot, 1)} | ` +
      `${o.sloHeadroom === null ? '—' : o.sloHeadroom < -1 ? '< -100%' : `${Math.round(o.sloHeadroom * 100)}%`} | ${o.maxRateFactor === undefined || o.maxRateFactor === null ? '—' : `${o.maxRateFactor.toFixed(2)}×`} | ` +
      `${o.meetsSlo ? 'meets SLO' : o.pruned ? `pruned: ${o.reason}` : `misses SLO: ${o.reason}`} |`);
  }
  out.push('', `## Growth: ${p.growthPctPerMonth}% per month for ${p.months} months`, '');
  out.push('| option | GPUs now | GPUs at the end | headroom runs out (month) | order by (month) | lead time | over-provisioning | under-provisioning |', '|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const g of m.growth) {
    out.push(`| ${g.id} | ${g.gpusNow} | ${g.gpusByMonth[g.gpusByMonth.length - 1]} | ${g.headroomMonths ?? `> ${p.months}`} | ` +
      `${g.orderByMonth === null ? '—' : g.orderByMonth < 0 ? `now (${(-g.orderByMonth).toFixed(1)} late)` : g.orderByMonth} | ${g.leadTimeMonths} | ${usd(g.overProvisionUsd)} | ${usd(g.underProvisionUsd)} |`);
  }
  out.push('', 'Over-provisioning: buying the last month\'s fleet now (idle GPU-months × $/GPU-hour). Under-provisioning: keeping today\'s fleet and ordering when headroom runs out (GPU-months short during the lead time × on-demand $/GPU-hour). Model: docs/planning.md.', '');
  out.push('## Charts', '');
  for (const name of Object.keys(m.charts)) out.push(`- ${name}: ${name}.svg, ${name}.png`);
  if (!m.charts.energy) out.push('- energy: not drawn, the simulator reported no energy for these runs');
  return out.join('\n') + '\n';
}
