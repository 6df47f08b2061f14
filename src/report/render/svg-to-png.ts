/**
 * Step 3: SVG → PNG with resvg and the Inter font shipped in @expo-google-fonts/inter. resvg would map
 * `sans-serif` to Arial, absent here, and silently drop every text: system fonts are not loaded, Inter is
 * given as the file, the default family and the sans-serif family.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';

export const FONT_FAMILY = 'Inter';

export function fontFile(): string {
  const req = createRequire(import.meta.url);
  return path.join(path.dirname(req.resolve('@expo-google-fonts/inter/package.json')), '400Regular/Inter_400Regular.ttf');
}

export function svgToPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: false, fontFiles: [fontFile()], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return r.render().asPng();
}
