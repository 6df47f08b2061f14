/**
 * report.html checked as a person would, in headless Chromium (Debian's package; .ci/run installs it when
 * missing): every chart draws marks, and the in-page what-if — a link that sets a tighter TTFT objective and
 * re-runs the simulator, and a faster growth — changes the numbers on the page.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt } from '../helpers/built.ts';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
const fx = (f: string) => path.join(import.meta.dirname, '../plan/fixtures', f);
const out = mkdtempSync(path.join(tmpdir(), 'servesim-browser-'));

function dumpDom(url: string): string {
  return execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', '--dump-dom', url], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 90_000, maxBuffer: 1 << 28,
  });
}

const marksPerChart = (dom: string): Record<string, number> => {
  const res: Record<string, number> = {};
  const re = /<div class="chart[^"]*" id="chart-([a-z-]+)"[^>]*>([\s\S]*?)<\/figure>/g;
  for (let m = re.exec(dom); m; m = re.exec(dom)) res[m[1]] = (m[2].match(/role-mark/g) ?? []).length;
  return res;
};

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  let plan: { options: { id: string; pruned: boolean; replicas: number | null; latencyMs: { ttft: number } | null }[]; slo: { ttftMs: { p99: number } } };
  beforeAll(() => {
    ensureBuilt();
    execFileSync(process.execPath, [bin, 'report', fx('small.yaml'), '--space', fx('space.yaml'), '--out', out, '--jobs', '1'], { env: { ...process.env, CI: '1' } });
    plan = JSON.parse(readFileSync(path.join(out, 'plan.json'), 'utf8'));
  }, 120_000);

  it('draws marks in every chart', () => {
    const dom = dumpDom(`file://${out}/report.html`);
    expect(dom).toMatch(/data-charts-drawn="4"/);
    const marks = marksPerChart(dom);
    expect(Object.keys(marks).sort()).toEqual(['cost-by-pricing', 'gpus-vs-growth', 'latency-vs-load', 'replicas-queue']);
    for (const [name, n] of Object.entries(marks)) expect(n, name).toBeGreaterThan(0);
  }, 120_000);

  it('re-runs the simulator in the page: a tighter TTFT objective needs more replicas', () => {
    const options = plan.options.filter((o) => !o.pruned);
    const i = options.findIndex((o) => o.replicas !== null && o.replicas >= 2);
    expect(i).toBeGreaterThanOrEqual(0);
    const o = options[i];
    const ttft = Math.round(o.latencyMs!.ttft * 0.9);
    const dom = dumpDom(`file://${out}/report.html#option=${i}&ttft=${ttft}&growth=30&run`);
    const shown = /<strong id="whatif-replicas">(\d+)<\/strong>/.exec(dom);
    expect(shown, dom.slice(dom.indexOf('whatif-result'), dom.indexOf('whatif-result') + 300)).not.toBeNull();
    expect(Number(shown![1])).toBeGreaterThan(o.replicas!);
    // Growth 30 %/month instead of 5: more GPUs at the end of the horizon than the static summary says.
    const end = (html: string) => [...html.matchAll(/<tr><td>[^<]+<\/td><td>(\d+)<\/td><td>(\d+)<\/td>/g)].map((m) => Number(m[2]));
    const table = (html: string) => /<table id="whatif-growth">[\s\S]*?<\/table>/.exec(html)![0];
    const base = dumpDom(`file://${out}/report.html`);
    const before = end(table(base)).reduce((a, b) => a + b, 0);
    const after = end(table(dom)).reduce((a, b) => a + b, 0);
    expect(after).toBeGreaterThan(before);
  }, 180_000);
});
