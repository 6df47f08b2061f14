/**
 * GPU and CPU placement of replicas on one node (scenario key `placement`).
 *
 * - `topology-aware`: GPUs ordered by (scale-up group, socket, PCIe switch, index) and cut into
 *   consecutive blocks, so a replica stays inside one NVLink island or PCIe switch where it fits, else one
 *   socket; its CPU threads and host buffers go on the socket of its first GPU.
 * - `naive`: GPUs taken alternately from each socket (as a scheduler without a topology manager can do),
 *   CPU threads on socket 0.
 */
import type { Topology } from './graph.ts';
import { pathBetween } from './path.ts';
import type { PlacementMode } from './schema.ts';

export interface ReplicaPlacement {
  /** GPU indices, in ring order. */
  readonly gpus: readonly number[];
  /** Socket holding the replica's CPU threads and host buffers. */
  readonly cpuSocket: number;
}

function switchIndex(topo: Topology, gpu: number): number {
  return topo.profile.switches.findIndex((s) => s.id === topo.profile.gpus.attach[gpu]);
}

/** GPU order of a placement mode. */
export function gpuOrder(topo: Topology, mode: PlacementMode): number[] {
  const n = topo.profile.gpus.attach.length;
  const ids = Array.from({ length: n }, (_, i) => i);
  if (mode === 'topology-aware') {
    const key = (g: number): number[] => [topo.gpuGroup[g]!, topo.gpuSocket[g]!, switchIndex(topo, g), g];
    return ids.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
      return 0;
    });
  }
  const bySocket = topo.profile.sockets.map((_, s) => ids.filter((g) => topo.gpuSocket[g] === s));
  const out: number[] = [];
  for (let k = 0; out.length < n; k++) for (const list of bySocket) if (k < list.length) out.push(list[k]!);
  return out;
}

/** As many replicas of `gpusPerReplica` GPUs as fit on the node, placed by `mode`. */
export function placeReplicas(topo: Topology, gpusPerReplica: number, mode: PlacementMode): ReplicaPlacement[] {
  if (!Number.isInteger(gpusPerReplica) || gpusPerReplica < 1) throw new Error('gpusPerReplica must be a positive integer');
  const order = gpuOrder(topo, mode);
  const out: ReplicaPlacement[] = [];
  for (let i = 0; i + gpusPerReplica <= order.length; i += gpusPerReplica) {
    const gpus = order.slice(i, i + gpusPerReplica);
    out.push({ gpus, cpuSocket: mode === 'topology-aware' ? topo.gpuSocket[gpus[0]!]! : 0 });
  }
  return out;
}

/**
 * Latency (s) of the engine's host path for one step: the CPU threads on `cpuSocket` hand inputs and
 * kernel launches to every GPU of the replica; the slowest GPU sets the step's host latency. With naive
 * placement some GPUs sit on the far socket and every step pays the cross-socket hop.
 */
export function hostPathLatencySec(topo: Topology, placement: ReplicaPlacement): number {
  let worst = 0;
  for (const g of placement.gpus) worst = Math.max(worst, pathBetween(topo, `cpu${placement.cpuSocket}`, `gpu${g}`).latencySec);
  return worst;
}
