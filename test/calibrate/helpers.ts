import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared Vidur data (absent on machines without ../shared): tests that need it skip. */
export const VIDUR_DIR = path.resolve(repoRoot, '../shared/data/microbench/vidur');
export const hasVidur = existsSync(path.join(VIDUR_DIR, 'compute'));
