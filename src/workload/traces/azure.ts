/**
 * Reader for the Azure LLM inference traces (Azure Public Dataset, 2023/2024):
 *
 * ```
 * TIMESTAMP,ContextTokens,GeneratedTokens
 * 2023-11-16 18:15:46.6805900,374,44
 * ```
 *
 * Timestamps carry up to 9 fractional digits. They are parsed by hand — never through `Date`, which keeps
 * only milliseconds — into whole seconds plus nanoseconds, and differenced against the first row in integer
 * arithmetic, so e.g. 18:15:50.9951690 − 18:15:46.6805900 is exactly the double nearest 4.314579 s.
 * Day rollover is handled by taking day numbers from `Date.UTC` of the date part (the traces carry no zone;
 * only differences matter).
 */
import { messages } from '../../errors/messages.ts';
import { splitCsvLine } from '../csv.ts';
import type { LineSource } from '../types.ts';
import { createTraceSource, parseDigits, parseTokenCount, type TraceOptions, type TraceRow, type TraceRowParser, type TraceSource } from './trace-source.ts';

const HEADER = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

/** A timestamp split into a day number, second of the day and nanoseconds. */
export interface AzureTimestamp {
  /** Days since 1970-01-01 (of the date part, as if UTC). */
  day: number;
  /** Second of the day, 0…86400 (60 allowed in the seconds field for leap seconds). */
  secondOfDay: number;
  /** Fraction of the second in nanoseconds, 0…999,999,999. */
  nanos: number;
}

const digitAt = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
};

