import type { RunReport } from './result.ts';

const fmt = (x: number | null, digits = 1): string =>
  x === null || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (x: number | null): string => (x === null ? '—' : Math.round(x).toLocaleString('en-US'));

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

/** The human summary printed by `servesim run` without `--json`. */
export function formatReportTable(r: RunReport): string {
  const lines: string[] = [];
  const q = r.requests;
  lines.push(`servesim · ${r.scenario} · ${r.model} on ${r.replicas} × ${r.gpus.perReplica} ${r.gpu} (seed ${r.seed})`);
  lines.push('');
  lines.push(
    `requests   ${int(q.arrived)} arrived · ${int(q.completed)} completed · ${int(q.rejected)} rejected · ` +
    `${int(q.preempted)} preempted (${int(q.preemptions)} preemptions)` +
    (q.warmup > 0 ? ` · ${int(q.warmup)} warm-up (not in statistics)` : ''),
  );
  const reasons = Object.entries(q.rejectedByReason);
  if (reasons.length > 0) lines.push(`rejected   ${reasons.map(([k, v]) => `${k}: ${int(v)}`).join(' · ')}`);
  lines.push(`simulated  ${fmt(r.simulatedSec, 1)} s · ${int(r.engine.steps)} engine steps`);
  lines.push(
    `throughput ${fmt(r.throughput.requestsPerSec, 2)} req/s · ${int(r.throughput.inputTokensPerSec)} input tok/s · ` +
    `${int(r.throughput.outputTokensPerSec)} output tok/s`,
  );
  lines.push('');
  const widths = [10, 9, 9, 9, 9, 9, 9];
  lines.push(pad(['latency ms', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'], widths));
  for (const [name, st] of Object.entries(r.latencyMs)) {
    lines.push(pad([name, fmt(st.mean), fmt(st.p50), fmt(st.p90), fmt(st.p95), fmt(st.p99), fmt(st.max)], widths));
  }
  lines.push('');
  lines.push(
    `gpus       ${r.gpus.count} (${r.gpus.perReplica} per replica) · busy ${fmt(r.gpus.busyFraction * 100, 1)}%`,
  );
  lines.push(
    `kv cache   ${int(r.kvCache.capacityTokens)} tokens per replica · peak ${fmt(r.kvCache.peakUtilization * 100, 1)}%` +
    (r.kvCache.prefixHitTokens > 0 ? ` · prefix hits ${fmt(r.kvCache.prefixHitRate * 100, 1)}% of input tokens` : ''),
  );
  if (r.cost.mode !== undefined && r.cost.breakdown) {
    const b = r.cost.breakdown;
    lines.push(
      `cost       ${r.cost.mode}: $${fmt(r.cost.totalUsd, 2)} ($${fmt(r.cost.usdPerHour ?? 0, 2)}/h) · capex $${fmt(b.capexUsd, 2)} · energy $${fmt(b.energyUsd, 2)} · ` +
      `cloud $${fmt(b.cloudUsd, 2)} · overhead $${fmt(b.overheadUsd, 2)} · $${fmt(r.cost.usdPerMillionInputTokens ?? 0, 3)} per M input, ` +
      `$${fmt(r.cost.usdPerMillionOutputTokens, 3)} per M output tokens`,
    );
  } else {
    lines.push(
      `cost       $${fmt(r.cost.totalUsd, 2)} for ${fmt(r.cost.gpuHours, 2)} GPU-h at $${fmt(r.cost.gpuHourUsd, 2)}/GPU-h · ` +
      `$${fmt(r.cost.usdPerMillionOutputTokens, 3)} per M output tokens · $${fmt(r.cost.usdPerMillionTokens, 3)} per M tokens`,
    );
  }
  if (r.power && r.energy) {
    lines.push(
      `power      ${fmt(r.power.meanWattsPerGpu, 0)} W mean · ${fmt(r.power.peakWattsPerGpu, 0)} W peak per GPU (cap ${r.power.capWattsPerGpu.map((w) => fmt(w, 0)).join('/')} W) · ` +
      `facility peak ${fmt(r.power.facilityPeakKw, 2)} kW${r.power.affectsStepTimes ? '' : ' (observed: step times unchanged)'}`,
    );
    lines.push(
      `energy     ${fmt(r.energy.kWh, 3)} kWh · ${fmt(r.energy.joulesPerOutputToken, 3)} J per output token · ${fmt(r.energy.joulesPerRequest, 1)} J per request` +
      `${r.energy.gCo2PerToken !== undefined ? ` · ${fmt(r.energy.gCo2PerToken * 1000, 3)} mg CO2 per token` : ''}`,
    );
  }
  if (r.thermal) lines.push(`thermal    max ${fmt(r.thermal.maxC, 1)} °C · throttled ${fmt(r.thermal.throttledFraction * 100, 1)}% of GPU time`);
  if (r.topology) {
    for (const [name, p] of Object.entries(r.topology.pools)) {
      lines.push(
        `topology   ${r.topology.node} (${r.topology.placement}) · ${name}: GPUs ${p.gpus.join(',')} on socket ${p.cpuSocket} · ` +
        `all-reduce 16 MiB ${fmt(p.allReduceMsPer16MiB, 3)} ms · weight load ${fmt(p.weightLoadSec, 1)} s`,
      );
    }
  }
  const f = r.fleet;
  const dynamic = f.replicas.min !== f.replicas.max || f.coldStarts.count > 0 || f.failures > 0 || Object.keys(f.pools).length > 1;
  if (dynamic) {
    lines.push(
      `fleet      replicas min ${fmt(f.replicas.min, 0)} · mean ${fmt(f.replicas.mean, 2)} · max ${fmt(f.replicas.max, 0)} · ` +
      `${int(f.coldStarts.count)} cold starts (mean ${fmt(f.coldStarts.meanSec, 1)} s) · ` +
      `${int(f.requestsWaitedOnColdStart)} requests waited on one · ${int(f.failures)} failures`,
    );
    for (const [name, p] of Object.entries(f.pools)) {
      lines.push(
        `pool       ${name} (${p.role}, ${p.gpusPerReplica} × ${p.gpu}): replicas ${fmt(p.replicas.min, 0)}–${fmt(p.replicas.max, 0)}, ` +
        `${fmt(p.gpuHours, 2)} GPU-h, $${fmt(p.costUsd, 2)}`,
      );
    }
    if (q.retried > 0 || q.lost > 0) lines.push(`failover   ${int(q.retried)} requests retried · ${int(q.lost)} lost`);
  }
  if (r.tenants) {
    lines.push('');
    const w = [10, 9, 9, 9, 10, 10, 9];
    lines.push(pad(['tenant', 'done', 'rejected', 'req/s', 'ttft p99', 'tpot p99', 'gpu %'], w));
    for (const [name, t] of Object.entries(r.tenants)) {
      lines.push(pad([
        name, int(t.requests.completed), int(t.requests.rejected), fmt(t.throughput.requestsPerSec, 2),
        fmt(t.latencyMs.ttft.p99), fmt(t.latencyMs.tpot.p99), fmt(t.gpuTimeShare * 100, 1),
      ], w));
    }
    lines.push(`fairness   Jain index ${fmt(r.fairness!.jainIndex, 3)} (GPU-time share / max-min fair share)`);
    for (const [name, t] of Object.entries(r.tenants)) {
      if (t.slo && t.slo.checked > 0 && !t.slo.met) {
        lines.push(`slo        ${name} MISSED: ` + t.slo.violations.map((v) => `${v.key} ${fmt(v.actualMs)} > ${fmt(v.limitMs)}`).join(', '));
      }
    }
  }
  if (r.slo.checked > 0) {
    lines.push(
      r.slo.met
        ? `slo        met (${r.slo.checked} objective${r.slo.checked === 1 ? '' : 's'})`
        : `slo        MISSED: ` +
          r.slo.violations.map((v) => `${v.key} ${fmt(v.actualMs)} > ${fmt(v.limitMs)}`).join(', '),
    );
  }
  for (const n of r.notes) lines.push(`note       ${n}`);
  return lines.join('\n') + '\n';
}
