/**
 * docs/validation.md from a ValidationRun. Deterministic: the same run (including its date) gives the same
 * bytes — results keep their input order, every grouping is sorted, and numbers are formatted without locale.
 */
import { familyComparisons, median, summarize, summarizeFamilies, summarizeMetrics, TARGETS } from './compare.ts';
import type { ErrorSummary } from './compare.ts';
import type { RowsFile } from './rows-file.ts';
import { METRIC_FAMILIES, METRIC_IDS, metricFamily, metricUnit } from './types.ts';
import type { CaseResult, MetricFamily, SkippedRow, SourceId, ValidationRun } from './types.ts';

const FAMILY_LABEL: Record<MetricFamily, string> = {
  throughput: 'Throughput', ttft: 'TTFT', tpot: 'TPOT', itl: 'ITL', e2e: 'Batch latency (e2e)',
};

/** Large-error threshold for the per-case list. */
export const LARGE_ERROR = 0.25;

function withSeparators(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 4 significant digits, thousands separators, no locale. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1000) s = v.toFixed(0);
  else if (a >= 100) s = v.toFixed(1);
  else if (a >= 10) s = v.toFixed(2);
  else s = v.toFixed(3);
  const [i, d] = s.split('.');
  return `${withSeparators(i!)}${d !== undefined ? `.${d}` : ''}`;
}

/** Signed percentage, e.g. "+12.3%". */
export function fmtErr(e: number): string {
  if (!Number.isFinite(e)) return 'n/a';
  const p = e * 100;
  return `${p >= 0 ? '+' : '-'}${Math.abs(p).toFixed(1)}%`;
}

function fmtPct(e: number): string {
  return Number.isFinite(e) ? `${(e * 100).toFixed(1)}%` : 'n/a';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

function metricLabel(m: string): string {
  const [fam, stat] = m.split('.');
  const f = FAMILY_LABEL[fam as MetricFamily] ?? fam;
  if (fam === 'throughput') {
    const q: Record<string, string> = { output: 'output tok/s', total: 'total tok/s', requests: 'req/s', outputPerGpu: 'output tok/s/GPU' };
    return q[stat!] ?? stat!;
  }
  return `${f} ${stat}`;
}

function uniqSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function coverage(results: readonly CaseResult[]): { text: string; met: boolean; missing: string[] } {
  const gpus = uniqSorted(results.map((r) => r.tags.gpu));
  const models = uniqSorted(results.map((r) => r.tags.model));
  const precs = uniqSorted(results.map((r) => r.tags.precision));
  const tps = [...new Set(results.map((r) => r.tags.tp))].sort((a, b) => a - b);
  const missing: string[] = [];
  if (results.length < 30) missing.push(`${results.length} < 30 cases`);
  if (gpus.length < 2) missing.push('fewer than 2 GPUs');
  if (models.length < 3) missing.push('fewer than 3 models');
  if (!precs.includes('bf16') && !precs.includes('fp16')) missing.push('no bf16/fp16 case');
  if (!precs.includes('fp8')) missing.push('no fp8 case');
  if (!tps.includes(1) || !tps.includes(8)) missing.push('TP 1 and TP 8 not both covered');
  const text = `${results.length} cases; GPUs: ${gpus.join(', ') || '—'}; models: ${models.join(', ') || '—'}; ` +
    `precisions: ${precs.join(', ') || '—'}; TP: ${tps.join(', ') || '—'}`;
  return { text, met: missing.length === 0, missing };
}

function summaryRow(label: string, s: ErrorSummary, target: number | undefined): string[] {
  const met = target === undefined ? '—' : !(s.n > 0) ? 'no data' : s.medianAbs <= target ? 'met' : 'not met';
  return [
    label, String(s.n), String(s.cases), fmtPct(s.medianAbs),
    s.n > 0 ? `${fmtErr(s.worst)} (${s.worstKey})` : 'n/a', fmtErr(s.medianSigned), fmtPct(s.within10), fmtPct(s.within25),
    target === undefined ? '—' : `≤ ${(target * 100).toFixed(0)}%`, met,
  ];
}

const STAT_ORDER = ['mean', 'p50', 'p99', 'max', 'output', 'outputPerGpu', 'total', 'requests'];

/** One line per case and metric family: the reported statistics side by side. */
function resultsTable(results: readonly CaseResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    let first = true;
    for (const fam of METRIC_FAMILIES) {
      const cs = r.comparisons.filter((c) => metricFamily(c.metric) === fam)
        .sort((a, b) => STAT_ORDER.indexOf(a.metric.split('.')[1]!) - STAT_ORDER.indexOf(b.metric.split('.')[1]!));
      if (cs.length === 0) continue;
      const label = fam === 'throughput'
        ? cs.map((c) => metricLabel(c.metric)).join(' · ')
        : `${FAMILY_LABEL[fam]} ${cs.map((c) => c.metric.split('.')[1]).join(' · ')} (ms)`;
      rows.push([
        first ? `${r.key}${r.trust ? ` (trust ${r.trust})` : ''}` : '',
        first ? r.conditions : '',
        label,
        cs.map((c) => fmtNum(c.measured)).join(' · '),
        cs.map((c) => fmtNum(c.predicted)).join(' · '),
        cs.map((c) => fmtErr(c.error)).join(' · '),
      ]);
      first = false;
    }
  }
  return table(['Case', 'Conditions', 'Metric', 'Measured', 'Predicted', 'Error'], rows);
}

