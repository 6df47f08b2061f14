import { closeIfClosable } from '../close.ts';
import type { LengthSampler, RequestSource } from '../types.ts';

/**
 * Replays a trace's arrival times with lengths drawn from distributions instead of the trace's own
 * (e.g. the Azure arrival pattern with your product's prompt lengths). Prefix hashes are dropped, since
 * they describe the trace's prompts. Ends with the trace.
 *
 * @example
 * const src = relengthedSource(readAzureTrace(lines), fixedLengths({ value: 1000 }), fixedLengths({ value: 200 }));
 */
export function relengthedSource(
  rows: RequestSource,
  input: LengthSampler,
  output: LengthSampler,
): RequestSource & { close(): void } {
  return {
    next() {
      const r = rows.next();
      if (r === null) return null;
      return { id: r.id, arrivalSec: r.arrivalSec, inputTokens: input.sample(), outputTokens: output.sample() };
    },
    close: () => closeIfClosable(rows),
  };
}
