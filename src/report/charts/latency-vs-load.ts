/**
 * Chart: p99 TTFT against load (× the scenario's arrival rate) per option, from the rate bisection of
 * `plan --max-rate` (`loadCurve`), with the TTFT objective as a rule.
 */
import { base } from './types.ts';
import type { VlSpec } from './types.ts';

export interface LatencyLoadSeries {
  id: string;
  points: { factor: number; ttftMs: number | null }[];
}

export function latencyVsLoadSpec(series: readonly LatencyLoadSeries[], ttftLimitMs: number | null): VlSpec {
  const values = series.flatMap((s) => s.points.filter((p) => p.ttftMs !== null).map((p) => ({ option: s.id, load: p.factor, ttftMs: p.ttftMs })));
  const layers: VlSpec[] = [{
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'load', type: 'quantitative', title: 'load (× scenario arrival rate)', scale: { type: 'log' } },
      y: { field: 'ttftMs', type: 'quantitative', title: 'p99 TTFT (ms)', scale: { type: 'log' } },
      color: { field: 'option', type: 'nominal', title: 'option' },
    },
  }];
  if (ttftLimitMs !== null) {
    layers.push({ data: { values: [{ limit: ttftLimitMs }] }, mark: { type: 'rule', strokeDash: [6, 4], color: 'firebrick' }, encoding: { y: { field: 'limit', type: 'quantitative' } } });
  }
  // The load at which an option stops meeting the SLO may be set by another objective (TPOT, rejections):
  // the subtitle says so, the dashed rule is the TTFT objective only.
  return {
    ...base('p99 TTFT vs load, per option (at its planned size)'),
    title: { text: 'p99 TTFT vs load, per option (at its planned size)', subtitle: 'points: loads simulated by the max-rate search; dashed: the TTFT objective' },
    layer: layers,
  };
}
