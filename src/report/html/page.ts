/**
 * DIR/report.html: one self-contained file, readable offline. The minified builds of vega, vega-lite and
 * vega-embed are inlined (the caller reads them from node_modules), the charts' Vega-Lite specifications
 * and the report data are embedded as JSON, and — when given — the interactive app (the browser bundle of the
 * procurement model and the simulator, src/report/html/app.ts) re-draws the what-if in the page.
 */
import type { VlSpec } from '../charts/types.ts';

export interface PageInput {
  title: string;
  /** The summary as HTML (tables). */
  bodyHtml: string;
  charts: Record<string, VlSpec>;
  /** Script texts of vega, vega-lite and vega-embed, in that order. */
  libs: string[];
  /** The interactive app: its bundle and the data it starts from. */
  app?: { bundle: string; data: unknown };
}

/** Text safe inside <script>: no `</script`, no `<!--`. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderPage(p: PageInput): string {
  const names = Object.keys(p.charts);
  const chartDivs = names.map((n) => `<figure><div class="chart" id="chart-${n}" data-chart="${n}"></div><figcaption>${n}.svg · ${n}.png</figcaption></figure>`).join('\n');
  const embed = `
(function () {
  var charts = JSON.parse(document.getElementById('servesim-charts').textContent);
  window.servesimDraw = function (specs) {
    var done = [];
    Object.keys(specs).forEach(function (name) {
      var el = document.getElementById('chart-' + name);
      if (el) done.push(vegaEmbed(el, specs[name], { actions: false, renderer: 'svg' }));
    });
    return Promise.all(done).then(function () { document.body.setAttribute('data-charts-drawn', String(done.length)); });
  };
  window.servesimDraw(charts);
})();`;
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(p.title)}</title>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<style>body{font-family:Inter,system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}',
    'table{border-collapse:collapse;font-size:.85rem;margin:1rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}',
    'td:first-child,th:first-child{text-align:left}figure{margin:1.5rem 0}figcaption{color:#777;font-size:.8rem}',
    '#whatif{background:#f6f8fa;padding:1rem;border-radius:6px}#whatif label{margin-right:1rem;display:inline-block}</style>',
    '</head><body>',
    `<h1>${escapeHtml(p.title)}</h1>`,
    p.app ? '<section id="whatif"></section>' : '',
    p.bodyHtml,
    '<h2>Charts</h2>',
    chartDivs,
    `<script type="application/json" id="servesim-charts">${scriptSafe(JSON.stringify(p.charts))}</script>`,
    ...p.libs.map((l) => `<script>${scriptSafe(l)}</script>`),
    `<script>${embed}</script>`,
    p.app ? `<script type="application/json" id="servesim-data">${scriptSafe(JSON.stringify(p.app.data))}</script>` : '',
    p.app ? `<script>${scriptSafe(p.app.bundle)}</script>` : '',
    '</body></html>',
  ];
  return parts.filter((x) => x !== '').join('\n') + '\n';
}

/** A Markdown table or paragraph list as simple HTML (the summary's own tables). */
export function markdownToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  let i = 0;
  const inline = (s: string) => escapeHtml(s).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
  while (i < lines.length) {
    const l = lines[i];
    if (l.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) {
        const cells = lines[i].slice(1, -1).split(' | ').map((c) => c.trim());
        if (!cells.every((c) => /^-+:?$|^:?-+$/.test(c))) rows.push(cells);
        i++;
      }
      out.push('<table>', `<tr>${rows[0].map((c) => `<th>${inline(c)}</th>`).join('')}</tr>`,
        ...rows.slice(1).map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`), '</table>');
      continue;
    }
    if (l.startsWith('# ')) { /* the page has its own title */ } else if (l.startsWith('## ')) out.push(`<h2>${inline(l.slice(3))}</h2>`);
    else if (l.startsWith('- ')) out.push(`<p>• ${inline(l.slice(2))}</p>`);
    else if (l.trim() !== '') out.push(`<p>${inline(l)}</p>`);
    i++;
  }
  return out.join('\n');
}
