import { messages } from '../../errors/messages.ts';
import { closeIfClosable } from '../close.ts';
import type { Lengths, RequestSource } from '../types.ts';

/**
 * Lengths for a closed loop taken from trace rows in order; when the trace runs out it is reopened and
 * replayed from its first row. The returned object is the trace's request, so it also carries `hashIds` /
 * `hashBlockTokens` when the trace has them.
 *
 * @param open opens the trace afresh (called once now and again at each wrap-around)
 * @example
 * const next = cyclingTraceLengths(() => readAzureTrace(openLineSource(file)));
 * next(); // { inputTokens: 374, outputTokens: 44, … }
 */
export function cyclingTraceLengths(open: () => RequestSource): () => Lengths {
  let src = open();
  return () => {
    let r = src.next();
    if (r === null) {
      closeIfClosable(src);
      src = open();
      r = src.next();
      if (r === null) throw messages.traceWithoutRequests();
    }
    return r;
  };
}
