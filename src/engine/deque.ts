/**
 * A growable ring-buffer double-ended queue (FIFO with push-front for preempted work).
 *
 * @example
 * const d = new Deque<number>(); d.pushBack(1); d.pushFront(0); d.popFront() // 0
 */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private n = 0;

  constructor(capacity = 16) {
    this.buf = new Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  peekFront(): T | undefined {
    return this.n > 0 ? this.buf[this.head] : undefined;
  }

  /** Element `i` from the front (0-based); undefined when out of range. */
  at(i: number): T | undefined {
    return i < this.n ? this.buf[(this.head + i) % this.buf.length] : undefined;
  }

  pushBack(x: T): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[(this.head + this.n) % this.buf.length] = x;
    this.n++;
  }

  pushFront(x: T): void {
    if (this.n === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = x;
    this.n++;
  }

  popFront(): T | undefined {
    if (this.n === 0) return undefined;
    const x = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.n--;
    return x;
  }

  private grow(): void {
    const old = this.buf;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = old[(this.head + i) % old.length];
    this.buf = next;
    this.head = 0;
  }
}
