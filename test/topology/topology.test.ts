import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.ts';
import { loadGpuProfile } from '../../src/profiles/fs.ts';
import { unsourcedFields } from '../../src/profiles/registry.ts';
import { allReduceCandidates, allReduceSec, ringAllReduce } from '../../src/topology/collective.ts';
import { fairShareCompletionSec } from '../../src/topology/fair-share.ts';
import { buildTopology } from '../../src/topology/graph.ts';
import { kvTransferSec } from '../../src/topology/kv-transfer.ts';
import { listNodeProfileIds, loadNodeProfile, parseNodeProfile, type TextReader } from '../../src/topology/load.ts';
import { nodeTextReader } from '../../src/cli/node-text-reader.ts';
import { hostSwapSec, swapOrRecompute } from '../../src/topology/offload.ts';
import { pathBetween, transferSec } from '../../src/topology/path.ts';
import { hostPathLatencySec, placeReplicas } from '../../src/topology/placement.ts';
import { weightLoadSec } from '../../src/topology/weight-load.ts';

const DIR = new URL('../../profiles/nodes', import.meta.url).pathname;
const node = (id: string) => buildTopology(loadNodeProfile(nodeTextReader, DIR, id));

describe('node profiles', () => {
  it('ships the required nodes, each value sourced', () => {
    const ids = listNodeProfileIds(nodeTextReader, DIR);
    expect(ids).toEqual(expect.arrayContaining(['dgx-h100', 'hgx-h200', 'pcie-2socket-h100', 'pcie-4xl40s', 'mi300x-8']));
    for (const id of ids) {
      const p = loadNodeProfile(nodeTextReader, DIR, id);
      expect(unsourcedFields(p), id).toEqual([]);
      expect(() => loadGpuProfile(p.gpu), id).not.toThrow();
      // Every GPU reaches every other GPU and host memory.
      const t = buildTopology(p);
      for (let g = 1; g < p.gpus.attach.length; g++) expect(pathBetween(t, 'gpu0', `gpu${g}`).bytesPerSec).toBeGreaterThan(0);
      expect(pathBetween(t, 'mem0', `gpu${p.gpus.attach.length - 1}`).bytesPerSec).toBeGreaterThan(0);
    }
  });

  it('loads through an injected reader (no file system) and rejects bad references', () => {
    const text = nodeTextReader.read(`${DIR}/dgx-h100.yaml`);
    const mem: TextReader = { list: () => ['dgx-h100.yaml'], read: () => text };
    expect(loadNodeProfile(mem, 'x', 'dgx-h100').gpu).toBe('h100-sxm');
    expect(() => loadNodeProfile(mem, 'x', 'nope')).toThrow(UserError);
    expect(() => parseNodeProfile(text.replace('attach: [sw0, sw0', 'attach: [swx, sw0'), 't.yaml')).toThrow(/unknown switch "swx"/);
  });
});

describe('paths', () => {
  it('bandwidth is the minimum over hops, latency the sum; crossing sockets is penalised', () => {
    const t = node('pcie-2socket-h100');
    const near = pathBetween(t, 'gpu0', 'gpu1');
    expect(near.vertices).toEqual(['gpu0', 'sw0', 'gpu1']);
    expect(near.latencySec).toBeCloseTo(2 * 1.45e-6, 12);
    const far = pathBetween(t, 'gpu0', 'gpu4');
    expect(far.crossesSockets).toBe(true);
    expect(far.vertices).toEqual(['gpu0', 'sw0', 'cpu0', 'cpu1', 'sw2', 'gpu4']);
    expect(far.bytesPerSec).toBeCloseTo(22e9 * 0.833, -3);
    expect(far.latencySec).toBeCloseTo(4 * 1.45e-6 + 2e-6, 12);
    expect(transferSec(1e6, far)).toBeGreaterThan(transferSec(1e6, near));
    expect(transferSec(1e6, near, 2) - near.latencySec).toBeCloseTo(2 * (transferSec(1e6, near) - near.latencySec), 12);
  });

  it('NVSwitch GPUs talk over NVLink, never through the network', () => {
    const t = node('dgx-h100');
    expect(pathBetween(t, 'gpu0', 'gpu7').vertices).toEqual(['gpu0', 'nvs0', 'gpu7']);
    expect(pathBetween(t, 'mem0', 'gpu5').vertices).not.toContain('net');
  });
});

describe('fair sharing', () => {
  it('two transfers over one link take twice as long; the survivor speeds up', () => {
    const t = node('pcie-2socket-h100');
    const p = pathBetween(t, 'gpu0', 'gpu4');
    const one = fairShareCompletionSec(t, [{ path: p, bytes: 1e8 }])[0]!;
    const [a, b] = fairShareCompletionSec(t, [{ path: p, bytes: 1e8 }, { path: pathBetween(t, 'gpu1', 'gpu5'), bytes: 5e7 }]);
    const data = one - p.latencySec;
    expect(b! - p.latencySec).toBeCloseTo(data, 6); // 5e7 at half rate
    expect(a! - p.latencySec).toBeCloseTo(1.5 * data, 6);
    // Opposite directions do not share (full duplex).
    const [c] = fairShareCompletionSec(t, [{ path: p, bytes: 1e8 }, { path: pathBetween(t, 'gpu4', 'gpu0'), bytes: 1e8 }]);
    expect(c).toBeCloseTo(one, 9);
  });
});

