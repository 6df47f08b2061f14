const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/**
 * An append-only column of float64 values stored in fixed 64 Ki-element chunks: exact per-request
 * samples without per-sample objects, and no doubling copies (memory stays ≈ 8 bytes per value even for
 * a 10-million-request stream).
 *
 * @example
 * const g = new GrowableFloat64(); g.push(1.5); g.toArray() // Float64Array [1.5]
 */
export class GrowableFloat64 {
  private readonly chunks: Float64Array[] = [];
  private current: Float64Array | null = null;
  length = 0;

  push(x: number): void {
    const off = this.length & MASK;
    if (off === 0) {
      this.current = new Float64Array(CHUNK);
      this.chunks.push(this.current);
    }
    this.current![off] = x;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & MASK];
  }

  /** A fresh contiguous copy of the values (callers may sort it in place). */
  toArray(): Float64Array {
    const out = new Float64Array(this.length);
    for (let c = 0; c < this.chunks.length; c++) {
      const start = c << CHUNK_BITS;
      const n = Math.min(CHUNK, this.length - start);
      out.set(n === CHUNK ? this.chunks[c] : this.chunks[c].subarray(0, n), start);
    }
    return out;
  }

  /** Sum of the values. */
  sum(): number {
    let s = 0;
    for (let i = 0; i < this.length; i++) s += this.chunks[i >>> CHUNK_BITS][i & MASK];
    return s;
  }
}
