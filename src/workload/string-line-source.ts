import type { LineSource } from './types.ts';

/**
 * A {@link LineSource} over an in-memory string (tests, browser). Lines end at `\n`; a trailing `\r` is
 * dropped (CRLF files), a leading UTF-8 byte-order mark is dropped, and a last line without a newline is
 * still returned. A newline at the very end does not produce an extra empty line.
 *
 * @example
 * const src = stringLineSource('t.csv', 'a,b\r\n1,2');
 * src.nextLine(); // 'a,b'
 * src.nextLine(); // '1,2'
 * src.lineNo;     // 2
 * src.nextLine(); // null
 */
export function stringLineSource(name: string, text: string): LineSource {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNo = 0;
  return {
    name,
    get lineNo() {
      return lineNo;
    },
    nextLine() {
      if (pos >= text.length) return null;
      let end = text.indexOf('\n', pos);
      const next = end < 0 ? text.length : end + 1;
      if (end < 0) end = text.length;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      const line = text.slice(pos, end);
      pos = next;
      lineNo++;
      return line;
    },
  };
}