describe('collectives and placement', () => {
  it('TP-2 all-reduce of a decode-sized message is measurably slower with naive placement (pcie-2socket-h100)', () => {
    const t = node('pcie-2socket-h100');
    const aware = placeReplicas(t, 2, 'topology-aware');
    const naive = placeReplicas(t, 2, 'naive');
    expect(aware[0]!.gpus).toEqual([0, 1]);
    expect(naive[0]!.gpus).toEqual([0, 4]);
    // Llama-3.1-70B-sized hidden 8192, batch 64, bf16: 1 MiB per all-reduce, 2 per layer.
    const bytes = 64 * 8192 * 2;
    const a = allReduceSec(allReduceCandidates(t, aware[0]!.gpus), bytes);
    const n = allReduceSec(allReduceCandidates(t, naive[0]!.gpus), bytes);
    expect(n / a).toBeGreaterThan(1.5);
    // Per decode step of an 80-layer model, the difference is milliseconds: a visible TPOT change.
    expect(160 * (n - a)).toBeGreaterThan(2e-3);
    // The host path of naive placement crosses sockets for one of the two GPUs.
    expect(hostPathLatencySec(t, naive[0]!)).toBeGreaterThan(hostPathLatencySec(t, aware[0]!));
  });

  it('reproduces the calibrated 8-GPU NVSwitch ring within the fit error (Vidur h100_dgx, 64 MiB: 0.322 ms)', () => {
    const t = node('dgx-h100');
    const ring = ringAllReduce(t, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(allReduceSec([ring], 64 * 2 ** 20) / 0.322e-3).toBeGreaterThan(0.9);
    expect(allReduceSec([ring], 64 * 2 ** 20) / 0.322e-3).toBeLessThan(1.25);
    // NVLS beats the ring on large messages where the switch reduces.
    const c = allReduceCandidates(t, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(c.map((x) => x.algorithm)).toEqual(['ring', 'nvls']);
    expect(allReduceSec(c, 64 * 2 ** 20)).toBeLessThan(allReduceSec([ring], 64 * 2 ** 20));
  });

  it('NVLink beats PCIe beats cross-socket for the same TP-4 message', () => {
    const bytes = 4 * 2 ** 20;
    const nv = allReduceSec(allReduceCandidates(node('dgx-h100'), [0, 1, 2, 3]), bytes);
    const p = node('pcie-2socket-h100');
    const pcie = allReduceSec(allReduceCandidates(p, [0, 1, 2, 3]), bytes);
    const sock = allReduceSec(allReduceCandidates(p, [0, 4, 1, 5]), bytes);
    expect(nv).toBeLessThan(pcie);
    expect(pcie).toBeLessThan(sock);
  });

  it('the MI300X mesh uses its direct links', () => {
    const t = node('mi300x-8');
    const c = allReduceCandidates(t, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(c.map((x) => x.algorithm)).toEqual(['ring', 'direct']);
    expect(allReduceSec(c, 2 ** 26)).toBeLessThan(allReduceSec([c[0]!], 2 ** 26));
  });
});

describe('weight load, KV transfer, swap', () => {
  it('cold start from NVMe is slower than from host cache; GPUDirect Storage skips the host', () => {
    const t = node('dgx-h100');
    const [p] = placeReplicas(t, 8, 'topology-aware');
    const bytes = 140e9 / 8;
    const nvme = weightLoadSec(t, p!, bytes, { source: 'nvme' });
    const cache = weightLoadSec(t, p!, bytes, { source: 'host-cache' });
    const gds = weightLoadSec(t, p!, bytes, { source: 'nvme', gpuDirectStorage: true });
    expect(cache.storageSec).toBe(0);
    expect(nvme.totalSec).toBeGreaterThan(cache.totalSec);
    expect(gds.totalSec).toBeLessThan(nvme.totalSec);
    // 8 drives at 7 GB/s read 140 GB in about 2.5 s.
    expect(nvme.storageSec).toBeGreaterThan(2);
    expect(nvme.storageSec).toBeLessThan(4);
    expect(weightLoadSec(t, p!, bytes, { source: 'nvme', pipelined: true }).totalSec).toBeLessThan(nvme.totalSec);
  });

  it('GPUDirect RDMA beats staging through host memory', () => {
    const t = node('dgx-h100');
    const [a, b] = placeReplicas(t, 4, 'topology-aware');
    const bytes = 2e9;
    const rdma = kvTransferSec({ topo: t, placement: a! }, { topo: t, placement: b! }, bytes, 'gpudirect-rdma');
    const staged = kvTransferSec({ topo: t, placement: a! }, { topo: t, placement: b! }, bytes, 'host-staged');
    const local = kvTransferSec({ topo: t, placement: a! }, { topo: t, placement: b! }, bytes, 'gpudirect-rdma', true);
    expect(rdma).toBeLessThan(staged);
    expect(local).toBeLessThan(rdma);
  });

  it('swapping to the far socket is slower; swap vs recompute picks the cheaper', () => {
    const t = node('pcie-2socket-h100');
    const near = hostSwapSec(t, { gpus: [0, 1], cpuSocket: 0 }, 1e9, 'out');
    const far = hostSwapSec(t, { gpus: [0, 1], cpuSocket: 1 }, 1e9, 'out');
    expect(far).toBeGreaterThan(1.5 * near);
    expect(swapOrRecompute(near, near, 10).choice).toBe('swap');
    expect(swapOrRecompute(near, near, near).choice).toBe('recompute');
  });
});
