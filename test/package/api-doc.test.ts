/**
 * docs/api.md's examples are real: every ```js block runs (as an ES module in the repository, where
 * `import 'servesim'` resolves to this package through its own `exports`) and must print exactly the ```text
 * block that follows it. (The examples print rounded values so that a small model change does not break them;
 * if an intended change moves them, update the doc's output blocks.)
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repo } from '../helpers/built.ts';

const doc = readFileSync(path.join(repo, 'docs/api.md'), 'utf8');
const blocks = [...doc.matchAll(/```(js|text)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
const examples: { code: string; expected: string }[] = [];
blocks.forEach((b, i) => {
  if (b.lang === 'js') examples.push({ code: b.body, expected: blocks[i + 1]?.lang === 'text' ? blocks[i + 1]!.body : '' });
});

describe('docs/api.md examples', () => {
  it('has runnable examples, each followed by its output', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const e of examples) expect(e.expected).not.toBe('');
  });

  it.each(examples.map((e, i) => [i + 1, e] as const))('example %i prints what the doc says', (_, e) => {
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', e.code], { cwd: repo, encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    expect(p.stdout).toBe(e.expected);
  });
});
