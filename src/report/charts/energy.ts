/** Chart: energy per output token by option, when the simulator reports energy (the physics layer). */
import { base } from './types.ts';
import type { VlSpec } from './types.ts';

export function energySpec(rows: readonly { option: string; joulesPerToken: number }[]): VlSpec {
  return {
    ...base('Energy per output token by option'),
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'option', type: 'nominal', title: null, sort: null },
      x: { field: 'joulesPerToken', type: 'quantitative', title: 'J per output token' },
    },
  };
}
