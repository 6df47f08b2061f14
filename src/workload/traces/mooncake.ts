/**
 * Reader for the Mooncake (Kimi) traces, JSON Lines:
 *
 * ```
 * {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, 2]}
 * ```
 *
 * `timestamp` is in milliseconds; `hash_ids[i]` identifies the content of input tokens
 * [512·i, 512·(i+1)), so requests sharing leading ids share a prefix. Extra fields are ignored;
 * `hash_ids` may be absent.
 */
import { UserError } from '../../errors/user-error.ts';
import { messages } from '../../errors/messages.ts';
import type { LineSource } from '../types.ts';
import { createTraceSource, parseTokenCount, type TraceOptions, type TraceRow, type TraceRowParser, type TraceSource } from './trace-source.ts';

/** Tokens covered by one Mooncake hash id. */
export const MOONCAKE_HASH_BLOCK_TOKENS = 512;

const fieldError = (where: string, message: string): UserError => messages.mooncakeField(where, message);

/**
 * The Mooncake row parser (exported for reuse; most callers want {@link readMooncakeTrace}).
 *
 * @example
 * const src = createTraceSource(lines, mooncakeRowParser());
 */
export function mooncakeRowParser(): TraceRowParser {
  return {
    format: 'Mooncake',
    header: () => false,
    describeTime(line) {
      try {
        return `timestamp ${String((JSON.parse(line) as { timestamp?: unknown }).timestamp)} ms`;
      } catch {
        return 'an earlier timestamp';
      }
    },
    parseRow(line, where) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw fieldError(where, `malformed JSON: ${(e as Error).message}`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw fieldError(where, 'expected a JSON object on each line');
      const o = obj as Record<string, unknown>;
      const ts = o.timestamp;
      if (typeof ts !== 'number' || !Number.isFinite(ts)) {
        throw fieldError(where, `"timestamp" must be a number of milliseconds, got ${JSON.stringify(ts) ?? 'nothing'}`);
      }
      const count = (key: string, isOutput: boolean): number => {
        const v = o[key];
        if (v === undefined) throw fieldError(where, `missing "${key}"`);
        if (typeof v !== 'number') throw fieldError(where, `"${key}" must be a number, got ${JSON.stringify(v)}`);
        return parseTokenCount(String(v), key, where, isOutput);
      };
      const row: TraceRow = {
        timeSec: ts / 1000,
        inputTokens: count('input_length', false),
        outputTokens: count('output_length', true),
      };
      const h = o.hash_ids;
      if (h !== undefined) {
        if (!Array.isArray(h)) throw fieldError(where, '"hash_ids" must be an array of integers');
        const ids = new Int32Array(h.length);
        for (let i = 0; i < h.length; i++) {
          const v = h[i] as unknown;
          if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
            throw fieldError(where, `"hash_ids"[${i}] must be a 32-bit integer, got ${JSON.stringify(v)}`);
          }
          ids[i] = v;
        }
        row.hashIds = ids;
        row.hashBlockTokens = MOONCAKE_HASH_BLOCK_TOKENS;
      }
      return row;
    },
  };
}

/**
 * Reads a Mooncake JSONL trace lazily: one {@link Request} per line (with `hashIds` and
 * `hashBlockTokens: 512`), first request at t = 0.
 *
 * @throws UserError (at `file:line`) for malformed JSON, missing or invalid fields, zero/negative lengths,
 *   unsorted timestamps or an empty trace
 * @example
 * const src = readMooncakeTrace(openLineSource('mooncake-conversation.jsonl'));
 * src.next()?.hashIds; // Int32Array [0, 1, …, 13]
 */
export function readMooncakeTrace(lines: LineSource, opts: TraceOptions = {}): TraceSource {
  return createTraceSource(lines, mooncakeRowParser(), opts);
}
