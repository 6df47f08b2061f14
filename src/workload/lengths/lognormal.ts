import { UserError } from '../../errors/user-error.ts';
import { standardNormal, type Rng } from '../rng.ts';
import type { LengthSampler } from '../types.ts';
import { requirePositive } from '../validate.ts';

/** z such that Φ(z) = 0.99 for the standard normal. */
export const Z_P99 = 2.3263478740408408;

/**
 * Lognormal lengths, parametrised by their mean and either their 99th percentile or the σ of the
 * underlying normal. Exactly one of `p99` / `sigma` must be given.
 */
export interface LognormalLengthParams {
  /** Mean of the distribution in tokens (> 0). */
  mean: number;
  /** 99th percentile in tokens: must exceed `mean`, and be at most ≈14.97 × mean. */
  p99?: number;
  /** σ of the underlying normal (> 0). */
  sigma?: number;
}

/** μ and σ of the normal underlying a lognormal. */
export interface LognormalShape {
  mu: number;
  sigma: number;
}

/** Why a lognormal cannot be built: a message, the offending key (relative) and how to fix it. */
export interface LognormalProblem {
  key: 'mean' | 'p99' | 'sigma';
  message: string;
  fix: string;
}

/**
 * Solves for the (μ, σ) whose lognormal has the requested mean and p99, or says why none fits.
 *
 * mean = exp(μ + σ²/2) and p99 = exp(μ + zσ) give σ² − 2zσ + 2·ln(p99/mean) = 0. We take the smaller
 * positive root σ = z − √(z² − 2·ln(p99/mean)). It is positive only if p99 > mean (otherwise the only
 * roots have σ ≥ 2z ≈ 4.65 — a distribution whose mean lies above its p99, which is never what a length
 * distribution means), and real only if p99/mean ≤ exp(z²/2) ≈ 14.97.
 *
 * @example
 * solveLognormal({ mean: 1000, p99: 4000 }); // { mu: ≈6.71, sigma: ≈0.70 }
 */
export function solveLognormal(params: LognormalLengthParams): LognormalShape | LognormalProblem {
  const { mean, p99, sigma } = params;
  if (!(Number.isFinite(mean) && mean > 0)) {
    return { key: 'mean', message: `mean must be a finite number > 0, got ${String(mean)}`, fix: 'give the mean length in tokens, e.g. 1000' };
  }
  if ((p99 === undefined) === (sigma === undefined)) {
    return {
      key: p99 === undefined ? 'p99' : 'sigma',
      message: 'a lognormal needs exactly one of p99 or sigma besides mean',
      fix: 'give {mean, p99} (e.g. mean: 1000, p99: 4000) or {mean, sigma} (e.g. mean: 1000, sigma: 0.7)',
    };
  }
  if (sigma !== undefined) {
    if (!(Number.isFinite(sigma) && sigma > 0)) {
      return { key: 'sigma', message: `sigma must be a finite number > 0, got ${String(sigma)}`, fix: 'give the σ of the underlying normal, e.g. 0.7' };
    }
    return { mu: Math.log(mean) - (sigma * sigma) / 2, sigma };
  }
  const q = p99 as number;
  if (!(Number.isFinite(q) && q > 0)) {
    return { key: 'p99', message: `p99 must be a finite number > 0, got ${String(q)}`, fix: 'give the 99th-percentile length in tokens, e.g. 4 × the mean' };
  }
  if (q <= mean) {
    return {
      key: 'p99',
      message: `p99 (${q}) must be larger than mean (${mean}) for a lognormal length distribution`,
      fix: 'check that mean and p99 are not swapped; the p99 of a length distribution is normally 2–10× its mean',
    };
  }
  const d = Math.log(q / mean);
  const disc = Z_P99 * Z_P99 - 2 * d;
  if (disc < 0) {
    const maxP99 = Math.floor(mean * Math.exp((Z_P99 * Z_P99) / 2));
    return {
      key: 'p99',
      message: `no lognormal has mean ${mean} and p99 ${q}: p99 can be at most ≈14.97 × the mean (${maxP99})`,
      fix: `lower p99 to ≤ ${maxP99}, raise the mean, or use {kind: file} with measured lengths for such a heavy tail`,
    };
  }
  const s = Z_P99 - Math.sqrt(disc);
  return { mu: Math.log(mean) - (s * s) / 2, sigma: s };
}

/**
 * Lognormal lengths with the given mean and p99 (or σ), rounded to integers and clamped below at 1.
 *
 * @param where config key path used in error messages, e.g. `workload.lengths.input`
 * @example
 * const s = lognormalLengths({ mean: 1000, p99: 4000 }, createRng(42, 'lengths.input'));
 * s.sample(); // an integer ≥ 1; over many draws mean ≈ 1000, p99 ≈ 4000
 */
export function lognormalLengths(params: LognormalLengthParams, rng: Rng, where = 'lengths'): LengthSampler {
  requirePositive(params.mean, `${where}.mean`, 'the mean length in tokens, e.g. 1000');
  const shape = solveLognormal(params);
  if ('key' in shape) throw new UserError(shape.message, { where: `${where}.${shape.key}`, fix: shape.fix });
  const { mu, sigma } = shape;
  return {
    sample() {
      const x = Math.round(Math.exp(mu + sigma * standardNormal(rng)));
      return x < 1 ? 1 : x;
    },
  };
}
