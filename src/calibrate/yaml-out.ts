/**
 * Writer and reader of the generated calibration and table files.
 *
 * The files are YAML: a `#` comment header followed by the document in JSON syntax (YAML 1.2 is a superset of
 * JSON), pretty-printed with numeric arrays as wrapped inline lists. Why not block YAML: the `yaml` package
 * needs ~1 s to parse the ~20,000 numbers of a calibration file, JSON.parse a few milliseconds, and step-time
 * models are built for every scenario. `parseGeneratedYaml` takes the JSON fast path and falls back to a full
 * YAML parse for hand-edited files. Pure.
 */
import { parseDocument } from 'yaml';
import { messages } from '../errors/messages.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

function scalar(v: null | boolean | number | string): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot write ${v}`);
  return JSON.stringify(v);
}

function numbers(nums: number[], indent: number, width: number): string {
  const parts = nums.map((n) => scalar(n));
  const one = `[${parts.join(', ')}]`;
  if (one.length + indent <= width) return one;
  const pad = ' '.repeat(indent + 2);
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur !== '' && pad.length + cur.length + p.length + 2 > width) {
      lines.push(`${cur},`);
      cur = '';
    }
    cur += cur === '' ? p : `, ${p}`;
  }
  lines.push(cur);
  return `[\n${lines.map((l) => pad + l).join('\n')}\n${' '.repeat(indent)}]`;
}

function emit(v: Json, indent: number, width: number): string {
  if (v === null || typeof v !== 'object') return scalar(v);
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => typeof x === 'number')) return numbers(v as number[], indent, width);
    if (v.every((x) => x === null || typeof x !== 'object')) {
      const one = `[${v.map((x) => scalar(x as string)).join(', ')}]`;
      if (one.length + indent <= width) return one;
    }
    return `[\n${v.map((x) => pad + emit(x, indent + 2, width)).join(',\n')}\n${' '.repeat(indent)}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined) as Array<[string, Json]>;
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}: ${emit(x, indent + 2, width)}`).join(',\n')}\n${' '.repeat(indent)}}`;
}

/** File text: `# ` comment lines, then the object in (YAML-compatible) JSON syntax. */
export function toYaml(obj: object, headerComment: string[] = [], width = 116): string {
  const head = headerComment.map((l) => (l === '' ? '#' : `# ${l}`));
  const body = emit(JSON.parse(JSON.stringify(obj)) as Json, 0, width);
  return `${[...head, body].join('\n')}\n`;
}

/** Parses a generated file fast (comment header + JSON body), or any YAML via the `yaml` package. */
export function parseGeneratedYaml(text: string, source: string): unknown {
  const body = text.replace(/^(?:[ \t]*(?:#[^\n]*)?\r?\n)*/, '');
  if (body.startsWith('{')) {
    try {
      return JSON.parse(body);
    } catch {
      // not strict JSON (hand-edited flow YAML): fall through to the YAML parser
    }
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw messages.invalidYaml(line !== undefined ? `${source}:${line}` : source, e.message.split('\n')[0], 'fix the YAML syntax, or regenerate the file with servesim calibrate');
  }
  return doc.toJS();
}
