import type { SchedulerView } from '../scheduler-view.ts';

const WHOLE = { wholePrompt: true, reserveWholeRequest: false };

/**
 * vLLM-style continuous batching (the V0 scheduler without chunked prefill): a step either prefills newly
 * admitted prompts (prefill first, as vLLM prioritises them) or decodes every running sequence.
 * - Admission is FCFS from the waiting queue while the whole prompt fits in the token budget
 *   (`maxBatchedTokens`), the running set stays ≤ `maxNumSeqs`, and the KV cache keeps a watermark of
 *   free blocks; the first request that does not fit stops admission (no overtaking).
 * - A decode step needs a free slot for each sequence's next token; when the cache runs out, the newest
 *   running sequence is preempted by recompute, repeatedly, until the rest fit.
 */
export function scheduleContinuous(r: SchedulerView): void {
  const { cfg } = r;
  let budget = cfg.maxBatchedTokens;
  while (r.waiting.length > 0) {
    if (r.running.length >= cfg.maxNumSeqs) {
      if (r.preemptForHead()) continue;
      break;
    }
    // A preempted sequence whose recompute prompt outgrew the budget may run alone.
    const head = r.waiting.peekFront()!;
    const cap = r.batchN === 0 ? Math.max(budget, head.promptLen) : budget;
    const chunk = r.tryAdmitHead(cap, WHOLE);
    if (chunk === 0) {
      if (r.preemptForHead()) continue;
      break;
    }
    budget -= chunk;
  }
  if (r.batchN > 0) return;
  decodeAll(r);
}

/**
 * Schedules one decode token for every running sequence that has finished its prompt, preempting the
 * newest sequences (recompute) while the cache cannot hold the next tokens. Shared by the policies.
 */
export function decodeAll(r: SchedulerView): void {
  for (let i = 0; i < r.running.length; i++) {
    const s = r.running[i];
    if (s.kvTokens < s.promptLen) continue;
    while (!r.grow(s, s.kvTokens + 1)) {
      const victim = r.preemptNewest();
      if (victim === s) break;
    }
    if (i < r.running.length && r.running[i] === s) r.addToBatch(s, 1);
  }
}
