/**
 * Optional early release of resources. Line sources backed by files, and the request sources built on them,
 * implement `close()`; pure in-memory ones need not. Callers that stop reading early (a request cap) call
 * {@link closeIfClosable} so the file descriptor is released without waiting for end of file.
 */
export interface Closable {
  close(): void;
}

/**
 * Calls `x.close()` when `x` has such a method; otherwise does nothing.
 *
 * @example
 * closeIfClosable(lines); // releases the file behind a NodeLineSource; no-op for a string source
 */
export function closeIfClosable(x: unknown): void {
  if (x !== null && typeof x === 'object' && typeof (x as Partial<Closable>).close === 'function') {
    (x as Closable).close();
  }
}
