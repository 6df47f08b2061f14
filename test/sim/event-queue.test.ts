import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from '../../src/sim/event-queue.ts';
import { Simulator } from '../../src/sim/simulator.ts';

describe('EventQueue', () => {
  it('pops in (time, priority, sequence) order', () => {
    const q = new EventQueue(2);
    q.push(2, 0, 1, 0);
    q.push(1, 1, 2, 0);
    q.push(1, 0, 3, 0);
    q.push(1, 0, 4, 0);
    const kinds: number[] = [];
    while (q.pop()) kinds.push(q.lastKind);
    expect(kinds).toEqual([3, 4, 2, 1]);
  });

  it('matches a stable sort for random events (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 })), { maxLength: 300 }),
        (events) => {
          const q = new EventQueue(1);
          events.forEach(([t, p], i) => q.push(t, p, i, i));
          const expected = events
            .map(([t, p], i) => ({ t, p, i }))
            .sort((a, b) => a.t - b.t || a.p - b.p || a.i - b.i)
            .map((e) => e.i);
          const got: number[] = [];
          while (q.pop()) got.push(q.lastKind);
          expect(got).toEqual(expected);
        },
      ),
    );
  });
});

describe('Simulator', () => {
  it('advances time monotonically and stops at `until`', () => {
    const seen: number[] = [];
    const sim: Simulator = new Simulator((kind) => {
      seen.push(sim.now);
      if (kind < 5) sim.schedule(1.5, kind + 1, 0);
    });
    sim.schedule(0, 0, 0);
    sim.run(4);
    expect(seen).toEqual([0, 1.5, 3]);
    expect(sim.now).toBe(4);
    sim.run();
    expect(seen).toEqual([0, 1.5, 3, 4.5, 6, 7.5]);
  });

  it('rejects scheduling into the past', () => {
    const sim = new Simulator(() => {});
    sim.schedule(2, 0, 0);
    sim.run();
    expect(() => sim.scheduleAt(1, 0, 0)).toThrow(/before now/);
    expect(() => sim.schedule(-1, 0, 0)).toThrow(/negative/);
  });
});
