import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadGpuProfile, loadModelProfile, profilesDir } from '../profiles/fs.ts';
import { fsCalibrationSource } from '../calibrate/fs.ts';
import { loadNodeProfile } from '../topology/load.ts';
import { loadPowerProfile } from '../power/load.ts';
import { nodeTextReader } from './node-text-reader.ts';
import { openLineSource } from '../workload/node-line-source.ts';
import type { ResolveEnv } from '../scenario/resolve.ts';
import { parseScenarioSource } from '../scenario/parse.ts';
import type { ParsedScenario } from '../scenario/parse.ts';
import type { Scenario } from '../scenario/schema.ts';
import { messages } from '../errors/messages.ts';

/**
 * File access for the resolver: profiles, calibrations and tables from profiles/ (or $SERVESIM_PROFILES), data
 * paths relative to the scenario file (or to the working directory when no scenario path is given).
 */
export function nodeResolveEnv(scenarioPath?: string): ResolveEnv {
  const dir = scenarioPath === undefined ? process.cwd() : path.dirname(path.resolve(scenarioPath));
  return {
    loadGpu: loadGpuProfile,
    loadModel: loadModelProfile,
    resolvePath: (p) => (path.isAbsolute(p) ? p : path.resolve(dir, p)),
    openLines: (abs) => openLineSource(abs),
    readText: (abs) => readFileSync(abs, 'utf8'),
    calibration: fsCalibrationSource(),
    loadNode: (id) => loadNodeProfile(nodeTextReader, path.join(profilesDir(), 'nodes'), id),
    loadPower: (gpu) => loadPowerProfile(nodeTextReader, path.join(profilesDir(), 'power'), gpu),
  };
}

/** Reads and validates a scenario file (YAML or JSON). */
export function readScenarioFile(file: string, overrides: readonly string[]): Scenario {
  return readScenarioSource(file, overrides).scenario;
}

/** {@link readScenarioFile}, also returning where each key came from (for problems found later). */
export function readScenarioSource(file: string, overrides: readonly string[]): ParsedScenario {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw messages.fileNotFound(file, abs, 'scenario');
  if (statSync(abs).isDirectory()) throw messages.notAFile(file, 'scenario');
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw messages.unreadable(file, 'scenario', (e as NodeJS.ErrnoException).code ?? String(e));
  }
  return parseScenarioSource(text, file, overrides);
}
