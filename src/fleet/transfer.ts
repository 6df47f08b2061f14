import type { KvSwapPath, Replica } from '../engine/replica.ts';
import type { Seq } from '../engine/seq.ts';
import type { FleetParts } from './context.ts';
import { EV_TRANSFER_DONE } from './event-loop.ts';
import type { PoolInput } from './types.ts';

/** A link as the transfer model sees it: sustained rate and fixed latency of one transfer. */
export interface LinkModel {
  bandwidthBytesPerSec: number;
  latencySec: number;
}

/**
 * Every byte that moves between devices goes through here: prefill → decode KV hand-offs (disaggregation),
 * weight loads at cold start and after a repair, and KV swaps to host memory on preemption. Rates come from
 * the pool's transfer paths (the node topology when a scenario names a `node`, else the scenario's link and
 * cold-start bandwidth, and the GPU profile's PCIe rate).
 *
 * KV hand-offs from one prefill replica go over its link one after another (FIFO); the sequence keeps its
 * blocks on the prefill replica until the transfer completes.
 */
export class TransferModel {
  /** When each prefill replica's outgoing link is free. */
  private readonly linkFreeAt: number[] = [];
  private readonly inFlight = new Map<number, { s: Seq; from: Replica }>();
  private nextId = 0;
  /** Bytes moved, by purpose. */
  kvBytes = 0;
  weightBytes = 0;
  swapBytes = 0;

  constructor(private readonly f: FleetParts) {}

  /** Seconds to load a replica's weights onto its GPUs (cold start, repair). */
  weightLoadSec(r: Replica): number {
    const p: PoolInput = this.f.pools[r.pool];
    this.weightBytes += p.weightBytesPerGpu * p.gpusPerReplica;
    if (p.paths?.weightLoadSec) return p.paths.weightLoadSec(p.weightBytesPerGpu);
    return p.coldStart.loadBandwidthBytesPerSec === Infinity ? 0 : p.weightBytesPerGpu / p.coldStart.loadBandwidthBytesPerSec;
  }

  /**
   * The KV swap path of a replica of `pool` (engine preemption `swap`): each GPU copies its share of the
   * sequence's KV over its host link (all GPUs at once).
   */
  swapPath(pool: number): KvSwapPath {
    const p = this.f.pools[pool];
    const link = p.hostLink;
    return {
      bytes: (tokens) => p.kvTransferBytes(tokens),
      copySec: (bytes) => {
        this.swapBytes += bytes;
        return link === undefined ? 0 : link.latencySec + bytes / p.gpusPerReplica / link.bytesPerSecPerGpu;
      },
    };
  }

  /** A prefill replica finished a prompt: send its KV over the link, then hand it to a decode replica. */
  handOff(s: Seq, from: Replica): void {
    const f = this.f;
    const pool = f.pools[from.pool];
    const link: LinkModel = pool.paths?.kvLink ?? f.input.link!;
    const bytes = pool.kvTransferBytes(s.kvTokens);
    this.kvBytes += bytes;
    const start = Math.max(f.sim.now, this.linkFreeAt[from.index] ?? 0);
    const wire = bytes / link.bandwidthBytesPerSec;
    this.linkFreeAt[from.index] = start + wire;
    const id = this.nextId++;
    this.inFlight.set(id, { s, from });
    f.sim.scheduleAt(start + wire + link.latencySec, EV_TRANSFER_DONE, id);
  }

  /** EV_TRANSFER_DONE: the KV has arrived; the prefill replica frees it and the sequence goes to decode. */
  onDone(id: number): void {
    const t = this.inFlight.get(id)!;
    this.inFlight.delete(id);
    t.from.releaseTransferred(t.s);
    this.f.lifecycle.afterWork(t.from);
    this.f.dispatch.toDecode(t.s);
  }
}
