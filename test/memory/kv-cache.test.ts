import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { KvCache } from '../../src/memory/kv-cache.ts';

const ids = (...xs: number[]) => Int32Array.from(xs);

describe('KvCache', () => {
  it('allocates and releases blocks, refusing over-allocation', () => {
    const kv = new KvCache(10, 16);
    expect(kv.blocksFor(1)).toBe(1);
    expect(kv.blocksFor(16)).toBe(1);
    expect(kv.blocksFor(17)).toBe(2);
    expect(kv.allocate(7)).toBe(true);
    expect(kv.allocate(4)).toBe(false);
    expect(kv.freeBlocks).toBe(3);
    kv.release(7);
    expect(kv.freeBlocks).toBe(10);
    expect(kv.peakPinnedBlocks).toBe(7);
  });

  it('shares cached prefixes and evicts least-recently-used, tail first', () => {
    const kv = new KvCache(10, 16);
    expect(kv.allocate(6)).toBe(true); // request A: 3 hash blocks × 2 blocks
    kv.publishPrefix(ids(1, 2, 3), 0, 3, 2);
    expect(kv.ownedBlocks).toBe(0);
    expect(kv.evictableBlocks).toBe(0); // pinned by A
    kv.releasePrefix(ids(1, 2, 3), 3); // A finishes
    expect(kv.cachedBlocks).toBe(6);
    expect(kv.evictableBlocks).toBe(6);
    expect(kv.matchPrefix(ids(1, 2, 9), 10)).toBe(2);
    expect(kv.matchPrefix(ids(1, 2, 3), 1)).toBe(1);
    kv.acquirePrefix(ids(1, 2), 2);
    expect(kv.evictableBlocks).toBe(2);
    expect(kv.pinnedBlocks).toBe(4);
    // Needs 6 free blocks: 4 free + evict hash 3 (the only unreferenced entry).
    expect(kv.allocate(6)).toBe(true);
    expect(kv.matchPrefix(ids(1, 2, 3), 10)).toBe(2);
    expect(kv.evictions).toBe(1);
    expect(kv.allocate(1)).toBe(false); // 1 and 2 are pinned
    kv.releasePrefix(ids(1, 2), 2);
    expect(kv.allocate(1)).toBe(true); // evicts 2 (deeper) before 1
    expect(kv.matchPrefix(ids(1, 2), 10)).toBe(1);
  });

  it('keeps owned + cached + free = total under random operations (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 6 }))), (ops) => {
        const kv = new KvCache(40, 16);
        const live: { blocks: number; ids: Int32Array; pinned: number }[] = [];
        let nextHash = 0;
        for (const [op, n] of ops) {
          if (op <= 1) {
            const chain = live.length > 0 && op === 1 ? live[0].ids : ids(nextHash++, nextHash++, nextHash++);
            const hit = kv.matchPrefix(chain, n);
            const need = 2 * n - 2 * hit;
            const avail = kv.availableBlocks - kv.evictableAmong(chain, hit);
            if (need <= avail) {
              kv.acquirePrefix(chain, hit);
              expect(kv.allocate(need)).toBe(true);
              live.push({ blocks: need, ids: chain, pinned: hit });
            }
          } else if (live.length > 0) {
            const s = live.pop()!;
            const full = Math.min(3, s.pinned + s.blocks / 2);
            let owned = s.blocks;
            if (full > s.pinned) owned -= kv.publishPrefix(s.ids, s.pinned, full, 2);
            kv.releasePrefix(s.ids, Math.max(full, s.pinned));
            kv.release(owned);
          }
          expect(kv.ownedBlocks + kv.cachedBlocks + kv.freeBlocks).toBe(40);
          expect(kv.freeBlocks).toBeGreaterThanOrEqual(0);
          expect(kv.pinnedBlocks).toBeLessThanOrEqual(40);
          expect(kv.evictableBlocks).toBeLessThanOrEqual(kv.cachedBlocks);
        }
      }),
    );
  });
});
