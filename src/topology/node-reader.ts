/** Node adapter for `TextReader` (the only node:fs use of the topology module). */
import { readdirSync, readFileSync } from 'node:fs';
import type { TextReader } from './load.ts';

export const nodeTextReader: TextReader = {
  list: (dir) => readdirSync(dir),
  read: (path) => readFileSync(path, 'utf8'),
};
