/**
 * Parses profile YAML text into validated profiles. Pure: no file or process access, so it runs in the
 * browser too; `fs.ts` is the Node adapter that reads the files.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors/user-error.ts';
import { messages } from '../errors/messages.ts';
import { GpuProfileSchema, ModelProfileSchema, type GpuProfile, type ModelProfile } from './schema.ts';

/** "a.b[2].c" from a zod issue path. */
export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function parseYamlText(text: string, sourceName: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new UserError(`invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
      where: line !== undefined ? `${sourceName}:${line}` : sourceName,
      fix: 'fix the YAML syntax (indentation, quoting, duplicate keys)',
    });
  }
  return doc.toJS();
}

function validate<S extends z.ZodType>(schema: S, data: unknown, sourceName: string, kind: string): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw messages.fileSchemaIssues(sourceName, `${kind} profile`, r.error.issues.map((i) => ({ path: formatKeyPath(i.path), message: i.message })),
    `see the comment at the top of an existing profiles/${kind === 'GPU' ? 'gpus' : 'models'}/*.yaml for the expected fields and units`);
}

/** Parse and validate one GPU profile. `sourceName` (a file name) is used in error messages. */
export function parseGpuProfile(text: string, sourceName: string): GpuProfile {
  return validate(GpuProfileSchema, parseYamlText(text, sourceName), sourceName, 'GPU');
}

/** Parse and validate one model profile. `sourceName` (a file name) is used in error messages. */
export function parseModelProfile(text: string, sourceName: string): ModelProfile {
  return validate(ModelProfileSchema, parseYamlText(text, sourceName), sourceName, 'model');
}

/**
 * Leaf field paths of a profile (excluding `id` and `sources`) that no `sources` key covers. A key covers a
 * path when it equals it or is a dotted prefix of it.
 */
export function unsourcedFields(profile: { sources: Record<string, string> }): string[] {
  const keys = Object.keys(profile.sources);
  const missing: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        if (path === '' && (k === 'sources' || k === 'id')) continue;
        walk(child, path === '' ? k : `${path}.${k}`);
      }
      return;
    }
    if (!keys.some((k) => k === path || path.startsWith(`${k}.`))) missing.push(path);
  };
  walk(profile, '');
  return missing;
}

/**
 * The GPU and model profiles a resolver can use. `fsProfileRegistry()` (src/profiles/fs.ts, Node) reads
 * profiles/; `createProfileRegistry()` holds profiles passed as data (browser, tests).
 */
export interface ProfileRegistry {
  /** Sorted GPU profile ids. */
  gpuIds(): string[];
  /** Sorted model profile ids. */
  modelIds(): string[];
  /** The GPU profile `id`; unknown id → UserError listing the known ids. */
  gpu(id: string): GpuProfile;
  /** The model profile `id`; unknown id → UserError listing the known ids. */
  model(id: string): ModelProfile;
}

/** Profiles given as data: parsed profiles, or their YAML text (validated here, as the files are). */
export interface ProfileData {
  gpus: ReadonlyArray<GpuProfile | string>;
  models: ReadonlyArray<ModelProfile | string>;
}

/**
 * An in-memory {@link ProfileRegistry}. YAML strings are parsed and validated like profile files (a bad one
 * throws a UserError naming `<kind> profile #<index>`); a duplicate id throws.
 *
 * @example
 * const registry = createProfileRegistry({ gpus: [h100Yaml], models: [llamaYaml] });
 * registry.gpu('h100-sxm').memoryGb;
 */
export function createProfileRegistry(data: ProfileData): ProfileRegistry {
  const gpus = new Map<string, GpuProfile>();
  const models = new Map<string, ModelProfile>();
  const add = <P extends { id: string }>(into: Map<string, P>, p: P, kind: string): void => {
    if (into.has(p.id)) throw new UserError(`duplicate ${kind} profile id "${p.id}"`, { where: `${kind} profiles`, fix: 'pass each profile once' });
    into.set(p.id, p);
  };
  data.gpus.forEach((g, i) => add(gpus, typeof g === 'string' ? parseGpuProfile(g, `GPU profile #${i}`) : g, 'GPU'));
  data.models.forEach((m, i) => add(models, typeof m === 'string' ? parseModelProfile(m, `model profile #${i}`) : m, 'model'));
  const get = <P>(from: Map<string, P>, id: string, kind: 'gpus' | 'models'): P => {
    const p = from.get(id);
    if (p === undefined) {
      const p = messages.unknownProfile(kind === 'gpus' ? 'gpu' : 'model', id, [...from.keys()].sort(), kind === 'gpus' ? 'gpu' : 'model');
      throw UserError.of([{ ...p, fix: p.fix.replace(/ \(or add profiles\/.*\)$/, ' (or pass the profile to the registry)') }]);
    }
    return p;
  };
  return {
    gpuIds: () => [...gpus.keys()].sort(),
    modelIds: () => [...models.keys()].sort(),
    gpu: (id) => get(gpus, id, 'gpus'),
    model: (id) => get(models, id, 'models'),
  };
}
