import type { Replica } from '../engine/replica.ts';
import type { FleetParts } from './context.ts';
import { EV_KICK, EV_STEP_END, PRIO_KICK } from './event-loop.ts';

/**
 * Drives replicas' engine steps: a kick starts a step on an idle replica; a step end applies the step (or
 * fused run) and starts the next; new work on a busy replica cuts its fused decode run at the step in
 * progress (generation numbers make the superseded step end a no-op).
 */
export class ReplicaDriver {
  constructor(private readonly f: FleetParts) {}

  /** After a replica got work: kick it if idle, or cut its fused decode run so the newcomer is seen. */
  touched(r: Replica): void {
    const sim = this.f.sim;
    this.f.lifecycle.touch(r);
    if (!r.busy && !r.kickPending) {
      r.kickPending = true;
      sim.schedule(0, EV_KICK, r.index, PRIO_KICK);
    } else if (r.busy && r.fusedExtra > 0 && r.admitsMidRun) {
      const end = r.interrupt(sim.now);
      if (end >= 0) sim.scheduleAt(end, EV_STEP_END, r.index, 0, r.generation);
    }
  }

  /** EV_KICK: start a step if the replica is idle and serving. */
  onKick(target: number): void {
    const r = this.f.replicas[target];
    r.kickPending = false;
    if (!r.busy && (r.state === 'ready' || r.state === 'draining')) this.startStep(r);
  }

  /** EV_STEP_END: the step (or fused run) ended; unless superseded, apply it and start the next. */
  onStepEnd(target: number, generation: number): void {
    const r = this.f.replicas[target];
    if (generation !== r.generation) return; // superseded: the run was cut short, or the replica failed
    r.finishStep(this.f.sim.now);
    this.f.lifecycle.afterWork(r);
    this.startStep(r);
  }

  /** EV_FRONTEND_OUT: finished sequences whose last token has reached the client complete. */
  onFrontendOut(target: number): void {
    this.f.replicas[target].deliverDue(this.f.sim.now);
  }

  private startStep(r: Replica): void {
    if (r.state !== 'ready' && r.state !== 'draining') return;
    const sim = this.f.sim;
    if (r.startStep(sim.now) >= 0) sim.scheduleAt(r.stepEndSec, EV_STEP_END, r.index, 0, r.generation);
  }
}
