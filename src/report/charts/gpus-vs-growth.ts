/** Chart: GPUs needed month by month as traffic grows, per option (src/report/procurement/growth.ts). */
import { base } from './types.ts';
import type { VlSpec } from './types.ts';
import type { GrowthResult } from '../procurement/growth.ts';

export function gpusVsGrowthSpec(results: readonly GrowthResult[], growthPctPerMonth: number): VlSpec {
  const values = results.flatMap((r) => r.gpusByMonth.map((gpus, month) => ({ option: r.id, month, gpus })));
  return {
    ...base(`GPUs needed as traffic grows ${growthPctPerMonth}% per month`),
    data: { values },
    mark: { type: 'line', point: true, interpolate: 'step-after' },
    encoding: {
      x: { field: 'month', type: 'quantitative', title: 'month', axis: { tickMinStep: 1 } },
      y: { field: 'gpus', type: 'quantitative', title: 'GPUs needed' },
      color: { field: 'option', type: 'nominal', title: 'option' },
    },
  };
}
