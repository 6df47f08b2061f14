import type { LengthSummary, TraceStats } from './stats.ts';

const num = (x: number, digits = 0): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

const sig = (x: number): string => {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  return num(x, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
};

const lengths = (l: LengthSummary): string =>
  `mean ${num(l.mean)}  p50 ${num(l.p50)}  p90 ${num(l.p90)}  p99 ${num(l.p99)}  max ${num(l.max)}`;

/**
 * Renders {@link TraceStats} as an aligned block of text for the terminal.
 *
 * @example
 * console.log(formatTraceStats(traceStats(source)));
 * // requests        19,366
 * // span            3,599.3 s
 * // …
 */
export function formatTraceStats(s: TraceStats, title?: string): string {
  const rows: [string, string][] = [
    ['requests', num(s.rows)],
    ['span', `${num(s.spanSec, 1)} s`],
    ['rate', `${sig(s.ratePerSec)} req/s`],
    ['inter-arrival', `mean ${sig(s.interArrival.meanSec)} s  CV ${sig(s.interArrival.cv)}`],
    ['input tokens', lengths(s.inputTokens)],
    ['output tokens', lengths(s.outputTokens)],
    [
      'burstiness',
      `CV ${sig(s.burstiness.cv)}  peak/mean rate: 1 s ${sig(s.burstiness.peakToMeanRate1s)}×  60 s ${sig(s.burstiness.peakToMeanRate60s)}×`,
    ],
  ];
  if (s.rows > 0 && Number.isNaN(s.spanSec)) {
    // A length file: no arrival times, so no span, rate or burstiness.
    rows.splice(1, 3, ['arrivals', 'none (a length file: input and output lengths only)']);
    rows.pop();
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const body = rows.map(([k, v]) => k.padEnd(width) + v).join('\n');
  return title ? `${title}\n${body}` : body;
}
