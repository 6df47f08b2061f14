import { UserError } from '../../errors/user-error.ts';
import { messages } from '../../errors/messages.ts';
import { isBlank, parseCsvHeader, splitCsvLine } from '../csv.ts';
import type { Rng } from '../rng.ts';
import type { LengthSampler, LineSource } from '../types.ts';

/** Lengths sampled from a column of a CSV file (`kind: file` in the config). */
export interface FileLengthParams {
  /** CSV file with a header row; resolved relative to the scenario by the caller. */
  path: string;
  /** Header name of the column holding token counts, e.g. `num_prefill_tokens`. */
  column: string;
}

/**
 * Reads every value of one CSV column as positive whole token counts. The whole column is kept (these are
 * length tables of at most a few hundred thousand rows; 4 bytes each).
 *
 * Errors are {@link UserError}s at `file:line`: missing header or column (the message lists the columns
 * there are), wrong field count, non-numeric, fractional, zero or negative values, no data rows.
 *
 * @example
 * const values = readLengthColumn(stringLineSource('l.csv', 'in,out\n10,2\n30,4\n'), 'out'); // Int32Array [2, 4]
 */
export function readLengthColumn(lines: LineSource, column: string): Int32Array {
  let header = lines.nextLine();
  while (header !== null && isBlank(header)) header = lines.nextLine();
  if (header === null) {
    throw messages.lengthFileEmpty(`${lines.name}:1`, column);
  }
  const names = parseCsvHeader(header.replace(/^\uFEFF/, ''));
  const col = names.indexOf(column);
  if (col < 0) {
    throw messages.lengthFileNoColumn(`${lines.name}:${lines.lineNo}`, column, names);
  }
  let values = new Int32Array(1024);
  let n = 0;
  for (let line = lines.nextLine(); line !== null; line = lines.nextLine()) {
    if (isBlank(line)) continue;
    const where = `${lines.name}:${lines.lineNo}`;
    const fields = splitCsvLine(line);
    if (fields.length !== names.length) {
      throw messages.fieldCount(where, names.length, fields.length, 'make every row have one value per header column');
    }
    const raw = fields[col].trim();
    const v = raw === '' ? NaN : Number(raw);
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
      throw messages.lengthNotWhole(where, column, raw);
    }
    if (n === values.length) {
      const grown = new Int32Array(values.length * 2);
      grown.set(values);
      values = grown;
    }
    values[n++] = v;
  }
  if (n === 0) {
    throw messages.lengthFileNoRows(`${lines.name}:${lines.lineNo}`);
  }
  return values.slice(0, n);
}

/**
 * Empirical lengths: each sample is one of `values`, chosen uniformly at random (with replacement).
 *
 * @param where config key path used in error messages
 * @example
 * empiricalLengths(Int32Array.of(10, 20, 30), createRng(1, 'lengths.input')).sample(); // 10, 20 or 30
 */
export function empiricalLengths(values: ArrayLike<number>, rng: Rng, where = 'lengths'): LengthSampler {
  const n = values.length;
  if (n === 0) {
    throw new UserError('the empirical length distribution has no values', { where, fix: 'give a file with at least one row' });
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 1) {
      throw new UserError(`value #${i} is ${v}, not a whole number ≥ 1`, { where, fix: 'give token counts ≥ 1' });
    }
  }
  return { sample: () => values[Math.floor(rng.next() * n)] };
}
