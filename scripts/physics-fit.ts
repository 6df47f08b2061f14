/**
 * `npm run physics:fit`: fits the physical-layer models to the shared measurements and reports fit error
 * and error on data not fitted. Writes docs/physics-fit.json and prints a summary; docs/physics.md quotes
 * these numbers, and the node/power profiles cite them.
 *
 * Data (../shared/data): microbench/vidur/network (NCCL all-reduce and send/recv, microsoft/vidur, MIT),
 * power/mlenergy-*.json (ML.ENERGY leaderboard, vLLM on H100/B200).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGpuProfile, loadModelProfile } from '../src/profiles/fs.ts';
import {
  allReducePredictSec, fitAllReduce, fitAllReduceGroups, fitSendRecv, parseNcclCsv, relErrors, ringBytes,
  type NcclSample,
} from '../src/topology/calibrate.ts';
import {
  activityOf, fitPowerCoefficients, parseMlEnergy, powerErrors, predictFraction, type GpuPeaks, type ModelShape,
  type PowerFitPoint,
} from '../src/power/fit.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(repoRoot, '../shared/data');
const net = (p: string): NcclSample[] => parseNcclCsv(readFileSync(path.join(dataDir, 'microbench/vidur/network', p), 'utf8'));
const r4 = (x: number): number => Number(x.toPrecision(4));
const summary = (e: ReturnType<typeof relErrors>) => ({ n: e.n, medianAbsRelErr: r4(e.medianAbsRel), p90AbsRelErr: r4(e.p90AbsRel), maxAbsRelErr: r4(e.maxAbsRel) });

// ---------------------------------------------------------------- topology
const PCIE5_X16 = (32e9 * 128) / 130 / 8 * 16;
const dgx = net('h100_dgx/all_reduce.csv');
const nvFit = fitAllReduce(dgx);
const nvPred = (s: NcclSample[], f = nvFit) => s.map((x) => allReducePredictSec(f, x.ranks, x.bytes));
const nvHeldFit = fitAllReduce(dgx.filter((x) => x.ranks !== 4));
const dgx4 = dgx.filter((x) => x.ranks === 4);
const a100 = net('a100_dgx/all_reduce.csv').filter((x) => x.ranks === x.devicesPerNode);
// Transfer check: the H100 NVSwitch fit with the A100's NVLink3 rate (300 vs 450 GB/s per direction).
const a100Fit = { ...nvFit, bytesPerSec: nvFit.bytesPerSec * (300 / 450) };

const pw = net('h100_pairwise_nvlink/all_reduce.csv');
const pw2 = pw.filter((x) => x.ranks === 2);
const pw4 = pw.filter((x) => x.ranks === 4);
const pcieFit = fitAllReduceGroups([pw2, pw4]);
const pciePred = (s: NcclSample[], bw: number) => s.map((x) => pcieFit.baseLatencySec + 2 * (x.ranks - 1) * pcieFit.stepLatencySec + ringBytes(x.ranks, x.bytes) / bw);

const sr = net('h100_dgx/send_recv.csv');
const netSamples = sr.filter((x) => x.devicesPerNode === 1);
const netFit = fitSendRecv(netSamples);
const nvP2p = sr.filter((x) => x.devicesPerNode === 2);
// Held-out: point-to-point over NVSwitch predicted from the all-reduce fit (one step: base + α + S/B).
const nvP2pPred = nvP2p.map((x) => nvFit.baseLatencySec + nvFit.stepLatencySec + x.bytes / nvFit.bytesPerSec);

const topology = {
  nvswitchH100: {
    data: 'vidur network/h100_dgx/all_reduce.csv (2, 4, 8 GPUs)',
    model: 't = base + 2(n-1)·step + 2(n-1)/n·S/B',
    baseLatencySec: r4(nvFit.baseLatencySec), stepLatencySec: r4(nvFit.stepLatencySec), busBytesPerSec: r4(nvFit.bytesPerSec),
    efficiencyOf450GBps: r4(nvFit.bytesPerSec / 450e9),
    fitError: summary(relErrors(nvPred(dgx), dgx.map((x) => x.medianSec))),
    heldOut4GpuFromFitOn2And8: summary(relErrors(nvPred(dgx4, nvHeldFit), dgx4.map((x) => x.medianSec))),
    heldOutPointToPointSendRecv: summary(relErrors(nvP2pPred, nvP2p.map((x) => x.medianSec))),
    transferToA100Nvlink3: summary(relErrors(nvPred(a100, a100Fit), a100.map((x) => x.medianSec))),
  },
  pcieH100: {
    data: 'vidur network/h100_pairwise_nvlink/all_reduce.csv (2 GPUs over an NVLink bridge, 4 GPUs bottlenecked by PCIe Gen5)',
    baseLatencySec: r4(pcieFit.baseLatencySec), stepLatencySec: r4(pcieFit.stepLatencySec),
    hopLatencySec: r4(pcieFit.stepLatencySec / 2),
    bridgeBytesPerSec: r4(pcieFit.bytesPerSec[0]!), bridgeEfficiencyOf300GBps: r4(pcieFit.bytesPerSec[0]! / 300e9),
    pcieBytesPerSec: r4(pcieFit.bytesPerSec[1]!), pcieEfficiencyOfGen5x16: r4(pcieFit.bytesPerSec[1]! / PCIE5_X16),
    fitError2Gpu: summary(relErrors(pciePred(pw2, pcieFit.bytesPerSec[0]!), pw2.map((x) => x.medianSec))),
    fitError4Gpu: summary(relErrors(pciePred(pw4, pcieFit.bytesPerSec[1]!), pw4.map((x) => x.medianSec))),
  },
  network: {
    data: 'vidur network/h100_dgx/send_recv.csv, 2 nodes x 1 GPU',
    latencySec: r4(netFit.latencySec), bytesPerSec: r4(netFit.bytesPerSec), efficiencyOf400Gbps: r4(netFit.bytesPerSec / 50e9),
    fitError: summary(relErrors(netSamples.map((x) => netFit.latencySec + x.bytes / netFit.bytesPerSec), netSamples.map((x) => x.medianSec))),
  },
};

// ---------------------------------------------------------------- power
/** Prompt length assumed for the ML.ENERGY lm-arena-chat runs (not in the data). */
const ASSUMED_INPUT_TOKENS = 1000;
const GPU_IDS: Record<string, string> = { H100: 'h100-sxm', B200: 'b200' };

