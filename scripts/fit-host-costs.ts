/**
 * `npm run fit:host`: fits the API-server host costs of each engine kind (frontendRequestSec,
 * frontendOutputTokenSec) to the measured server benchmarks of ../shared/data/validation (the cases of
 * `npm run validate` whose engine ran behind an HTTP server), and measures the error on data not fitted:
 * leave-one-model-out (for each model, fit on the others, predict it).
 *
 * These are the only constants servesim fits to end-to-end results: no microbenchmark of a Python API
 * server's per-request and per-token CPU cost exists in the shared data (docs/engines.md). Everything on the
 * GPU side stays calibrated from microbenchmarks. Method: a grid over the two costs; each case's score is the
 * mean |ln(predicted / measured)| over its throughput, TTFT and TPOT statistics; a fit minimises the median
 * score over its cases. Deterministic.
 *
 *   node --import tsx scripts/fit-host-costs.ts [--write] [--date YYYY-MM-DD]
 *
 * --write  writes src/engine/host-costs.ts (the defaults engine.kind uses) and docs/host-costs.md (the fit
 *          and its held-out errors).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tryRunCase } from '../src/validation/run-case.ts';
import type { CaseResult, ValidationCase } from '../src/validation/types.ts';
import { loadValidationInputs, repoRoot } from './validation-inputs.ts';

const REQUEST_MS = [0, 2, 5, 10, 15, 20, 30, 45, 60, 80];
const OUTPUT_US = [0, 25, 50, 100, 150, 200, 300, 400];
/** Engine presets whose benchmark ran behind an HTTP server, by the engine kind they fit. */
const KIND_OF: Record<string, 'vllm' | 'sglang' | 'trt-llm'> = {
  'vllm-v1-serve': 'vllm', 'sglang-serve': 'sglang', 'trtllm-serve': 'trt-llm',
};
const GROUPS = ['throughput', 'ttft', 'tpot'] as const;

function group(metric: string): (typeof GROUPS)[number] | undefined {
  if (metric.startsWith('throughput')) return 'throughput';
  if (metric.startsWith('ttft')) return 'ttft';
  if (metric.startsWith('tpot')) return 'tpot';
  return undefined;
}

function caseScore(r: CaseResult): number {
  let s = 0;
  let n = 0;
  for (const c of r.comparisons) {
    if (group(c.metric) === undefined || !(c.predicted > 0) || !(c.measured > 0)) continue;
    s += Math.abs(Math.log(c.predicted / c.measured));
    n++;
  }
  return n > 0 ? s / n : NaN;
}

