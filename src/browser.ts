/**
 * servesim's library API without Node-only modules: parse a scenario, resolve it against profiles passed as
 * data, simulate, report. Safe to bundle for a browser (`servesim/browser`; test/package/browser.test.ts
 * bundles it with esbuild for `platform: 'browser'` and fails if a `node:` module is pulled in).
 * `servesim` (src/index.ts) adds the Node adapters that read profiles/ and trace files from disk.
 *
 * @example
 * import { parseScenario, resolveScenario, simulate, memoryResolveEnv } from 'servesim/browser';
 * const env = memoryResolveEnv({ profiles: { gpus: [h100Yaml], models: [llamaYaml] } });
 * const { report } = simulate(resolveScenario(parseScenario(scenarioYaml, 'inline.yaml'), env));
 */

// Scenario → resolved scenario
export { parseScenario } from './scenario/parse.ts';
export type { Scenario } from './scenario/schema.ts';
export { resolveScenario } from './scenario/resolve.ts';
export type { ResolveEnv, ResolvedScenario, ResolvedPool } from './scenario/resolve.ts';
export { scenarioJsonSchema } from './scenario/json-schema.ts';

// Environments
export { memoryResolveEnv, memoryCalibrationSource, type MemoryEnvInput } from './api/memory-env.ts';
export type { CalibrationDataSource, ProfileFile } from './calibrate/data-source.ts';

// Simulation and reports
export { runScenario, runScenario as simulate, type RunOptions } from './scenario/run.ts';
export type { FleetResult } from './fleet/simulate.ts';
export { buildReport } from './report/result.ts';
export type { RunReport } from './report/result.ts';
export { formatReportTable } from './report/format-table.ts';
export { stableJson } from './report/json.ts';
export { columnsToCsv } from './report/csv.ts';
export { checkSlo } from './check/slo.ts';
export { findCapacity, type CapacityOptions, type CapacityResult } from './plan/capacity.ts';
export { parseSpace, type Space, type SpaceOption } from './plan/space.ts';
export { evaluateOption, maxRateFactor, scaleRate, type OptionEvaluation, type PlanSearchOptions } from './plan/evaluate.ts';
export { finalizePlan, mergeShards, rankOptions, paretoFrontier, type PlanDocument, type PlanOption } from './plan/plan.ts';

// Profiles
export {
  createProfileRegistry, parseGpuProfile, parseModelProfile, type ProfileData, type ProfileRegistry,
} from './profiles/registry.ts';
export type { GpuProfile, ModelProfile } from './profiles/schema.ts';
export { formatProfile, formatProfileList } from './profiles/format.ts';

// Step-time models
export { buildStepTimeModel, type StepTimeModelOptions, type StepTimeModelResult } from './calibrate/model-factory.ts';
export type { StepTimeModel } from './perf/types.ts';

// Workload inputs
export { stringLineSource } from './workload/string-line-source.ts';
export type { LineSource } from './workload/types.ts';
export { readTrace, TRACE_FORMATS, type TraceFormat } from './workload/traces/open-trace.ts';
export { traceStats, formatTraceStats, type TraceStats } from './workload/stats.ts';

// Errors
export { UserError, isUserError } from './errors/user-error.ts';
