/** Chart: cost per million tokens by option and way of paying (src/report/procurement/pricing.ts). */
import { base } from './types.ts';
import type { VlSpec } from './types.ts';
import { PRICINGS } from '../procurement/pricing.ts';

export interface CostRow {
  option: string;
  pricing: string;
  usdPerMillionTokens: number;
}

export function costByPricingSpec(rows: readonly CostRow[]): VlSpec {
  return {
    ...base('Cost per million tokens by option and pricing'),
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'option', type: 'nominal', title: null, sort: null },
      x: { field: 'usdPerMillionTokens', type: 'quantitative', title: '$ per million tokens' },
      color: { field: 'pricing', type: 'nominal', title: 'pricing', scale: { domain: [...PRICINGS] } },
      yOffset: { field: 'pricing', type: 'nominal', sort: [...PRICINGS] },
    },
  };
}
