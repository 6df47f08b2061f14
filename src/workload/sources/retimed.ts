import { closeIfClosable } from '../close.ts';
import type { ArrivalProcess } from '../arrivals/arrival-process.ts';
import type { RequestSource } from '../types.ts';

/**
 * Replays the rows of `rows` (a trace) in order but at the times of a synthetic arrival process: each
 * request keeps its lengths (and hash ids) and gets a new arrival time and id. Ends with the trace.
 *
 * @example
 * const src = retimedSource(poissonArrivals({ ratePerSec: 4 }, rng), readAzureTrace(lines));
 */
export function retimedSource(arrivals: ArrivalProcess, rows: RequestSource): RequestSource & { close(): void } {
  let id = 0;
  return {
    next() {
      const r = rows.next();
      if (r === null) return null;
      r.id = id++;
      r.arrivalSec = arrivals.nextArrivalSec();
      return r;
    },
    close: () => closeIfClosable(rows),
  };
}
