import { median as ssMedian } from 'simple-statistics';

/**
 * The median of `values` (the mean of the two middle values for an even count), NaN for none. The one
 * median of the code base: simple-statistics', which throws on an empty list.
 *
 * @example
 * median([3, 1, 2, 10]); // 2.5
 */
export function median(values: readonly number[]): number {
  return values.length === 0 ? NaN : ssMedian(values as number[]);
}
