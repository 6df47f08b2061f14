import type { LineSource } from '../types.ts';
import { readAzureTrace } from './azure.ts';
import { readMooncakeTrace } from './mooncake.ts';
import { readSplitwiseTrace } from './splitwise.ts';
import type { TraceOptions, TraceSource } from './trace-source.ts';

/** The trace formats servesim reads. */
export const TRACE_FORMATS = ['azure', 'mooncake', 'splitwise'] as const;
/** One of {@link TRACE_FORMATS}. */
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/**
 * Reads a trace of the given format lazily.
 *
 * @example
 * const src = readTrace('azure', openLineSource(file), { timeScale: 1 });
 */
export function readTrace(format: TraceFormat, lines: LineSource, opts: TraceOptions = {}): TraceSource {
  switch (format) {
    case 'azure':
      return readAzureTrace(lines, opts);
    case 'mooncake':
      return readMooncakeTrace(lines, opts);
    case 'splitwise':
      return readSplitwiseTrace(lines, opts);
  }
}

/**
 * Guesses the format of a trace from its first non-blank line (for a CLI whose `--format` is optional):
 * a JSON object ⇒ mooncake, an Azure header ⇒ azure, a header with `arrived_at` / `arrival_timestamp` ⇒
 * splitwise. Returns null when unsure.
 *
 * @example
 * detectTraceFormat('TIMESTAMP,ContextTokens,GeneratedTokens'); // 'azure'
 */
export function detectTraceFormat(firstLine: string): TraceFormat | null {
  const l = firstLine.replace(/^\uFEFF/, '').trim();
  if (l.startsWith('{')) return 'mooncake';
  const names = l.split(',').map((n) => n.trim().replace(/^"|"$/g, '').toLowerCase());
  if (names[0] === 'timestamp' && names.includes('contexttokens')) return 'azure';
  if (names.includes('arrived_at') || names.includes('arrival_timestamp')) return 'splitwise';
  return null;
}
