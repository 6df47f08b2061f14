/**
 * Zod schemas for node profiles (`profiles/nodes/<id>.yaml`) and for the scenario keys `node` and
 * `placement` (exported for the scenario schema to wire in later).
 *
 * A node profile describes one server: CPU sockets (= NUMA nodes here) with their cores and memory
 * bandwidth, the inter-socket link, PCIe switches and which socket they hang off, which switch every GPU,
 * NIC and NVMe drive hangs off, the GPU scale-up fabric (NVSwitch, a point-to-point mesh such as AMD
 * Infinity Fabric, NVLink bridges, or none), and the scale-out network. Link rates are datasheet values per
 * direction; `efficiency` fractions (fitted to NCCL microbenchmarks where the node type matches, see
 * docs/physics.md) turn them into what collectives and copies sustain. Every value has a `sources:` entry,
 * as in GPU profiles.
 */
import { z } from 'zod';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();
const fraction = z.number().finite().gt(0).lte(1);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const localId = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, "_" or "-"');
const profileId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"');

/** One CPU socket (one NUMA node: servers here run with one NUMA node per socket). */
export const SocketSchema = z.strictObject({
  cpu: z.string().min(1),
  cores: positiveInt,
  memoryBytes: positive,
  memoryBandwidthBytesPerSec: positive,
});

/** The link between sockets (Intel UPI, AMD xGMI). `bytesPerSec`: what GPU traffic sustains, per direction. */
export const InterSocketSchema = z.strictObject({
  kind: z.enum(['upi', 'xgmi']),
  bytesPerSec: positive,
  latencySec: nonNegative,
});

/** Penalty of a hop that crosses to the other NUMA node: bandwidth multiplier and added latency. */
export const NumaRemoteSchema = z.strictObject({
  bandwidthFactor: fraction,
  latencySec: nonNegative,
});

/** PCIe fabric: generation, sustained fraction of the raw lane rate, latency of one hop. */
export const PcieSchema = z.strictObject({
  gen: z.number().int().min(3).max(6),
  efficiency: fraction,
  hopLatencySec: nonNegative,
});

/**
 * A PCIe switch (`kind: switch`) or a CPU root port (`kind: root-port`: devices attach straight to the
 * socket). `uplinkLanes`: lanes from the switch to its socket.
 */
export const PcieSwitchSchema = z.strictObject({
  id: localId,
  kind: z.enum(['switch', 'root-port']),
  socket: nonNegativeInt,
  uplinkLanes: positiveInt,
});

export const GpuAttachSchema = z.strictObject({
  /** Switch id per GPU, in GPU index order. */
  attach: z.array(localId).min(1),
  lanes: positiveInt,
});

export const NicSchema = z.strictObject({
  attach: localId,
  lanes: positiveInt,
  /** Line rate per direction (400 Gb/s = 50e9 B/s). */
  bytesPerSec: positive,
  gpuDirectRdma: z.boolean(),
});

export const NvmeSchema = z.strictObject({
  attach: localId,
  lanes: positiveInt,
  readBytesPerSec: positive,
});

/**
 * GPU scale-up fabric. `nvswitch`: every GPU of a group reaches every other through the switch at
 * `linkBytesPerSec` (per GPU, per direction). `mesh`: one point-to-point link of `linkBytesPerSec` between
 * every pair of a group (AMD Infinity Fabric). `bridge`: NVLink bridges pair the GPUs of each group.
 * `none`: GPUs talk over PCIe.
 */
export const ScaleUpSchema = z.strictObject({
  kind: z.enum(['nvswitch', 'mesh', 'bridge', 'none']),
  groups: z.array(z.array(nonNegativeInt).min(1)),
  linkBytesPerSec: nonNegative,
  latencySec: nonNegative,
  efficiency: fraction,
  /** NVSwitch in-network reduction (NVLS, NVLink SHARP) available. */
  inNetworkReduction: z.boolean(),
  /** Algorithm bandwidth of an NVLS all-reduce as a fraction of `linkBytesPerSec`. */
  nvlsEfficiency: fraction.optional(),
});

/** Fixed cost of one collective call (kernel launch, rank synchronisation), independent of rank count. */
export const CollectivesSchema = z.strictObject({
  baseLatencySec: nonNegative,
});

/** Scale-out network beyond the NICs. */
export const NetworkSchema = z.strictObject({
  latencySec: nonNegative,
  efficiency: fraction,
});

export const NodeProfileSchema = z.strictObject({
  id: profileId,
  name: z.string().min(1),
  /** GPU profile id (profiles/gpus/). */
  gpu: profileId,
  sockets: z.array(SocketSchema).min(1),
  interSocket: InterSocketSchema.optional(),
  numaRemote: NumaRemoteSchema,
  pcie: PcieSchema,
  switches: z.array(PcieSwitchSchema).min(1),
  gpus: GpuAttachSchema,
  nics: z.array(NicSchema),
  nvme: z.array(NvmeSchema),
  scaleUp: ScaleUpSchema,
  network: NetworkSchema,
  collectives: CollectivesSchema,
  sources: z.record(z.string(), z.string().min(1)),
});

export type NodeProfile = z.infer<typeof NodeProfileSchema>;

/** Scenario key `placement`: how a replica's GPUs and CPU threads are chosen on a node. */
export const PlacementSchema = z.enum(['topology-aware', 'naive']);
export type PlacementMode = z.infer<typeof PlacementSchema>;

/** Scenario key `node`: a node profile id. */
export const NodeKeySchema = profileId;
