/**
 * `profiles list|show`, `trace stats` and `schema`: commands that read profiles, traces or the scenario schema
 * but do not simulate. Loaded by src/cli/main.ts on demand.
 */
import path from 'node:path';
import { UserError } from '../../errors/user-error.ts';
import { messages } from '../../errors/messages.ts';
import { checkOutFile } from '../errors.ts';
import { inferTraceFormat, readTextFile } from '../trace-format.ts';
import { writeOutputsAtomically } from '../write-outputs.ts';
import { readLengthPairs } from '../../workload/lengths/pairs.ts';
import { listProfileIds, loadGpuProfile, loadModelProfile } from '../../profiles/fs.ts';
import { formatProfile, formatProfileList } from '../../profiles/format.ts';
import { readTrace, type TraceFormat } from '../../workload/traces/open-trace.ts';
import { openLineSource } from '../../workload/node-line-source.ts';
import { traceStats, formatTraceStats, lengthPairStats } from '../../workload/stats.ts';
import { scenarioJsonSchema } from '../../scenario/json-schema.ts';
import { stableJson } from '../../report/json.ts';
import type { Io } from '../io.ts';

export function profilesListCommand(io: Io, kind?: string): number {
  if (kind !== undefined && kind !== 'gpus' && kind !== 'models') {
    throw UserError.of([messages.unknownProfileKind(kind)]);
  }
  const kinds = kind ? [kind as 'gpus' | 'models'] : (['gpus', 'models'] as const);
  for (const k of kinds) {
    const ids = listProfileIds(k);
    const items = ids.map((id) => (k === 'gpus' ? loadGpuProfile(id) : loadModelProfile(id)));
    io.out(formatProfileList(k, items) + '\n');
  }
  return 0;
}

export function profilesShowCommand(io: Io, id: string): number {
  const gpus = listProfileIds('gpus');
  const models = listProfileIds('models');
  if (!gpus.includes(id) && !models.includes(id)) throw UserError.of([messages.unknownProfileAny(id, gpus, models)]);
  io.out(formatProfile(gpus.includes(id) ? loadGpuProfile(id) : loadModelProfile(id)) + '\n');
  return 0;
}

export function traceStatsCommand(io: Io, file: string, opts: { format?: TraceFormat | 'lengths'; timeScale: string; json?: boolean }): number {
  const timeScale = Number(opts.timeScale);
  const format = opts.format ?? inferTraceFormat(file);
  let stats;
  if (format === 'lengths') {
    const { input, output } = readLengthPairs(readTextFile(file), file);
    stats = lengthPairStats(input, output);
  } else {
    stats = traceStats(readTrace(format, openLineSource(path.resolve(file), { name: file }), { timeScale, timeScaleKey: '--time-scale' }));
  }
  io.out(opts.json ? stableJson(stats) : formatTraceStats(stats) + '\n');
  return 0;
}

export function schemaCommand(io: Io, opts: { out?: string }): number {
  const text = stableJson(scenarioJsonSchema());
  if (opts.out) {
    checkOutFile(opts.out);
    writeOutputsAtomically(path.dirname(opts.out), { [path.basename(opts.out)]: () => text });
  }
  else io.out(text);
  return 0;
}
