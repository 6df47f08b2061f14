/**
 * Wiring of the physical layer into a resolved scenario: the node topology (`node`, `placement`) gives each
 * pool its TP collectives, its cold-start weight path and the disaggregated KV link; the `power` block (or a
 * cost mode that needs energy) gives each pool's GPUs their power/thermal parameters. Pure: profiles come
 * through the ResolveEnv.
 */
import { UserError } from '../errors/user-error.ts';
import type { FleetPowerInput, PoolPowerInput } from '../fleet/types.ts';
import type { Parallelism, PrecisionConfig } from '../perf/precision.ts';
import { resolvePrecision } from '../perf/compute-precision.ts';
import type { TpCollectives } from '../perf/types.ts';
import { DEFAULT_PUE, powerStateConfig } from '../power/caps.ts';
import type { GpuPowerProfile } from '../power/schema.ts';
import type { GpuProfile } from '../profiles/schema.ts';
import { allGatherSec, allReduceCandidates, allReduceSec } from '../topology/collective.ts';
import { buildTopology, type Topology } from '../topology/graph.ts';
import { kvTransferSec } from '../topology/kv-transfer.ts';
import { hostPathLatencySec, placeReplicas, type ReplicaPlacement } from '../topology/placement.ts';
import type { NodeProfile, PlacementMode } from '../topology/schema.ts';
import { weightLoadSec } from '../topology/weight-load.ts';
import { hostLink } from '../topology/offload.ts';
import type { Scenario } from './schema.ts';

export interface NodeContext {
  profile: NodeProfile;
  topo: Topology;
  placement: PlacementMode;
}

/** What a pool takes from the node topology. */
export interface PoolTopology {
  /** GPUs and CPU socket of the pool's replicas (all replicas are placed alike, one node each). */
  placement: ReplicaPlacement;
  collectives: TpCollectives;
  /** Host-path latency a step pays beyond the topology-aware placement's (cross-socket launches). */
  hostPenaltySec: number;
  weightLoadSec(bytesPerGpu: number): number;
  /** Host memory ↔ each GPU with all of the replica's GPUs copying (KV swap). */
  hostLink: { bytesPerSecPerGpu: number; latencySec: number };
  /** Where cold-start weights come from. */
  weightSource: 'nvme' | 'network';
}

/** The node of a scenario, or undefined. */
export function resolveNode(
  s: Scenario, loadNode: ((id: string) => NodeProfile) | undefined,
): NodeContext | undefined {
  if (s.node === undefined) return undefined;
  if (loadNode === undefined) {
    throw new UserError('the scenario names a node, but this environment cannot load node profiles', { where: 'node', fix: 'run it with the servesim CLI' });
  }
  const profile = loadNode(s.node);
  return { profile, topo: buildTopology(profile), placement: s.placement ?? 'topology-aware' };
}

/** The topology-derived transfer paths of a pool of `gpu` replicas with `par` parallelism on the node. */
export function poolTopology(n: NodeContext, gpu: GpuProfile, par: Parallelism, where: string): PoolTopology {
  if (n.profile.gpu !== gpu.id) {
    throw new UserError(`node ${n.profile.id} holds ${n.profile.gpu} GPUs, not ${gpu.id}`, {
      where, fix: `use gpu: ${n.profile.gpu}, or a node profile of ${gpu.id} GPUs`,
    });
  }
  const gpus = par.tensor * par.pipeline;
  const total = n.profile.gpus.attach.length;
  if (gpus > total) {
    throw new UserError(`a replica needs ${gpus} GPUs, node ${n.profile.id} has ${total}`, { where, fix: 'use fewer GPUs per replica' });
  }
  const placement = placeReplicas(n.topo, gpus, n.placement)[0]!;
  // TP collectives run within one pipeline stage: the first `tensor` GPUs of the replica.
  const cands = allReduceCandidates(n.topo, placement.gpus.slice(0, par.tensor));
  const collectives: TpCollectives = {
    allReduceSec: (bytes) => allReduceSec(cands, bytes),
    allGatherSec: (bytes) => allGatherSec(cands, bytes),
  };
  const aware = placeReplicas(n.topo, gpus, 'topology-aware')[0]!;
  const hostPenaltySec = Math.max(0, hostPathLatencySec(n.topo, placement) - hostPathLatencySec(n.topo, aware));
  const weightSource = n.profile.nvme.length > 0 ? 'nvme' as const : 'network' as const;
  const host = hostLink(n.topo, placement);
  return {
    placement, collectives, hostPenaltySec, weightSource,
    hostLink: { bytesPerSecPerGpu: host.bytesPerSec, latencySec: host.latencySec },
    weightLoadSec: (bytesPerGpu) => weightLoadSec(n.topo, placement, bytesPerGpu, { source: weightSource }).totalSec,
  };
}

