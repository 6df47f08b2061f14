import { Deque } from './deque.ts';
import type { Seq } from './seq.ts';

export const QUEUE_POLICIES = ['fcfs', 'priority', 'wfq'] as const;
export type QueuePolicy = (typeof QUEUE_POLICIES)[number];

/**
 * The waiting queue of a replica. Schedulers only look at the head; the policy decides who is the head.
 * `pushFront` returns preempted work to the head of its class/tenant.
 */
export interface WaitQueue {
  readonly length: number;
  peekFront(): Seq | undefined;
  popFront(): Seq | undefined;
  pushBack(s: Seq): void;
  pushFront(s: Seq): void;
  /** Service accounting: `tokens` were processed for a sequence of `tenant` (WFQ charges them). */
  onServed(tenant: number, tokens: number): void;
  /** Every queued sequence, head first (failure handling, migration). Empties the queue. */
  drain(): Seq[];
}

/** First come, first served (preempted work returns to the very front). */
export class FcfsQueue implements WaitQueue {
  private readonly q = new Deque<Seq>();
  get length(): number { return this.q.length; }
  peekFront(): Seq | undefined { return this.q.peekFront(); }
  popFront(): Seq | undefined { return this.q.popFront(); }
  pushBack(s: Seq): void { this.q.pushBack(s); }
  pushFront(s: Seq): void { this.q.pushFront(s); }
  onServed(): void {}
  drain(): Seq[] {
    const out: Seq[] = [];
    for (let s = this.q.popFront(); s; s = this.q.popFront()) out.push(s);
    return out;
  }
}

/**
 * Strict priority: the lowest `priority` value goes first (vLLM's convention); FCFS within a class.
 *
 * @example
 * q.pushBack(batchSeq); q.pushBack(chatSeq); // priorities 2 and 0
 * q.peekFront() === chatSeq
 */
export class PriorityQueue implements WaitQueue {
  /** Classes in ascending priority value. */
  private readonly classes: { priority: number; q: Deque<Seq> }[] = [];
  private n = 0;
  get length(): number { return this.n; }
  peekFront(): Seq | undefined {
    for (const c of this.classes) if (c.q.length > 0) return c.q.peekFront();
    return undefined;
  }
  popFront(): Seq | undefined {
    for (const c of this.classes) {
      if (c.q.length > 0) {
        this.n--;
        return c.q.popFront();
      }
    }
    return undefined;
  }
  pushBack(s: Seq): void { this.classOf(s.priority).pushBack(s); this.n++; }
  pushFront(s: Seq): void { this.classOf(s.priority).pushFront(s); this.n++; }
  onServed(): void {}
  drain(): Seq[] {
    const out: Seq[] = [];
    for (let s = this.popFront(); s; s = this.popFront()) out.push(s);
    return out;
  }
  private classOf(priority: number): Deque<Seq> {
    let i = 0;
    while (i < this.classes.length && this.classes[i].priority < priority) i++;
    if (i < this.classes.length && this.classes[i].priority === priority) return this.classes[i].q;
    const q = new Deque<Seq>();
    this.classes.splice(i, 0, { priority, q });
    return q;
  }
}

/**
 * Weighted fair queueing across tenants, virtual-time based, in the style of the Virtual Token Counter
 * (Sheng et al., OSDI 2024): each tenant has a counter of the tokens served to it divided by its weight;
 * the head is the oldest request of the backlogged tenant with the smallest counter. Work-conserving: an idle
 * tenant's share goes to the others, and when it returns its counter is lifted to the smallest counter
 * among backlogged tenants, so it cannot bank credit while idle.
 */
export class WfqQueue implements WaitQueue {
  private readonly qs: Deque<Seq>[];
  /** Served tokens / weight, per tenant. */
  readonly counters: Float64Array;
  private n = 0;
  constructor(private readonly weights: readonly number[]) {
    this.qs = weights.map(() => new Deque<Seq>());
    this.counters = new Float64Array(weights.length);
  }
  get length(): number { return this.n; }
  peekFront(): Seq | undefined {
    const t = this.pick();
    return t < 0 ? undefined : this.qs[t].peekFront();
  }
  popFront(): Seq | undefined {
    const t = this.pick();
    if (t < 0) return undefined;
    this.n--;
    return this.qs[t].popFront();
  }
  pushBack(s: Seq): void { this.lift(s.tenant); this.qs[s.tenant].pushBack(s); this.n++; }
  pushFront(s: Seq): void { this.lift(s.tenant); this.qs[s.tenant].pushFront(s); this.n++; }
  onServed(tenant: number, tokens: number): void {
    this.counters[tenant] += tokens / this.weights[tenant];
  }
  drain(): Seq[] {
    const out: Seq[] = [];
    for (let s = this.popFront(); s; s = this.popFront()) out.push(s);
    return out;
  }
  private pick(): number {
    let best = -1;
    for (let t = 0; t < this.qs.length; t++) {
      if (this.qs[t].length > 0 && (best < 0 || this.counters[t] < this.counters[best])) best = t;
    }
    return best;
  }
  /** A tenant becoming backlogged starts no lower than the backlogged tenants (no banked credit). */
  private lift(tenant: number): void {
    if (this.qs[tenant].length > 0) return;
    let min = Infinity;
    for (let t = 0; t < this.qs.length; t++) if (this.qs[t].length > 0 && this.counters[t] < min) min = this.counters[t];
    if (min !== Infinity && this.counters[tenant] < min) this.counters[tenant] = min;
  }
}

export function createWaitQueue(policy: QueuePolicy, tenantWeights: readonly number[]): WaitQueue {
  switch (policy) {
    case 'fcfs': return new FcfsQueue();
    case 'priority': return new PriorityQueue();
    case 'wfq': return new WfqQueue(tenantWeights);
  }
}
