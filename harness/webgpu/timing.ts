/**
 * Timing of GPU work. With the `timestamp-query` feature the GPU's own timestamps bracket the work (empty
 * compute passes before and after carry the writes); without it, wall-clock time from submit until
 * `queue.onSubmittedWorkDone()` resolves, which includes submission and callback latency — every result
 * file says which was used.
 */
import type { GpuContext } from './device.ts';

export type TimingMethod = 'timestamp-query' | 'wall-clock-onSubmittedWorkDone';

export class GpuTimer {
  readonly method: TimingMethod;
  private readonly querySet: GPUQuerySet | undefined;
  private readonly resolveBuf: GPUBuffer | undefined;
  private readonly readBuf: GPUBuffer | undefined;
  private timestampFailures = 0;

  constructor(private readonly ctx: GpuContext, useTimestamps = ctx.hasTimestamps) {
    this.method = useTimestamps ? 'timestamp-query' : 'wall-clock-onSubmittedWorkDone';
    if (useTimestamps) {
      const d = ctx.device;
      this.querySet = d.createQuerySet({ type: 'timestamp', count: 2 });
      this.resolveBuf = d.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.readBuf = d.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
  }

  /** Timestamp readings that came back unusable (zero or negative span) and fell back to wall-clock. */
  get fallbacks(): number {
    return this.timestampFailures;
  }

  /** Seconds the GPU took for the work `encode` records. */
  async time(encode: (enc: GPUCommandEncoder) => void): Promise<number> {
    const { device } = this.ctx;
    await device.queue.onSubmittedWorkDone(); // start from an idle queue
    if (this.querySet !== undefined) {
      const enc = device.createCommandEncoder();
      enc.beginComputePass({ timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 0 } }).end();
      encode(enc);
      enc.beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 1 } }).end();
      enc.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf!, 0);
      enc.copyBufferToBuffer(this.resolveBuf!, 0, this.readBuf!, 0, 16);
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await this.readBuf!.mapAsync(GPUMapMode.READ);
      const wall = (performance.now() - t0) / 1e3;
      const ts = new BigUint64Array(this.readBuf!.getMappedRange().slice(0));
      this.readBuf!.unmap();
      const ns = Number(ts[1]! - ts[0]!);
      if (ts[1]! > ts[0]! && ns > 0) return ns / 1e9;
      this.timestampFailures++;
      return wall;
    }
    const enc = device.createCommandEncoder();
    encode(enc);
    const cmd = enc.finish();
    const t0 = performance.now();
    device.queue.submit([cmd]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / 1e3;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuf?.destroy();
    this.readBuf?.destroy();
  }
}
