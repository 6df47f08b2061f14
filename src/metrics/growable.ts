/**
 * An append-only Float64Array that doubles when full: exact per-request samples without per-sample objects.
 *
 * @example
 * const g = new GrowableFloat64(); g.push(1.5); g.view() // Float64Array [1.5]
 */
export class GrowableFloat64 {
  private buf: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Float64Array(capacity);
  }

  push(x: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = x;
  }

  get(i: number): number {
    return this.buf[i];
  }

  /** A view of the filled part (shares memory; valid until the next push). */
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}
