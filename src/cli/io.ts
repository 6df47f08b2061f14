/** Where the CLI writes; injectable for tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}
