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
  const result = simulateFleet(r.fleetInput(opts));
  return { report: buildReport(result, r), result };
}
