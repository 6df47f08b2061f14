/**
 * The machinery shared by all trace readers: header handling, rebasing times so the first request is at
 * t = 0, time scaling, the sorted-order check, id assignment and the empty-trace check. A format supplies
 * a {@link TraceRowParser} that turns one line into a {@link TraceRow}.
 */
import { messages } from '../../errors/messages.ts';
import { closeIfClosable, type Closable } from '../close.ts';
import { isBlank } from '../csv.ts';
import type { LineSource, Request, RequestSource } from '../types.ts';
import { requirePositive } from '../validate.ts';

/** Options common to every trace reader. */
export interface TraceOptions {
  /**
   * Multiplies every (rebased) timestamp: 0.5 replays the trace twice as fast (double the rate), 2 at half
   * the rate. Default 1.
   */
  timeScale?: number;
  /** Config key path of `timeScale`, for error messages (default `workload.trace.timeScale`). */
  timeScaleKey?: string;
  /** A column whose value is copied into each request's `tag` (e.g. the tenant of a multi-tenant trace). */
  tagColumn?: string;
}

/** One parsed trace row. Parsers may reuse a single object: the source copies what it keeps. */
export interface TraceRow {
  /** Arrival time in seconds on the trace's own clock (any origin; rebased by the source). */
  timeSec: number;
  inputTokens: number;
  outputTokens: number;
  hashIds?: Int32Array;
  hashBlockTokens?: number;
  /** Value of the tag column, when one was asked for. */
  tag?: string;
}

/** The format-specific part of a trace reader. */
export interface TraceRowParser {
  /** Human name of the format, e.g. `Azure`. */
  readonly format: string;
  /**
   * Called with the first non-blank line. Return true when it was a header (consumed), false when it is a
   * data row (then it is passed to {@link parseRow} too). Throw a UserError for a wrong header.
   */
  header(line: string, where: string): boolean;
  /** Parses one data line; throws UserError (at `where`) for malformed input. */
  parseRow(line: string, where: string): TraceRow;
  /** The timestamp of an already parsed line as written in the file, for error messages (cold path). */
  describeTime(line: string): string;
}

/** A lazy request stream over a trace; `close()` releases the underlying file early. */
export interface TraceSource extends RequestSource, Closable {
  /** Name of the underlying line source (the file). */
  readonly name: string;
}

/**
 * Wraps a line source and a row parser into a lazy {@link TraceSource}. The header and first row are read
 * immediately, so a wrong header or an empty trace fails here rather than mid-simulation. Memory use is
 * bounded: nothing but the current row is kept.
 *
 * @example
 * const src = createTraceSource(lines, azureRowParser(), { timeScale: 0.5 });
 * for (let r = src.next(); r; r = src.next()) console.log(r.arrivalSec);
 */
export function createTraceSource(lines: LineSource, parser: TraceRowParser, opts: TraceOptions = {}): TraceSource {
  const scale = requirePositive(opts.timeScale ?? 1, opts.timeScaleKey ?? 'workload.trace.timeScale', 'a time scale factor > 0 (0.5 = twice the rate)');
  const where = (): string => `${lines.name}:${lines.lineNo}`;

  let t0 = 0;
  let prevTime = -Infinity;
  let prevText = '';
  let prevLineNo = 0;
  let nextId = 0;
  let pending: string | null = null; // first data line when the file has no header line

  const readDataLine = (): string | null => {
    if (pending !== null) {
      const p = pending;
      pending = null;
      return p;
    }
    for (let line = lines.nextLine(); line !== null; line = lines.nextLine()) {
      if (!isBlank(line)) return line;
    }
    return null;
  };

  const toRequest = (line: string): Request => {
    const row = parser.parseRow(line, where());
    if (row.timeSec < prevTime) {
      throw messages.traceUnsorted(where(), parser.describeTime(line), lines.lineNo, parser.describeTime(prevText), prevLineNo);
    }
    prevTime = row.timeSec;
    prevText = line;
    prevLineNo = lines.lineNo;
    const req: Request = {
      id: nextId++,
      arrivalSec: (row.timeSec - t0) * scale,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
    };
    if (row.hashIds !== undefined) {
      req.hashIds = row.hashIds;
      req.hashBlockTokens = row.hashBlockTokens;
    }
    if (row.tag !== undefined) req.tag = row.tag;
    return req;
  };

  // Header and first row, eagerly.
  let firstLine: string | null = null;
  for (let line = lines.nextLine(); line !== null; line = lines.nextLine()) {
    if (!isBlank(line)) {
      firstLine = line;
      break;
    }
  }
  if (firstLine === null) {
    throw messages.traceEmpty(parser.format, `${lines.name}:${Math.max(1, lines.lineNo)}`);
  }
  if (!parser.header(firstLine, where())) pending = firstLine;
  const headerLine = lines.lineNo;
  const firstData = readDataLine();
  if (firstData === null) {
    throw messages.traceNoRows(parser.format, `${lines.name}:${headerLine}`);
  }
  let first: Request | null = toRequest(firstData);
  t0 = prevTime;
  first.arrivalSec = 0;
  let done = false;

  return {
    name: lines.name,
    next() {
      if (first !== null) {
        const r = first;
        first = null;
        return r;
      }
      if (done) return null;
      const line = readDataLine();
      if (line === null) {
        done = true;
        return null;
      }
      return toRequest(line);
    },
    close() {
      done = true;
      first = null;
      closeIfClosable(lines);
    },
  };
}

/**
 * Parses a whole, positive token count from a trace field.
 *
 * @param column the column name as the file spells it, for the message
 * @param isOutput zero output tokens get their own explanation
 * @example
 * parseTokenCount('374', 'ContextTokens', 'conv.csv:2', false); // 374
 */
export function parseTokenCount(raw: string, column: string, where: string, isOutput: boolean): number {
  const fast = parseDigits(raw, 0, raw.length);
  if (fast >= 1) return fast;
  const s = raw.trim();
  const v = s === '' ? NaN : Number(s);
  if (Number.isNaN(v) || !Number.isFinite(v)) {
    throw messages.tokenNotNumber(column, raw, where);
  }
  if (v === 0 && isOutput) {
    throw messages.outputTokensZero(column, where);
  }
  if (v <= 0) {
    throw messages.tokensBelowOne(column, s, where);
  }
  if (!Number.isInteger(v) || v > 0x7fffffff) {
    throw messages.tokensNotWhole(column, s, where);
  }
  return v;
}

/**
 * Parses `s[start, end)` as a plain run of decimal digits (no sign, no spaces, at most 9 digits) without
 * allocating. Returns −1 when the text is anything else — callers then take a slower, fully checked path.
 *
 * @example
 * parseDigits('x,374,44', 2, 5); // 374
 */
export function parseDigits(s: string, start: number, end: number): number {
  if (end <= start || end - start > 9) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
