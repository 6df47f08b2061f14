import type { GrowableFloat64 } from '../metrics/growable.ts';

/**
 * Renders columns of equal length as CSV text, header first. Numbers print in full precision (they are
 * deterministic), so a CSV diff between runs is meaningful.
 *
 * @example
 * columnsToCsv({ a: g1, b: g2 }) // "a,b\n1,2\n…"
 */
export function columnsToCsv(columns: Record<string, GrowableFloat64>): string {
  const names = Object.keys(columns);
  const cols = names.map((n) => columns[n]);
  const rows = cols.length > 0 ? cols[0].length : 0;
  const out: string[] = [names.join(',')];
  for (let i = 0; i < rows; i++) {
    let line = '';
    for (let c = 0; c < cols.length; c++) {
      if (c > 0) line += ',';
      line += String(cols[c].get(i));
    }
    out.push(line);
  }
  return out.join('\n') + '\n';
}
