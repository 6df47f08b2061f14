/**
 * The CSV reader of the microbenchmark files (comma-separated, header row, optional double quotes), on
 * csv-parse. Pure: takes the file text. Errors are UserErrors pointing at file:line.
 */
import { parse } from 'csv-parse/sync';
import { messages } from '../errors/messages.ts';

export interface CsvTable {
  source: string;
  header: string[];
  /** Data rows; `lines[i]` is the 1-based file line of `rows[i]`. */
  rows: string[][];
  lines: number[];
}

/**
 * Parses the whole file with csv-parse (quoted fields, a BOM, CRLF), keeping each record's file line for
 * messages. Blank lines are skipped; a row with another field count than the header is an error at its line.
 */
export function parseCsv(text: string, source: string): CsvTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw messages.csvSyntax(`${source}:${line ?? 1}`, (e as Error).message.split('\n')[0]);
  }
  records = records.filter((r) => r.record.some((f) => f.trim() !== ''));
  if (records.length === 0) {
    throw messages.csvEmpty(source);
  }
  const header = records[0]!.record.map((s) => s.trim());
  const rows: string[][] = [];
  const lineNos: number[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length !== header.length) {
      throw messages.fieldCount(`${source}:${info.lines}`, header.length, record.length, 'check for a truncated line or an unquoted comma', 'fields like the header');
    }
    rows.push(record);
    lineNos.push(info.lines);
  }
  return { source, header, rows, lines: lineNos };
}

/** Column accessor with validation. */
export class CsvColumns {
  constructor(readonly t: CsvTable) {}

  has(name: string): boolean {
    return this.t.header.includes(name);
  }

  index(name: string): number {
    const i = this.t.header.indexOf(name);
    if (i < 0) {
      throw messages.csvMissingColumn(`${this.t.source}:1`, name, this.t.header);
    }
    return i;
  }

  /** A finite number (blank → NaN when `blankOk`). */
  num(row: number, col: number, opts: { blankOk?: boolean; min?: number } = {}): number {
    const raw = this.t.rows[row]![col]!.trim();
    if (raw === '' && opts.blankOk) return Number.NaN;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || (opts.min !== undefined && v < opts.min)) {
      throw messages.csvNotNumber(`${this.t.source}:${this.t.lines[row]}`, this.t.header[col]!, raw, opts.min);
    }
    return v;
  }

  str(row: number, col: number): string {
    return this.t.rows[row]![col]!.trim();
  }

  bool(row: number, col: number): boolean {
    const raw = this.str(row, col).toLowerCase();
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw messages.csvNotBoolean(`${this.t.source}:${this.t.lines[row]}`, this.t.header[col]!, raw);
  }

  where(row: number): string {
    return `${this.t.source}:${this.t.lines[row]}`;
  }
}
