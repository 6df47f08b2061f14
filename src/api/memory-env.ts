/**
 * A {@link ResolveEnv} over data held in memory: profiles, calibration and table files, and data files
 * (traces, length files) passed as strings. No file or process access, so it works in a browser; the Node
 * counterpart is `nodeResolveEnv` (src/cli/node-env.ts).
 */
import type { CalibrationDataSource, ProfileFile } from '../calibrate/data-source.ts';
import { messages } from '../errors/messages.ts';
import { createProfileRegistry, type ProfileData, type ProfileRegistry } from '../profiles/registry.ts';
import type { ResolveEnv } from '../scenario/resolve.ts';
import { stringLineSource } from '../workload/string-line-source.ts';
import { loadNodeProfile, type TextReader } from '../topology/load.ts';
import { loadPowerProfile } from '../power/load.ts';

export interface MemoryEnvInput {
  /** A registry, or the profiles themselves (parsed objects or YAML text). */
  profiles: ProfileRegistry | ProfileData;
  /**
   * Calibration file text per GPU id (the content of profiles/calibration/<gpu>.yaml). Without one, a GPU
   * borrows the calibration of its closest calibrated architecture when that one is given, else it uses its
   * profile's efficiency constants — as with the files on disk.
   */
  calibrations?: Readonly<Record<string, string>>;
  /** Table files per GPU id: file name → text (the content of profiles/tables/<gpu>/<file>). */
  tables?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Data files the scenario names (trace.path, lengths file, engine.overheads file): path exactly as written → text. */
  files?: Readonly<Record<string, string>>;
  /** Node profiles (scenario `node`): id → the text of profiles/nodes/<id>.yaml. */
  nodes?: Readonly<Record<string, string>>;
  /** Power, thermal and price defaults (`power`, `cost.mode`): GPU id → the text of profiles/power/<gpu>.yaml. */
  power?: Readonly<Record<string, string>>;
}

/** A read-only directory `dir` of `<id>.yaml` texts. */
function yamlDir(dir: string, texts: Readonly<Record<string, string>>): TextReader {
  return {
    list: () => Object.keys(texts).map((id) => `${id}.yaml`),
    read: (p) => {
      const id = p.slice(dir.length + 1, -'.yaml'.length);
      if (!p.startsWith(`${dir}/`) || !Object.hasOwn(texts, id)) throw new Error(`no ${p}`);
      return texts[id]!;
    },
  };
}

function isRegistry(p: ProfileRegistry | ProfileData): p is ProfileRegistry {
  return typeof (p as ProfileRegistry).gpu === 'function';
}

/** A calibration source over texts; file names mirror the profiles/ layout, so reports match a Node run. */
export function memoryCalibrationSource(
  calibrations: Readonly<Record<string, string>> = {},
  tables: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): CalibrationDataSource {
  return {
    calibration(gpuId: string): ProfileFile | undefined {
      const text = Object.hasOwn(calibrations, gpuId) ? calibrations[gpuId] : undefined;
      return text === undefined ? undefined : { file: `profiles/calibration/${gpuId}.yaml`, text };
    },
    tables(gpuId: string): ProfileFile[] {
      const t = Object.hasOwn(tables, gpuId) ? tables[gpuId]! : {};
      return Object.keys(t).sort().map((name) => ({ file: `profiles/tables/${gpuId}/${name}`, text: t[name]! }));
    },
  };
}

/**
 * Builds the environment `resolveScenario` needs from data.
 *
 * @example
 * const env = memoryResolveEnv({ profiles: { gpus: [h100Yaml], models: [llamaYaml] }, calibrations: { 'h100-sxm': calYaml } });
 * const report = simulate(resolveScenario(parseScenario(text, 'inline.yaml'), env)).report;
 */
export function memoryResolveEnv(input: MemoryEnvInput): ResolveEnv {
  const registry = isRegistry(input.profiles) ? input.profiles : createProfileRegistry(input.profiles);
  const files = input.files ?? {};
  return {
    loadGpu: (id) => registry.gpu(id),
    loadModel: (id) => registry.model(id),
    resolvePath: (p) => p,
    openLines: (p) => {
      if (!Object.hasOwn(files, p)) {
        throw messages.memoryFileMissing(p, 'data file');
      }
      return stringLineSource(p, files[p]!);
    },
    readText: (p) => {
      if (!Object.hasOwn(files, p)) {
        throw messages.memoryFileMissing(p, 'file');
      }
      return files[p]!;
    },
    calibration: memoryCalibrationSource(input.calibrations, input.tables),
    loadNode: (id) => loadNodeProfile(yamlDir('profiles/nodes', input.nodes ?? {}), 'profiles/nodes', id),
    loadPower: (gpu) => loadPowerProfile(yamlDir('profiles/power', input.power ?? {}), 'profiles/power', gpu),
  };
}
