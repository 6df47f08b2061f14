/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, commas and newlines inside quotes, CRLF) for
 * the validation data files. Returns one record per data row keyed by the header names.
 */

/** Splits CSV text into rows of fields. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c === '"') {
      inQuotes = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
    } else {
      field += c;
    }
  }
  if (inQuotes) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Parses CSV text with a header row into records. Throws on rows whose width differs from the header. */
export function parseCsvRecords(text: string, name = 'csv'): Record<string, string>[] {
  const rows = parseCsvRows(text);
  if (rows.length === 0) return [];
  const header = rows[0]!.map((h) => h.trim());
  return rows.slice(1).map((r, i) => {
    if (r.length !== header.length) {
      throw new Error(`${name}: data row ${i + 1} has ${r.length} fields, the header has ${header.length}`);
    }
    const rec: Record<string, string> = {};
    header.forEach((h, j) => {
      rec[h] = r[j]!;
    });
    return rec;
  });
}
