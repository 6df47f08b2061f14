/**
 * Node-profile loader. File access goes through a small injected reader so that this module runs in a
 * browser as well as in Node (the Node adapter is `nodeTextReader` in `src/cli/node-text-reader.ts`).
 */
import { parseDocument } from 'yaml';
import { UserError } from '../errors/user-error.ts';
import { NodeProfileSchema, type NodeProfile } from './schema.ts';

/** What the loader needs from a file system: list a directory's file names, read a file as UTF-8 text. */
export interface TextReader {
  list(dir: string): string[];
  read(path: string): string;
}

const ID_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Parse and validate one node profile; `sourceName` is used in error messages. */
export function parseNodeProfile(text: string, sourceName: string): NodeProfile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new UserError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, {
      where: sourceName, fix: 'fix the YAML syntax',
    });
  }
  const r = NodeProfileSchema.safeParse(doc.toJS());
  if (!r.success) {
    const detail = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new UserError(`invalid node profile: ${detail}`, {
      where: sourceName, fix: 'see an existing profiles/nodes/*.yaml for the expected fields and units',
    });
  }
  checkConsistency(r.data, sourceName);
  return r.data;
}

/** Cross-field checks zod cannot express: references between switches, sockets, GPUs and groups. */
function checkConsistency(p: NodeProfile, where: string): void {
  const fail = (msg: string): never => {
    throw new UserError(`invalid node profile: ${msg}`, { where, fix: 'fix the reference' });
  };
  const switchIds = new Set<string>();
  for (const s of p.switches) {
    if (switchIds.has(s.id)) fail(`duplicate switch id "${s.id}"`);
    switchIds.add(s.id);
    if (s.socket >= p.sockets.length) fail(`switch ${s.id} hangs off socket ${s.socket}, but there are ${p.sockets.length}`);
  }
  const attached = [...p.gpus.attach, ...p.nics.map((n) => n.attach), ...p.nvme.map((n) => n.attach)];
  for (const a of attached) if (!switchIds.has(a)) fail(`unknown switch "${a}"`);
  const nGpus = p.gpus.attach.length;
  const seen = new Set<number>();
  for (const g of p.scaleUp.groups) {
    for (const i of g) {
      if (i >= nGpus) fail(`scaleUp group names GPU ${i}, but the node has ${nGpus}`);
      if (seen.has(i)) fail(`GPU ${i} is in two scaleUp groups`);
      seen.add(i);
    }
  }
  if (p.sockets.length > 1 && p.interSocket === undefined) fail('several sockets need an interSocket link');
  if (p.scaleUp.kind !== 'none' && p.scaleUp.linkBytesPerSec <= 0) fail('scaleUp.linkBytesPerSec must be > 0');
  if (p.scaleUp.inNetworkReduction && (p.scaleUp.kind !== 'nvswitch' || p.scaleUp.nvlsEfficiency === undefined)) {
    fail('inNetworkReduction needs kind nvswitch and nvlsEfficiency');
  }
}

/** Ids of the node profiles in `dir` (file names without .yaml), sorted. */
export function listNodeProfileIds(reader: TextReader, dir: string): string[] {
  return reader.list(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** Load `<dir>/<id>.yaml`; an unknown id is a UserError listing the known ones. */
export function loadNodeProfile(reader: TextReader, dir: string, id: string): NodeProfile {
  const known = listNodeProfileIds(reader, dir);
  if (!ID_RE.test(id) || !known.includes(id)) {
    throw new UserError(`unknown node profile "${id}"`, { where: 'node', fix: `use one of: ${known.join(', ')}` });
  }
  const file = `${dir}/${id}.yaml`;
  const p = parseNodeProfile(reader.read(file), file);
  if (p.id !== id) throw new UserError(`node profile id "${p.id}" does not match its file name`, { where: file });
  return p;
}
