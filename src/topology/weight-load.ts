/**
 * Cold-start weight loading: storage (local NVMe, or the network through a NIC) → host memory on the
 * replica's CPU socket → every GPU of the replica, each stage a set of concurrent transfers under fair
 * sharing. With GPUDirect Storage the NVMe → GPU copy skips host memory. Stages run back to back unless
 * `pipelined` (chunked loaders overlap them: the slower stage dominates).
 */
import { fairShareCompletionSec, type Transfer } from './fair-share.ts';
import { deviceSocket, type Topology } from './graph.ts';
import { pathBetween } from './path.ts';
import type { ReplicaPlacement } from './placement.ts';

export interface WeightLoadOptions {
  /** Where the weights come from: local NVMe, the network (remote storage), or already in host memory. */
  source: 'nvme' | 'network' | 'host-cache';
  /** NVMe → GPU directly (GPUDirect Storage); only with source nvme. */
  gpuDirectStorage?: boolean;
  /** Overlap the storage and host → GPU stages. Default false. */
  pipelined?: boolean;
}

export interface WeightLoadResult {
  readonly totalSec: number;
  readonly storageSec: number;
  readonly hostToGpuSec: number;
}

/** Devices of one kind, those on `socket` first (a loader reads from the nearest drive or NIC). */
function nearestFirst(topo: Topology, kind: 'nics' | 'nvme', socket: number): number[] {
  const ids = topo.profile[kind].map((_, i) => i);
  return [...ids.filter((i) => deviceSocket(topo, kind, i) === socket), ...ids.filter((i) => deviceSocket(topo, kind, i) !== socket)];
}

function maxOf(a: Float64Array): number {
  let m = 0;
  for (const x of a) m = Math.max(m, x);
  return m;
}

/** Seconds to load `bytesPerGpu` of weights onto every GPU of a replica. */
export function weightLoadSec(
  topo: Topology, placement: ReplicaPlacement, bytesPerGpu: number, opts: WeightLoadOptions,
): WeightLoadResult {
  const mem = `mem${placement.cpuSocket}`;
  const gpus = placement.gpus;
  let storageSec = 0;
  let hostToGpuSec = 0;
  if (opts.source === 'nvme' || opts.source === 'network') {
    const kind = opts.source === 'nvme' ? 'nvme' : 'nics';
    const devices = nearestFirst(topo, kind, placement.cpuSocket);
    if (devices.length === 0) throw new Error(`node ${topo.profile.id} has no ${kind === 'nvme' ? 'NVMe drive' : 'NIC'}`);
    const prefix = kind === 'nvme' ? 'nvme' : 'nic';
    const direct = opts.source === 'nvme' && opts.gpuDirectStorage === true;
    const transfers: Transfer[] = gpus.map((g, i) => {
      const dev = `${prefix}${devices[i % devices.length]}`;
      const from = kind === 'nics' ? 'net' : dev;
      const to = direct ? `gpu${g}` : mem;
      // From the network, enter through the chosen NIC: net → nic → … → target.
      const path = kind === 'nics' ? joinVia(topo, from, dev, to) : pathBetween(topo, from, to);
      return { path, bytes: bytesPerGpu };
    });
    storageSec = maxOf(fairShareCompletionSec(topo, transfers));
    if (direct) return { totalSec: storageSec, storageSec, hostToGpuSec: 0 };
  }
  const h2d: Transfer[] = gpus.map((g) => ({ path: pathBetween(topo, mem, `gpu${g}`), bytes: bytesPerGpu }));
  hostToGpuSec = maxOf(fairShareCompletionSec(topo, h2d));
  const totalSec = opts.pipelined === true ? Math.max(storageSec, hostToGpuSec) : storageSec + hostToGpuSec;
  return { totalSec, storageSec, hostToGpuSec };
}

/** Path a → via → b as one path (channels concatenated). */
export function joinVia(topo: Topology, a: string, via: string, b: string): ReturnType<typeof pathBetween> {
  const p = pathBetween(topo, a, via);
  const q = pathBetween(topo, via, b);
  const channels = Int32Array.from([...p.channels, ...q.channels]);
  return {
    from: a, to: b, channels, bytesPerSec: Math.min(p.bytesPerSec, q.bytesPerSec), latencySec: p.latencySec + q.latencySec,
    crossesSockets: p.crossesSockets || q.crossesSockets, vertices: [...p.vertices, ...q.vertices.slice(1)],
  };
}
