import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const fx = (f: string) => path.join(import.meta.dirname, '../plan/fixtures', f);
const tmp = mkdtempSync(path.join(tmpdir(), 'servesim-report-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

describe('servesim report', () => {
  const a = path.join(tmp, 'a');
  const b = path.join(tmp, 'b');
  beforeAll(async () => {
    for (const dir of [a, b]) {
      const r = await cli(['report', fx('small.yaml'), '--space', fx('space.yaml'), '--growth', '8', '--months', '12', '--lead-time', '3', '--lead-time', 'l40s=1', '--jobs', '1', '--out', dir]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    }
  }, 120_000);

  it('writes report.html, summary.md and an SVG and a PNG per chart', () => {
    const files = readdirSync(a).sort();
    for (const f of ['report.html', 'summary.md', 'plan.json']) expect(files).toContain(f);
    for (const c of ['latency-vs-load', 'gpus-vs-growth', 'cost-by-pricing', 'replicas-queue']) {
      expect(files).toContain(`${c}.svg`);
      expect(files).toContain(`${c}.png`);
      expect(readFileSync(path.join(a, `${c}.png`)).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    expect(files.some((f) => f.endsWith('.partial'))).toBe(false);
  });

  it('is deterministic: the same inputs give the same bytes', () => {
    for (const f of readdirSync(a)) expect(readFileSync(path.join(b, f)).equals(readFileSync(path.join(a, f))), f).toBe(true);
  });

  it('report.html is self-contained: vega, vega-lite and vega-embed inlined, no external resource', () => {
    const html = readFileSync(path.join(a, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('vegaEmbed');
    expect(html.length).toBeGreaterThan(500_000);
    const charts = JSON.parse(/<script type="application\/json" id="servesim-charts">([\s\S]*?)<\/script>/.exec(html)![1]);
    expect(Object.keys(charts)).toEqual(expect.arrayContaining(['latency-vs-load', 'gpus-vs-growth', 'cost-by-pricing', 'replicas-queue']));
  });

  it('summary.md gives the chosen option, the order-by month and provisioning costs, using the per-GPU lead time', () => {
    const md = readFileSync(path.join(a, 'summary.md'), 'utf8');
    expect(md).toMatch(/\*\*Chosen: /);
    expect(md).toMatch(/## Growth: 8% per month for 12 months/);
    const rows = md.split('\n').filter((l) => /^\| (h100-sxm|l40s) TP/.test(l));
    expect(rows.length).toBeGreaterThan(2);
    for (const r of rows) expect(r.split(' | ')[5]).toBe(r.startsWith('| l40s') ? '1' : '3');
  });

  it('with energy (cost.mode onprem) draws the energy chart; on-demand costs stay those of the cloud run', async () => {
    const c = path.join(tmp, 'onprem');
    const r = await cli(['report', fx('small.yaml'), '--space', fx('space.yaml'), '--jobs', '1', '--set', 'cost={mode: onprem}', '--out', c]);
    expect(r.code).toBe(0);
    expect(readdirSync(c)).toEqual(expect.arrayContaining(['energy.svg', 'energy.png']));
    const cloudPlan = JSON.parse(readFileSync(path.join(a, 'plan.json'), 'utf8'));
    const spec = JSON.parse(readFileSync(path.join(c, 'cost-by-pricing.vl.json'), 'utf8'));
    const onDemand = spec.data.values.filter((v: { pricing: string }) => v.pricing === 'cloud on-demand');
    expect(onDemand.length).toBeGreaterThan(0);
    let matched = 0;
    for (const o of cloudPlan.options.filter((x: { meetsSlo: boolean }) => x.meetsSlo)) {
      const label = `${o.gpu} TP${o.parallelism.tensor} ${o.precision.weights} ×${o.replicas}`;
      const row = onDemand.find((v: { option: string }) => v.option === label);
      if (row) {
        matched++;
        expect(row.usdPerMillionTokens).toBeCloseTo(o.costUsdPerMillionTokens, 3);
      }
    }
    expect(matched).toBeGreaterThan(2);
    expect(readFileSync(path.join(c, 'summary.md'), 'utf8')).not.toMatch(/energy: not drawn/);
    expect(readFileSync(path.join(a, 'summary.md'), 'utf8')).toMatch(/energy: not drawn/);
  }, 60_000);

  it('exits 2 on bad input', async () => {
    for (const args of [
      ['report', fx('small.yaml'), '--space', fx('space.yaml')],
      ['report', fx('small.yaml'), '--out', path.join(tmp, 'c')],
      ['report', fx('small.yaml'), '--space', fx('space.yaml'), '--out', path.join(tmp, 'd'), '--growth', 'x'],
      ['report', fx('small.yaml'), '--space', fx('space.yaml'), '--out', path.join(tmp, 'd'), '--lead-time', 'h100=abc'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  }, 30_000);
});
