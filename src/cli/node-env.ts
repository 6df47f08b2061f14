import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadGpuProfile, loadModelProfile } from '../profiles/fs.ts';
import { fsCalibrationSource } from '../calibrate/fs.ts';
import { openLineSource } from '../workload/node-line-source.ts';
import type { ResolveEnv } from '../scenario/resolve.ts';
import { parseScenario } from '../scenario/parse.ts';
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
  };
}

/** Reads and validates a scenario file (YAML or JSON). */
export function readScenarioFile(file: string, overrides: readonly string[]): Scenario {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw messages.fileNotFound(file, abs, 'scenario');
  return parseScenario(readFileSync(abs, 'utf8'), file, overrides);
}
