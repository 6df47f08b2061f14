/**
 * A paged KV cache (vLLM's PagedAttention memory manager, counted rather than addressed): `numBlocks`
 * fungible blocks of `blockSize` tokens each. Sequences own blocks; with prefix caching on, full prompt
 * blocks identified by a content hash outlive their sequence and can be shared by later requests until
 * they are evicted, least-recently-used first.
 *
 * Invariant (checked by tests): ownedBlocks + cachedBlocks + freeBlocks === numBlocks, all ≥ 0.
 *
 * @example
 * const kv = new KvCache(1000, 16);
 * kv.allocate(kv.blocksFor(100)); // 7 blocks
 * kv.freeBlocks // 993
 */
export class KvCache {
  /** Blocks held by live sequences (not counting shared prefix blocks). */
  ownedBlocks = 0;
  /** Blocks held by the prefix cache (referenced or evictable). */
  cachedBlocks = 0;
  /** Cached blocks no live sequence references: reclaimable on demand. */
  evictableBlocks = 0;
  /** Highest (owned + referenced cached) blocks seen. */
  peakPinnedBlocks = 0;
  /** Prefix-cache entries evicted so far. */
  evictions = 0;

  private readonly entries = new Map<number, PrefixEntry>();
  /** Entries with refCount 0, in least-recently-used-first order (Map keeps insertion order). */
  private readonly lru = new Map<number, PrefixEntry>();

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {
    if (!(numBlocks > 0) || !(blockSize > 0)) throw new Error(`KvCache: bad size ${numBlocks}×${blockSize}`);
  }

  get freeBlocks(): number {
    return this.numBlocks - this.ownedBlocks - this.cachedBlocks;
  }

  /** Free blocks plus cached blocks that could be evicted right now. */
  get availableBlocks(): number {
    return this.freeBlocks + this.evictableBlocks;
  }

  /** Blocks pinned by live sequences (owned + referenced prefix blocks). */
  get pinnedBlocks(): number {
    return this.ownedBlocks + this.cachedBlocks - this.evictableBlocks;
  }

  /** Blocks needed to hold `tokens` tokens. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /** Takes `n` blocks for a sequence, evicting unreferenced prefix blocks if needed. False if impossible. */
  allocate(n: number): boolean {
    if (n <= 0) return true;
    if (n > this.availableBlocks) return false;
    while (this.freeBlocks < n) this.evictOne();
    this.ownedBlocks += n;
    this.notePeak();
    return true;
  }

  /** Returns `n` owned blocks to the free pool. */
  release(n: number): void {
    if (n > this.ownedBlocks) throw new Error(`KvCache.release: ${n} > owned ${this.ownedBlocks}`);
    this.ownedBlocks -= n;
  }

  /**
   * Longest run of leading `hashIds` present in the cache (how many hash blocks a new request can reuse),
   * looking at no more than `maxBlocks` of them. No side effects.
   */
  matchPrefix(hashIds: Int32Array, maxBlocks: number): number {
    const n = Math.min(hashIds.length, maxBlocks);
    let k = 0;
    while (k < n && this.entries.has(hashIds[k])) k++;
    return k;
  }

  /** Blocks among the first `k` hash blocks that are cached but unreferenced (evictable). */
  evictableAmong(hashIds: Int32Array, k: number): number {
    let n = 0;
    for (let i = 0; i < k; i++) {
      const e = this.entries.get(hashIds[i]);
      if (e && e.refCount === 0) n += e.blocks;
    }
    return n;
  }

  /** Pins the first `k` hash blocks (they must be present: call `matchPrefix` first). */
  acquirePrefix(hashIds: Int32Array, k: number): void {
    for (let i = 0; i < k; i++) {
      const e = this.entries.get(hashIds[i])!;
      if (e.refCount === 0) {
        this.lru.delete(e.hash);
        this.evictableBlocks -= e.blocks;
      }
      e.refCount++;
    }
    this.notePeak();
  }

  /** Unpins the first `k` hash blocks; unreferenced ones become evictable, deepest first. */
  releasePrefix(hashIds: Int32Array, k: number): void {
    for (let i = k - 1; i >= 0; i--) {
      const e = this.entries.get(hashIds[i])!;
      e.refCount--;
      if (e.refCount === 0) {
        this.lru.set(e.hash, e);
        this.evictableBlocks += e.blocks;
      }
    }
  }

  /**
   * Publishes a sequence's freshly computed full prompt blocks to the prefix cache, as vLLM does once a
   * block is full: hash blocks [from, to) of `hashIds`, each `blocksPerHash` blocks, move from the
   * sequence's owned blocks to the cache, pinned by the sequence (refCount 1). Where an identical block is
   * already cached (computed concurrently by another request), the sequence pins that one and its own copy
   * is freed. Returns the owned blocks consumed; the sequence then pins hash blocks [0, to).
   */
  publishPrefix(hashIds: Int32Array, from: number, to: number, blocksPerHash: number): number {
    let consumed = 0;
    for (let i = from; i < to; i++) {
      const h = hashIds[i];
      consumed += blocksPerHash;
      this.ownedBlocks -= blocksPerHash;
      const existing = this.entries.get(h);
      if (existing) {
        if (existing.refCount === 0) {
          this.lru.delete(h);
          this.evictableBlocks -= existing.blocks;
        }
        existing.refCount++;
        continue;
      }
      this.entries.set(h, { hash: h, blocks: blocksPerHash, refCount: 1 });
      this.cachedBlocks += blocksPerHash;
    }
    this.notePeak();
    return consumed;
  }

  private evictOne(): void {
    const first = this.lru.values().next();
    if (first.done) throw new Error('KvCache: nothing to evict');
    const e = first.value;
    this.lru.delete(e.hash);
    this.entries.delete(e.hash);
    this.cachedBlocks -= e.blocks;
    this.evictableBlocks -= e.blocks;
    this.evictions++;
  }

  private notePeak(): void {
    const p = this.pinnedBlocks;
    if (p > this.peakPinnedBlocks) this.peakPinnedBlocks = p;
  }
}

interface PrefixEntry {
  hash: number;
  blocks: number;
  refCount: number;
}
