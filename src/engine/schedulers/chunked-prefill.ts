import type { SchedulerView } from '../scheduler-view.ts';
import { decodeAll } from './continuous.ts';
import { admitWaiting, continuePrompts } from './parts.ts';

const PARTIAL = { wholePrompt: false, reserveWholeRequest: false };
/** TensorRT-LLM GUARANTEED_NO_EVICT: KV for input + output reserved at admission, so nothing is ever evicted. */
const PARTIAL_NO_EVICT = { wholePrompt: false, reserveWholeRequest: true };
const WHOLE_NO_EVICT = { wholePrompt: true, reserveWholeRequest: true };
const WHOLE = { wholePrompt: true, reserveWholeRequest: false };

/**
 * Sarathi-Serve-style chunked prefill — vLLM V1's scheduler and TensorRT-LLM's in-flight batching: every step
 * first schedules one token for each decoding sequence, then fills the rest of the `maxBatchedTokens` budget
 * with prompt chunks — first continuing partially prefilled sequences, then admitting new ones FCFS. Decodes
 * are never stalled by a long prompt; a prompt longer than the budget is spread over several steps.
 * - `guaranteedNoEvict` (TensorRT-LLM's default capacity policy): a request is admitted only when KV for its
 *   whole input + output can be reserved, so running requests never need preemption.
 * - `wholePrompt` (trtllm-serve without chunked context): a prompt is admitted only when it fits in the
 *   remaining budget whole.
 */
export function scheduleChunkedPrefill(r: SchedulerView): void {
  formBatch(r);
  // Every running prompt is stuck on a full cache with nothing decoding: free room by preemption.
  while (r.batchN === 0 && r.running.length > 0) {
    r.preemptNewest();
    formBatch(r);
  }
}

function formBatch(r: SchedulerView): void {
  const { cfg } = r;
  // Strict priority: a waiting request that outranks running ones and cannot start makes room first.
  while (r.waiting.length > 0 && r.headBlocked() && r.preemptForHead());
  decodeAll(r);
  const budget = continuePrompts(r, cfg.maxBatchedTokens - r.batchN);
  // Admit new prompts (not in a step that had to preempt: the cache is under pressure).
  if (r.preemptedThisStep && r.running.length > 0) return;
  const opts = cfg.guaranteedNoEvict ? (cfg.wholePrompt ? WHOLE_NO_EVICT : PARTIAL_NO_EVICT) : (cfg.wholePrompt ? WHOLE : PARTIAL);
  admitWaiting(r, budget, opts);
}
