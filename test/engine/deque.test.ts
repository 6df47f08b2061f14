import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Deque } from '../../src/engine/deque.ts';

describe('Deque', () => {
  it('behaves like an array with unshift/push/shift (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer())), (ops) => {
        const d = new Deque<number>(1);
        const ref: number[] = [];
        for (const [op, v] of ops) {
          if (op === 0) { d.pushBack(v); ref.push(v); }
          else if (op === 1) { d.pushFront(v); ref.unshift(v); }
          else expect(d.popFront()).toBe(ref.shift());
          expect(d.length).toBe(ref.length);
          expect(d.peekFront()).toBe(ref[0]);
          if (ref.length > 0) expect(d.at(ref.length - 1)).toBe(ref[ref.length - 1]);
        }
      }),
    );
  });
});
