import { parseDocument, LineCounter, parse as parseYamlValue } from 'yaml';
import type { Document } from 'yaml';
import { ScenarioSchema } from './schema.ts';
import type { Scenario } from './schema.ts';
import { messages } from '../errors/messages.ts';

/**
 * Parses scenario text (YAML or JSON), applies `--set key.path=value` overrides, and validates it
 * strictly. Every problem becomes a `UserError` that names the file, the line where the key sits when
 * known, the key path, and what to do. Pure: no file access.
 *
 * @example
 * const s = parseScenario('name: x\nmodel: llama-3.1-8b\ngpu: h100-sxm\nworkload: {...}', 'x.yaml');
 */
export function parseScenario(text: string, fileName: string, overrides: readonly string[] = []): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw messages.yamlSyntax(fileName, line, e.message.split('\n')[0]);
  }
  for (const expr of overrides) applyOverride(doc, expr);
  const raw: unknown = doc.toJS();
  const parsed = ScenarioSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) => {
      const path = issue.path.map(String);
      // An unknown key is reported at its own line and path, one issue per key.
      const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys ?? [] : [];
      if (keys.length > 0) {
        return keys.map((k) => {
          const line = lineOf(doc, lineCounter, [...path, k]);
          return `${line !== null ? `line ${line}, ` : ''}${[...path, k].join('.')}: unknown key "${k}"`;
        });
      }
      const line = lineOf(doc, lineCounter, path);
      const at = path.length > 0 ? path.join('.') : '(top level)';
      return [`${line !== null ? `line ${line}, ` : ''}${at}: ${issue.message}`];
    });
    throw messages.schemaIssues(fileName, issues);
  }
  return parsed.data;
}

/** Line (1-based) of the deepest existing node on `path`, or null. */
function lineOf(doc: Document, lc: LineCounter, path: string[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const keys = path.slice(0, n).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const node = n === 0 ? doc.contents : doc.getIn(keys, true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lc.linePos(range[0]).line;
  }
  return null;
}

/**
 * Applies one `key.path=value` override; the value is read as YAML (so `8`, `true`, `[1,2]` and
 * `{kind: poisson, ratePerSec: 4}` all work); `null` removes the key. Numeric segments index arrays.
 */
export function applyOverride(doc: Document, expr: string): void {
  const eq = expr.indexOf('=');
  if (eq <= 0) throw messages.badOverride(expr);
  const keyPath = expr.slice(0, eq).trim();
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(keyPath)) throw messages.badOverride(expr);
  let value: unknown;
  try {
    value = parseYamlValue(expr.slice(eq + 1));
  } catch {
    throw messages.badOverride(expr);
  }
  const keys = keyPath.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // `key=null` removes the key (its default applies again), e.g. --set disaggregation=null.
  if (value === null) doc.deleteIn(keys);
  else doc.setIn(keys, value);
}
