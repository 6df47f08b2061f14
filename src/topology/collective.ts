/**
 * Tensor-parallel all-reduce over a node's links, reduced to per-algorithm (latency, bandwidth) pairs
 * once per GPU set so that the per-step cost is O(1) and allocation-free:
 *
 *   time(S) = baseLatencySec + steps · (latencySec + S · chunkFraction / bytesPerSec)
 *
 * `baseLatencySec` (launch and synchronisation) comes from the node profile's `collectives` entry,
 * fitted with the per-step latency and bandwidth to NCCL microbenchmarks (docs/physics.md).
 * - ring (NCCL's default outside NVSwitch): 2(n−1) steps, each moving S/n from every rank to the next at
 *   once; the step's rate is the slowest ring edge under max-min sharing of the links the n edges use (so
 *   two ring edges crossing the same socket link share it), its latency the slowest edge's path latency.
 * - direct (fully connected meshes such as AMD Infinity Fabric): reduce-scatter then all-gather, every
 *   rank exchanging S/n with every other rank at once: 2 steps.
 * - nvls (NVSwitch in-network reduction): each rank sends its S once to the switch, which reduces and
 *   multicasts: 2 steps of S/2 at nvlsEfficiency × link rate, i.e. S / bandwidth + 2 latencies.
 */
import { maxMinRates } from './fair-share.ts';
import type { Topology } from './graph.ts';
import { pathBetween } from './path.ts';

export type AllReduceAlgorithm = 'ring' | 'direct' | 'nvls';

export interface CollectiveCost {
  readonly algorithm: AllReduceAlgorithm;
  readonly ranks: number;
  readonly baseLatencySec: number;
  readonly steps: number;
  readonly chunkFraction: number;
  readonly latencySec: number;
  readonly bytesPerSec: number;
}

/** Rate and latency of a set of simultaneous GPU→GPU transfers: slowest flow, longest path latency. */
function simultaneous(topo: Topology, pairs: readonly (readonly [number, number])[]): { bytesPerSec: number; latencySec: number } {
  const paths = pairs.map(([a, b]) => pathBetween(topo, `gpu${a}`, `gpu${b}`));
  const rates = maxMinRates(topo.channelBytesPerSec, paths.map((p) => p.channels));
  let bw = Infinity;
  let lat = 0;
  for (let i = 0; i < paths.length; i++) {
    bw = Math.min(bw, rates[i]!);
    lat = Math.max(lat, paths[i]!.latencySec);
  }
  return { bytesPerSec: bw, latencySec: lat };
}

/** Ring all-reduce over `gpus` in the given ring order. */
export function ringAllReduce(topo: Topology, gpus: readonly number[]): CollectiveCost {
  const n = gpus.length;
  const pairs = gpus.map((g, i) => [g, gpus[(i + 1) % n]!] as const);
  const { bytesPerSec, latencySec } = simultaneous(topo, pairs);
  return { algorithm: 'ring', ranks: n, baseLatencySec: topo.profile.collectives.baseLatencySec, steps: 2 * (n - 1), chunkFraction: 1 / n, latencySec, bytesPerSec };
}

/** Direct (all-pairs) reduce-scatter + all-gather over `gpus`. */
export function directAllReduce(topo: Topology, gpus: readonly number[]): CollectiveCost {
  const n = gpus.length;
  const pairs: (readonly [number, number])[] = [];
  for (const a of gpus) for (const b of gpus) if (a !== b) pairs.push([a, b]);
  const { bytesPerSec, latencySec } = simultaneous(topo, pairs);
  return { algorithm: 'direct', ranks: n, baseLatencySec: topo.profile.collectives.baseLatencySec, steps: 2, chunkFraction: 1 / n, latencySec, bytesPerSec };
}

/** NVSwitch in-network all-reduce, or undefined when the GPUs are not all in one NVLS-capable group. */
export function nvlsAllReduce(topo: Topology, gpus: readonly number[]): CollectiveCost | undefined {
  const su = topo.profile.scaleUp;
  if (!su.inNetworkReduction || su.nvlsEfficiency === undefined) return undefined;
  const g = topo.gpuGroup[gpus[0]!]!;
  if (g < 0 || gpus.some((x) => topo.gpuGroup[x] !== g)) return undefined;
  return {
    algorithm: 'nvls', ranks: gpus.length, baseLatencySec: topo.profile.collectives.baseLatencySec, steps: 2, chunkFraction: 0.5, latencySec: su.latencySec,
    bytesPerSec: su.linkBytesPerSec * su.nvlsEfficiency,
  };
}

/**
 * The candidate all-reduce algorithms for a replica's GPUs (the runtime picks the fastest per message
 * size, as NCCL's tuner does): ring always; direct on meshes; nvls where the switch reduces.
 */
export function allReduceCandidates(topo: Topology, gpus: readonly number[]): CollectiveCost[] {
  if (gpus.length < 2) return [];
  const out = [ringAllReduce(topo, gpus)];
  if (topo.profile.scaleUp.kind === 'mesh') out.push(directAllReduce(topo, gpus));
  const nvls = nvlsAllReduce(topo, gpus);
  if (nvls !== undefined) out.push(nvls);
  return out;
}

/** Seconds of one algorithm for a message of `bytes`. */
export function collectiveSec(c: CollectiveCost, bytes: number): number {
  return c.baseLatencySec + c.steps * (c.latencySec + (bytes * c.chunkFraction) / c.bytesPerSec);
}

/** Seconds of the fastest candidate for `bytes` (0 for a single GPU). Allocation-free. */
export function allReduceSec(candidates: readonly CollectiveCost[], bytes: number): number {
  let best = candidates.length === 0 ? 0 : Infinity;
  for (let i = 0; i < candidates.length; i++) best = Math.min(best, collectiveSec(candidates[i]!, bytes));
  return best;
}

/**
 * Seconds of the fastest candidate's all-gather of `bytes` (each rank ends with all of it): the all-gather
 * half of the algorithm's all-reduce (ring: n − 1 of its 2(n − 1) steps). 0 for a single GPU.
 */
export function allGatherSec(candidates: readonly CollectiveCost[], bytes: number): number {
  let best = candidates.length === 0 ? 0 : Infinity;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const t = c.baseLatencySec + (c.steps / 2) * (c.latencySec + (bytes * c.chunkFraction) / c.bytesPerSec);
    if (t < best) best = t;
  }
  return best;
}
