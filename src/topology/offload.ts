/**
 * KV offload / swap to host memory on preemption, and the choice between swapping and recomputing.
 * Every GPU of the replica copies its share to (or from) host memory on the replica's CPU socket at the
 * same time; with `naive` placement half the GPUs cross the inter-socket link.
 */
import { fairShareCompletionSec, type Transfer } from './fair-share.ts';
import type { Topology } from './graph.ts';
import { pathBetween } from './path.ts';
import type { ReplicaPlacement } from './placement.ts';

/** Seconds to copy `bytesPerGpu` from every GPU of the replica to host memory (`out`) or back (`in`). */
export function hostSwapSec(topo: Topology, placement: ReplicaPlacement, bytesPerGpu: number, direction: 'out' | 'in'): number {
  if (bytesPerGpu <= 0) return 0;
  const mem = `mem${placement.cpuSocket}`;
  const transfers: Transfer[] = placement.gpus.map((g) => ({
    path: direction === 'out' ? pathBetween(topo, `gpu${g}`, mem) : pathBetween(topo, mem, `gpu${g}`),
    bytes: bytesPerGpu,
  }));
  let t = 0;
  for (const x of fairShareCompletionSec(topo, transfers)) t = Math.max(t, x);
  return t;
}

/** Host↔GPU bandwidth (bytes/s per GPU, all GPUs copying) and latency of a replica, for O(1) use. */
export function hostLink(topo: Topology, placement: ReplicaPlacement): { bytesPerSec: number; latencySec: number } {
  const probe = 1 << 26;
  const t = hostSwapSec(topo, placement, probe, 'in');
  const lat = Math.max(...placement.gpus.map((g) => pathBetween(topo, `mem${placement.cpuSocket}`, `gpu${g}`).latencySec));
  return { bytesPerSec: probe / (t - lat), latencySec: lat };
}

/**
 * Preemption: swap the KV out and back in, or drop it and recompute the prefill? Returns the cheaper
 * option and both costs (seconds of replica time).
 */
export function swapOrRecompute(swapOutSec: number, swapInSec: number, recomputeSec: number): { choice: 'swap' | 'recompute'; swapSec: number; recomputeSec: number } {
  const swapSec = swapOutSec + swapInSec;
  return { choice: swapSec <= recomputeSec ? 'swap' : 'recompute', swapSec, recomputeSec };
}
