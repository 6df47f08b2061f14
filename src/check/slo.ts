import type { SloSpec } from '../scenario/schema.ts';
import type { LatencyStats, StatKey } from '../metrics/summary.ts';

export interface SloViolation {
  /** e.g. "ttftMs.p99" */
  key: string;
  limitMs: number;
  actualMs: number;
}

export interface SloResult {
  met: boolean;
  /** Objectives checked. */
  checked: number;
  violations: SloViolation[];
}

const METRIC_OF = { ttftMs: 'ttft', tpotMs: 'tpot', itlMs: 'itl', e2eMs: 'e2e', queueMs: 'queue' } as const;

/**
 * Compares latency statistics with the scenario's objectives. A statistic that could not be computed
 * (no samples) counts as a violation: a run that completed nothing must not pass a CI gate.
 *
 * @example
 * checkSlo({ ttftMs: { p99: 2000 } }, { ttft: {..., p99: 2500} , ...}).met // false
 */
export function checkSlo(slo: SloSpec | undefined, latency: { [k in (typeof METRIC_OF)[keyof typeof METRIC_OF]]: LatencyStats }): SloResult {
  const violations: SloViolation[] = [];
  let checked = 0;
  if (slo) {
    for (const key of Object.keys(METRIC_OF) as (keyof typeof METRIC_OF)[]) {
      const limits = slo[key];
      if (!limits) continue;
      const stats = latency[METRIC_OF[key]];
      for (const [stat, limit] of Object.entries(limits) as [StatKey, number | undefined][]) {
        if (limit === undefined) continue;
        checked++;
        const actual = stats[stat];
        if (!(actual <= limit)) violations.push({ key: `${key}.${stat}`, limitMs: limit, actualMs: actual });
      }
    }
  }
  return { met: violations.length === 0, checked, violations };
}
