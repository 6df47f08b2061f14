/**
 * A small CSV reader for the microbenchmark files (comma-separated, header row, optional double quotes).
 * Pure: takes the file text. Errors are UserErrors pointing at file:line.
 */
import { UserError } from '../errors/user-error.ts';

export interface CsvTable {
  source: string;
  header: string[];
  /** Data rows; `lines[i]` is the 1-based file line of `rows[i]`. */
  rows: string[][];
  lines: number[];
}

function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && lines[h]!.trim() === '') h++;
  if (h >= lines.length) {
    throw new UserError('the CSV file is empty', { where: source, fix: 'give a microbenchmark CSV with a header row' });
  }
  const header = splitLine(lines[h]!).map((s) => s.trim());
  const rows: string[][] = [];
  const lineNos: number[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '') continue;
    const f = splitLine(l);
    if (f.length !== header.length) {
      throw new UserError(`expected ${header.length} fields like the header, found ${f.length}`, {
        where: `${source}:${i + 1}`, fix: 'check for a truncated line or an unquoted comma',
      });
    }
    rows.push(f);
    lineNos.push(i + 1);
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
      throw new UserError(`missing column "${name}"`, {
        where: `${this.t.source}:1`,
        fix: `the header must name ${name}; is this the right kind of file (Vidur profiling CSV layout)?`,
      });
    }
    return i;
  }

  /** A finite number (blank → NaN when `blankOk`). */
  num(row: number, col: number, opts: { blankOk?: boolean; min?: number } = {}): number {
    const raw = this.t.rows[row]![col]!.trim();
    if (raw === '' && opts.blankOk) return Number.NaN;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || (opts.min !== undefined && v < opts.min)) {
      throw new UserError(`column "${this.t.header[col]}" has ${raw === '' ? 'an empty value' : `"${raw}"`}, expected a number${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`, {
        where: `${this.t.source}:${this.t.lines[row]}`, fix: 'fix or remove the row',
      });
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
    throw new UserError(`column "${this.t.header[col]}" has "${raw}", expected True or False`, {
      where: `${this.t.source}:${this.t.lines[row]}`, fix: 'fix or remove the row',
    });
  }

  where(row: number): string {
    return `${this.t.source}:${this.t.lines[row]}`;
  }
}
