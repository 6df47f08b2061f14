/** Step 2: Vega specification → SVG text, headless (a `vega.View` with the `none` renderer; no browser). */
import { parse, View } from 'vega';
import type { Spec } from 'vega';

export async function vegaToSvg(spec: Spec): Promise<string> {
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