/** Two decimal digits at s[i], s[i+1], or −1. */
const twoDigits = (s: string, i: number): number => {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

const DASH = 45;
const COLON = 58;
const DOT = 46;
const SPACE = 32;
const T = 84;

/** Last converted date, so consecutive rows of one day cost no `Date.UTC` call. */
let cachedYmd = -1;
let cachedDay = 0;

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.fffffffff]` (a `T` separator is accepted too) from `s[start, end)` without
 * allocating. Returns null when malformed. `out` may be passed to avoid an allocation.
 *
 * @example
 * parseAzureTimestamp('2023-11-16 18:15:46.6805900'); // { day: 19677, secondOfDay: 65746, nanos: 680590000 }
 */
export function parseAzureTimestamp(
  s: string,
  out: AzureTimestamp = { day: 0, secondOfDay: 0, nanos: 0 },
  start = 0,
  end = s.length,
): AzureTimestamp | null {
  const n = end - start;
  const o = start;
  if (n < 19) return null;
  const sep = s.charCodeAt(o + 10);
  if (s.charCodeAt(o + 4) !== DASH || s.charCodeAt(o + 7) !== DASH || (sep !== SPACE && sep !== T)) return null;
  if (s.charCodeAt(o + 13) !== COLON || s.charCodeAt(o + 16) !== COLON) return null;
  const y1 = twoDigits(s, o);
  const y2 = twoDigits(s, o + 2);
  const mo = twoDigits(s, o + 5);
  const d = twoDigits(s, o + 8);
  const h = twoDigits(s, o + 11);
  const mi = twoDigits(s, o + 14);
  const se = twoDigits(s, o + 17);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) {
    return null;
  }
  let nanos = 0;
  if (n > 19) {
    if (s.charCodeAt(o + 19) !== DOT || n === 20 || n > 29) return null;
    let scale = 100_000_000;
    for (let i = o + 20; i < end; i++) {
      const dig = digitAt(s, i);
      if (dig < 0) return null;
      nanos += dig * scale;
      scale /= 10;
    }
  }
  const ymd = (y1 * 100 + y2) * 10_000 + mo * 100 + d;
  if (ymd !== cachedYmd) {
    cachedDay = Date.UTC(y1 * 100 + y2, mo - 1, d) / 86_400_000;
    cachedYmd = ymd;
  }
  out.day = cachedDay;
  out.secondOfDay = h * 3600 + mi * 60 + se;
  out.nanos = nanos;
  return out;
}

/**
 * Seconds from `a` to `b`, exact up to the final rounding to a double (for spans below ~104 days; beyond
 * that the error is below a nanosecond).
 *
 * @example
 * azureSecondsBetween(parseAzureTimestamp('2023-11-16 18:15:46.6805900')!,
 *                     parseAzureTimestamp('2023-11-16 18:15:50.9951690')!); // 4.314579
 */
export function azureSecondsBetween(a: AzureTimestamp, b: AzureTimestamp): number {
  const whole = (b.day - a.day) * 86_400 + (b.secondOfDay - a.secondOfDay);
  const nanos = b.nanos - a.nanos;
  return Math.abs(whole) < 9_000_000 ? (whole * 1e9 + nanos) / 1e9 : whole + nanos / 1e9;
}

/**
 * The Azure row parser (exported for reuse; most callers want {@link readAzureTrace}).
 *
 * @example
 * const src = createTraceSource(lines, azureRowParser());
 */
export function azureRowParser(): TraceRowParser {
  let origin: AzureTimestamp | null = null;
  const ts: AzureTimestamp = { day: 0, secondOfDay: 0, nanos: 0 };
  const row: TraceRow = { timeSec: 0, inputTokens: 0, outputTokens: 0 };
  const expected = HEADER.join(',');
  return {
    format: 'Azure',
    header(line, where) {
      const names = splitCsvLine(line.trim()).map((h) => h.trim());
      const ok = names.length === HEADER.length && names.every((n, i) => n.toLowerCase() === HEADER[i].toLowerCase());
      if (ok) return true;
      const looksLikeData = parseAzureTimestamp(names[0] ?? '') !== null;
      throw messages.azureHeader(where, expected, line.trim(), looksLikeData);
    },
    parseRow(line, where) {
      // Fast path: locate the two commas and parse in place, without splitting or slicing.
      const c1 = line.indexOf(',');
      const c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
      if (c2 < 0 || line.indexOf(',', c2 + 1) >= 0 || line.indexOf('"') >= 0) return slowRow(line, where);
      if (parseAzureTimestamp(line, ts, 0, c1) === null) return slowRow(line, where);
      const input = parseDigits(line, c1 + 1, c2);
      const output = parseDigits(line, c2 + 1, line.length);
      if (input < 1 || output < 1) return slowRow(line, where);
      return fill(input, output);
    },
    describeTime(line) {
      return splitCsvLine(line)[0].trim();
    },
  };

  function fill(input: number, output: number): TraceRow {
    if (origin === null) origin = { ...ts };
    row.timeSec = azureSecondsBetween(origin, ts);
    row.inputTokens = input;
    row.outputTokens = output;
    return row;
  }

  /** Fully checked path: tolerates spaces and quotes, and produces the error messages. */
  function slowRow(line: string, where: string): TraceRow {
    const f = splitCsvLine(line);
    if (f.length !== 3) {
      throw messages.fieldCount(where, 3, f.length, 'make every row hold a timestamp, the context tokens and the generated tokens', `comma-separated fields (${expected})`);
    }
    if (parseAzureTimestamp(f[0].trim(), ts) === null) {
      throw messages.azureTimestamp(where, f[0]);
    }
    return fill(parseTokenCount(f[1], 'ContextTokens', where, false), parseTokenCount(f[2], 'GeneratedTokens', where, true));
  }
}

/**
 * Reads an Azure LLM inference trace lazily: one {@link Request} per row, first request at t = 0.
 *
 * @throws UserError (at `file:line`) for a wrong or missing header, a wrong field count, a bad timestamp,
 *   non-numeric / fractional / zero / negative token counts, unsorted timestamps or an empty trace
 * @example
 * const src = readAzureTrace(openLineSource('azure-2023-conv.csv'), { timeScale: 0.5 });
 * src.next(); // { id: 0, arrivalSec: 0, inputTokens: 374, outputTokens: 44 }
 */
export function readAzureTrace(lines: LineSource, opts: TraceOptions = {}): TraceSource {
  return createTraceSource(lines, azureRowParser(), opts);
}
