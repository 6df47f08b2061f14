/**
 * Loader of `profiles/power/<gpu>.yaml` through the injected `TextReader` (browser-safe; the Node adapter
 * is src/cli/node-text-reader.ts).
 */
import { parseDocument } from 'yaml';
import { UserError } from '../errors/user-error.ts';
import type { TextReader } from '../topology/load.ts';
import { GpuPowerProfileSchema, type GpuPowerProfile } from './schema.ts';

/** Parse and validate one power profile. */
export function parsePowerProfile(text: string, sourceName: string): GpuPowerProfile {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UserError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { where: sourceName });
  const r = GpuPowerProfileSchema.safeParse(doc.toJS());
  if (!r.success) {
    const detail = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new UserError(`invalid power profile: ${detail}`, { where: sourceName, fix: 'see profiles/power/h100-sxm.yaml' });
  }
  const p = r.data;
  if (p.minClockMhz >= p.maxClockMhz) throw new UserError('minClockMhz must be below maxClockMhz', { where: sourceName });
  if (p.idleWatts >= p.tdpWatts || p.minCapWatts > p.tdpWatts) throw new UserError('idleWatts and minCapWatts must be below tdpWatts', { where: sourceName });
  return p;
}

/** Ids of the GPUs that have power defaults in `dir`. */
export function listPowerProfileIds(reader: TextReader, dir: string): string[] {
  return reader.list(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** Load `<dir>/<gpu>.yaml`; unknown GPU → UserError naming the GPUs that have defaults. */
export function loadPowerProfile(reader: TextReader, dir: string, gpuId: string): GpuPowerProfile {
  const known = listPowerProfileIds(reader, dir);
  if (!known.includes(gpuId)) {
    throw new UserError(`no power defaults for GPU "${gpuId}"`, { where: 'power', fix: `add profiles/power/${gpuId}.yaml or use one of: ${known.join(', ')}` });
  }
  const file = `${dir}/${gpuId}.yaml`;
  const p = parsePowerProfile(reader.read(file), file);
  if (p.gpu !== gpuId) throw new UserError(`power profile gpu "${p.gpu}" does not match its file name`, { where: file });
  return p;
}
