/**
 * Small parameter checks shared by the workload factories. Each throws a {@link UserError} whose `where` is
 * the config key path of the offending value, so direct (non-zod) callers get the same quality of message.
 */
import { messages } from '../errors/messages.ts';

/**
 * Requires a finite number > 0.
 *
 * @example
 * requirePositive(cfg.ratePerSec, 'workload.arrivals.ratePerSec', 'an arrival rate in requests per second');
 */
export function requirePositive(value: number, where: string, meaning: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw messages.notPositive(where, value, meaning);
  }
  return value;
}

/**
 * Requires a finite number ≥ 0.
 *
 * @example
 * requireNonNegative(cfg.std, 'workload.lengths.input.std', 'a standard deviation in tokens');
 */
export function requireNonNegative(value: number, where: string, meaning: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw messages.negative(where, value, meaning);
  }
  return value;
}

/**
 * Requires an integer ≥ 1.
 *
 * @example
 * requirePositiveInt(cfg.value, 'workload.lengths.output.value', 'a token count such as 200');
 */
export function requirePositiveInt(value: number, where: string, meaning: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw messages.notPositiveInt(where, value, meaning);
  }
  return value;
}
