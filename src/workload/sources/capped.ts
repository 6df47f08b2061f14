import { closeIfClosable } from '../close.ts';
import type { RequestSource } from '../types.ts';

/** Where an open request stream stops. */
export interface SourceCaps {
  /** Emit at most this many requests (default: unlimited). */
  maxRequests?: number;
  /** Emit only requests arriving before this time in seconds, i.e. in [0, durationSec) (default: unlimited). */
  durationSec?: number;
}

/**
 * Ends `inner` after `maxRequests` requests or at the first arrival at/after `durationSec`, whichever
 * comes first, and closes `inner` (releasing a trace file) when it stops early.
 *
 * @example
 * const src = cappedSource(endless, { maxRequests: 5000, durationSec: 600 });
 */
export function cappedSource(inner: RequestSource, caps: SourceCaps): RequestSource & { close(): void } {
  const maxRequests = caps.maxRequests ?? Infinity;
  const durationSec = caps.durationSec ?? Infinity;
  let emitted = 0;
  let done = false;
  const stop = (): null => {
    if (!done) {
      done = true;
      closeIfClosable(inner);
    }
    return null;
  };
  return {
    next() {
      if (done || emitted >= maxRequests) return stop();
      const r = inner.next();
      if (r === null) {
        done = true;
        return null;
      }
      if (r.arrivalSec >= durationSec) return stop();
      emitted++;
      return r;
    },
    close: stop,
  };
}
