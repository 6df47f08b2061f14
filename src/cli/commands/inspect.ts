/**
 * `profiles list|show`, `trace stats` and `schema`: commands that read profiles, traces or the scenario schema
 * but do not simulate. Loaded by src/cli/main.ts on demand.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors/user-error.ts';
import { listProfileIds, loadGpuProfile, loadModelProfile } from '../../profiles/fs.ts';
import { formatProfile, formatProfileList } from '../../profiles/format.ts';
import { readTrace, type TraceFormat } from '../../workload/traces/open-trace.ts';
import { openLineSource } from '../../workload/node-line-source.ts';
import { traceStats, formatTraceStats } from '../../workload/stats.ts';
import { scenarioJsonSchema } from '../../scenario/json-schema.ts';
import { stableJson } from '../../report/json.ts';
import type { Io } from '../io.ts';

export function profilesListCommand(io: Io, kind?: string): number {
  if (kind !== undefined && kind !== 'gpus' && kind !== 'models') {
    throw new UserError(`unknown profile kind "${kind}"`, { where: 'profiles list', fix: 'use "gpus" or "models"' });
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
  const isGpu = listProfileIds('gpus').includes(id);
  io.out(formatProfile(isGpu ? loadGpuProfile(id) : loadModelProfile(id)) + '\n');
  return 0;
}

export function traceStatsCommand(io: Io, file: string, opts: { format: TraceFormat; timeScale: string; json?: boolean }): number {
  const timeScale = Number(opts.timeScale);
  const src = readTrace(opts.format, openLineSource(path.resolve(file)), { timeScale, timeScaleKey: '--time-scale' });
  const stats = traceStats(src);
  io.out(opts.json ? stableJson(stats) : formatTraceStats(stats) + '\n');
  return 0;
}

export function schemaCommand(io: Io, opts: { out?: string }): number {
  const text = stableJson(scenarioJsonSchema());
  if (opts.out) writeFileSync(opts.out, text);
  else io.out(text);
  return 0;
}