function groupBreakdown(results: readonly CaseResult[], by: (r: CaseResult) => string, title: string): string {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const k = by(r);
    const l = groups.get(k) ?? [];
    l.push(r);
    groups.set(k, l);
  }
  const fams: MetricFamily[] = ['throughput', 'ttft', 'tpot', 'itl', 'e2e'];
  const rows = [...groups.keys()].sort().map((k) => {
    const g = groups.get(k)!;
    return [k, String(g.length), ...fams.map((f) => {
      const s = summarize(g.flatMap((r) => familyComparisons(r, f).map((c) => ({ key: r.key, error: c.error }))));
      return s.n > 0 ? `${fmtPct(s.medianAbs)} (${fmtErr(s.medianSigned)}, n=${s.n})` : '—';
    })];
  });
  return `#### By ${title}\n\n${table([title, 'Cases', ...fams.map((f) => `${FAMILY_LABEL[f]} median \\|err\\| (signed, n)`)], rows)}`;
}

function worstComparison(r: CaseResult): { metric: string; error: number } {
  let w = { metric: '', error: 0 };
  for (const c of r.comparisons) if (Math.abs(c.error) > Math.abs(w.error)) w = { metric: c.metric, error: c.error };
  return w;
}

const SOURCE_TITLE: Record<SourceId, string> = {
  'measured-public': 'measured-public.csv (TensorRT-LLM performance tables, vLLM blog and CI)',
  gpustack: 'gpustack-bench-serve.csv (gpustack performance lab, `vllm bench serve`)',
};

/**
 * Skipped rows, with runs of one gpustack doc that share category and reason folded into one line
 * ("gs:glm-4.x__h200#1–#15 (15)").
 */
export function groupSkipped(skipped: readonly SkippedRow[]): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < skipped.length) {
    const a = skipped[i]!;
    const prefix = a.key.includes('#') ? a.key.slice(0, a.key.indexOf('#')) : null;
    let j = i + 1;
    while (prefix !== null && j < skipped.length) {
      const b = skipped[j]!;
      if (b.source !== a.source || b.category !== a.category || b.reason !== a.reason || !b.key.startsWith(`${prefix}#`)) break;
      j++;
    }
    const n = j - i;
    const keys = n === 1 ? a.key : `${a.key} … ${skipped[j - 1]!.key.slice(prefix!.length)} (${n})`;
    rows.push([keys, a.source, a.category, n === 1 && a.conditions ? `${a.reason} — ${a.conditions}` : a.reason]);
    i = j;
  }
  return rows;
}

