/**
 * Paths through a node's link graph. A path's bandwidth is the minimum over its hops (the bottleneck), its
 * latency the sum of the hops' latencies; the NUMA-remote penalty is already on the inter-socket hop.
 */
import type { Topology } from './graph.ts';

export interface Path {
  readonly from: string;
  readonly to: string;
  /** Directed channel ids, in order. */
  readonly channels: Int32Array;
  /** Bottleneck bandwidth, bytes/s (Infinity for an empty path). */
  readonly bytesPerSec: number;
  /** Sum of hop latencies, s. */
  readonly latencySec: number;
  /** True when the path uses the inter-socket link. */
  readonly crossesSockets: boolean;
  /** Vertex names along the path. */
  readonly vertices: readonly string[];
}

/** Reference message size that weighs latency against bandwidth when choosing a route (1 MiB). */
const ROUTE_REFERENCE_BYTES = 1 << 20;

/**
 * The route a copy or collective takes from vertex `a` to vertex `b` (names such as `gpu0`, `mem1`,
 * `nic3`, `net`): the path of least latency + 1 MiB / bandwidth summed over hops (Dijkstra). The scale-out
 * network `net` is never crossed inside a node, only entered or left (NCCL uses shared memory, not a NIC
 * loopback, between sockets by default).
 */
export function pathBetween(topo: Topology, a: string, b: string): Path {
  const s = topo.vertexIndex.get(a);
  const t = topo.vertexIndex.get(b);
  if (s === undefined || t === undefined) throw new Error(`unknown vertex ${s === undefined ? a : b} in node ${topo.profile.id}`);
  const n = topo.vertexNames.length;
  const net = topo.vertexIndex.get('net') ?? -1;
  const dist = new Float64Array(n).fill(Infinity);
  const via = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  dist[s] = 0;
  for (;;) {
    let u = -1;
    for (let v = 0; v < n; v++) if (!done[v] && dist[v]! < Infinity && (u < 0 || dist[v]! < dist[u]!)) u = v;
    if (u < 0 || u === t) break;
    done[u] = 1;
    if (u === net && u !== s) continue;
    for (const c of topo.outgoing[u]!) {
      const v = topo.channelTo[c]!;
      const w = topo.channelLatencySec[c]! + ROUTE_REFERENCE_BYTES / topo.channelBytesPerSec[c]!;
      if (dist[u]! + w < dist[v]!) {
        dist[v] = dist[u]! + w;
        via[v] = c;
      }
    }
  }
  if (dist[t] === Infinity) throw new Error(`no path from ${a} to ${b} in node ${topo.profile.id}`);
  const rev: number[] = [];
  for (let v = t; v !== s; v = topo.channelFrom[via[v]!]!) rev.push(via[v]!);
  rev.reverse();
  return pathOfChannels(topo, a, b, rev);
}

/** A Path from a list of directed channels. */
export function pathOfChannels(topo: Topology, a: string, b: string, channels: readonly number[]): Path {
  let bw = Infinity;
  let lat = 0;
  let cross = false;
  const vertices = [a];
  for (const c of channels) {
    bw = Math.min(bw, topo.channelBytesPerSec[c]!);
    lat += topo.channelLatencySec[c]!;
    if (topo.channelKind[c] === 'inter-socket') cross = true;
    vertices.push(topo.vertexNames[topo.channelTo[c]!]!);
  }
  return { from: a, to: b, channels: Int32Array.from(channels), bytesPerSec: bw, latencySec: lat, crossesSockets: cross, vertices };
}

/**
 * Seconds to move `bytes` along `path` while `concurrent` transfers (this one included) share its
 * bottleneck equally: latency + bytes / (bandwidth / concurrent). For transfers that share only some
 * links, use `fairShareCompletionSec`.
 */
export function transferSec(bytes: number, path: Path, concurrent = 1): number {
  if (bytes <= 0) return 0;
  return path.latencySec + (bytes * Math.max(1, concurrent)) / path.bytesPerSec;
}
