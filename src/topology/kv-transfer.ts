/**
 * Prefill → decode KV-cache transfer in disaggregated serving. Each of the prefill replica's GPUs sends
 * its shard (bytes / #GPUs) to the decode replica.
 *
 * - Same node: GPU → GPU paths inside the node, concurrent, fair-shared.
 * - `gpudirect-rdma` across nodes: GPU → nearest NIC → network → NIC → GPU; the per-shard rate is the
 *   smaller of the two sides' fair-shared rates (each side computed on its own node), latency = both
 *   sides + the network.
 * - `host-staged` across nodes: device → host memory, host → NIC → network → NIC → host, host → device,
 *   three stages back to back.
 */
import { fairShareCompletionSec, maxMinRates, type Transfer } from './fair-share.ts';
import { deviceSocket, type Topology } from './graph.ts';
import { pathBetween, type Path } from './path.ts';
import type { ReplicaPlacement } from './placement.ts';

export type KvTransferMode = 'gpudirect-rdma' | 'host-staged';

export interface KvEndpoint {
  readonly topo: Topology;
  readonly placement: ReplicaPlacement;
}

/** The NIC nearest a vertex: GPUDirect-capable first when asked, then the shortest path. */
function nearestNic(topo: Topology, from: string, needRdma: boolean): number {
  let best = -1;
  let bestCost = Infinity;
  topo.profile.nics.forEach((n, i) => {
    if (needRdma && !n.gpuDirectRdma) return;
    const p = pathBetween(topo, from, `nic${i}`);
    const cost = p.latencySec + (1 << 20) / p.bytesPerSec;
    if (cost < bestCost) { bestCost = cost; best = i; }
  });
  if (best < 0) throw new Error(`node ${topo.profile.id} has no ${needRdma ? 'GPUDirect RDMA ' : ''}NIC`);
  return best;
}

/** Per-shard rate and latency of one side's concurrent paths. */
function side(topo: Topology, paths: readonly Path[]): { rates: Float64Array; lat: number } {
  const rates = maxMinRates(topo.channelBytesPerSec, paths.map((p) => p.channels));
  let lat = 0;
  for (const p of paths) lat = Math.max(lat, p.latencySec);
  return { rates, lat };
}

/** Seconds to move `bytes` of KV (whole sequence, all layers) from `src` to `dst`. */
export function kvTransferSec(src: KvEndpoint, dst: KvEndpoint, bytes: number, mode: KvTransferMode, sameNode = false): number {
  const n = src.placement.gpus.length;
  const m = dst.placement.gpus.length;
  const shard = bytes / n;
  if (bytes <= 0) return 0;
  if (sameNode) {
    const transfers: Transfer[] = src.placement.gpus.map((g, i) => ({
      path: pathBetween(src.topo, `gpu${g}`, `gpu${dst.placement.gpus[i % m]}`), bytes: shard,
    }));
    let t = 0;
    for (const x of fairShareCompletionSec(src.topo, transfers)) t = Math.max(t, x);
    return t;
  }
  const netLat = src.topo.profile.network.latencySec;
  if (mode === 'gpudirect-rdma') {
    const out = src.placement.gpus.map((g) => pathBetween(src.topo, `gpu${g}`, `nic${nearestNic(src.topo, `gpu${g}`, true)}`));
    const inn = src.placement.gpus.map((_, i) => {
      const g = dst.placement.gpus[i % m]!;
      const nic = nearestNic(dst.topo, `gpu${g}`, true);
      return pathBetween(dst.topo, `nic${nic}`, `gpu${g}`);
    });
    // The network hop (NIC line rate) is a channel of each side: add it to the sending side's paths.
    const outNet = out.map((p) => withNetHop(src.topo, p, 'out'));
    const a = side(src.topo, outNet);
    const b = side(dst.topo, inn.map((p) => withNetHop(dst.topo, p, 'in')));
    let t = 0;
    for (let i = 0; i < n; i++) t = Math.max(t, shard / Math.min(a.rates[i]!, b.rates[i]!));
    return t + a.lat + b.lat + netLat;
  }
  // Host-staged: D2H on the source, host → host over the network, H2D on the destination.
  const srcMem = `mem${src.placement.cpuSocket}`;
  const dstMem = `mem${dst.placement.cpuSocket}`;
  const d2h: Transfer[] = src.placement.gpus.map((g) => ({ path: pathBetween(src.topo, `gpu${g}`, srcMem), bytes: shard }));
  const h2d: Transfer[] = src.placement.gpus.map((_, i) => ({ path: pathBetween(dst.topo, dstMem, `gpu${dst.placement.gpus[i % m]}`), bytes: shard }));
  const nicOut = nearestNicOnSocket(src.topo, src.placement.cpuSocket);
  const nicIn = nearestNicOnSocket(dst.topo, dst.placement.cpuSocket);
  const wireOut = withNetHop(src.topo, pathBetween(src.topo, srcMem, `nic${nicOut}`), 'out');
  const wireIn = withNetHop(dst.topo, pathBetween(dst.topo, `nic${nicIn}`, dstMem), 'in');
  const wireSec = bytes / Math.min(wireOut.bytesPerSec, wireIn.bytesPerSec) + wireOut.latencySec + wireIn.latencySec + netLat;
  let s1 = 0;
  for (const x of fairShareCompletionSec(src.topo, d2h)) s1 = Math.max(s1, x);
  let s3 = 0;
  for (const x of fairShareCompletionSec(dst.topo, h2d)) s3 = Math.max(s3, x);
  return s1 + wireSec + s3;
}

function nearestNicOnSocket(topo: Topology, socket: number): number {
  const nics = topo.profile.nics.map((_, i) => i);
  const local = nics.find((i) => deviceSocket(topo, 'nics', i) === socket);
  if (local !== undefined) return local;
  if (nics.length === 0) throw new Error(`node ${topo.profile.id} has no NIC`);
  return nics[0]!;
}

/** Extend a path ending (out) or starting (in) at a NIC with the NIC's line-rate channel to/from `net`. */
function withNetHop(topo: Topology, p: Path, dir: 'out' | 'in'): Path {
  const nicName = dir === 'out' ? p.to : p.from;
  const nic = topo.vertexIndex.get(nicName)!;
  const net = topo.vertexIndex.get('net')!;
  let ch = -1;
  for (let c = 0; c < topo.channelFrom.length; c++) {
    if (dir === 'out' && topo.channelFrom[c] === nic && topo.channelTo[c] === net) ch = c;
    if (dir === 'in' && topo.channelFrom[c] === net && topo.channelTo[c] === nic) ch = c;
  }
  const channels = dir === 'out' ? [...p.channels, ch] : [ch, ...p.channels];
  return {
    ...p, channels: Int32Array.from(channels), bytesPerSec: Math.min(p.bytesPerSec, topo.channelBytesPerSec[ch]!),
    latencySec: p.latencySec + topo.channelLatencySec[ch]!,
  };
}
