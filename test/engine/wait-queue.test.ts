import { describe, it, expect } from 'vitest';
import { createWaitQueue, FcfsQueue, PriorityQueue, WfqQueue } from '../../src/engine/wait-queue.ts';
import type { Seq } from '../../src/engine/seq.ts';

/** Only the fields the queues read. */
const seq = (id: number, tenant = 0, priority = 0) => ({ id, tenant, priority }) as unknown as Seq;
const ids = (xs: Seq[]) => xs.map((s) => (s as unknown as { id: number }).id);

describe('FcfsQueue', () => {
  it('serves in arrival order and returns preempted work to the very front', () => {
    const q = new FcfsQueue();
    q.pushBack(seq(1));
    q.pushBack(seq(2));
    q.pushFront(seq(0));
    expect(q.length).toBe(3);
    expect(ids(q.drain())).toEqual([0, 1, 2]);
    expect(q.length).toBe(0);
    expect(q.popFront()).toBeUndefined();
  });
});

describe('PriorityQueue', () => {
  it('serves the lowest priority value first, FCFS within a class, preempted work first in its class', () => {
    const q = new PriorityQueue();
    q.pushBack(seq(1, 0, 2));
    q.pushBack(seq(2, 0, 0));
    q.pushBack(seq(3, 0, 2));
    q.pushBack(seq(4, 0, 1));
    q.pushFront(seq(5, 0, 2));
    expect((q.peekFront() as unknown as { id: number }).id).toBe(2);
    expect(q.length).toBe(5);
    expect(ids(q.drain())).toEqual([2, 4, 5, 1, 3]);
  });
});

describe('WfqQueue', () => {
  it('serves the backlogged tenant with the least weighted service', () => {
    const q = new WfqQueue([1, 3]);
    for (let i = 0; i < 4; i++) {
      q.pushBack(seq(10 + i, 0));
      q.pushBack(seq(20 + i, 1));
    }
    const order: number[] = [];
    for (let s = q.popFront(); s; s = q.popFront()) {
      const t = (s as unknown as { tenant: number }).tenant;
      order.push(t);
      q.onServed(t, 300); // tenant 1 is charged a third as much per token
    }
    // Tenant 1 (weight 3) gets about three turns per turn of tenant 0 while both are backlogged.
    expect(order.slice(0, 5).filter((t) => t === 1).length).toBeGreaterThanOrEqual(3);
    expect(order.length).toBe(8);
  });

  it('does not let an idle tenant bank credit', () => {
    const q = new WfqQueue([1, 1]);
    q.pushBack(seq(1, 0));
    q.onServed(0, 1000);
    q.popFront();
    q.pushBack(seq(2, 0));
    q.onServed(0, 1000); // tenant 0 has 2000 served, tenant 1 none (idle)
    q.pushBack(seq(3, 1)); // tenant 1 arrives: lifted to tenant 0's counter
    expect(q.counters[1]).toBe(q.counters[0]);
  });

  it('createWaitQueue builds each policy', () => {
    expect(createWaitQueue('fcfs', [1])).toBeInstanceOf(FcfsQueue);
    expect(createWaitQueue('priority', [1])).toBeInstanceOf(PriorityQueue);
    expect(createWaitQueue('wfq', [1, 2])).toBeInstanceOf(WfqQueue);
  });
});
