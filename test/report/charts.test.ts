/**
 * Chart specifications against golden files (UPDATE_GOLDEN=1 rewrites them), each compiled by vega-lite and
 * rendered to SVG and PNG; the PNG must carry the shipped font's text.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { latencyVsLoadSpec } from '../../src/report/charts/latency-vs-load.ts';
import { gpusVsGrowthSpec } from '../../src/report/charts/gpus-vs-growth.ts';
import { costByPricingSpec } from '../../src/report/charts/cost-by-pricing.ts';
import { replicasQueueSpec } from '../../src/report/charts/replicas-queue.ts';
import { energySpec } from '../../src/report/charts/energy.ts';
import { growthPlan } from '../../src/report/procurement/growth.ts';
import { vlToVega } from '../../src/report/render/vl-to-vega.ts';
import { vegaToSvg } from '../../src/report/render/vega-to-svg.ts';
import { fontFile, svgToPng } from '../../src/report/render/svg-to-png.ts';
import { stableJson } from '../../src/report/json.ts';

const golden = (name: string) => path.join(import.meta.dirname, 'charts-golden', `${name}.vl.json`);

const growth = [
  growthPlan({ id: 'h100 TP2 fp8 ×3', gpu: 'h100-sxm', replicas: 3, gpusPerReplica: 2, maxRateFactor: 1.6, gpuHourUsd: 2.25, onDemandGpuHourUsd: 2.25, leadTimeMonths: 3 }, { growthPctPerMonth: 10, months: 6 }),
  growthPlan({ id: 'mi300x TP2 fp8 ×3', gpu: 'mi300x', replicas: 3, gpusPerReplica: 2, maxRateFactor: 2.1, gpuHourUsd: 1.99, onDemandGpuHourUsd: 1.99, leadTimeMonths: 5 }, { growthPctPerMonth: 10, months: 6 }),
];
const specs: Record<string, Record<string, unknown>> = {
  'latency-vs-load': latencyVsLoadSpec([
    { id: 'a', points: [{ factor: 1, ttftMs: 300 }, { factor: 2, ttftMs: 900 }, { factor: 4, ttftMs: 5000 }] },
    { id: 'b', points: [{ factor: 1, ttftMs: 200 }, { factor: 1.5, ttftMs: null }, { factor: 2, ttftMs: 2500 }] },
  ], 1000),
  'gpus-vs-growth': gpusVsGrowthSpec(growth, 10),
  'cost-by-pricing': costByPricingSpec([
    { option: 'a', pricing: 'cloud on-demand', usdPerMillionTokens: 0.5 }, { option: 'a', pricing: 'cloud spot', usdPerMillionTokens: 0.2 },
    { option: 'b', pricing: 'cloud on-demand', usdPerMillionTokens: 0.7 }, { option: 'b', pricing: 'on-prem TCO', usdPerMillionTokens: 0.3 },
  ]),
  'replicas-queue': replicasQueueSpec([{ minute: 0, replicas: 3, queued: 0.5 }, { minute: 1, replicas: 3, queued: 4.25 }, { minute: 2, replicas: 3, queued: 1 }], 'h100 TP2 fp8 ×3'),
  energy: energySpec([{ option: 'a', joulesPerToken: 0.8 }, { option: 'b', joulesPerToken: 1.3 }]),
};

describe('chart specifications', () => {
  for (const [name, spec] of Object.entries(specs)) {
    it(`${name} matches its golden file and compiles, renders to SVG with marks`, async () => {
      const text = stableJson(spec);
      if (process.env.UPDATE_GOLDEN || !existsSync(golden(name))) writeFileSync(golden(name), text);
      expect(text).toBe(readFileSync(golden(name), 'utf8'));
      const svg = await vegaToSvg(vlToVega(spec));
      expect(svg).toMatch(/^<svg/);
      expect(svg).toMatch(/<path|<line|<rect/);
      const t = (spec as { title: string | { text: string } }).title;
      expect(svg).toContain((typeof t === 'string' ? t : t.text).slice(0, 12));
    });
  }

  it('the growth chart holds one point per option and month', () => {
    const values = (specs['gpus-vs-growth'].data as { values: unknown[] }).values;
    expect(values).toHaveLength(2 * 7);
  });
});

function darkPixels(svg: string, fonts: string[]): number {
  const img = new Resvg(svg, { background: 'white', font: { loadSystemFonts: false, fontFiles: fonts, defaultFontFamily: 'Inter', sansSerifFamily: 'Inter' } }).render();
  const px = img.pixels;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 128 && px[i + 1] < 128 && px[i + 2] < 128) n++;
  return n;
}

describe('PNG rendering', () => {
  it('produces a non-empty PNG whose text is drawn with the shipped font', async () => {
    const svg = await vegaToSvg(vlToVega(specs['cost-by-pricing']));
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(5000);
    expect(existsSync(fontFile())).toBe(true);
    // Axis labels and titles are dark pixels: with the font they are there, without any font they vanish.
    const withFont = darkPixels(svg, [fontFile()]);
    const withoutFont = darkPixels(svg, []);
    expect(withFont).toBeGreaterThan(withoutFont + 500);
  });
});
