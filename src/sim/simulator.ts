import { EventQueue } from './event-queue.ts';

/** Receives every event in (time, priority, sequence) order. */
export type EventHandler = (kind: number, target: number, data: number) => void;

/**
 * The event core, in the spirit of SimPy: `now`, `schedule`, `run(until)`. Events are (kind, target)
 * integer pairs so the queue stays in typed arrays; the handler dispatches on `kind`.
 *
 * @example
 * const sim = new Simulator((kind, target) => { if (kind === 0) sim.schedule(1, 0, 0); });
 * sim.schedule(0, 0, 0);
 * sim.run(10); // sim.now === 10 (the last event at t=10 ran)
 */
export class Simulator {
  now = 0;
  /** Number of events processed so far. */
  processed = 0;
  private readonly queue = new EventQueue();

  constructor(private readonly handler: EventHandler) {}

  /** Schedules an event `delaySec` from now (≥ 0). Lower `priority` runs first among equal times. */
  schedule(delaySec: number, kind: number, target: number, priority = 0, data = 0): void {
    if (!(delaySec >= 0)) throw new Error(`Simulator.schedule: negative or NaN delay ${delaySec}`);
    this.queue.push(this.now + delaySec, priority, kind, target, data);
  }

  /** Schedules an event at absolute time `atSec` (never earlier than now). */
  scheduleAt(atSec: number, kind: number, target: number, priority = 0, data = 0): void {
    if (!(atSec >= this.now)) throw new Error(`Simulator.scheduleAt: time ${atSec} is before now ${this.now}`);
    this.queue.push(atSec, priority, kind, target, data);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Runs events with time ≤ `until` (default: until the queue is empty). Returns the events processed. */
  run(until = Infinity): number {
    const q = this.queue;
    let count = 0;
    while (q.size > 0 && q.peekTime() <= until) {
      q.pop();
      this.now = q.lastTime;
      count++;
      this.handler(q.lastKind, q.lastTarget, q.lastData);
    }
    if (until !== Infinity && until > this.now) this.now = until;
    this.processed += count;
    return count;
  }
}
