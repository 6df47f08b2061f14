/** A Vega-Lite specification as plain JSON (built by the modules of this folder, compiled by ../render/). */
export type VlSpec = Record<string, unknown>;

/** Common look of every chart: size, font and no external data (all values inlined). */
export function base(title: string, width = 560, height = 300): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width,
    height,
    config: { font: 'Inter', view: { stroke: null }, legend: { labelLimit: 320 } },
  };
}
