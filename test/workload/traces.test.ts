import { describe, expect, it } from 'vitest';
import { azureSecondsBetween, parseAzureTimestamp, readAzureTrace } from '../../src/workload/traces/azure.ts';
import { readMooncakeTrace } from '../../src/workload/traces/mooncake.ts';
import { detectTraceFormat, readTrace, type TraceFormat } from '../../src/workload/traces/open-trace.ts';
import { readSplitwiseTrace } from '../../src/workload/traces/splitwise.ts';
import { openLineSource } from '../../src/workload/node-line-source.ts';
import { stringLineSource } from '../../src/workload/string-line-source.ts';
import type { Request, RequestSource } from '../../src/workload/types.ts';
import { expectUserError, fixture, sharedTrace } from './helpers.ts';

const all = (src: RequestSource): Request[] => {
  const out: Request[] = [];
  for (let r = src.next(); r !== null; r = src.next()) out.push(r);
  return out;
};
const open = (format: TraceFormat, name: string, timeScale?: number): RequestSource =>
  readTrace(format, openLineSource(fixture(name), { name }), { timeScale });

describe('Azure timestamps', () => {
  it('parses 7 fractional digits exactly', () => {
    const a = parseAzureTimestamp('2023-11-16 18:15:46.6805900')!;
    const b = parseAzureTimestamp('2023-11-16 18:15:50.9951690')!;
    expect(a.nanos).toBe(680_590_000);
    expect(a.secondOfDay).toBe(18 * 3600 + 15 * 60 + 46);
    expect(azureSecondsBetween(a, b)).toBe(4.314579);
  });

  it('handles day rollover', () => {
    const a = parseAzureTimestamp('2023-11-16 23:59:59.9999999')!;
    const b = parseAzureTimestamp('2023-11-17 00:00:00.0000001')!;
    expect(azureSecondsBetween(a, b)).toBe(2e-7);
    const c = parseAzureTimestamp('2023-12-31 23:00:00')!;
    const d = parseAzureTimestamp('2024-01-01T01:00:00.5')!;
    expect(azureSecondsBetween(c, d)).toBe(7200.5);
  });

  it('rejects malformed timestamps', () => {
    for (const s of ['2023-11-16', '16/11/2023 18:15:50', '2023-13-01 00:00:00', '2023-11-16 24:00:00', '2023-11-16 18:15:46.', '2023-11-16 18:15:46.12x', '2023-11-16 18:15:46.1234567890']) {
      expect(parseAzureTimestamp(s), s).toBeNull();
    }
  });
});

describe('Azure reader', () => {
  it('rebases to 0 and parses the rows of a trace crossing midnight', () => {
    const rs = all(open('azure', 'azure-small.csv'));
    expect(rs.map((r) => r.arrivalSec)).toEqual([0, 1.4999999, 1.5000001, 2.75]);
    expect(rs.map((r) => r.id)).toEqual([0, 1, 2, 3]);
    expect(rs[2]).toMatchObject({ inputTokens: 300, outputTokens: 30 });
    expect(rs[0].hashIds).toBeUndefined();
  });

  it('reads CRLF files without a final newline and skips blank lines', () => {
    const rs = all(open('azure', 'azure-crlf.csv'));
    expect(rs.map((r) => [r.arrivalSec, r.inputTokens, r.outputTokens])).toEqual([
      [0, 374, 44],
      [4.314579, 396, 109],
    ]);
  });

  it('timeScale 0.5 halves the span', () => {
    const full = all(open('azure', 'azure-small.csv'));
    const half = all(open('azure', 'azure-small.csv', 0.5));
    expect(half.at(-1)!.arrivalSec).toBeCloseTo(full.at(-1)!.arrivalSec / 2, 12);
  });

  const real = sharedTrace('azure-2023-conv.csv');
  it.skipIf(!real)('reads the real conversation trace: 19,366 requests in order, row 2 at 4.3145790 s', () => {
    const src = readAzureTrace(openLineSource(real!));
    let n = 0;
    let prev = -1;
    let second = NaN;
    let disorder = 0;
    for (let r = src.next(); r !== null; r = src.next()) {
      if (r.arrivalSec < prev || r.id !== n) disorder++;
      if (n === 0) expect(r).toMatchObject({ arrivalSec: 0, inputTokens: 374, outputTokens: 44 });
      if (n === 1) second = r.arrivalSec;
      prev = r.arrivalSec;
      n++;
    }
    expect(n).toBe(19_366);
    expect(disorder).toBe(0);
    expect(second).toBe(4.314579);
  });

  it.each([
    ['azure-bad-header.csv', 1, /wrong header/],
    ['azure-no-header.csv', 1, /no header row/],
    ['azure-bad-fields.csv', 3, /expected 3 comma-separated fields.*found 4/],
    ['azure-non-numeric.csv', 4, /ContextTokens is not a number: 'abc'/],
    ['azure-zero-output.csv', 3, /GeneratedTokens is 0.*at least 1 output token/],
    ['azure-negative-input.csv', 2, /ContextTokens must be ≥ 1/],
    ['azure-unsorted.csv', 4, /unsorted timestamps: 2023-11-16 18:15:49.0000000 \(line 4\) is earlier than 2023-11-16 18:15:50.9951690 \(line 3\)/],
    ['azure-bad-timestamp.csv', 3, /TIMESTAMP is not a date-time/],
    ['azure-header-only.csv', 1, /no requests/],
    ['empty.csv', 1, /empty/],
  ])('%s → UserError at line %d', (name, line, msg) => {
    expectUserError(() => all(open('azure', name)), `${name}:${line}`, msg);
  });
});

