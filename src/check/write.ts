/**
 * Output files of `servesim check` (JUnit, Markdown summary, baseline): checked before anything is simulated,
 * then written together — each as `<file>.partial` beside its target, renamed only once all were written —
 * so a failed or interrupted check never leaves a report that looks complete (or half a baseline).
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors/user-error.ts';
import { checkProblems } from './problems.ts';

/** Problems (not thrown) for an output file that cannot be written: a folder, or a missing parent folder. */
export function checkOutputFile(flag: string, file: string): UserError | null {
  const abs = path.resolve(file);
  if (existsSync(abs) && statSync(abs).isDirectory()) return UserError.of([checkProblems.badOutputFile(flag, file, 'it is a folder')]);
  const parent = path.dirname(abs);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    return UserError.of([checkProblems.badOutputFile(flag, file, `the folder ${path.dirname(file)} does not exist`)]);
  }
  return null;
}

/** Writes every file, or none: temporary names first, renamed once all are on disk; on failure removed. */
export function writeFilesAtomically(files: readonly { file: string; text: string }[]): void {
  const written: string[] = [];
  try {
    for (const { file, text } of files) {
      const tmp = `${path.resolve(file)}.partial`;
      writeFileSync(tmp, text);
      written.push(tmp);
    }
  } catch (e) {
    for (const t of written) rmSync(t, { force: true });
    throw e;
  }
  for (const { file } of files) renameSync(`${path.resolve(file)}.partial`, path.resolve(file));
}
