import type { SchedulerView } from '../scheduler-view.ts';
import { decodeAll } from './continuous.ts';
import { admitWaiting, continuePrompts } from './parts.ts';

const PARTIAL = { wholePrompt: false, reserveWholeRequest: false };

/**
 * SGLang's default scheduler (prefill-first, chunked prefill, no mixed batches): a step is either a prefill
 * batch or a decode batch, never both (`enable_mixed_chunk` is off by default).
 * - If any prompt work can run — a partially prefilled request (its next chunk goes first) or a waiting
 *   request that fits — the step is a prefill batch of at most `maxBatchedTokens` prompt tokens
 *   (`chunked_prefill_size`); the last admitted prompt is cut to the remaining budget.
 * - Otherwise every running request decodes one token; when the KV pool runs out, the newest request is
 *   retracted (recomputed later), as SGLang's retraction does.
 * Admission is FCFS while the running set stays ≤ `maxNumSeqs` and the KV pool holds the chunk. SGLang's
 * `new_token_ratio` reservation for future decode tokens is not modelled: retraction handles overcommit.
 */
export function schedulePrefillFirst(r: SchedulerView): void {
  // The request being chunk-prefilled continues first, then new requests FCFS.
  admitWaiting(r, continuePrompts(r, r.cfg.maxBatchedTokens), PARTIAL);
  if (r.batchN > 0) return;
  decodeAll(r);
  // Prompts stuck on a full pool with nothing decoding: free room by retraction.
  if (r.batchN === 0 && r.running.length > 0) {
    r.preemptNewest();
    schedulePrefillFirst(r);
  }
}
