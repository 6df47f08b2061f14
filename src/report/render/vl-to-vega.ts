/** Step 1 of the chart pipeline: Vega-Lite specification → Vega specification (vega-lite `compile`). */
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Spec } from 'vega';
import type { VlSpec } from '../charts/types.ts';

export function vlToVega(spec: VlSpec): Spec {
  return compile(spec as unknown as TopLevelSpec).spec as Spec;
}