describe('Mooncake reader', () => {
  it('reads times in ms, lengths and hash ids as Int32Array with 512-token blocks', () => {
    const rs = all(open('mooncake', 'mooncake-small.jsonl'));
    expect(rs.map((r) => r.arrivalSec)).toEqual([0, 1.5, 1.5, 4]);
    expect(rs[1].hashIds).toBeInstanceOf(Int32Array);
    expect(Array.from(rs[1].hashIds!)).toEqual([0, 1, 2]);
    expect(rs[1].hashBlockTokens).toBe(512);
    expect(rs[2]).toMatchObject({ inputTokens: 300, outputTokens: 5 });
    expect(rs[3].hashIds).toBeUndefined();
  });

  it('timeScale 2 doubles the span', () => {
    expect(all(open('mooncake', 'mooncake-small.jsonl', 2)).at(-1)!.arrivalSec).toBe(8);
  });

  const real = sharedTrace('mooncake-conversation.jsonl');
  it.skipIf(!real)('reads the real conversation trace', () => {
    const rs = all(readMooncakeTrace(openLineSource(real!)));
    expect(rs.length).toBe(12_031);
    expect(Array.from(rs[0].hashIds!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(rs[1].hashIds![0]).toBe(0); // shares the first block with request 0
    for (const r of rs) expect(r.hashIds!.length).toBe(Math.ceil(r.inputTokens / 512));
    expect(rs.at(-1)!.arrivalSec).toBe(3536.999);
  });

  it.each([
    ['mooncake-bad-json.jsonl', 2, /malformed JSON/],
    ['mooncake-missing-field.jsonl', 2, /missing "input_length"/],
    ['mooncake-zero-output.jsonl', 1, /output_length is 0/],
    ['mooncake-unsorted.jsonl', 2, /unsorted timestamps: timestamp 2000 ms \(line 2\) is earlier than timestamp 3000 ms \(line 1\)/],
  ])('%s → UserError at line %d', (name, line, msg) => {
    expectUserError(() => all(open('mooncake', name)), `${name}:${line}`, msg);
  });

  it('rejects non-object lines and bad hash ids', () => {
    expectUserError(() => all(readMooncakeTrace(stringLineSource('m', '[1,2]'))), 'm:1', /JSON object/);
    expectUserError(
      () => all(readMooncakeTrace(stringLineSource('m', '{"timestamp":0,"input_length":1,"output_length":1,"hash_ids":[1.5]}'))),
      'm:1',
      /32-bit integer/,
    );
    expectUserError(() => all(readMooncakeTrace(stringLineSource('m', '{"timestamp":"0","input_length":1,"output_length":1}'))), 'm:1', /timestamp/);
  });
});

describe('Splitwise reader', () => {
  it('finds columns in any order, ignores extra (quoted) columns and rebases times', () => {
    const rs = all(open('splitwise', 'splitwise-small.csv'));
    expect(rs.map((r) => [r.arrivalSec, r.inputTokens, r.outputTokens])).toEqual([
      [0, 1024, 128],
      [0.5, 512, 64],
      [2.25, 2048, 1],
    ]);
  });

  it('accepts the Splitwise simulator column names', () => {
    const rs = all(open('splitwise', 'splitwise-native.csv'));
    expect(rs.map((r) => [r.arrivalSec, r.inputTokens, r.outputTokens])).toEqual([
      [0, 1020, 30],
      [0.25, 2000, 45],
    ]);
  });

  it.each([
    ['splitwise-missing-column.csv', 1, /lacks num_decode_tokens/],
    ['splitwise-bad-fields.csv', 3, /expected 3 comma-separated fields.*found 2/],
    ['splitwise-fractional.csv', 3, /whole number/],
  ])('%s → UserError at line %d', (name, line, msg) => {
    expectUserError(() => all(open('splitwise', name)), `${name}:${line}`, msg);
  });

  it('rejects unsorted times and a non-numeric time', () => {
    const h = 'arrived_at,num_prefill_tokens,num_decode_tokens\n';
    expectUserError(() => all(readSplitwiseTrace(stringLineSource('s', `${h}5,1,1\n4,1,1\n`))), 's:3', /unsorted.*arrived_at 4.*arrived_at 5/);
    expectUserError(() => all(readSplitwiseTrace(stringLineSource('s', `${h}x,1,1\n`))), 's:2', /not a number of seconds/);
  });
});

describe('trace sources', () => {
  it('fail at creation for a bad header or an empty trace, not at the first next()', () => {
    expectUserError(() => readAzureTrace(stringLineSource('a', 'foo,bar\n')), 'a:1');
    expectUserError(() => readMooncakeTrace(stringLineSource('m', '\n\n')), 'm:2', /empty/);
  });

  it('rejects a non-positive timeScale with its key path', () => {
    expectUserError(() => readAzureTrace(stringLineSource('a', ''), { timeScale: 0 }), 'workload.trace.timeScale');
  });

  it('close() stops the stream and releases the file', () => {
    const src = readAzureTrace(openLineSource(fixture('azure-small.csv')));
    expect(src.next()).not.toBeNull();
    src.close();
    expect(src.next()).toBeNull();
  });
});

describe('detectTraceFormat', () => {
  it('recognises the three formats from their first line', () => {
    expect(detectTraceFormat('TIMESTAMP,ContextTokens,GeneratedTokens')).toBe('azure');
    expect(detectTraceFormat('\uFEFF{"timestamp": 0}')).toBe('mooncake');
    expect(detectTraceFormat('request_id,num_decode_tokens,arrived_at,num_prefill_tokens')).toBe('splitwise');
    expect(detectTraceFormat('request_id,arrival_timestamp,prompt_size,token_size')).toBe('splitwise');
    expect(detectTraceFormat('a,b,c')).toBeNull();
  });
});
