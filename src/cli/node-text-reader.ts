/** Node adapter for `TextReader` (node and power profiles are read through it; the topology and power modules never touch node:fs). */
import { readdirSync, readFileSync } from 'node:fs';
import type { TextReader } from '../topology/load.ts';

export const nodeTextReader: TextReader = {
  list: (dir) => readdirSync(dir),
  read: (path) => readFileSync(path, 'utf8'),
};
