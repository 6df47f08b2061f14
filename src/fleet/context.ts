import type { Replica } from '../engine/replica.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import type { MetricsSink } from '../metrics/sink.ts';
import type { StepRecorder } from '../metrics/step-recorder.ts';
import type { Simulator } from '../sim/simulator.ts';
import type { Autoscaler } from './autoscaler.ts';
import type { Dispatcher } from './dispatch.ts';
import type { EventLoop } from './event-loop.ts';
import type { ReplicaLifecycle } from './lifecycle.ts';
import type { PowerTracker } from './power-tracker.ts';
import type { ReplicaDriver } from './stepping.ts';
import type { Traffic } from './traffic.ts';
import type { TransferModel } from './transfer.ts';
import type { FleetInput, PoolInput } from './types.ts';

/**
 * The parts of one fleet simulation, each with one job; they reach each other through this object
 * (filled in by `simulateFleet` before the first event).
 */
export interface FleetParts {
  readonly input: FleetInput;
  readonly pools: readonly PoolInput[];
  readonly loop: EventLoop;
  readonly sim: Simulator;
  readonly sink: MetricsSink;
  readonly metrics: MetricsCollector;
  readonly steps: StepRecorder | null;
  /** Every replica that ever existed, in creation order (index = replica.index). */
  readonly replicas: Replica[];
  /** Arrivals, closed-loop users, the tenant gate: where requests come from and leave. */
  traffic: Traffic;
  /** Routers and the queues of requests waiting for a replica. */
  dispatch: Dispatcher;
  /** Replica states (start, ready, drain, stop, fail, repair) and the fleet timeline. */
  lifecycle: ReplicaLifecycle;
  /** Engine steps: kicks, step ends, fused-run cuts. */
  driver: ReplicaDriver;
  /** Every byte that moves: KV hand-offs, weight loads. */
  transfer: TransferModel;
  autoscaler: Autoscaler;
  /** Per-replica power and thermal state (null with the physics off). */
  power: PowerTracker | null;
}
