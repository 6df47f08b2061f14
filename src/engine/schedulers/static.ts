import type { SchedulerView } from '../scheduler-view.ts';

const RESERVE = { wholePrompt: false, reserveWholeRequest: true };

/**
 * Static (request-level) batching, as in early FasterTransformer-style servers: when the replica is empty,
 * up to `maxNumSeqs` waiting requests form a batch with KV reserved for their whole input + output; the
 * batch prefills (in `maxBatchedTokens` chunks) and then decodes until its last member finishes. Nothing
 * joins a batch in flight, so short requests wait for long ones — the baseline continuous batching beats.
 */
export function scheduleStatic(r: SchedulerView): void {
  const { cfg } = r;
  let budget = cfg.maxBatchedTokens;
  if (r.running.length === 0) {
    while (r.waiting.length > 0 && r.running.length < cfg.maxNumSeqs) {
      const chunk = r.tryAdmitHead(Math.max(budget, 1), RESERVE);
      if (chunk === 0) break;
      budget = Math.max(budget - chunk, 0);
    }
    if (r.batchN > 0) return;
  }
  // Prompts of the current batch still being prefilled go first.
  let anyPrefill = false;
  for (let i = 0; i < r.running.length; i++) {
    const s = r.running[i];
    if (s.kvTokens < s.promptLen) {
      anyPrefill = true;
      if (budget <= 0) break;
      const chunk = Math.min(s.promptLen - s.kvTokens, budget);
      r.addToBatch(s, chunk);
      budget -= chunk;
    }
  }
  if (anyPrefill) return;
  for (let i = 0; i < r.running.length; i++) r.addToBatch(r.running[i], 1);
}
