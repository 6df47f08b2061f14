/**
 * Length files: CSVs of (input, output) token counts per request without arrival times, such as
 * `../shared/data/traces/sharegpt-8k-lengths.csv` (`num_prefill_tokens,num_decode_tokens,…`) or the MLPerf
 * files (`input_length,output_length`). Small, read whole with csv-parse (not the streaming trace path).
 */
import { parse } from 'csv-parse/sync';
import { messages } from '../../errors/messages.ts';

/** Header pairs naming the input and output columns, in the order they are tried. */
export const LENGTH_COLUMN_PAIRS: readonly (readonly [string, string])[] = [
  ['num_prefill_tokens', 'num_decode_tokens'],
  ['input_length', 'output_length'],
  ['input_tokens', 'output_tokens'],
  ['ContextTokens', 'GeneratedTokens'],
];

/** The (input, output) columns of a header line, or null when it is not a length file's header. */
export function lengthColumns(headerLine: string): readonly [string, string] | null {
  const names = headerLine.replace(/^\uFEFF/, '').split(',').map((n) => n.trim().replace(/^"|"$/g, ''));
  if (names.some((n) => /^(timestamp|arrived_at|arrival_timestamp)$/i.test(n))) return null;
  return LENGTH_COLUMN_PAIRS.find(([i, o]) => names.includes(i) && names.includes(o)) ?? null;
}

/**
 * Reads the input and output lengths of a length file. Every problem names `name:line`.
 *
 * @example
 * readLengthPairs('input_length,output_length\n10,2\n', 'l.csv'); // { input: Int32Array [10], output: Int32Array [2] }
 */
export function readLengthPairs(text: string, name: string): { input: Int32Array; output: Int32Array } {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw messages.csvSyntax(`${name}:${line ?? 1}`, (e as Error).message.split('\n')[0], 'give a comma-separated file with a header row');
  }
  if (rows.length === 0) {
    throw messages.lengthFileEmpty(`${name}:1`, LENGTH_COLUMN_PAIRS[0].join(', '));
  }
  const cols = lengthColumns(rows[0].join(','));
  if (cols === null) {
    throw messages.noLengthColumns(`${name}:1`, rows[0], LENGTH_COLUMN_PAIRS);
  }
  const iCol = rows[0].indexOf(cols[0]);
  const oCol = rows[0].indexOf(cols[1]);
  const input = new Int32Array(rows.length - 1);
  const output = new Int32Array(rows.length - 1);
  for (let r = 1; r < rows.length; r++) {
    for (const [col, out, key] of [[iCol, input, cols[0]], [oCol, output, cols[1]]] as const) {
      const raw = rows[r][col] ?? '';
      const v = raw === '' ? NaN : Number(raw);
      if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
        throw messages.lengthNotWhole(`${name}:${r + 1}`, key, raw);
      }
      out[r - 1] = v;
    }
  }
  return { input, output };
}
