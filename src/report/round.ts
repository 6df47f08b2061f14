/**
 * Rounds to `digits` significant digits for output (stable, readable JSON; NaN → null).
 *
 * @example
 * sig(123.456789, 4) // 123.5
 */
export function sig(x: number, digits = 6): number | null {
  if (!Number.isFinite(x)) return null;
  if (x === 0) return 0;
  return Number(x.toPrecision(digits));
}

/** Applies `sig` to every number of a plain object tree (returns a new tree). */
export function roundTree<T>(value: T, digits = 6): T {
  if (typeof value === 'number') return sig(value, digits) as T;
  if (Array.isArray(value)) return value.map((v) => roundTree(v, digits)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = roundTree(v, digits);
    return out as T;
  }
  return value;
}
