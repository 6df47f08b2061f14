import { UserError } from '../../errors/user-error.ts';
import type { Rng } from '../rng.ts';
import type { LengthSampler } from '../types.ts';
import { requirePositiveInt } from '../validate.ts';

/** Uniform integer lengths. */
export interface UniformLengthParams {
  /** Smallest length, inclusive (integer ≥ 1). */
  min: number;
  /** Largest length, inclusive (integer ≥ min). */
  max: number;
}

/**
 * Integers drawn uniformly from [min, max], both ends inclusive.
 *
 * @param where config key path used in error messages
 * @example
 * uniformLengths({ min: 100, max: 300 }, createRng(1, 'lengths.input')).sample(); // 100…300
 */
export function uniformLengths(params: UniformLengthParams, rng: Rng, where = 'lengths'): LengthSampler {
  const min = requirePositiveInt(params.min, `${where}.min`, 'the smallest length in tokens, e.g. 1');
  const max = requirePositiveInt(params.max, `${where}.max`, 'the largest length in tokens');
  if (max < min) {
    throw new UserError(`max (${max}) is smaller than min (${min})`, {
      where: `${where}.max`,
      fix: 'make max ≥ min (both are inclusive)',
    });
  }
  const span = max - min + 1;
  return { sample: () => min + Math.floor(rng.next() * span) };
}
