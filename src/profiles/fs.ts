/**
 * Node adapter: finds and reads the profile YAML files. The parsing itself is in `registry.ts` (pure).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors/user-error.ts';
import { messages } from '../errors/messages.ts';
import { parseGpuProfile, parseModelProfile, type ProfileRegistry } from './registry.ts';
import type { GpuProfile, ModelProfile } from './schema.ts';

export type ProfileKind = 'gpus' | 'models';

const ID_RE = /^[a-z0-9][a-z0-9._-]*$/i;

/**
 * The profiles directory: `$SERVESIM_PROFILES` when set, otherwise the repository's `profiles/`, found by
 * walking up from this file (works from `src/` under tsx and from a compiled `dist/src/`).
 */
export function profilesDir(): string {
  const env = process.env['SERVESIM_PROFILES'];
  if (env !== undefined && env !== '') return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'profiles');
    if (existsSync(join(candidate, 'gpus')) || existsSync(join(candidate, 'models'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Fallback: repository layout src/profiles/fs.ts → ../../profiles
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'profiles');
}

/**
 * Files next to the profiles that are not profiles themselves: calibration outputs
 * (`<gpu>.calibration.yaml`, written by `servesim calibrate`).
 */
const NOT_A_PROFILE_RE = /\.calibration\.ya?ml$/;

/** Sorted ids (file names without `.yaml`) of the profiles of one kind (calibration files excluded). */
export function listProfileIds(kind: ProfileKind): string[] {
  const dir = join(profilesDir(), kind);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw messages.profilesDirMissing(dir);
  }
  return readdirSync(dir)
    .filter((f) => (f.endsWith('.yaml') || f.endsWith('.yml')) && !NOT_A_PROFILE_RE.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

function readProfileText(kind: ProfileKind, id: string): { text: string; file: string } {
  const known = listProfileIds(kind);
  if (!ID_RE.test(id) || !known.includes(id)) {
    throw UserError.of([messages.unknownProfile(kind === 'gpus' ? 'gpu' : 'model', id, known, kind === 'gpus' ? 'gpu' : 'model')]);
  }
  const dir = join(profilesDir(), kind);
  const file = existsSync(join(dir, `${id}.yaml`)) ? join(dir, `${id}.yaml`) : join(dir, `${id}.yml`);
  return { text: readFileSync(file, 'utf8'), file };
}

function checkId(profileId: string, id: string, file: string): void {
  if (profileId !== id) {
    throw messages.profileIdMismatch(file, profileId, id);
  }
}

/** Load and validate `profiles/gpus/<id>.yaml`. Unknown id → UserError listing the known ids. */
export function loadGpuProfile(id: string): GpuProfile {
  const { text, file } = readProfileText('gpus', id);
  const p = parseGpuProfile(text, file);
  checkId(p.id, id, file);
  return p;
}

/** Load and validate `profiles/models/<id>.yaml`. Unknown id → UserError listing the known ids. */
export function loadModelProfile(id: string): ModelProfile {
  const { text, file } = readProfileText('models', id);
  const p = parseModelProfile(text, file);
  checkId(p.id, id, file);
  return p;
}

/** Every GPU profile, sorted by id. */
export function loadAllGpuProfiles(): GpuProfile[] {
  return listProfileIds('gpus').map(loadGpuProfile);
}

/** Every model profile, sorted by id. */
export function loadAllModelProfiles(): ModelProfile[] {
  return listProfileIds('models').map(loadModelProfile);
}

/**
 * The profiles directory as a {@link ProfileRegistry} (files are read on each call, so edits show up).
 *
 * @example
 * const registry = fsProfileRegistry();
 * registry.gpuIds(); // ['a100-40gb', 'a100-80gb', …]
 */
export function fsProfileRegistry(): ProfileRegistry {
  return {
    gpuIds: () => listProfileIds('gpus'),
    modelIds: () => listProfileIds('models'),
    gpu: loadGpuProfile,
    model: loadModelProfile,
  };
}
