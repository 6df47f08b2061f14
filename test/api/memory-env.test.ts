/**
 * Environments over data (src/api/memory-env.ts) and the profile registries: the same texts give the same
 * report bytes as the files on disk (roofline and table models), and mistakes are user errors that say what
 * is missing.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { memoryResolveEnv } from '../../src/api/memory-env.ts';
import { createProfileRegistry } from '../../src/profiles/registry.ts';
import { fsProfileRegistry, loadGpuProfile, profilesDir } from '../../src/profiles/fs.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { stableJson } from '../../src/report/json.ts';
import { UserError } from '../../src/errors/user-error.ts';

const dir = profilesDir();
const text = (rel: string) => readFileSync(path.join(dir, rel), 'utf8');

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

const yaml = (extra: string) => `
name: memory-env
model: llama-2-7b
gpu: a100-80gb
workload:
  arrivals: { kind: poisson, ratePerSec: 3 }
  lengths: { input: { kind: fixed, value: 700 }, output: { kind: fixed, value: 80 } }
  requests: 120
${extra}`;

describe('memoryResolveEnv', () => {
  const tables = Object.fromEntries(readdirSync(path.join(dir, 'tables/a100-80gb')).map((f) => [f, text(`tables/a100-80gb/${f}`)]));
  const env = memoryResolveEnv({
    profiles: { gpus: [text('gpus/a100-80gb.yaml')], models: [text('models/llama-2-7b.yaml')] },
    calibrations: { 'a100-80gb': text('calibration/a100-80gb.yaml') },
    tables: { 'a100-80gb': tables },
  });

  it.each(['perfModel: roofline', 'perfModel: table'])('gives the report bytes of the files on disk (%s)', (extra) => {
    const s = parseScenario(yaml(extra), 'inline.yaml');
    const inMemory = runScenario(resolveScenario(s, env)).report;
    const onDisk = runScenario(resolveScenario(s, nodeResolveEnv(path.join(dir, 'inline.yaml')))).report;
    expect(inMemory.requests.completed).toBe(120);
    expect(JSON.stringify(inMemory).includes('measured table profiles/tables/a100-80gb/llama-2-7b.yaml')).toBe(extra === 'perfModel: table');
    expect(stableJson(inMemory)).toBe(stableJson(onDisk));
  });

  it('node and power profiles passed as texts give the bytes of the files on disk', () => {
    const h100 = memoryResolveEnv({
      profiles: { gpus: [text('gpus/h100-sxm.yaml')], models: [text('models/llama-3.1-8b.yaml')] },
      calibrations: { 'h100-sxm': text('calibration/h100-sxm.yaml') },
      nodes: { 'dgx-h100': text('nodes/dgx-h100.yaml') },
      power: { 'h100-sxm': text('power/h100-sxm.yaml') },
    });
    const s = parseScenario(`
name: memory-physics
model: llama-3.1-8b
gpu: h100-sxm
parallelism: { tensor: 2 }
node: dgx-h100
power: { capWatts: 400 }
cost: { mode: onprem }
workload:
  arrivals: { kind: poisson, ratePerSec: 3 }
  lengths: { input: { kind: fixed, value: 700 }, output: { kind: fixed, value: 80 } }
  requests: 120
`, 'inline.yaml');
    const inMemory = runScenario(resolveScenario(s, h100)).report;
    expect(inMemory.power!.capWattsPerGpu).toEqual([400]);
    expect(inMemory.topology!.node).toBe('dgx-h100');
    expect(stableJson(inMemory)).toBe(stableJson(runScenario(resolveScenario(s, nodeResolveEnv(path.join(dir, 'inline.yaml')))).report));
    expect(thrown(() => resolveScenario(parseScenario(yaml('node: hgx-h200'), 'inline.yaml'), env))).toBeInstanceOf(UserError);
  });

  it('without the calibration text the model is uncalibrated, and the report says so', () => {
    const bare = memoryResolveEnv({ profiles: { gpus: [text('gpus/a100-80gb.yaml')], models: [text('models/llama-2-7b.yaml')] } });
    const r = runScenario(resolveScenario(parseScenario(yaml(''), 'inline.yaml'), bare)).report;
    expect(JSON.stringify(r)).toMatch(/uncalibrated: a100-80gb/);
    const table = thrown(() => resolveScenario(parseScenario(yaml('perfModel: table'), 'inline.yaml'), bare));
    expect(table).toBeInstanceOf(UserError);
    expect(table.message).toMatch(/no measured table for llama-2-7b on a100-80gb/);
  });

  it('names a missing data file and an unknown profile', () => {
    const trace = parseScenario(yaml('').replace(/workload:[\s\S]*/, 'workload:\n  arrivals: { kind: trace }\n  trace: { path: t.csv, format: azure }\n'), 'inline.yaml');
    const e = thrown(() => runScenario(resolveScenario(trace, env)));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/data file not found: t\.csv/);
    const g = thrown(() => resolveScenario(parseScenario(yaml('').replace('gpu: a100-80gb', 'gpu: h100-sxm'), 'inline.yaml'), env));
    expect(g).toBeInstanceOf(UserError);
    expect((g as UserError).format()).toMatch(/unknown GPU profile "h100-sxm".*use one of: a100-80gb/);
  });
});

describe('profile registries', () => {
  it('createProfileRegistry validates YAML like the files, takes parsed profiles, rejects duplicates', () => {
    const reg = createProfileRegistry({ gpus: [text('gpus/h100-sxm.yaml'), loadGpuProfile('a100-80gb')], models: [] });
    expect(reg.gpuIds()).toEqual(['a100-80gb', 'h100-sxm']);
    expect(reg.gpu('h100-sxm')).toEqual(loadGpuProfile('h100-sxm'));
    expect(reg.modelIds()).toEqual([]);
    expect(thrown(() => reg.model('llama-2-7b')).message).toMatch(/unknown model profile "llama-2-7b"/);
    const bad = thrown(() => createProfileRegistry({ gpus: ['id: x\nvendor: [unclosed'], models: [] }));
    expect(bad).toBeInstanceOf(UserError);
    expect((bad as UserError).where).toMatch(/^GPU profile #0/);
    const dup = thrown(() => createProfileRegistry({ gpus: [text('gpus/h100-sxm.yaml'), text('gpus/h100-sxm.yaml')], models: [] }));
    expect(dup.message).toMatch(/duplicate GPU profile id "h100-sxm"/);
  });

  it('fsProfileRegistry lists and loads the profiles directory', () => {
    const reg = fsProfileRegistry();
    expect(reg.gpuIds()).toContain('h100-sxm');
    expect(reg.modelIds()).toContain('llama-3.1-8b');
    expect(reg.model('llama-3.1-8b').id).toBe('llama-3.1-8b');
    expect(thrown(() => reg.gpu('nope'))).toBeInstanceOf(UserError);
  });
});
