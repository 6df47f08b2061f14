import { mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a set of files into `dir` so that a failure never leaves a partial set looking complete: every
 * file is written as `<name>.partial` first and renamed only once all were written; on error the
 * partial files are removed.
 */
export function writeOutputsAtomically(dir: string, files: Record<string, () => string>): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  try {
    for (const [name, render] of Object.entries(files)) {
      const tmp = path.join(dir, `${name}.partial`);
      writeFileSync(tmp, render());
      written.push(name);
    }
  } catch (e) {
    for (const name of written) rmSync(path.join(dir, `${name}.partial`), { force: true });
    throw e;
  }
  for (const name of written) renameSync(path.join(dir, `${name}.partial`), path.join(dir, name));
  return written.map((n) => path.join(dir, n));
}
