/**
 * servesim's library API for Node: everything in `servesim/browser` (src/browser.ts) plus the adapters that
 * read profiles/, calibration and table files, scenario files and traces from disk.
 *
 * @example
 * import { readScenarioFile, nodeResolveEnv, resolveScenario, simulate } from 'servesim';
 * const file = 'scenarios/quickstart.yaml';
 * const { report } = simulate(resolveScenario(readScenarioFile(file, []), nodeResolveEnv(file)));
 * console.log(report.latencyMs.ttft.p99);
 */
export * from './browser.ts';

export { nodeResolveEnv, readScenarioFile } from './cli/node-env.ts';
export {
  fsProfileRegistry, listProfileIds, loadAllGpuProfiles, loadAllModelProfiles, loadGpuProfile, loadModelProfile,
  profilesDir, type ProfileKind,
} from './profiles/fs.ts';
export { fsCalibrationSource } from './calibrate/fs.ts';
export { openLineSource } from './workload/node-line-source.ts';
