/**
 * Reads the scenario's zod schema at a key path, so that problems can list the keys an object accepts
 * ("did you mean") and the forms a union or enum accepts. Uses zod's public `_zod.def` description of a
 * schema; the raw (unvalidated) value picks the branch of a discriminated union.
 */
interface Def {
  type: string;
  innerType?: ZodLike;
  in?: ZodLike;
  shape?: Record<string, ZodLike>;
  element?: ZodLike;
  options?: ZodLike[];
  discriminator?: string;
  entries?: Record<string, string | number>;
  values?: unknown[];
  valueType?: ZodLike;
}
export interface ZodLike {
  _zod: { def: Def };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(s: ZodLike): ZodLike {
  for (let i = 0; i < 20; i++) {
    const d = s._zod.def;
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else break;
  }
  return s;
}

function literalValues(s: ZodLike): unknown[] {
  const d = unwrap(s)._zod.def;
  if (d.type === 'literal') return d.values ?? [];
  if (d.type === 'enum') return Object.values(d.entries ?? {});
  return [];
}

/** The object branch of a union that `raw` was meant to be (by its discriminator, else by its keys). */
function pickBranch(s: ZodLike, raw: unknown): ZodLike | undefined {
  const d = s._zod.def;
  const objects = (d.options ?? []).map(unwrap).filter((o) => o._zod.def.type === 'object');
  if (objects.length === 0) return undefined;
  const r = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const disc = d.discriminator;
  if (disc !== undefined) {
    return objects.find((o) => literalValues(o._zod.def.shape![disc]!).includes(r[disc]));
  }
  const keys = Object.keys(r);
  let best = objects[0];
  let bestHits = -1;
  for (const o of objects) {
    const hits = keys.filter((k) => k in (o._zod.def.shape ?? {})).length;
    if (hits > bestHits) {
      best = o;
      bestHits = hits;
    }
  }
  return best;
}

/** The schema at `path` under `root` (wrappers removed), or undefined where the path leaves the schema. */
export function schemaAt(root: ZodLike, path: readonly (string | number)[], rawRoot: unknown, pickBranchAtEnd = true): ZodLike | undefined {
  let s: ZodLike | undefined = unwrap(root);
  let raw: unknown = rawRoot;
  for (const seg of path) {
    if (s === undefined) return undefined;
    if (s._zod.def.type === 'union') s = pickBranch(s, raw);
    if (s === undefined) return undefined;
    const d: Def = s._zod.def;
    const next: ZodLike | undefined = d.type === 'object' ? d.shape?.[String(seg)]
      : d.type === 'array' ? d.element
        : d.type === 'record' ? d.valueType : undefined;
    raw = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[String(seg)] : undefined;
    s = next === undefined ? undefined : unwrap(next);
  }
  if (pickBranchAtEnd && s !== undefined && s._zod.def.type === 'union') {
    const b = pickBranch(s, raw);
    if (b !== undefined && (s._zod.def.discriminator !== undefined || raw !== null && typeof raw === 'object')) return b;
  }
  return s;
}

/** The keys an object at `path` accepts, or [] when it is not an object. */
export function keysAt(root: ZodLike, path: readonly (string | number)[], rawRoot: unknown): string[] {
  const s = schemaAt(root, path, rawRoot);
  return s !== undefined && s._zod.def.type === 'object' ? Object.keys(s._zod.def.shape ?? {}) : [];
}

/**
 * The accepted forms of a value, for a message: the values of an enum or literal, and for a union each
 * branch (`{ kind, stalenessSec }` for an object branch).
 */
export function formsOf(s: ZodLike | undefined): string[] {
  if (s === undefined) return [];
  const u = unwrap(s);
  const d = u._zod.def;
  if (d.type === 'enum' || d.type === 'literal') return literalValues(u).map((v) => String(v));
  if (d.type === 'union') {
    const out: string[] = [];
    for (const o of d.options ?? []) {
      const od = unwrap(o)._zod.def;
      if (od.type === 'object') {
        const keys = Object.keys(od.shape ?? {});
        const disc = d.discriminator;
        const lit = disc !== undefined ? literalValues(od.shape![disc]!) : [];
        const sameChoices = (k: string): boolean => {
          const vals = literalValues(od.shape![k]!).map(String);
          return vals.length > 1 && vals.every((v) => out.includes(v));
        };
        out.push(`{ ${keys.map((k) => (k === disc && lit.length === 1 ? `${k}: ${String(lit[0])}`
          : sameChoices(k) ? `${k}: <one of the above>` : k)).join(', ')} }`);
      } else out.push(...formsOf(o));
    }
    return out;
  }
  if (d.type === 'boolean') return ['true', 'false'];
  return [];
}
