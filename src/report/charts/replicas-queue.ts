/** Chart: replicas and queued requests over time for the chosen option (one run with steps recorded). */
import { base } from './types.ts';
import type { VlSpec } from './types.ts';

export interface TimePoint {
  minute: number;
  replicas: number;
  queued: number;
}

export function replicasQueueSpec(points: readonly TimePoint[], option: string): VlSpec {
  const values = points.flatMap((p) => [
    { minute: p.minute, series: 'replicas', value: p.replicas },
    { minute: p.minute, series: 'queued requests (mean)', value: p.queued },
  ]);
  const { width: _w, height: _h, ...head } = base(`Replicas and queue over time: ${option}`);
  return {
    ...head,
    data: { values },
    facet: { row: { field: 'series', type: 'nominal', title: null } },
    spec: {
      width: 560, height: 140,
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'minute', type: 'quantitative', title: 'minute' },
        y: { field: 'value', type: 'quantitative', title: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}
