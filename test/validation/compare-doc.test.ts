import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compare, familyComparisons, median, signedError, summarize, summarizeFamilies } from '../../src/validation/compare.ts';
import { fmtErr, fmtNum, groupSkipped, renderValidationDoc } from '../../src/validation/doc.ts';
import { parseRowsFile } from '../../src/validation/rows-file.ts';
import type { CaseResult, ValidationRun } from '../../src/validation/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rows = parseRowsFile(readFileSync(path.join(root, 'validation/rows.yaml'), 'utf8'));

describe('error arithmetic', () => {
  it('signs the relative error as (predicted − measured) / measured', () => {
    expect(signedError(110, 100)).toBeCloseTo(0.1, 12);
    expect(signedError(90, 100)).toBeCloseTo(-0.1, 12);
    expect(signedError(NaN, 100)).toBeNaN();
    expect(signedError(1, 0)).toBeNaN();
  });
  it('compares every measured metric with its prediction', () => {
    const c = compare([{ metric: 'ttft.mean', value: 50 }, { metric: 'throughput.output', value: 1000 }],
      (m) => (m === 'ttft.mean' ? 40 : 1250));
    expect(c).toEqual([
      { metric: 'ttft.mean', measured: 50, predicted: 40, error: -0.2 },
      { metric: 'throughput.output', measured: 1000, predicted: 1250, error: 0.25 },
    ]);
  });
  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('summarises |error| with the signed worst value and ignores NaN', () => {
    const s = summarize([{ key: 'a', error: 0.05 }, { key: 'b', error: -0.3 }, { key: 'c', error: 0.2 }, { key: 'd', error: NaN }]);
    expect(s).toMatchObject({ n: 3, cases: 3, worst: -0.3, worstKey: 'b' });
    expect(s.medianAbs).toBeCloseTo(0.2, 12);
    expect(s.medianSigned).toBeCloseTo(0.05, 12);
    expect(s.within10).toBeCloseTo(1 / 3, 12);
    expect(s.within25).toBeCloseTo(2 / 3, 12);
  });
});

function result(key: string, errors: [string, number, number][], tags: Partial<CaseResult['tags']> = {}): CaseResult {
  return {
    key, rowKey: key, source: key.startsWith('gs:') ? 'gpustack' : 'measured-public', citation: 'somewhere', conditions: `conditions of ${key}`,
    tags: { engine: 'vllm-v1-serve', gpu: 'h100-sxm', model: 'qwen3-8b', precision: 'bf16', tp: 1, load: 'server, all requests at t=0', ...tags },
    notes: ['a note'], mechanisms: ['burst-queueing'],
    comparisons: errors.map(([metric, measured, predicted]) => ({ metric: metric as never, measured, predicted, error: (predicted - measured) / measured })),
    facts: { kvCapacityTokens: 123456, simulatedSec: 12.5, preemptions: 0, completed: 10, requests: 10 },
  };
}

const RUN: ValidationRun = {
  date: '2026-01-02',
  results: [
    result('TRT17#1', [['throughput.output', 6627.27, 6000]], { engine: 'trtllm-bench', gpu: 'a100-80gb', precision: 'fp16', load: 'offline max-throughput (trtllm-bench)' }),
    result('gs:qwen3-8b__h100-latency#1', [['throughput.output', 917.28, 937.8], ['throughput.total', 1884.42, 1926.5], ['throughput.requests', 4.16, 4.25],
      ['ttft.mean', 74.57, 22.2], ['ttft.p99', 204.11, 60], ['tpot.mean', 7.71, 7.95], ['itl.p99', 45.48, 11.8]]),
    result('gs:qwen3-14b__h100#8', [['throughput.total', 8298.56, 14000], ['tpot.mean', 277.4, 154]], { model: 'qwen3-14b' }),
  ],
  skipped: [
    { key: 'gs:glm-4.x__h200#1', source: 'gpustack', category: 'model not modelled', reason: 'GLM-4.6: no profile' },
    { key: 'gs:glm-4.x__h200#2', source: 'gpustack', category: 'model not modelled', reason: 'GLM-4.6: no profile' },
    { key: 'gs:glm-4.x__h200#3', source: 'gpustack', category: 'model not modelled', reason: 'GLM-4.6: no profile' },
    { key: 'VLLM-CI-H200/throughput-8b', source: 'measured-public', category: 'skipped in mapping', reason: 'version unknown', conditions: 'H200' },
  ],
  duplicates: [{ key: 'GS-c8', source: 'measured-public', countedAs: 'gs:qwen3-8b__h100-latency#1' }],
  rowCounts: { 'measured-public': 66, gpustack: 398 },
};

describe('summaries', () => {
  it('counts one throughput value per case (output tok/s first) and every latency statistic', () => {
    expect(familyComparisons(RUN.results[1]!, 'throughput').map((c) => c.metric)).toEqual(['throughput.output']);
    expect(familyComparisons(RUN.results[2]!, 'throughput').map((c) => c.metric)).toEqual(['throughput.total']);
    expect(familyComparisons(RUN.results[1]!, 'ttft')).toHaveLength(2);
    const f = summarizeFamilies(RUN.results);
    expect(f.throughput.n).toBe(3);
    expect(f.ttft.n).toBe(2);
    expect(f.e2e.n).toBe(0);
  });
});

describe('docs/validation.md generator', () => {
  it('is deterministic for a fixed run', () => {
    const a = renderValidationDoc(RUN, rows);
    const b = renderValidationDoc(structuredClone(RUN), rows);
    expect(a).toBe(b);
  });
  it('says it is generated, on which date, and reports targets honestly', () => {
    const d = renderValidationDoc(RUN, rows);
    expect(d.startsWith('# Validation against measured serving results\n')).toBe(true);
    expect(d).toContain('Generated by `npm run validate` on 2026-01-02, do not edit');
    expect(d).toMatch(/\| Throughput \| 3 \| 3 \| [\d.]+% \|.*\| ≤ 10% \| (met|not met) \|/);
    expect(d).toMatch(/\| TTFT \| 2 \| 1 \| 70\.\d% \|.*\| ≤ 20% \| not met \|/);
    expect(d).toContain('Coverage target');
    expect(d).toContain('not met (3 < 30 cases');
    expect(d).toContain('## Where the error is large, and why');
    expect(d).toContain('<a id="mechanism-burst-queueing"></a>**burst-queueing**');
    expect(d).toContain('| GS-c8 | gs:qwen3-8b__h100-latency#1 |');
    expect(d.endsWith('\n')).toBe(true);
  });
  it('formats numbers without locale and folds runs of skipped rows', () => {
    expect(fmtNum(1234567.8)).toBe('1,234,568');
    expect(fmtNum(917.28)).toBe('917.3');
    expect(fmtNum(7.714)).toBe('7.714');
    expect(fmtErr(0.1234)).toBe('+12.3%');
    expect(fmtErr(-0.5)).toBe('-50.0%');
    expect(groupSkipped(RUN.skipped)).toEqual([
      ['gs:glm-4.x__h200#1 … #3 (3)', 'gpustack', 'model not modelled', 'GLM-4.6: no profile'],
      ['VLLM-CI-H200/throughput-8b', 'measured-public', 'skipped in mapping', 'version unknown — H200'],
    ]);
  });
});
