import { GrowableFloat64 } from './growable.ts';
import type { Replica } from '../engine/replica.ts';

/** Per-step time series (for `--out`): one row per engine step of any replica. */
export class StepRecorder {
  readonly replica = new GrowableFloat64();
  readonly startSec = new GrowableFloat64();
  readonly durationSec = new GrowableFloat64();
  readonly prefillTokens = new GrowableFloat64();
  readonly prefillSeqs = new GrowableFloat64();
  readonly decodeSeqs = new GrowableFloat64();
  readonly decodeContextTokens = new GrowableFloat64();
  readonly running = new GrowableFloat64();
  readonly waiting = new GrowableFloat64();
  readonly kvUtilization = new GrowableFloat64();
  readonly flops = new GrowableFloat64();
  readonly bytes = new GrowableFloat64();

  get length(): number {
    return this.replica.length;
  }

  record(r: Replica, _endSec: number): void {
    const b = r.shape;
    this.replica.push(r.index);
    this.startSec.push(r.stepStartSec);
    this.durationSec.push(r.stepSec);
    this.prefillTokens.push(b.prefillTokens);
    this.prefillSeqs.push(b.prefillSeqs);
    this.decodeSeqs.push(b.decodeSeqs);
    this.decodeContextTokens.push(b.decodeContextTokens);
    this.running.push(r.running.length);
    this.waiting.push(r.waiting.length);
    this.kvUtilization.push(r.kvUtilization);
    this.flops.push(r.cost.flops);
    this.bytes.push(r.cost.bytes);
  }
}
