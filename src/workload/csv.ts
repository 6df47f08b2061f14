/**
 * Minimal CSV helpers for the trace and length-file readers (comma separator, optional double quotes with
 * "" escapes). The unquoted fast path is a plain split, so plain numeric traces parse without overhead.
 */

/**
 * Splits one CSV line into fields.
 *
 * @example
 * splitCsvLine('a,"b,c",d'); // ['a', 'b,c', 'd']
 */
export function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Normalises header names for lookup: trimmed; surrounding quotes are already removed by the splitter.
 *
 * @example
 * parseCsvHeader(' arrived_at,num_prefill_tokens'); // ['arrived_at', 'num_prefill_tokens']
 */
export function parseCsvHeader(line: string): string[] {
  return splitCsvLine(line).map((h) => h.trim());
}

/**
 * True for lines that hold nothing but whitespace or control characters (skipped by all readers).
 *
 * @example
 * isBlank(' \r'); // true
 */
export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) > 32) return false;
  return true;
}
