import type { AdmitOptions } from '../replica.ts';
import type { SchedulerView } from '../scheduler-view.ts';

/**
 * Building blocks shared by the batching policies (one concept each; the policies in this folder compose them).
 */

/**
 * Adds the next chunk of every partially prefilled running sequence, within `budget` tokens and what the KV
 * cache can hold (a prompt chunk never preempts). Returns the budget left.
 */
export function continuePrompts(r: SchedulerView, budget: number): number {
  for (let i = 0; i < r.running.length && budget > 0; i++) {
    const s = r.running[i];
    if (s.kvTokens >= s.promptLen) continue;
    const chunk = Math.min(s.promptLen - s.kvTokens, budget, r.fitTokens(s) - s.kvTokens);
    if (chunk <= 0 || !r.grow(s, s.kvTokens + chunk)) continue;
    r.addToBatch(s, chunk);
    budget -= chunk;
  }
  return budget;
}

/**
 * Admits waiting requests FCFS while the budget lasts, the running set stays ≤ maxNumSeqs and the cache holds
 * their first chunk (no overtaking: the first that cannot start stops admission, unless strict priority
 * preempts for it). `cap(budget)` is the most prompt tokens the next admission may take. Returns the budget left.
 */
export function admitWaiting(r: SchedulerView, budget: number, opts: AdmitOptions, cap: (budget: number) => number = (b) => b): number {
  while (budget > 0 && r.waiting.length > 0) {
    const chunk = r.running.length < r.cfg.maxNumSeqs ? r.tryAdmitHead(cap(budget), opts) : 0;
    if (chunk === 0) {
      if (r.preemptForHead()) continue; // strict priority: make room for a more important request
      break;
    }
    budget -= chunk;
  }
  return budget;
}
