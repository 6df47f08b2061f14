import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of a file in test/fixtures/traces. */
export const fixture = (name: string): string => path.resolve(here, '../fixtures/traces', name);

/** Absolute path of a real trace in the shared data folder, or null when it is not available here. */
export function sharedTrace(name: string): string | null {
  for (const root of [path.resolve(here, '../../../shared/data/traces'), path.resolve(here, '../../shared/data/traces')]) {
    const p = path.join(root, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Runs `fn`, asserts it throws a UserError, and returns it. */
export function catchUserError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

/** Asserts `fn` throws a UserError whose `where` is exactly `where` and whose message matches `message`. */
export function expectUserError(fn: () => unknown, where: string, message?: RegExp): UserError {
  const e = catchUserError(fn);
  expect(e.where).toBe(where);
  if (message) expect(e.message).toMatch(message);
  expect(e.fix ?? '').not.toBe('');
  return e;
}

/** Mean and coefficient of variation of a sample. */
export function meanCv(xs: ArrayLike<number>): { mean: number; cv: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, cv: Math.sqrt(v / xs.length) / mean };
}

/** Exact p-quantile (linear interpolation) of a sample. */
export function quantile(xs: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(xs).sort();
  const idx = (s.length - 1) * p;
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return s[lo] + (idx - lo) * (s[hi] - s[lo]);
}

/** Smallest and largest value of a sample (no argument spreading: samples can be large). */
export function minMax(xs: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < min) min = xs[i];
    if (xs[i] > max) max = xs[i];
  }
  return { min, max };
}
