import { standardNormal, type Rng } from '../rng.ts';
import type { LengthSampler } from '../types.ts';
import { requireNonNegative, requirePositive } from '../validate.ts';

/** Normally distributed lengths. */
export interface NormalLengthParams {
  /** Mean in tokens (> 0). */
  mean: number;
  /** Standard deviation in tokens (≥ 0). */
  std: number;
}

/**
 * Normal lengths, rounded to the nearest integer and clamped below at 1 (values < 1 become 1, so each
 * sample consumes a fixed amount of randomness; with std ≪ mean the clamp never matters).
 *
 * @param where config key path used in error messages
 * @example
 * normalLengths({ mean: 500, std: 100 }, createRng(1, 'lengths.output')).sample();
 */
export function normalLengths(params: NormalLengthParams, rng: Rng, where = 'lengths'): LengthSampler {
  const mean = requirePositive(params.mean, `${where}.mean`, 'the mean length in tokens, e.g. 500');
  const std = requireNonNegative(params.std, `${where}.std`, 'the standard deviation in tokens, e.g. 100');
  return {
    sample() {
      const x = Math.round(mean + std * standardNormal(rng));
      return x < 1 ? 1 : x;
    },
  };
}