function shapeOf(modelProfileId: string, json: { activated_params_billions: number; total_params_billions: number; weight_precision: string }): ModelShape {
  const m = loadModelProfile(modelProfileId);
  const expertParams = m.moe === undefined ? 0 : m.layers * m.moe.experts * 3 * m.hiddenSize * m.moe.expertIntermediateSize;
  return {
    activeParams: json.activated_params_billions * 1e9,
    totalParams: json.total_params_billions * 1e9,
    bytesPerParam: json.weight_precision === 'fp8' ? 1 : 2,
    kvBytesPerToken: 2 * m.layers * m.numKvHeads * m.headDim * 2,
    layers: m.layers,
    attnWidth: m.numHeads * m.headDim,
    ...(m.moe === undefined ? {} : { moe: { experts: m.moe.experts, topK: m.moe.topK, expertParams } }),
  };
}

interface Row extends PowerFitPoint { model: string; gpu: string; batch: number; tdpWatts: number; numGpus: number; tokensPerSec: number; joulesPerToken: number }
const rows: Row[] = [];
for (const [file, modelId] of [['mlenergy-llama-3.1-405b-fp8.json', 'llama-3.1-405b'], ['mlenergy-qwen3-235b-a22b.json', 'qwen3-235b-a22b']] as const) {
  const text = readFileSync(path.join(dataDir, 'power', file), 'utf8');
  const json = JSON.parse(text);
  const parsed = parseMlEnergy(text);
  const shape = shapeOf(modelId, json);
  for (const c of parsed.configs) {
    const g = loadGpuProfile(GPU_IDS[c.gpu]!);
    const peak = (shape.bytesPerParam === 1 ? g.peakTflops.fp8! : g.peakTflops.bf16!) * 1e12;
    const peaks: GpuPeaks = { peakFlops: peak, memoryBytesPerSec: g.memoryBandwidthBytesPerSec, tdpWatts: g.tdpWatts };
    const u = activityOf(c, shape, peaks, ASSUMED_INPUT_TOKENS);
    rows.push({ ...u, powerFraction: c.wattsPerGpu / g.tdpWatts, model: modelId, gpu: c.gpu, batch: c.batch, tdpWatts: g.tdpWatts, numGpus: c.numGpus, tokensPerSec: c.tokensPerSec, joulesPerToken: c.joulesPerToken });
  }
}
const all = fitPowerCoefficients(rows);
const held = (keep: (r: Row) => boolean) => {
  const k = fitPowerCoefficients(rows.filter(keep));
  const e = powerErrors(k, rows.filter((r) => !keep(r)));
  return { coefficients: { activeFloor: r4(k.activeFloor), compute: r4(k.compute), memory: r4(k.memory) }, meanAbsRelErr: r4(e.mean), maxAbsRelErr: r4(e.max), n: e.n };
};
const fitErr = powerErrors(all, rows);
// Energy per output token: predicted watts × GPUs ÷ measured throughput, against the measured J/token.
const series = new Map<string, Row[]>();
for (const r of rows) {
  const key = `${r.model} ${r.gpu} x${r.numGpus}`;
  series.set(key, [...(series.get(key) ?? []), r]);
}
const energyPerToken = [...series.entries()].map(([key, rs]) => {
  const pred = rs.map((r) => (predictFraction(all, r) * r.tdpWatts * r.numGpus) / r.tokensPerSec);
  const meas = rs.map((r) => r.joulesPerToken);
  return {
    series: key, batches: rs.map((r) => Math.round(r.batch)), measuredJPerToken: meas.map(r4), predictedJPerToken: pred.map(r4),
    measuredDrop: r4(meas[0]! / meas[meas.length - 1]!), predictedDrop: r4(pred[0]! / pred[pred.length - 1]!),
    error: summary(relErrors(pred, meas)),
  };
});
const power = {
  data: 'ML.ENERGY leaderboard: power/mlenergy-llama-3.1-405b-fp8.json, power/mlenergy-qwen3-235b-a22b.json (vLLM, H100 SXM and B200)',
  model: 'P/TDP = activeFloor + compute·u_c + memory·u_m (busy, max clock), NNLS on relative error',
  assumedInputTokens: ASSUMED_INPUT_TOKENS,
  coefficients: { activeFloor: r4(all.activeFloor), compute: r4(all.compute), memory: r4(all.memory) },
  fitError: { meanAbsRelErr: r4(fitErr.mean), maxAbsRelErr: r4(fitErr.max), n: fitErr.n },
  leaveOneModelOut: {
    testLlama405b: held((r) => r.model !== 'llama-3.1-405b'),
    testQwen3_235b: held((r) => r.model !== 'qwen3-235b-a22b'),
  },
  leaveOneGpuOut: {
    testH100: held((r) => r.gpu !== 'H100'),
    testB200: held((r) => r.gpu !== 'B200'),
  },
  energyPerToken,
};

const out = { generatedBy: 'npm run physics:fit (scripts/physics-fit.ts)', topology, power };
writeFileSync(path.join(repoRoot, 'docs/physics-fit.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
