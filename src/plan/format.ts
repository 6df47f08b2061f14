/** The readable table printed by `servesim plan` (without `--json`). */
import type { PlanDocument, PlanOption } from './plan.ts';

const f = (x: number | null | undefined, d: number): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

function optionLabel(o: PlanOption): string {
  const tp = o.parallelism.pipeline > 1 ? `TP${o.parallelism.tensor}×PP${o.parallelism.pipeline}` : `TP${o.parallelism.tensor}`;
  const prec = o.precision.weights === o.precision.kvCache ? o.precision.weights : `${o.precision.weights}/kv ${o.precision.kvCache}`;
  return `${o.gpu} ${tp} ${prec}${o.engine ? ` ${o.engine}` : ''}`;
}

export function formatPlanTable(d: PlanDocument): string {
  const withRate = d.options.some((o) => o.maxRateFactor !== undefined);
  const withEnergy = d.options.some((o) => o.energyJPerToken !== null);
  const head = ['#', 'option', 'GPUs', 'replicas', '$/M tok', 'p99 TTFT ms', 'p99 TPOT ms', 'headroom'];
  if (withEnergy) head.push('J/tok');
  if (withRate) head.push('max rate');
  head.push('status');
  const rows: string[][] = d.options.map((o, i) => {
    const r = [
      String(i + 1), optionLabel(o), o.gpus === null ? '—' : String(o.gpus), o.replicas === null ? '—' : String(o.replicas),
      f(o.costUsdPerMillionTokens, 3), f(o.latencyMs?.ttft, 0), f(o.latencyMs?.tpot, 1),
      o.sloHeadroom === null ? '—' : o.sloHeadroom < -1 ? '<-100%' : `${Math.round(o.sloHeadroom * 100)}%`,
    ];
    if (withEnergy) r.push(f(o.energyJPerToken, 3));
    if (withRate) {
      r.push(o.maxRateFactor === undefined ? '—' : o.maxRateFactor === null ? '>1024×'
        : `${o.maxRateFactor.toFixed(2)}× (${f(o.maxRequestsPerSec, 1)} req/s)`);
    }
    r.push(o.meetsSlo ? (d.best === o.id ? 'best' : d.pareto.includes(o.id) ? 'pareto' : 'ok') : o.pruned ? 'pruned' : 'misses SLO');
    return r;
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out: string[] = [];
  const sloText = Object.entries(d.slo).map(([k, v]) => `${k} ${Object.entries(v as Record<string, number>).map(([s, x]) => `${s} ≤ ${x}`).join(', ')}`).join('; ');
  out.push(`servesim plan · ${d.scenario} · ${d.model} · ${d.space.size} option${d.space.size === 1 ? '' : 's'}${d.space.keys.length > 0 ? ` (${d.space.keys.join(' × ')})` : ' (the scenario as given)'} · SLO ${sloText || 'none'}`);
  out.push('');
  out.push(line(head));
  for (const r of rows) out.push(line(r));
  out.push('');
  const notes = d.options.map((o, i) => (o.reason ? `  ${i + 1}. ${o.id}: ${o.reason}` : null)).filter((x): x is string => x !== null);
  if (notes.length > 0) {
    out.push('why options do not qualify:');
    out.push(...notes);
    out.push('');
  }
  out.push(d.best === null
    ? `no option meets the SLO within ${d.search.maxReplicas} replicas`
    : `best: ${d.best}`);
  if (d.pareto.length > 0) out.push(`pareto (cost vs p99 TTFT): ${d.pareto.join(' | ')}`);
  out.push('headroom: smallest margin to an SLO limit at the chosen size (1 − actual/limit)');
  return out.join('\n') + '\n';
}
