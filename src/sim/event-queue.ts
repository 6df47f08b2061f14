/**
 * A binary min-heap of events stored in parallel typed arrays, ordered by (time, priority, sequence).
 * Equal-time, equal-priority events pop in the order they were pushed (FIFO), which makes runs
 * deterministic. Pushing and popping allocate nothing except when the arrays grow (doubling).
 *
 * @example
 * const q = new EventQueue();
 * q.push(2.0, 0, 7, 1); q.push(1.0, 0, 3, 0);
 * q.pop(); q.lastTime // 1.0, q.lastKind 3, q.lastTarget 0
 */
export class EventQueue {
  private times: Float64Array;
  private prios: Int32Array;
  private seqs: Float64Array;
  private kinds: Int32Array;
  private targets: Int32Array;
  private datas: Int32Array;
  private n = 0;
  private nextSeq = 0;

  /** Fields of the event returned by the last `pop()`. */
  lastTime = 0;
  lastKind = 0;
  lastTarget = 0;
  lastData = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.prios = new Int32Array(initialCapacity);
    this.seqs = new Float64Array(initialCapacity);
    this.kinds = new Int32Array(initialCapacity);
    this.targets = new Int32Array(initialCapacity);
    this.datas = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0] : Infinity;
  }

  /** Adds an event; `data` is an extra integer carried with it (e.g. a generation number). */
  push(time: number, priority: number, kind: number, target: number, data = 0): void {
    if (this.n === this.times.length) this.grow();
    const seq = this.nextSeq++;
    // Sift up with a hole.
    let i = this.n++;
    const { times, prios, seqs, kinds, targets, datas } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!EventQueue.less(time, priority, seq, times[p], prios[p], seqs[p])) break;
      times[i] = times[p]; prios[i] = prios[p]; seqs[i] = seqs[p]; kinds[i] = kinds[p]; targets[i] = targets[p];
      datas[i] = datas[p];
      i = p;
    }
    times[i] = time; prios[i] = priority; seqs[i] = seq; kinds[i] = kind; targets[i] = target; datas[i] = data;
  }

  /** Removes the earliest event and exposes it through lastTime/lastKind/lastTarget. False when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const { times, prios, seqs, kinds, targets, datas } = this;
    this.lastTime = times[0];
    this.lastKind = kinds[0];
    this.lastTarget = targets[0];
    this.lastData = datas[0];
    const last = --this.n;
    if (last === 0) return true;
    const t = times[last], pr = prios[last], sq = seqs[last], k = kinds[last], tg = targets[last], dt = datas[last];
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < last && EventQueue.less(times[r], prios[r], seqs[r], times[c], prios[c], seqs[c])) c = r;
      if (!EventQueue.less(times[c], prios[c], seqs[c], t, pr, sq)) break;
      times[i] = times[c]; prios[i] = prios[c]; seqs[i] = seqs[c]; kinds[i] = kinds[c]; targets[i] = targets[c];
      datas[i] = datas[c];
      i = c;
    }
    times[i] = t; prios[i] = pr; seqs[i] = sq; kinds[i] = k; targets[i] = tg; datas[i] = dt;
    return true;
  }

  private static less(t1: number, p1: number, s1: number, t2: number, p2: number, s2: number): boolean {
    return t1 < t2 || (t1 === t2 && (p1 < p2 || (p1 === p2 && s1 < s2)));
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.times = g(this.times, (n) => new Float64Array(n));
    this.prios = g(this.prios, (n) => new Int32Array(n));
    this.seqs = g(this.seqs, (n) => new Float64Array(n));
    this.kinds = g(this.kinds, (n) => new Int32Array(n));
    this.targets = g(this.targets, (n) => new Int32Array(n));
    this.datas = g(this.datas, (n) => new Int32Array(n));
  }
}
