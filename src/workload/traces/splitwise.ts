/**
 * Reader for request traces in the Splitwise / Vidur CSV layout:
 *
 * ```
 * arrived_at,num_prefill_tokens,num_decode_tokens
 * 0.0,1024,128
 * ```
 *
 * `arrived_at` is in seconds. Columns may come in any order and extra columns are ignored. The column
 * names of the Splitwise simulator's own traces are accepted as aliases: `arrival_timestamp`,
 * `prompt_size`, `token_size`.
 */
import { messages } from '../../errors/messages.ts';
import { parseCsvHeader, splitCsvLine } from '../csv.ts';
import type { LineSource } from '../types.ts';
import { createTraceSource, parseTokenCount, type TraceOptions, type TraceRow, type TraceRowParser, type TraceSource } from './trace-source.ts';

const COLUMNS = {
  time: ['arrived_at', 'arrival_timestamp'],
  input: ['num_prefill_tokens', 'prompt_size'],
  output: ['num_decode_tokens', 'token_size'],
} as const;

/**
 * The Splitwise row parser (exported for reuse; most callers want {@link readSplitwiseTrace}).
 *
 * @example
 * const src = createTraceSource(lines, splitwiseRowParser());
 */
export function splitwiseRowParser(tagColumn?: string): TraceRowParser {
  let width = 0;
  let iTag = -1;
  let iTime = -1;
  let iIn = -1;
  let iOut = -1;
  let names: string[] = [];
  const row: TraceRow = { timeSec: 0, inputTokens: 0, outputTokens: 0 };
  return {
    format: 'Splitwise',
    header(line, where) {
      names = parseCsvHeader(line);
      const find = (aliases: readonly string[]): number => names.findIndex((n) => aliases.includes(n));
      iTime = find(COLUMNS.time);
      iIn = find(COLUMNS.input);
      iOut = find(COLUMNS.output);
      const missing = [iTime < 0 ? 'arrived_at' : '', iIn < 0 ? 'num_prefill_tokens' : '', iOut < 0 ? 'num_decode_tokens' : ''].filter(Boolean);
      if (missing.length > 0) {
        throw messages.splitwiseHeader(where, missing, line.trim());
      }
      if (tagColumn !== undefined) {
        iTag = names.indexOf(tagColumn);
        if (iTag < 0) {
          throw messages.noTenantColumn(where, tagColumn, line.trim());
        }
      }
      width = names.length;
      return true;
    },
    describeTime(line) {
      return `${names[iTime]} ${(splitCsvLine(line)[iTime] ?? '').trim()}`;
    },
    parseRow(line, where) {
      const f = splitCsvLine(line);
      if (f.length !== width) {
        throw messages.fieldCount(where, width, f.length, 'make every row hold one value per header column');
      }
      const raw = f[iTime].trim();
      const t = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(t)) {
        throw messages.notSeconds(where, names[iTime], f[iTime]);
      }
      row.timeSec = t;
      row.inputTokens = parseTokenCount(f[iIn], names[iIn], where, false);
      row.outputTokens = parseTokenCount(f[iOut], names[iOut], where, true);
      if (iTag >= 0) row.tag = f[iTag].trim();
      return row;
    },
  };
}

/**
 * Reads a Splitwise/Vidur-style CSV trace lazily: one {@link Request} per row, first request at t = 0.
 *
 * @throws UserError (at `file:line`) for missing columns, a wrong field count, non-numeric values,
 *   zero/negative/fractional lengths, unsorted times or an empty trace
 * @example
 * const src = readSplitwiseTrace(stringLineSource('s.csv', 'arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,2\n'));
 * src.next(); // { id: 0, arrivalSec: 0, inputTokens: 10, outputTokens: 2 }
 */
export function readSplitwiseTrace(lines: LineSource, opts: TraceOptions = {}): TraceSource {
  return createTraceSource(lines, splitwiseRowParser(opts.tagColumn), opts);
}
