import { readFileSync } from 'node:fs';
import path from 'node:path';
import { messages } from '../errors/messages.ts';
import { detectTraceFormat, TRACE_FORMATS } from '../workload/traces/open-trace.ts';
import type { TraceFormat } from '../workload/traces/open-trace.ts';
import { openLineSource } from '../workload/node-line-source.ts';
import { lengthColumns } from '../workload/lengths/pairs.ts';

/**
 * The format of a trace or length file from its first non-blank line, for `trace stats` without
 * `--format`: a JSON object ⇒ mooncake, an Azure header ⇒ azure, `arrived_at` ⇒ splitwise, input/output
 * length columns without timestamps ⇒ lengths. Unsure ⇒ a problem asking for `--format`.
 */
export function inferTraceFormat(file: string): TraceFormat | 'lengths' {
  const lines = openLineSource(path.resolve(file), { name: file });
  let first: string | null;
  try {
    first = lines.nextLine();
    while (first !== null && first.trim() === '') first = lines.nextLine();
  } finally {
    lines.close?.();
  }
  const f = first === null ? null : detectTraceFormat(first) ?? (lengthColumns(first) ? 'lengths' : null);
  if (f === null) {
    throw messages.unknownTraceFormat(file, [...TRACE_FORMATS, 'lengths']);
  }
  return f;
}

/** A whole text file (a length file: small), with open problems as UserErrors naming the path. */
export function readTextFile(file: string): string {
  const lines = openLineSource(path.resolve(file), { name: file }); // the same open problems as traces
  lines.close?.();
  return readFileSync(path.resolve(file), 'utf8');
}
