import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { main } from '../../src/cli/main.ts';
import { readLengthPairs, lengthColumns } from '../../src/workload/lengths/pairs.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/traces');

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

describe('trace stats', () => {
  it('infers the format of a trace from its first line', async () => {
    const inferred = await cli('trace', 'stats', path.join(fixtures, 'azure-small.csv'), '--json');
    const given = await cli('trace', 'stats', path.join(fixtures, 'azure-small.csv'), '--format', 'azure', '--json');
    expect(inferred.code).toBe(0);
    expect(inferred.out).toBe(given.out);
    expect(JSON.parse(inferred.out).rows).toBeGreaterThan(0);
    expect((await cli('trace', 'stats', path.join(fixtures, 'mooncake-small.jsonl'))).code).toBe(0);
    expect((await cli('trace', 'stats', path.join(fixtures, 'splitwise-small.csv'))).code).toBe(0);
  });

  it('reads a length file: exact length percentiles, no arrival statistics', async () => {
    const r = await cli('trace', 'stats', path.join(fixtures, 'lengths-small.csv'), '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    const { input, output } = readLengthPairs('num_prefill_tokens,num_decode_tokens\n100,10\n200,20\n300,30\n', 'x.csv');
    expect(Array.from(input)).toEqual([100, 200, 300]);
    expect(Array.from(output)).toEqual([10, 20, 30]);
    expect(s.rows).toBe(3);
    expect(s.inputTokens.p50).toBe(200);
    expect(s.spanSec).toBeNull();
    const table = await cli('trace', 'stats', path.join(fixtures, 'lengths-small.csv'));
    expect(table.out).toMatch(/^arrivals\s+none \(a length file/m);
    expect(table.out).not.toMatch(/n\/a/);
  });

  it('recognises the length files the docs point to', () => {
    expect(lengthColumns('num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio')).toEqual(['num_prefill_tokens', 'num_decode_tokens']);
    expect(lengthColumns('input_length,output_length')).toEqual(['input_length', 'output_length']);
    expect(lengthColumns('TIMESTAMP,ContextTokens,GeneratedTokens')).toBeNull(); // an Azure trace, with times
  });

  it.runIf(existsSync(path.join(repo, '../shared/data/traces/sharegpt-8k-lengths.csv')))('summarises ../shared/data/traces/sharegpt-8k-lengths.csv', async () => {
    const r = await cli('trace', 'stats', path.join(repo, '../shared/data/traces/sharegpt-8k-lengths.csv'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).rows).toBeGreaterThan(1000);
  });
});
