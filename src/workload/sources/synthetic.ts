import type { ArrivalProcess } from '../arrivals/arrival-process.ts';
import type { LengthSampler, RequestSource } from '../types.ts';

/**
 * An endless request stream: times from an arrival process, lengths from two samplers. Wrap it in
 * {@link cappedSource} to end it.
 *
 * @example
 * const src = syntheticSource(poissonArrivals({ ratePerSec: 8 }, rngA), fixedLengths({ value: 1000 }),
 *   fixedLengths({ value: 200 }));
 * src.next(); // { id: 0, arrivalSec: 0.07…, inputTokens: 1000, outputTokens: 200 }
 */
export function syntheticSource(arrivals: ArrivalProcess, input: LengthSampler, output: LengthSampler): RequestSource {
  let id = 0;
  return {
    next() {
      return { id: id++, arrivalSec: arrivals.nextArrivalSec(), inputTokens: input.sample(), outputTokens: output.sample() };
    },
  };
}