/** Renders docs/validation.md. */
export function renderValidationDoc(run: ValidationRun, rows: RowsFile): string {
  const out: string[] = [];
  const res = run.results;
  const fam = summarizeFamilies(res);
  const cov = coverage(res);
  const nComparisons = res.reduce((a, r) => a + r.comparisons.length, 0);

  out.push('# Validation against measured serving results');
  out.push('');
  out.push(`> Generated by \`npm run validate\` on ${run.date}, do not edit. The mapping of rows to scenarios is in ` +
    '`validation/rows.yaml` and `src/validation/`; change those and re-run. Machine-readable results: ' +
    '`npm run validate -- --json`.');
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(`${res.length} measurements (cases) from ${new Set(res.map((r) => r.rowKey)).size} source rows were mapped to scenarios, ` +
    `run and compared on ${nComparisons} metric values. ${run.skipped.length} rows or cases could not be mapped or run ` +
    `(listed with the reason under [Not mapped](#not-mapped)); ${run.duplicates.length} rows repeat a run that is counted once. ` +
    `Rows read: ${run.rowCounts['measured-public']} in measured-public.csv, ${run.rowCounts.gpustack} in gpustack-bench-serve.csv.`);
  out.push('');
  out.push(`Coverage: ${cov.text}. Coverage target (≥ 30 rows, ≥ 2 GPUs, ≥ 3 models, bf16 and fp8, TP 1–8): ` +
    `**${cov.met ? 'met' : `not met (${cov.missing.join('; ')})`}**.`);
  out.push('');
  out.push('Signed error = (predicted − measured) / measured. Throughput counts one value per case (output tokens/s when the ' +
    'row reports it, else output tokens/s per GPU, total tokens/s, requests/s); latency metrics count every reported ' +
    'statistic (mean, p50, p99).');
  out.push('');
  out.push(table(
    ['Metric', 'Values', 'Cases', 'Median \\|error\\|', 'Worst error (case)', 'Median signed', 'Within ±10%', 'Within ±25%', 'Target', 'Target met'],
    METRIC_FAMILIES.map((f) => summaryRow(FAMILY_LABEL[f], fam[f], TARGETS[f])),
  ));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.source, 'source'));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.load, 'benchmark kind'));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.engine, 'engine preset (engine.kind + frontend)'));
  out.push('');
  const per = summarizeMetrics(res);
  out.push('By statistic:');
  out.push('');
  out.push(table(['Metric', 'Values', 'Median \\|error\\|', 'Median signed', 'Worst error (case)'],
    METRIC_IDS.filter((m) => per.has(m)).map((m) => {
      const s = per.get(m)!;
      return [`${metricLabel(m)}`, String(s.n), fmtPct(s.medianAbs), fmtErr(s.medianSigned), s.n > 0 ? `${fmtErr(s.worst)} (${s.worstKey})` : 'n/a'];
    })));
  out.push('');

  // ---- Method
  out.push('## Method');
  out.push('');
  out.push('Each row of the two data files is either mapped to one or more servesim scenarios (a *case* per ' +
    'measurement), listed as a duplicate of a run counted elsewhere, or listed as not mapped with the reason. ' +
    'Conditions are parsed from the rows’ own text (hardware and TP, model, precision, framework and version, ' +
    'dataset, load) and from the gpustack launch commands; `validation/rows.yaml` holds the hand-written parts: ' +
    'engine defaults with their sources, model-name substitutions, the cases of rows that hold several ' +
    'measurements, and skip reasons. No mapping value was chosen by looking at the error it produces.');
  out.push('');
  out.push('- **Hardware → GPU profile and TP**; **model → model profile** (stand-ins are noted per case); ' +
    '**precision**: FP8 rows use fp8 weights, BF16/FP16 rows bf16/fp16; TensorRT-LLM FP8 builds also use an fp8 KV ' +
    'cache (the TensorRT-LLM docs say so); vLLM keeps a 16-bit KV cache (`kv_cache_dtype auto`).');
  out.push('- **Load**: offline / request-rate-inf runs → `arrivals: burst` with the run’s request count; fixed ' +
    'concurrency → `closed-loop {concurrency}`; Poisson QPS → `poisson`; static batches → the `static` scheduler ' +
    'with one batch of that size.');
  out.push('- **Lengths**: random / synthetic datasets → fixed lengths (gpustack: the run’s token totals ÷ requests, since ' +
    'requests without `--ignore-eos` may stop early); ShareGPT → ' +
    `${rows.sharegpt.file} filtered with vLLM’s ShareGPT rules (prompt and output ≥ ${rows.sharegpt.minTokens}, prompt ≤ ` +
    `${rows.sharegpt.maxPrompt}, prompt + output ≤ ${rows.sharegpt.maxTotal} tokens), n pairs drawn with a fixed seed, ` +
    'each column rescaled so its total equals the total the benchmark reported; the pairs are replayed as a trace ' +
    '(Splitwise format) so each prompt keeps its own output length.');
  out.push('- **Engines**: each case names an engine preset, which becomes the scenario’s `engine.kind` and ' +
    '`engine.frontend` (`http` for runs through `vllm serve`, `sglang.launch_server` or `trtllm-serve`; `in-process` for ' +
    'trtllm-bench, static-batch and offline latency scripts) plus only the flags the benchmark passed — every other ' +
    'setting is the product’s own engine-kind default for that GPU ([engines.md](engines.md)), exactly as for a ' +
    'user’s scenario. The API server’s host costs are the per-kind fit of [host-costs.md](host-costs.md) (the only ' +
    'constants fitted to end-to-end results; their leave-one-model-out error is reported there). Prompts carry no ' +
    'prefix hashes, so prefix caching has no effect. Runs are not capped: every case simulates the benchmark’s ' +
    'full request count.');
  out.push('');
  out.push(table(['Preset', 'Scheduler', 'Settings', 'Source'],
    Object.entries(rows.engines).sort(([a], [b]) => a.localeCompare(b)).map(([id, e]) => {
      const settings: string[] = [];
      if (e.large) settings.push(`≥70 GiB non-A100: max_num_seqs ${e.large.maxNumSeqs}, budget ${e.large.maxBatchedTokens}`);
      if (e.other) settings.push(`other GPUs: ${e.other.maxNumSeqs} / ${e.other.maxBatchedTokens}`);
      if (e.maxNumSeqs) settings.push(`max seqs ${e.maxNumSeqs}`);
      if (e.maxBatchedTokens) settings.push(`budget ${e.maxBatchedTokens}`);
      if (e.maxBatchedTokensFromMaxModelLen) settings.push('budget max(max_model_len, 2048)');
      if (e.longContext) settings.push(`max_model_len > ${e.longContext.aboveMaxModelLen}: ${e.longContext.scheduler}, budget ${e.longContext.maxBatchedTokens}`);
      if (e.tuning) settings.push('max_batch_size / max_num_tokens from the trtllm-bench heuristic');
      if (e.kvFreeFraction) settings.push(`KV = ${e.kvFreeFraction} of free memory`);
      if (e.gpuMemoryUtilization) settings.push(`gpu_memory_utilization ${e.gpuMemoryUtilization}`);
      settings.push(`block ${e.blockSize}`);
      return [`\`${id}\` — ${e.label}`, e.scheduler, settings.join('; '), e.source];
    })));
  out.push('');
  out.push('TensorRT-LLM cases size the KV cache as a fraction of the memory left after weights and buffers ' +
    '(`engine.kvFreeFraction`) and admit requests under `GUARANTEED_NO_EVICT` (`engine.guaranteedNoEvict`): both are ' +
    'engine-kind behaviour of the product, not emulations.');
  out.push('');

  // ---- Sources
  out.push('## Data sources and licences');
  out.push('');
  out.push('- `../shared/data/validation/measured-public.csv`: numbers transcribed, with their exact conditions and a ' +
    'trust grade (A: parsed benchmark output; B: published table; C: read off a figure or a CI page), from ' +
    'NVIDIA/TensorRT-LLM documentation (`docs/source/performance/perf-overview.md` v0.14/v0.17/v1.0, ' +
    '`docs/source/performance.md` v0.5/v0.6.1, `docs/source/blogs/`; Apache-2.0), the vLLM blog ' +
    '(vllm-project/vllm-project.github.io, 2024-09-05 “perf update”) and vLLM CI pages (buildkite.com/vllm/' +
    'performance-benchmark), and the gpustack performance lab (gpustack/gpustack `docs/performance-lab/`; Apache-2.0). ' +
    'Each case cites its source.');
  out.push('- `../shared/data/validation/gpustack-bench-serve.csv`: `vllm bench serve` outputs parsed from the gpustack ' +
    'performance-lab docs (gpustack/gpustack, Apache-2.0): requests, concurrency, token totals, throughput, ' +
    'TTFT/TPOT/ITL mean/p50/p99.');
  out.push('- ShareGPT lengths: `../shared/data/traces/sharegpt-8k-lengths.csv` from Sarathi-Serve (microsoft/sarathi-serve, ' +
    'MIT), derived from the ShareGPT_V3 dataset (anon8231489123/ShareGPT_Vicuna_unfiltered).');
  out.push('');

  // ---- Result tables
  for (const src of ['measured-public', 'gpustack'] as const) {
    const rs = res.filter((r) => r.source === src);
    out.push(`## Results: ${SOURCE_TITLE[src]}`);
    out.push('');
    if (rs.length === 0) {
      out.push('No case from this file ran (see [Not mapped](#not-mapped)).');
    } else {
      out.push(resultsTable(rs));
    }
    out.push('');
  }

  // ---- Large errors
  out.push('## Where the error is large, and why');
  out.push('');
  const large = res.filter((r) => r.comparisons.some((c) => Math.abs(c.error) > LARGE_ERROR));
  out.push(`### Cases with an error beyond ±${(LARGE_ERROR * 100).toFixed(0)}%`);
  out.push('');
  if (large.length === 0) out.push('None.');
  for (const r of large) {
    const errs = METRIC_FAMILIES.flatMap((f) => {
      const cs = familyComparisons(r, f).filter((c) => Math.abs(c.error) > LARGE_ERROR);
      if (cs.length === 0) return [];
      const w = cs.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
      return [`${metricLabel(w.metric)} ${fmtErr(w.error)}`];
    });
    out.push(`- **${r.key}** — ${r.conditions}: ${errs.join(', ') || 'secondary statistics only'}. ` +
      `Mechanisms: ${r.mechanisms.length ? r.mechanisms.map((m) => `[${m}](#mechanism-${m})`).join(', ') : '—'}.`);
  }
  out.push('');
  out.push('### Breakdown');
  out.push('');
  out.push('Median |error| per group (median signed error and number of values in brackets).');
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.load, 'benchmark kind'));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.engine, 'engine'));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.gpu, 'GPU'));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.model, 'model'));
  out.push('');
  out.push(groupBreakdown(res, (r) => r.tags.precision, 'precision'));
  out.push('');
  out.push(groupBreakdown(res, (r) => `TP${r.tags.tp}`, 'TP'));
  out.push('');
  out.push('### Mechanisms');
  out.push('');
  out.push('Each case lists the mechanisms that apply to its conditions (derived from them, not from its error). ' +
    'For each: the cases it applies to and their median |error| per metric.');
  out.push('');
  const mechIds = uniqSorted(res.flatMap((r) => r.mechanisms));
  for (const id of mechIds) {
    const rs = res.filter((r) => r.mechanisms.includes(id));
    const parts = (['throughput', 'ttft', 'tpot', 'itl', 'e2e'] as const).map((f) => {
      const s = summarize(rs.flatMap((r) => familyComparisons(r, f).map((c) => ({ key: r.key, error: c.error }))));
      return s.n > 0 ? `${FAMILY_LABEL[f]} ${fmtPct(s.medianAbs)} (${fmtErr(s.medianSigned)})` : null;
    }).filter((x): x is string => x !== null);
    const text = rows.mechanisms[id] ?? '(no explanation in validation/rows.yaml)';
    out.push(`<a id="mechanism-${id}"></a>**${id}** — ${rs.length} case${rs.length === 1 ? '' : 's'}; ${parts.join(', ') || 'no values'}.  `);
    out.push(text.trim());
    out.push('');
  }

  // ---- Not mapped
  out.push('## Not mapped');
  out.push('');
  const cats = new Map<string, number>();
  for (const s of run.skipped) cats.set(`${s.source}: ${s.category}`, (cats.get(`${s.source}: ${s.category}`) ?? 0) + 1);
  out.push(table(['Source: category', 'Rows / cases'], [...cats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, String(v)])));
  out.push('');
  out.push('“missing profile” rows run as soon as the profile is added (`profiles/gpus`, `profiles/models`).');
  out.push('');
  out.push(table(['Rows / cases', 'Source', 'Category', 'Reason'], groupSkipped(run.skipped)));
  out.push('');
  out.push('### Duplicates');
  out.push('');
  out.push('Rows that report a run already in the data (measured-public rows copied from the gpustack lab, and gpustack ' +
    'runs quoted twice in one doc); the run is counted (or skipped) once, under the row named here.');
  out.push('');
  const dupMap = new Map<string, string[]>();
  for (const d of run.duplicates) {
    const l = dupMap.get(d.key) ?? [];
    if (!l.includes(d.countedAs)) l.push(d.countedAs);
    dupMap.set(d.key, l);
  }
  out.push(table(['Row', 'Counted as'], [...dupMap.entries()].map(([k, v]) => [k, v.join(', ')])));
  out.push('');
  out.push('## Per-case notes');
  out.push('');
  out.push('Engine settings, generated workloads and simulator warnings of every case.');
  out.push('');
  for (const r of res) {
    out.push(`- **${r.key}** — ${r.citation}. KV cache ${fmtNum(r.facts.kvCapacityTokens)} tokens; ` +
      `${r.facts.completed}/${r.facts.requests} requests in ${fmtNum(r.facts.simulatedSec)} s simulated` +
      `${r.facts.preemptions ? `, ${r.facts.preemptions} preemptions` : ''}. ${r.notes.join('; ')}.`);
  }
  out.push('');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** Median |error| of all values of one family (for tests and quick checks). */
export function familyMedianAbs(results: readonly CaseResult[], f: MetricFamily): number {
  return median(results.flatMap((r) => familyComparisons(r, f).map((c) => Math.abs(c.error))));
}

export { metricFamily };
