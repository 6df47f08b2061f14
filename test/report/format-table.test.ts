import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatReportTable } from '../../src/report/format-table.ts';
import type { RunReport } from '../../src/report/result.ts';

const golden = (name: string): RunReport =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../golden', `${name}.json`), 'utf8')) as RunReport;

describe('formatReportTable', () => {
  it('prints the header, counts and a latency row per metric with thousands separators', () => {
    const r = golden('quickstart');
    const t = formatReportTable(r);
    expect(t.split('\n')[0]).toBe(`servesim · ${r.scenario} · ${r.model} on ${r.replicas} × ${r.gpus.perReplica} ${r.gpu} (seed ${r.seed})`);
    expect(t).toContain(`${r.requests.arrived.toLocaleString('en-US')} arrived`);
    for (const m of Object.keys(r.latencyMs)) expect(t).toMatch(new RegExp(`^${m}\\s+[\\d,.]+`, 'm'));
    expect(t).toMatch(/^slo\s+met \(2 objectives\)/m);
    expect(t).not.toMatch(/^fleet /m); // a static single-pool fleet has no fleet line
  });

  it('shows a missing statistic as a dash, not NaN or null', () => {
    const r = golden('quickstart');
    r.latencyMs.tpot = { ...r.latencyMs.tpot, p99: null as unknown as number, max: Number.NaN };
    const t = formatReportTable(r);
    expect(t).not.toMatch(/NaN|null/);
    expect(t).toMatch(/^tpot .*—/m);
  });

  it('adds fleet, pool and tenant lines when the fleet changes or tenants are given', () => {
    const fleet = formatReportTable(golden('autoscale-azure-code-reactive'));
    expect(fleet).toMatch(/^fleet\s+replicas min \d+ · mean [\d.]+ · max \d+/m);
    expect(fleet).toMatch(/^pool\s+default \(mixed/m);
    const tenants = formatReportTable(golden('noisy-neighbour-wfq'));
    expect(tenants).toMatch(/^tenant\s+done\s+rejected/m);
    expect(tenants).toMatch(/^fairness\s+Jain index [\d.]+/m);
  });
});
