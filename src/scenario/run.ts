import { simulateFleet } from '../fleet/simulate.ts';
import type { FleetResult } from '../fleet/simulate.ts';
import { buildReport } from '../report/result.ts';
import type { RunReport } from '../report/result.ts';
import type { ResolvedScenario } from './resolve.ts';

export interface RunOptions {
  recordSteps?: boolean;
  perRequestDetail?: boolean;
  onProgress?: (simSec: number, completed: number) => void;
}

/** Runs a resolved scenario and builds its report. Pure given the resolved inputs: same seed, same bytes. */
export function runScenario(r: ResolvedScenario, opts: RunOptions = {}): { report: RunReport; result: FleetResult } {
  const result = simulateFleet({
    replicas: r.scenario.replicas,
    engine: r.engine,
    kvBlocks: r.capacity.numBlocks,
    perf: r.perf,
    router: r.scenario.router,
    workload: r.makeWorkload(),
    hashBlockTokens: r.hashBlockTokens,
    recordSteps: opts.recordSteps,
    perRequestDetail: opts.perRequestDetail,
    onProgress: opts.onProgress,
  });
  const report = buildReport(result, {
    scenario: r.scenario,
    gpusPerReplica: r.gpusPerReplica,
    gpuHourUsd: r.gpuHourUsd,
    gpuHourUsdSource: r.gpuHourUsdSource,
    kv: r.capacity,
    perfModel: r.perf.name,
    notes: r.notes,
  });
  return { report, result };
}
