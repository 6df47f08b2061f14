import { describe, expect, it } from 'vitest';
import { parseSpace, parseShard, inShard } from '../../src/plan/space.ts';
import { UserError } from '../../src/errors/user-error.ts';

describe('parseSpace', () => {
  it('enumerates the product in file order, last key fastest', () => {
    const s = parseSpace('gpu: [a, b]\nparallelism.tensor: [1, 2, 4]\n', 's.yaml');
    expect(s.keys).toEqual(['gpu', 'parallelism.tensor']);
    expect(s.options.map((o) => o.id)).toEqual([
      'gpu=a parallelism.tensor=1', 'gpu=a parallelism.tensor=2', 'gpu=a parallelism.tensor=4',
      'gpu=b parallelism.tensor=1', 'gpu=b parallelism.tensor=2', 'gpu=b parallelism.tensor=4',
    ]);
    expect(s.options.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.options[4].overrides).toEqual(['gpu="b"', 'parallelism.tensor=2']);
  });

  it('takes mappings as values and renders them compactly', () => {
    const s = parseSpace('precision: [{ weights: bf16, kvCache: bf16 }, { weights: fp8, kvCache: fp8 }]\n', 's.yaml');
    expect(s.options[1].id).toBe('precision={weights:fp8,kvCache:fp8}');
    expect(s.options[1].overrides).toEqual(['precision={"weights":"fp8","kvCache":"fp8"}']);
  });

  it.each([
    ['gpu: h100-sxm\n', /must be a non-empty list/],
    ['gpu: []\n', /must be a non-empty list/],
    ['[1, 2]\n', /must be a mapping/],
    ['{}\n', /lists no keys/],
    ['gpu..x: [1]\n', /not a scenario key path/],
    ['gpu: [a, a]\n', /twice/],
    ['gpu: [a\n', /not valid YAML/],
  ])('rejects %j', (text, re) => {
    expect(() => parseSpace(text, 's.yaml')).toThrow(UserError);
    expect(() => parseSpace(text, 's.yaml')).toThrow(re);
  });

  it('refuses a space too large to search', () => {
    const list = `[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`;
    expect(() => parseSpace(`a: ${list}\nb: ${list}\n`, 's.yaml')).toThrow(/10000 options/);
  });
});

describe('shards', () => {
  it('parses i/n and splits every index into exactly one shard', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1-3', '']) expect(() => parseShard(bad)).toThrow(UserError);
    for (let i = 0; i < 20; i++) {
      const owners = [1, 2, 3].filter((k) => inShard(i, { index: k, count: 3 }));
      expect(owners).toHaveLength(1);
    }
  });
});
