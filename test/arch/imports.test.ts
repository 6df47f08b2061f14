/**
 * The simulation core reaches files only through environment adapters (src/cli/*, *-fs.ts, node-*.ts), so
 * it can run in a browser: no module of these folders imports a Node built-in, directly or through another
 * module.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const src = path.resolve(import.meta.dirname, '../../src');
const CORE = ['fleet', 'engine', 'perf', 'power', 'topology', 'sim', 'memory', 'metrics', 'cost', 'scenario'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative, non-type-only imports of a file, resolved to absolute paths; and its bare (package/builtin) imports. */
function imports(file: string): { local: string[]; bare: string[] } {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const bare: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    if (m[1]) continue; // type-only: erased
    const spec = m[2]!;
    if (spec.startsWith('.')) local.push(path.resolve(path.dirname(file), spec));
    else bare.push(spec);
  }
  return { local, bare };
}

describe('environment adapters', () => {
  it('no core module reaches node:* (transitively)', () => {
    const bad: string[] = [];
    for (const folder of CORE) {
      for (const f of files(path.join(src, folder))) {
        const seen = new Set<string>();
        const stack = [f];
        while (stack.length > 0) {
          const cur = stack.pop()!;
          if (seen.has(cur)) continue;
          seen.add(cur);
          const { local, bare } = imports(cur);
          for (const b of bare) if (b.startsWith('node:') || b === 'fs' || b === 'path') bad.push(`${path.relative(src, f)} → ${path.relative(src, cur)} imports ${b}`);
          stack.push(...local);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
