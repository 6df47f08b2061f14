/**
 * Tests that spawn bin/servesim.js or import dist/ need the compiled JavaScript. `npm test` builds first and
 * `npm ci` builds through `prepare`; this covers `npx vitest run <file>` after an edit: when dist/ is
 * missing or older than a file under src/, it runs `npm run build` (tsc, about a second).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repo = path.resolve(import.meta.dirname, '../..');
export const bin = path.join(repo, 'bin/servesim.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}


/** Builds dist/ unless it is at least as new as every source file. */
export function ensureBuilt(): void {
  const marker = path.join(repo, 'dist/src/cli/main.js');
  const srcTime = Math.max(newestMtime(path.join(repo, 'src')), statSync(path.join(repo, 'tsconfig.build.json')).mtimeMs);
  if (!existsSync(marker) || newestMtime(path.join(repo, 'dist/src')) < srcTime) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
