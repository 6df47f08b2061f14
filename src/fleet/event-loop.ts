import { Simulator } from '../sim/simulator.ts';

/** Event kinds of the fleet simulation (numbers only name handlers: ordering is by time, priority, sequence). */
export const EV_ARRIVAL = 0;
export const EV_STEP_END = 1;
export const EV_KICK = 2;
export const EV_CLOSED_ISSUE = 3;
export const EV_READY = 4;
export const EV_AUTOSCALE = 5;
export const EV_FAILURE = 6;
export const EV_REPAIR = 7;
export const EV_TRANSFER_DONE = 8;
export const EV_SNAPSHOT = 9;
export const EV_RETRY_GATE = 10;
export const EV_IDLE_CHECK = 11;
export const EV_SCHEDULED = 12;
export const EV_FRONTEND_IN = 13;
export const EV_FRONTEND_OUT = 14;
export const EV_POWER_SAMPLE = 15;
const KINDS = 16;

/** Kicks run after every other event at the same instant, so simultaneous arrivals share a batch. */
export const PRIO_KICK = 1;

export interface HandlerOptions {
  /** A timer (autoscaler, snapshots, failures …): does not count as progress; may trigger the stall check. */
  timer?: boolean;
  /** Dropped once the traffic is done (no request in flight, held or still to arrive). */
  whileActive?: boolean;
}

export interface EventLoopHooks {
  /** Whether any request is in flight, held or still to come. */
  activeWork(): boolean;
  /** Before a timer event: `lastProgressSec` is the time of the last non-timer event. */
  onTimer(nowSec: number, lastProgressSec: number): void;
  /** After every handled event. */
  afterEvent(): void;
}

/**
 * The fleet's event loop: a `Simulator` whose events are dispatched to handlers registered per kind.
 * It tracks the run's end (the last event that did work) and the last progress (non-timer event).
 */
export class EventLoop {
  readonly sim: Simulator;
  /** Time of the last event that did work: the run's end (timers firing after the traffic is done don't count). */
  endSec = 0;
  /** Time of the last non-timer event (arrivals, steps, readiness, transfers). */
  lastProgressSec = 0;
  private readonly handlers: ((target: number, data: number) => void)[] = [];
  private readonly timer = new Uint8Array(KINDS);
  private readonly whileActive = new Uint8Array(KINDS);

  constructor(private readonly hooks: EventLoopHooks) {
    const noHandler = (): void => { throw new Error('event without a handler'); };
    for (let k = 0; k < KINDS; k++) this.handlers.push(noHandler);
    this.sim = new Simulator((kind, target, data) => this.dispatch(kind, target, data));
  }

  /** Registers the handler of one event kind. */
  on(kind: number, handler: (target: number, data: number) => void, opts: HandlerOptions = {}): void {
    this.handlers[kind] = handler;
    this.timer[kind] = opts.timer ? 1 : 0;
    this.whileActive[kind] = opts.whileActive ? 1 : 0;
  }

  /** Runs until no event is left. Returns the number of events. */
  run(): number {
    return this.sim.run();
  }

  private dispatch(kind: number, target: number, data: number): void {
    const sim = this.sim;
    if (this.whileActive[kind] === 1 && !this.hooks.activeWork()) return;
    if (this.timer[kind] === 1) this.hooks.onTimer(sim.now, this.lastProgressSec);
    else this.lastProgressSec = sim.now;
    this.endSec = sim.now;
    this.handlers[kind]!(target, data);
    this.hooks.afterEvent();
  }
}