/**
 * The prefill → decode KV link between two pools on separate nodes of this type, as a rate and a latency
 * (the topology's transfer time is affine in the bytes: two probes give both exactly up to rounding).
 * GPUDirect RDMA when the node's NICs support it, else staged through host memory.
 */
export function kvLink(n: NodeContext, from: ReplicaPlacement, to: ReplicaPlacement): { bandwidthBytesPerSec: number; latencySec: number; mode: string } {
  const mode = n.profile.nics.some((x) => x.gpuDirectRdma) ? 'gpudirect-rdma' as const : 'host-staged' as const;
  const src = { topo: n.topo, placement: from };
  const dst = { topo: n.topo, placement: to };
  const b1 = 1e9;
  const b2 = 2e9;
  const t1 = kvTransferSec(src, dst, b1, mode);
  const t2 = kvTransferSec(src, dst, b2, mode);
  const bandwidthBytesPerSec = (b2 - b1) / (t2 - t1);
  return { bandwidthBytesPerSec, latencySec: Math.max(0, t1 - b1 / bandwidthBytesPerSec), mode };
}

/** One pool as the power wiring needs it. */
export interface PowerPoolSpec {
  gpu: GpuProfile;
  precision: PrecisionConfig;
  gpusPerReplica: number;
  /** Most replicas the pool can hold (for a facility cap's share). */
  maxReplicas: number;
}

/**
 * The fleet's power input: with a `power` block, caps and throttling change step times; with only a cost
 * mode or grid intensity that needs energy, the power model observes (step times unchanged); otherwise none.
 */
export function resolvePower(
  s: Scenario, pools: readonly PowerPoolSpec[], node: NodeContext | undefined,
  loadPower: ((gpu: string) => GpuPowerProfile) | undefined,
): FleetPowerInput | undefined {
  const needEnergy = (s.cost.mode !== undefined && s.cost.mode !== 'cloud') || s.cost.gridGCo2PerKwh !== undefined;
  if (s.power === undefined && !needEnergy) return undefined;
  if (loadPower === undefined) {
    throw new UserError('power and energy need GPU power profiles, which this environment cannot load', { where: s.power ? 'power' : 'cost', fix: 'run it with the servesim CLI' });
  }
  const block = s.power ?? {};
  const gpusPerNode = node ? node.profile.gpus.attach.length : 8;
  let gpusInFleet = 0;
  for (const p of pools) gpusInFleet += p.maxReplicas * p.gpusPerReplica;
  const out: PoolPowerInput[] = pools.map((p) => {
    const prof = loadPower(p.gpu.id);
    const cfg = powerStateConfig(block, prof, gpusPerNode, Math.max(1, gpusInFleet));
    return {
      params: prof, capWatts: cfg.capWatts, inletC: cfg.inletC, cooling: cfg.cooling,
      peakFlopsPerGpu: resolvePrecision(p.gpu, p.precision).gemmPeakFlops,
      memoryBytesPerSecPerGpu: p.gpu.memoryBandwidthBytesPerSec,
    };
  });
  return { scalesSteps: s.power !== undefined, pue: block.pue ?? DEFAULT_PUE, sampleSec: 1, pools: out };
}
