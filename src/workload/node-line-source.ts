/**
 * Node adapter: a synchronous {@link LineSource} over a file, read in chunks with `fs.readSync` so the
 * (synchronous) simulator loop can pull lines lazily from traces of any size in bounded memory.
 * This is the only file of the workload layer that uses Node APIs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { UserError } from '../errors/user-error.ts';
import type { Closable } from './close.ts';
import type { LineSource } from './types.ts';

/** Options of {@link openLineSource}. */
export interface OpenLineSourceOptions {
  /** Bytes read per `readSync` call (default 1 MiB). Tiny values are useful in tests. */
  chunkBytes?: number;
  /** Name used in error messages (`name:line`); defaults to the path as given. */
  name?: string;
}

/** A file-backed line source; `close()` releases the descriptor early (it is also closed at end of file). */
export type NodeLineSource = LineSource & Closable;

/**
 * Opens `filePath` for line-by-line reading. Handles LF and CRLF endings, a missing final newline, a UTF-8
 * byte-order mark, and multi-byte UTF-8 characters split across chunk boundaries.
 *
 * @throws UserError when the file does not exist or cannot be read (names the path and its absolute form)
 * @example
 * const lines = openLineSource('traces/azure-2023-conv.csv');
 * const header = lines.nextLine(); // 'TIMESTAMP,ContextTokens,GeneratedTokens'
 */
export function openLineSource(filePath: string, opts: OpenLineSourceOptions = {}): NodeLineSource {
  const chunkBytes = Math.max(1, Math.floor(opts.chunkBytes ?? 1 << 20));
  const name = opts.name ?? filePath;
  const abs = path.resolve(filePath);
  let fd: number | null;
  try {
    fd = fs.openSync(abs, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? String(e)})`;
    throw new UserError(`${why}: '${filePath}' (resolved to ${abs})`, {
      where: filePath, code: 'cannot-open',
      fix: 'check the path; relative paths are resolved against the scenario file\'s folder',
    });
  }
  const chunk = Buffer.allocUnsafe(chunkBytes);
  const decoder = new StringDecoder('utf8');
  let buf = '';
  let pos = 0;
  let lineNo = 0;
  let eof = false;
  let first = true;

  const close = (): void => {
    if (fd !== null) {
      fs.closeSync(fd);
      fd = null;
    }
    eof = true;
  };

  /** Appends the next chunk to the buffer; returns false at end of file. */
  const fill = (): boolean => {
    if (eof || fd === null) return false;
    const n = fs.readSync(fd, chunk, 0, chunkBytes, null);
    const rest = pos < buf.length ? buf.slice(pos) : '';
    pos = 0;
    if (n === 0) {
      buf = rest + decoder.end();
      close();
      return false;
    }
    buf = rest + decoder.write(n === chunkBytes ? chunk : chunk.subarray(0, n));
    if (first && buf.length > 0) {
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
      first = false;
    }
    return true;
  };

  return {
    name,
    get lineNo() {
      return lineNo;
    },
    close,
    nextLine() {
      for (;;) {
        const nl = buf.indexOf('\n', pos);
        if (nl >= 0) {
          const end = nl > pos && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          const line = buf.slice(pos, end);
          pos = nl + 1;
          lineNo++;
          return line;
        }
        if (!fill()) {
          if (pos >= buf.length) return null;
          let end = buf.length;
          if (buf.charCodeAt(end - 1) === 13) end--;
          const line = buf.slice(pos, end);
          pos = buf.length;
          lineNo++;
          return line;
        }
      }
    },
  };
}
