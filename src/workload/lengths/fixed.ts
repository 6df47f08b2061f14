import type { LengthSampler } from '../types.ts';
import { requirePositiveInt } from '../validate.ts';

/** A constant length. */
export interface FixedLengthParams {
  /** Tokens (integer ≥ 1). */
  value: number;
}

/**
 * Always returns `value`.
 *
 * @param where config key path used in error messages
 * @example
 * fixedLengths({ value: 200 }).sample(); // 200
 */
export function fixedLengths(params: FixedLengthParams, where = 'lengths'): LengthSampler {
  const value = requirePositiveInt(params.value, `${where}.value`, 'a token count such as 200');
  return { sample: () => value };
}
