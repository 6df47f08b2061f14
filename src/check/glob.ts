/**
 * File patterns for `servesim check 'scenarios/*.yaml'` when the shell did not expand them (quoted, or on
 * Windows): `*` and `?` within one path segment, `**` for any number of folders. Matches sorted, so the same
 * files give the same order (and the same outputs) everywhere.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const isPattern = (p: string): boolean => /[*?]/.test(p);

function segmentRegExp(seg: string): RegExp {
  const body = seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function list(dir: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .map((e) => ({ name: e.name, dir: e.isDirectory() || (e.isSymbolicLink() && safeIsDir(path.join(dir, e.name))) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

function safeIsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The files `pattern` matches (relative patterns against `cwd`), as paths written like the pattern. */
export function expandPattern(pattern: string, cwd = process.cwd()): string[] {
  const norm = pattern.replace(/\\/g, '/');
  const abs = path.isAbsolute(norm);
  const segs = norm.split('/').filter((s, i) => s !== '' || (i === 0 && abs));
  const out: string[] = [];
  const walk = (shown: string, real: string, i: number) => {
    if (i === segs.length) {
      if (!safeIsDir(real)) out.push(shown);
      return;
    }
    const seg = segs[i];
    const join = (a: string, b: string) => (a === '' ? b : a === '/' ? `/${b}` : `${a}/${b}`);
    if (i === 0 && abs && seg === '') return walk('/', '/', 1);
    if (seg === '**') {
      walk(shown, real, i + 1);
      for (const e of list(real)) if (e.dir && !e.name.startsWith('.')) walk(join(shown, e.name), path.join(real, e.name), i);
      return;
    }
    if (!isPattern(seg)) return walk(join(shown, seg), path.join(real, seg), i + 1);
    const re = segmentRegExp(seg);
    for (const e of list(real)) {
      if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
      if (re.test(e.name) && (i === segs.length - 1 || e.dir)) walk(join(shown, e.name), path.join(real, e.name), i + 1);
    }
  };
  walk('', abs ? '/' : cwd, 0);
  return [...new Set(out)].sort();
}
