import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGpuProfile, loadModelProfile } from '../../src/profiles/fs.ts';
import { fsCalibrationSource } from '../../src/calibrate/fs.ts';
import { ScenarioSchema } from '../../src/scenario/schema.ts';
import type { ResolveEnv } from '../../src/scenario/resolve.ts';
import { stringLineSource } from '../../src/workload/string-line-source.ts';
import { parseRowsFile } from '../../src/validation/rows-file.ts';
import { runCase, tryRunCase, VIRTUAL_PREFIX } from '../../src/validation/run-case.ts';
import type { CaseContext } from '../../src/validation/run-case.ts';
import type { ValidationCase } from '../../src/validation/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rows = parseRowsFile(readFileSync(path.join(root, 'validation/rows.yaml'), 'utf8'));

function ctx(): CaseContext {
  const virtualFiles = new Map<string, string>();
  const env: ResolveEnv = {
    loadGpu: loadGpuProfile,
    loadModel: loadModelProfile,
    resolvePath: (p) => p,
    openLines: (abs) => {
      if (!abs.startsWith(VIRTUAL_PREFIX)) throw new Error(`unexpected file ${abs}`);
      return stringLineSource(abs, virtualFiles.get(abs)!);
    },
    calibration: fsCalibrationSource(),
  };
  const pairs = Array.from({ length: 300 }, (_, i) => [20 + ((i * 37) % 900), 10 + ((i * 53) % 800)] as const);
  return { rows, env, virtualFiles, sharegptPairs: () => pairs };
}

const base: ValidationCase = {
  key: 'T', rowKey: 'T', source: 'measured-public', citation: 'test', conditions: 'test', notes: [], mechanisms: [],
  spec: {
    gpu: 'h100-sxm', tensor: 1, pipeline: 1, model: 'llama-3.1-8b', weights: 'bf16', engine: 'vllm-v1-serve', engineLabel: 'vLLM',
    flags: {}, lengths: { kind: 'fixed', input: 32, output: 128 }, arrivals: { kind: 'burst' }, requests: 8,
    measured: [{ metric: 'e2e.max', value: 800 }, { metric: 'throughput.output', value: 1000 }],
  },
};

describe('runCase (through the real scenario schema, resolver and simulator)', () => {
  it('runs a fixed-length case and compares every measured metric', () => {
    const { result, scenario } = runCase(base, ctx());
    expect(ScenarioSchema.safeParse(scenario).success).toBe(true);
    expect(scenario.engine).toEqual({ kind: 'vllm', frontend: 'http' });
    expect(result.facts.completed).toBe(8);
    expect(result.comparisons.map((c) => c.metric)).toEqual(['e2e.max', 'throughput.output']);
    for (const c of result.comparisons) {
      expect(Number.isFinite(c.predicted)).toBe(true);
      expect(c.error).toBeCloseTo((c.predicted - c.measured) / c.measured, 12);
    }
    expect(result.tags).toMatchObject({ engine: 'vllm-v1-serve', gpu: 'h100-sxm', tp: 1, load: 'fixed batch latency' });
  });
  it('replays a generated ShareGPT sample in closed loop', () => {
    const c = ctx();
    const sg: ValidationCase = { ...base, key: 'S', spec: { ...base.spec, lengths: { kind: 'sharegpt', n: 20, inTotal: 4000, outTotal: 3000 },
      arrivals: { kind: 'closed-loop', concurrency: 2 }, requests: 20, measured: [{ metric: 'tpot.mean', value: 8 }] } };
    const { result, scenario } = runCase(sg, c);
    expect(scenario.workload?.trace).toMatchObject({ format: 'splitwise' });
    expect(c.virtualFiles.size).toBe(1);
    expect(result.facts.completed).toBe(20);
    expect(result.notes.join(' ')).toMatch(/20 ShareGPT pairs/);
  });
  it('runs trtllm-bench cases in process with a free-memory KV fraction and GUARANTEED_NO_EVICT (no preemption)', () => {
    const trt: ValidationCase = { ...base, key: 'R', spec: { ...base.spec, engine: 'trtllm-bench', weights: 'fp8', kvCache: 'fp8',
      lengths: { kind: 'fixed', input: 20000, output: 2000 }, requests: 40, measured: [{ metric: 'throughput.output', value: 1000 }] } };
    const { result, scenario } = runCase(trt, ctx());
    expect(scenario.engine).toMatchObject({ kind: 'trt-llm', frontend: 'in-process', kvFreeFraction: 0.95, chunkedPrefill: true });
    expect(result.notes.join(' ')).toMatch(/trtllm-bench/);
    expect(result.facts.preemptions).toBe(0);
  });
  it('reports a missing profile as a skip, not an error', () => {
    const r = tryRunCase({ ...base, spec: { ...base.spec, model: 'no-such-model' } }, ctx());
    expect(r.skipped).toMatchObject({ category: 'missing profile', reason: 'missing profile models/ no-such-model' });
  });
});