function median(xs: number[]): number {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

interface Point { requestSec: number; outputTokenSec: number }

function main(): void {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const dateIdx = args.indexOf('--date');
  const date = dateIdx >= 0 ? args[dateIdx + 1]! : new Date().toISOString().slice(0, 10);
  const t0 = performance.now();
  const { mp, gs, ctx } = loadValidationInputs();
  const cases = [...mp.cases, ...gs.cases].filter((c) => KIND_OF[c.spec.engine] !== undefined);
  const points: Point[] = [];
  for (const r of REQUEST_MS) for (const o of OUTPUT_US) points.push({ requestSec: r / 1000, outputTokenSec: o / 1e6 });

  // results[kind][caseKey][pointIndex]
  const byCase = new Map<string, { c: ValidationCase; runs: (CaseResult | undefined)[] }>();
  for (const c of cases) byCase.set(c.key, { c, runs: [] });
  points.forEach((p, i) => {
    ctx.engineOverride = { overheads: { frontendRequestSec: p.requestSec, frontendOutputTokenSec: p.outputTokenSec } };
    for (const c of cases) byCase.get(c.key)!.runs[i] = tryRunCase(c, ctx).result;
    process.stderr.write(`grid ${i + 1}/${points.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  });

  const kinds = ['vllm', 'sglang', 'trt-llm'] as const;
  const out: Record<string, unknown> = {};
  const lines: string[] = [];
  for (const kind of kinds) {
    const mine = [...byCase.values()].filter((x) => KIND_OF[x.c.spec.engine] === kind && x.runs.every((r) => r !== undefined));
    if (mine.length === 0) continue;
    const fit = (subset: typeof mine): number => {
      let best = 0;
      let bestScore = Infinity;
      points.forEach((_, i) => {
        const sc = median(subset.map((x) => caseScore(x.runs[i]!)));
        if (sc < bestScore - 1e-12) { bestScore = sc; best = i; }
      });
      return best;
    };
    const errs = (rows: { x: (typeof mine)[number]; i: number }[]) => {
      const g: Record<string, number[]> = { throughput: [], ttft: [], tpot: [] };
      for (const { x, i } of rows) {
        for (const c of x.runs[i]!.comparisons) {
          const k = group(c.metric);
          if (k !== undefined) g[k]!.push(Math.abs(c.error));
        }
      }
      return Object.fromEntries(GROUPS.map((k) => [k, { medianAbsError: median(g[k]!), n: g[k]!.length }]));
    };
    const all = fit(mine);
    const models = [...new Set(mine.map((x) => x.c.spec.model))].sort();
    const held: { x: (typeof mine)[number]; i: number }[] = [];
    const perModel: string[] = [];
    for (const m of models) {
      const train = mine.filter((x) => x.c.spec.model !== m);
      if (train.length === 0) continue;
      const i = fit(train);
      for (const x of mine.filter((y) => y.c.spec.model === m)) held.push({ x, i });
      perModel.push(`${m}: ${(points[i]!.requestSec * 1e3).toFixed(0)} ms, ${(points[i]!.outputTokenSec * 1e6).toFixed(0)} µs`);
    }
    const baseline = points.findIndex((p) => p.requestSec === 0 && p.outputTokenSec === 0);
    const res = {
      frontendRequestSec: points[all]!.requestSec,
      frontendOutputTokenSec: points[all]!.outputTokenSec,
      cases: mine.length,
      models,
      inSample: errs(mine.map((x) => ({ x, i: all }))),
      leaveOneModelOut: errs(held),
      noHostPath: errs(mine.map((x) => ({ x, i: baseline }))),
      perModelFits: perModel,
    };
    out[kind] = res;
    const pct = (e: { medianAbsError: number; n: number }) => `${(e.medianAbsError * 100).toFixed(1)}% (n=${e.n})`;
    lines.push(`| ${kind} | ${res.cases} | ${(res.frontendRequestSec * 1e3).toFixed(0)} ms | ${(res.frontendOutputTokenSec * 1e6).toFixed(0)} µs | ` +
      GROUPS.map((k) => `${pct(res.noHostPath[k]!)} → ${pct(res.inSample[k]!)} / ${pct(res.leaveOneModelOut[k]!)}`).join(' | ') + ' |');
    process.stderr.write(`${kind}: ${JSON.stringify(res)}\n`);
  }
  if (!write) return;
  const ts = `/**
 * API-server host costs per engine kind, fitted by \`npm run fit:host\` (scripts/fit-host-costs.ts) on ${date}
 * to the measured server benchmarks of ../shared/data/validation. Generated — do not edit; see
 * docs/host-costs.md for the fit, its in-sample error and its leave-one-model-out error.
 */
export const FITTED_HOST_COSTS = ${JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, v]) => {
    const r = v as { frontendRequestSec: number; frontendOutputTokenSec: number; cases: number };
    return [k, { frontendRequestSec: r.frontendRequestSec, frontendOutputTokenSec: r.frontendOutputTokenSec, cases: r.cases }];
  })), null, 2)} as const;
`;
  writeFileSync(path.join(repoRoot, 'src/engine/host-costs.ts'), ts);
  const md = `# Host costs of the API server: fit and held-out error

> Generated by \`npm run fit:host\` on ${date}, do not edit.

\`engine.frontend: http\` puts every request through the API server's host path (src/engine/frontend.ts): a
per-request cost (HTTP handling, chat template, request set-up: \`frontendRequestSec\`), a per-input-token
tokenisation cost (\`frontendInputTokenSec\`, an assumed 0.5 µs), and a per-output-token detokenisation and
streaming cost (\`frontendOutputTokenSec\`), all on \`frontendCores\` host cores. No microbenchmark of these
Python costs is in the shared data, so the two main ones are fitted per engine kind to the measured server
benchmarks (\`vllm bench serve\` against vLLM, SGLang and trtllm-serve), and — because a constant fitted to
end-to-end results proves nothing on the same results — evaluated leave-one-model-out: for each model, the
costs are fitted on the other models' runs and the model's own runs are predicted with them.

Grid: request cost ${REQUEST_MS.join(', ')} ms × output-token cost ${OUTPUT_US.join(', ')} µs. Score of a
case: mean |ln(predicted/measured)| over its throughput, TTFT and TPOT statistics; the fit minimises the median
score. Cells: median |error| without a host path (both costs 0) → in-sample / leave-one-model-out.

| engine kind | cases | request cost | output-token cost | throughput | TTFT | TPOT |
| --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}

Per-model fits (leave that model out → costs fitted on the rest):

${Object.entries(out).map(([k, v]) => `- ${k}: ${(v as { perModelFits: string[] }).perModelFits.join('; ')}`).join('\n')}

What the costs stand for: the serial CPU time of the benchmark's whole host path — the server's API process
and the benchmark client (one asyncio process each) — per request and per streamed token. The fitted values
are properties of the software versions measured (vLLM 0.10–0.17, SGLang 0.5.x, TensorRT-LLM 1.x on the
gpustack hosts); a user with other hosts or versions fits their own with \`servesim calibrate --bench\`.
`;
  writeFileSync(path.join(repoRoot, 'docs/host-costs.md'), md);
  process.stderr.write(`wrote src/engine/host-costs.ts and docs/host-costs.md in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}

main();
