/**
 * The browser-safe core (src/browser.ts, published as `servesim/browser`): bundled with esbuild for
 * `platform: 'browser'`, it must pull in no Node module, and the bundle must simulate a scenario whose
 * profiles and trace are passed as data — with a report byte-identical to the Node CLI's.
 */
import { describe, expect, it } from 'vitest';
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { repo } from '../helpers/built.ts';
import { parseScenario } from '../../src/scenario/parse.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { nodeResolveEnv } from '../../src/cli/node-env.ts';
import { stableJson } from '../../src/report/json.ts';

interface NodeImport { module: string; importer: string }

/**
 * Records every import of a Node built-in (`node:*`, or a bare name such as fs, path, process) and keeps it
 * out of the bundle. One exception, left to esbuild: seedrandom's CommonJS build requires `crypto` only to
 * auto-seed (servesim always seeds) and its package.json `browser` field maps it to `false`.
 */
function nodeImportGuard(found: NodeImport[]): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'node-import-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith('node:') && !builtins.has(args.path)) return undefined;
        const importer = path.relative(repo, args.importer).split(path.sep).join('/');
        if (args.path === 'crypto' && importer.startsWith('node_modules/seedrandom/')) return undefined;
        found.push({ module: args.path, importer });
        return { path: args.path, external: true };
      });
    },
  };
}

async function bundle(entry: string, format: 'esm' | 'iife') {
  const found: NodeImport[] = [];
  const r = await build({
    entryPoints: [path.join(repo, entry)], bundle: true, platform: 'browser', format, globalName: 'servesim',
    write: false, metafile: true, logLevel: 'silent', plugins: [nodeImportGuard(found)],
  });
  return { found, text: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) };
}

const profile = (rel: string) => readFileSync(path.join(repo, 'profiles', rel), 'utf8');

const scenarioYaml = `
name: browser-bundle
model: llama-3.1-8b
gpu: h100-sxm
replicas: 2
engine: { scheduler: chunked-prefill }
workload:
  arrivals: { kind: poisson, ratePerSec: 6 }
  lengths: { input: { kind: lognormal, mean: 800, p99: 3000 }, output: { kind: fixed, value: 120 } }
  requests: 300
slo: { ttftMs: { p99: 2000 } }
`;

describe('browser bundle of the core', () => {
  it('src/browser.ts pulls in no Node module (and the guard does catch one in src/index.ts)', async () => {
    const core = await bundle('src/browser.ts', 'esm');
    expect(core.found).toEqual([]);
    expect(core.inputs.filter((i) => /node-env|node-line-source|\/fs\.ts$/.test(i))).toEqual([]);
    // The guard is not vacuous: the Node entry reaches node:fs through its adapters.
    const nodeEntry = await bundle('src/index.ts', 'esm');
    expect(nodeEntry.found.map((f) => f.module)).toContain('node:fs');
    expect(nodeEntry.found.map((f) => f.importer)).toContain('src/profiles/fs.ts');
  });

  it('the bundle simulates a scenario with profiles passed as data, byte-identical to the Node path', async () => {
    const { found, text } = await bundle('src/browser.ts', 'iife');
    expect(found).toEqual([]);
    // A context with the ECMAScript built-ins only (no process, require, Buffer, fs): a stricter world than a
    // browser page.
    const context = vm.createContext({ console });
    vm.runInContext(`${text}\nglobalThis.servesim = servesim;`, context);
    const api = context['servesim'] as typeof import('../../src/browser.ts');
    expect(typeof api.simulate).toBe('function');
    expect(vm.runInContext('typeof process + typeof require + typeof Buffer', context)).toBe('undefinedundefinedundefined');

    const env = api.memoryResolveEnv({
      profiles: { gpus: [profile('gpus/h100-sxm.yaml')], models: [profile('models/llama-3.1-8b.yaml')] },
      calibrations: { 'h100-sxm': profile('calibration/h100-sxm.yaml') },
    });
    const inBundle = api.simulate(api.resolveScenario(api.parseScenario(scenarioYaml, 'inline.yaml'), env)).report;
    expect(inBundle.requests.completed).toBe(300);

    const file = path.join(repo, 'scenarios', 'inline.yaml');
    const inNode = runScenario(resolveScenario(parseScenario(scenarioYaml, 'inline.yaml'), nodeResolveEnv(file))).report;
    expect(api.stableJson(inBundle)).toBe(stableJson(inNode));
    expect(api.formatReportTable(inBundle)).toMatch(/latency ms/);
  });

  it('reads a trace passed as data and names a missing one', async () => {
    const { text } = await bundle('src/browser.ts', 'iife');
    const context = vm.createContext({ console });
    vm.runInContext(`${text}\nglobalThis.servesim = servesim;`, context);
    const api = context['servesim'] as typeof import('../../src/browser.ts');
    const trace = readFileSync(path.join(repo, 'test/fixtures/traces/azure-small.csv'), 'utf8');
    const yaml = `
name: browser-trace
model: llama-3.1-8b
gpu: h100-sxm
workload:
  arrivals: { kind: trace }
  trace: { path: traces/azure-small.csv, format: azure }
`;
    const profiles = { gpus: [profile('gpus/h100-sxm.yaml')], models: [profile('models/llama-3.1-8b.yaml')] };
    const env = api.memoryResolveEnv({ profiles, files: { 'traces/azure-small.csv': trace } });
    const report = api.simulate(api.resolveScenario(api.parseScenario(yaml, 'inline.yaml'), env)).report;
    expect(report.requests.arrived).toBe(trace.trim().split('\n').length - 1);
    expect(report.requests.completed).toBe(report.requests.arrived);

    const noFile = api.memoryResolveEnv({ profiles });
    let err: unknown;
    try {
      api.simulate(api.resolveScenario(api.parseScenario(yaml, 'inline.yaml'), noFile));
    } catch (e) {
      err = e;
    }
    expect(api.isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/data file not found: traces\/azure-small\.csv/);
  });
});
