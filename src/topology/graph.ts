/**
 * A node profile as a graph of links. Vertices are named `cpu<i>` (a socket's root complex), `mem<i>` (its
 * DRAM), switch ids, `gpu<i>`, `nic<i>`, `nvme<i>`, `nvs<g>` (the NVSwitch of scale-up group g) and `net`
 * (the scale-out network). Every link is full duplex: link k has directed channel 2k (a→b) and 2k+1 (b→a),
 * each with its own capacity in bytes/s (datasheet rate × efficiency) and latency.
 */
import type { NodeProfile } from './schema.ts';
import { pcieBytesPerSec } from './pcie.ts';

/** Link classes, used by the calibration and to explain paths. */
export type LinkKind = 'pcie' | 'inter-socket' | 'memory' | 'nvlink' | 'mesh' | 'bridge' | 'nic' | 'nvme';

export interface Topology {
  readonly profile: NodeProfile;
  readonly vertexNames: readonly string[];
  readonly vertexIndex: ReadonlyMap<string, number>;
  /** Per directed channel: capacity (bytes/s), latency (s), link kind, source and target vertex. */
  readonly channelBytesPerSec: Float64Array;
  readonly channelLatencySec: Float64Array;
  readonly channelKind: readonly LinkKind[];
  readonly channelFrom: Int32Array;
  readonly channelTo: Int32Array;
  /** Outgoing channel ids per vertex. */
  readonly outgoing: readonly (readonly number[])[];
  /** Socket of every GPU. */
  readonly gpuSocket: Int32Array;
  /** Scale-up group of every GPU (-1: none). */
  readonly gpuGroup: Int32Array;
}

interface Link { a: string; b: string; bytesPerSec: number; latencySec: number; kind: LinkKind }

/** Vertex name of the PCIe attachment point `attach` (a root port is its socket). */
function attachVertex(p: NodeProfile, attach: string): string {
  const s = p.switches.find((x) => x.id === attach)!;
  return s.kind === 'root-port' ? `cpu${s.socket}` : s.id;
}

/** The links of a node profile, before indexing. */
function linksOf(p: NodeProfile): Link[] {
  const links: Link[] = [];
  const pcieEff = p.pcie.efficiency;
  const hop = p.pcie.hopLatencySec;
  p.sockets.forEach((s, i) => {
    links.push({ a: `cpu${i}`, b: `mem${i}`, bytesPerSec: s.memoryBandwidthBytesPerSec, latencySec: 0, kind: 'memory' });
  });
  if (p.interSocket !== undefined) {
    // The NUMA-remote penalty applies on the hop that crosses sockets.
    const bw = p.interSocket.bytesPerSec * p.numaRemote.bandwidthFactor;
    const lat = p.interSocket.latencySec + p.numaRemote.latencySec;
    for (let i = 0; i < p.sockets.length; i++) {
      for (let j = i + 1; j < p.sockets.length; j++) {
        links.push({ a: `cpu${i}`, b: `cpu${j}`, bytesPerSec: bw, latencySec: lat, kind: 'inter-socket' });
      }
    }
  }
  for (const s of p.switches) {
    if (s.kind === 'switch') {
      links.push({
        a: s.id, b: `cpu${s.socket}`, bytesPerSec: pcieBytesPerSec(p.pcie.gen, s.uplinkLanes) * pcieEff,
        latencySec: hop, kind: 'pcie',
      });
    }
  }
  p.gpus.attach.forEach((sw, i) => {
    links.push({
      a: `gpu${i}`, b: attachVertex(p, sw), bytesPerSec: pcieBytesPerSec(p.pcie.gen, p.gpus.lanes) * pcieEff,
      latencySec: hop, kind: 'pcie',
    });
  });
  p.nics.forEach((n, i) => {
    const pcie = pcieBytesPerSec(p.pcie.gen, n.lanes) * pcieEff;
    links.push({ a: `nic${i}`, b: attachVertex(p, n.attach), bytesPerSec: pcie, latencySec: hop, kind: 'pcie' });
    links.push({
      a: `nic${i}`, b: 'net', bytesPerSec: n.bytesPerSec * p.network.efficiency, latencySec: p.network.latencySec / 2,
      kind: 'nic',
    });
  });
  p.nvme.forEach((d, i) => {
    const bw = Math.min(d.readBytesPerSec, pcieBytesPerSec(p.pcie.gen, d.lanes) * pcieEff);
    links.push({ a: `nvme${i}`, b: attachVertex(p, d.attach), bytesPerSec: bw, latencySec: hop, kind: 'nvme' });
  });
  const su = p.scaleUp;
  const bw = su.linkBytesPerSec * su.efficiency;
  su.groups.forEach((g, gi) => {
    if (su.kind === 'nvswitch') {
      for (const i of g) links.push({ a: `gpu${i}`, b: `nvs${gi}`, bytesPerSec: bw, latencySec: su.latencySec / 2, kind: 'nvlink' });
    } else if (su.kind === 'mesh' || su.kind === 'bridge') {
      for (let x = 0; x < g.length; x++) {
        for (let y = x + 1; y < g.length; y++) {
          links.push({ a: `gpu${g[x]}`, b: `gpu${g[y]}`, bytesPerSec: bw, latencySec: su.latencySec, kind: su.kind });
        }
      }
    }
  });
  return links;
}

/** Build the link graph of a node profile. */
export function buildTopology(profile: NodeProfile): Topology {
  const links = linksOf(profile);
  const names: string[] = [];
  const index = new Map<string, number>();
  const vertex = (n: string): number => {
    let v = index.get(n);
    if (v === undefined) {
      v = names.length;
      names.push(n);
      index.set(n, v);
    }
    return v;
  };
  const nCh = links.length * 2;
  const cap = new Float64Array(nCh);
  const lat = new Float64Array(nCh);
  const from = new Int32Array(nCh);
  const to = new Int32Array(nCh);
  const kind: LinkKind[] = [];
  links.forEach((l, k) => {
    const a = vertex(l.a);
    const b = vertex(l.b);
    for (const [c, x, y] of [[2 * k, a, b], [2 * k + 1, b, a]] as const) {
      cap[c] = l.bytesPerSec;
      lat[c] = l.latencySec;
      from[c] = x;
      to[c] = y;
      kind[c] = l.kind;
    }
  });
  const outgoing: number[][] = names.map(() => []);
  for (let c = 0; c < nCh; c++) outgoing[from[c]!]!.push(c);
  const nGpus = profile.gpus.attach.length;
  const gpuSocket = new Int32Array(nGpus);
  const gpuGroup = new Int32Array(nGpus).fill(-1);
  profile.gpus.attach.forEach((sw, i) => {
    gpuSocket[i] = profile.switches.find((s) => s.id === sw)!.socket;
  });
  profile.scaleUp.groups.forEach((g, gi) => { for (const i of g) gpuGroup[i] = gi; });
  return {
    profile, vertexNames: names, vertexIndex: index, channelBytesPerSec: cap, channelLatencySec: lat,
    channelKind: kind, channelFrom: from, channelTo: to, outgoing, gpuSocket, gpuGroup,
  };
}

/** Socket of a NIC or NVMe drive. */
export function deviceSocket(topo: Topology, kind: 'nics' | 'nvme', i: number): number {
  const attach = topo.profile[kind][i]!.attach;
  return topo.profile.switches.find((s) => s.id === attach)!.socket;
}
