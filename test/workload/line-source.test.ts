import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openLineSource } from '../../src/workload/node-line-source.ts';
import { stringLineSource } from '../../src/workload/string-line-source.ts';
import type { LineSource } from '../../src/workload/types.ts';
import { catchUserError } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'servesim-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const writeTemp = (content: string | Buffer): string => {
  const p = path.join(dir, `f${fileNo++}.txt`);
  writeFileSync(p, content);
  return p;
};

function readAll(src: LineSource): { lines: string[]; lineNos: number[] } {
  const lines: string[] = [];
  const lineNos: number[] = [];
  for (let l = src.nextLine(); l !== null; l = src.nextLine()) {
    lines.push(l);
    lineNos.push(src.lineNo);
  }
  expect(src.nextLine()).toBeNull();
  return { lines, lineNos };
}

/** The lines a text holds, by the rules both sources follow. */
function reference(text: string): string[] {
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (text === '') return [];
  const parts = text.split('\n');
  if (text.endsWith('\n')) parts.pop();
  return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const cases: [string, string][] = [
  ['LF with trailing newline', 'a,b\n1,2\n'],
  ['CRLF', 'a,b\r\n1,2\r\n'],
  ['no trailing newline', 'a,b\n1,2'],
  ['CRLF without trailing newline', 'a,b\r\n1,2'],
  ['blank lines kept', 'a\n\n\nb\n'],
  ['BOM', '\uFEFFTIMESTAMP,x\n1,2\n'],
  ['multi-byte UTF-8', 'é,中文\n😀,ß\r\nñ'],
  ['empty', ''],
  ['only a newline', '\n'],
];

describe('stringLineSource', () => {
  it.each(cases)('%s', (_name, text) => {
    const { lines, lineNos } = readAll(stringLineSource('t', text));
    expect(lines).toEqual(reference(text));
    expect(lineNos).toEqual(lines.map((_, i) => i + 1));
  });
});

describe('openLineSource', () => {
  it.each(cases)('%s, with every chunk size from 1 to 9 bytes and 1 MiB', (_name, text) => {
    const file = writeTemp(text);
    for (const chunkBytes of [1, 2, 3, 4, 5, 6, 7, 8, 9, 1 << 20]) {
      const { lines, lineNos } = readAll(openLineSource(file, { chunkBytes }));
      expect(lines).toEqual(reference(text));
      expect(lineNos).toEqual(lines.map((_, i) => i + 1));
    }
  });

  it('decodes UTF-8 split across chunk boundaries (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('\n', '\r\n', 'é', '中', '😀', ',')), { maxLength: 30 }),
        fc.integer({ min: 1, max: 13 }),
        (parts, chunkBytes) => {
          const text = parts.join('');
          const { lines } = readAll(openLineSource(writeTemp(text), { chunkBytes }));
          expect(lines).toEqual(reference(text));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names the given and the absolute path when the file is missing', () => {
    const e = catchUserError(() => openLineSource('no/such/trace.csv'));
    expect(e.message).toContain('no/such/trace.csv');
    expect(e.message).toContain(path.resolve('no/such/trace.csv'));
    expect(e.message).toMatch(/not found/);
    expect(e.where).toBe('no/such/trace.csv');
  });

  it('refuses a directory', () => {
    expect(catchUserError(() => openLineSource(dir)).message).toMatch(/directory/);
  });

  it('can be closed early and then returns null', () => {
    const src = openLineSource(writeTemp('a\nb\nc\n'), { chunkBytes: 1 });
    expect(src.nextLine()).toBe('a');
    src.close();
    src.close();
    expect(src.nextLine()).toBeNull();
  });

  it('uses the given display name', () => {
    const src = openLineSource(writeTemp('x\n'), { name: 'trace.csv' });
    expect(src.name).toBe('trace.csv');
  });
});
