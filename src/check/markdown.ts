/**
 * The Markdown summary of `servesim check` (`--summary FILE`, `--markdown FILE`, `--format markdown`): a
 * headline and, per scenario, one table row per objective, expectation and baseline comparison — for a pull
 * request comment or `$GITHUB_STEP_SUMMARY`. Deterministic.
 */
import type { CheckResult, Outcome } from './compare.ts';
import { fmtChange, fmtNum } from './compare.ts';

/** A table cell: pipes and line breaks would break the row. */
const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

const ICON: Record<Outcome['status'], string> = { pass: '✅', fail: '❌', skip: '➖' };

function limitOf(o: Outcome): string {
  if (o.min !== undefined && o.max !== undefined) return `${fmtNum(o.min)} … ${fmtNum(o.max)}`;
  if (o.max !== undefined) return `≤ ${fmtNum(o.max)}`;
  if (o.min !== undefined) return `≥ ${fmtNum(o.min)}`;
  return '';
}

/** Room left before the limit, as a share of the limit: positive = inside, negative = beyond. */
function headroom(o: Outcome): string {
  if (o.actual === null || o.actual === undefined) return '';
  const h: number[] = [];
  if (o.max !== undefined && o.max !== 0) h.push((o.max - o.actual) / Math.abs(o.max));
  if (o.min !== undefined && o.min !== 0) h.push((o.actual - o.min) / Math.abs(o.min));
  if (h.length === 0) return '';
  return fmtChange(Math.min(...h));
}

/** `2 of 3 scenarios passed — 1 regression, 1 SLO missed` etc. */
export function headline(results: readonly CheckResult[]): string {
  const all = results.flatMap((r) => r.outcomes);
  const n = (k: Outcome['kind']) => all.filter((o) => o.kind === k && o.status === 'fail').length;
  const failedScenarios = results.filter((r) => !r.passed).length;
  const plural = (c: number, one: string, many = `${one}s`) => `${c} ${c === 1 ? one : many}`;
  const what = plural(results.length, 'scenario');
  if (failedScenarios === 0) return `✅ servesim check passed: ${what}, ${plural(all.filter((o) => o.status === 'pass').length, 'check')} passed`;
  const parts = [
    n('baseline') > 0 ? plural(n('baseline'), 'regression') : '',
    n('slo') > 0 ? `${plural(n('slo'), 'SLO objective')} missed` : '',
    n('expect') > 0 ? `${plural(n('expect'), 'expectation')} not met` : '',
  ].filter((s) => s !== '');
  return `❌ servesim check failed: ${failedScenarios} of ${what} — ${parts.join(', ')}`;
}

export function markdownSummary(results: readonly CheckResult[]): string {
  let md = `## ${headline(results)}\n`;
  for (const r of results) {
    md += `\n### ${r.passed ? '✅' : '❌'} ${cell(r.name)}\n\n`;
    md += `\`${cell(r.file)}\` · scenario ${cell(r.scenario)} · ${cell(r.model)} on ${cell(r.gpu)}\n\n`;
    md += '| check | metric | baseline | actual | change | limit | headroom | status |\n';
    md += '|---|---|--:|--:|--:|--:|--:|:-:|\n';
    for (const o of r.outcomes) {
      const unit = o.unit !== '' ? ` ${o.unit}` : '';
      md += `| ${o.kind} | \`${cell(o.metric)}\` | ${o.kind === 'baseline' ? fmtNum(o.baseline) + (o.baseline !== null && o.baseline !== undefined ? unit : '') : ''} | ${fmtNum(o.actual)}${o.actual !== null ? unit : ''} | ${o.kind === 'baseline' ? fmtChange(o.change) : ''} | ${cell(limitOf(o))} | ${headroom(o)} | ${ICON[o.status]} |\n`;
    }
    const failed = r.outcomes.filter((o) => o.status === 'fail');
    if (failed.length > 0) md += `\n${failed.map((o) => `- ❌ ${cell(o.message)}`).join('\n')}\n`;
  }
  return md;
}
