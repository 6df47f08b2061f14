/**
 * From parsed microbenchmarks (Vidur tables or harness JSON) to a calibration document: builds the
 * source-neutral MeasurementSet, fits on the training half to measure held-back fit quality, refits on all
 * points for the shipped curves, and fills in provenance and the parts that were not measured (transferred or
 * GPU-profile defaults, marked so). Pure.
 */
import { messages } from '../errors/messages.ts';
import { DEFAULT_CPU_OVERHEAD } from '../perf/roofline.ts';
import type { GpuProfile } from '../profiles/schema.ts';
import {
  CALIBRATION_SCHEMA_VERSION, type Calibration, type FitQualityRow, type Provenance,
} from './calibration-schema.ts';
import { roundCurve, type CurveData } from './curve.ts';
import {
  defaultAttentionComputeCurve, evaluate, fitParts, medianMape, type AttentionMeasurements, type AttentionPoint, type CollectiveSeries, type CpuPoint,
  type FitParts, type GemmSeries, type MeasurementSet, type Peaks, type StreamSeries,
} from './fit.ts';
import type { HarnessResult } from './harness-schema.ts';
import {
  archFromVidur, decodeWork, elementwiseBytes, gemmShape, lumpBytes, prefillWork, type LayerArch,
} from './ops.ts';
import {
  VIDUR_ELEMENTWISE_OPS, VIDUR_GEMM_OPS, type VidurAttentionTable, type VidurCollectiveRow, type VidurComputeTable,
  type VidurDataset,
} from './vidur.ts';
import { median } from '../metrics/median.ts';

export const VIDUR_SOURCE =
  'Vidur profiling data (microsoft/vidur, https://github.com/microsoft/vidur, MIT licence; attention-a100-tp2 and ' +
  'cpu-overhead from earlier revisions of the same repository), as copied under ../shared/data/microbench/vidur';
/** Vidur profiles the models in float16 (vidur/profiling/mlp/mlp_wrapper.py: model.to(dtype=torch.float16)). */
export const VIDUR_DTYPE = 'fp16';

export const VIDUR_LICENCE = 'MIT (Copyright (c) Microsoft Corporation), microsoft/vidur';

export const FIT_PROTOCOL =
  'Each measured series (one model x TP x op over token counts; one collective over sizes; one CPU-overhead ' +
  'model over batch sizes) is sorted by its x and every other point (odd positions) is held back; the attention ' +
  'grids hold back a checkerboard over (chunk|batch index + context index). Curves are fitted on the rest and the ' +
  'errors are those of the predicted op time on the held-back points. The curves in this file are then refitted ' +
  'on all points with the same procedure.';

export const METHOD =
  'Roofline inversion: at every measured point the efficiency that makes the roofline formula reproduce the ' +
  'measured time is computed, and curves are fitted in log-log space (piecewise linear, flat beyond the end knots). ' +
  'GEMM: t = max(2Tkn/(peak*effGemm(T)), bytes/(BW*memory(bytes))) + launch, one curve per (k, n) shape with knots ' +
  'at the measured token counts (memory-limited points get the 64-row-tile compute floor), simplified at 3 % in ' +
  'ln eff; unknown shapes use the nearest shape in (ln k, ln n). memory: isotonic fit of GEMV points (T <= 16). ' +
  'Elementwise, attention, collectives: binned medians (4-8 bins per octave). CPU overhead: least-squares line in ' +
  'batch size. See src/calibrate/fit.ts.';

export interface CalibrateMeta {
  createdAt: string;
  servesimVersion: string;
  dataRoot?: string;
  command?: string;
}

export interface CalibrationOutcome {
  calibration: Calibration;
  rows: FitQualityRow[];
  /** Curves fitted on the training half only (for tests and diagnostics). */
  trainParts: FitParts;
  measurements: MeasurementSet;
  peaks: Peaks;
}

// ---------------------------------------------------------------------------------------------------------

function bf16Peak(gpu: GpuProfile): number {
  const p = gpu.peakTflops.bf16 ?? gpu.peakTflops.fp16;
  return p * 1e12;
}

export function peaksOf(gpu: GpuProfile, dtype = 'bf16'): Peaks {
  const peaks = gpu.peakTflops as Record<string, number | undefined>;
  const g = peaks[dtype] ?? peaks['bf16'] ?? gpu.peakTflops.fp16;
  return {
    gemmFlopsPerSec: g * 1e12,
    attentionFlopsPerSec: bf16Peak(gpu),
    memoryBytesPerSec: gpu.memoryBandwidthBytesPerSec,
    linkBytesPerSec: gpu.interconnect.bandwidthBytesPerSec,
    cacheBytes: gpu.l2Bytes,
    defaults: {
      memoryEff: gpu.efficiency.memoryBw, attentionComputeMax: gpu.efficiency.attentionComputeMax,
      attentionHalfKeys: gpu.efficiency.attentionHalfKeys,
    },
  };
}

/** "compute/h100/meta-llama/Llama-2-7b-hf/mlp.csv" → "meta-llama/Llama-2-7b-hf". */
export function modelLabel(source: string): string {
  const parts = source.split(/[\\/]/);
  const i = parts.lastIndexOf('mlp.csv');
  return i >= 2 ? `${parts[i - 2]}/${parts[i - 1]}` : source;
}

function splitsEvenly(a: LayerArch, tp: number): boolean {
  return a.numHeads % tp === 0 && a.intermediateSize % tp === 0 && (a.numKvHeads % tp === 0 || tp % a.numKvHeads === 0);
}

/** GEMM, elementwise and lumped series of one compute table. */
export function computeSeries(t: VidurComputeTable): { gemm: GemmSeries[]; ew: StreamSeries[]; lump: StreamSeries[] } {
  const gemm: GemmSeries[] = [];
  const ew: StreamSeries[] = [];
  const lump: StreamSeries[] = [];
  const arch = archFromVidur(t.arch);
  const model = modelLabel(t.source);
  for (const tt of t.byTp) {
    if (!splitsEvenly(arch, tt.tp)) continue;
    const label = `${model} tp${tt.tp}`;
    const keep = (arr: number[] | undefined) => tt.tokens.map((_, i) => arr !== undefined && arr[i]! > 0);
    for (const op of VIDUR_GEMM_OPS) {
      const ms = tt.ms[op];
      if (ms === undefined) continue;
      const ok = keep(ms);
      const { k, n } = gemmShape(op, arch, tt.tp);
      gemm.push({
        label, op, k, n, tokens: tt.tokens.filter((_, i) => ok[i]), sec: ms.filter((_, i) => ok[i]).map((v) => v / 1e3),
      });
    }
    for (const op of VIDUR_ELEMENTWISE_OPS) {
      const ms = tt.ms[op];
      if (ms === undefined) continue;
      const ok = keep(ms);
      const toks = tt.tokens.filter((_, i) => ok[i]);
      ew.push({
        label, op, bytes: toks.map((T) => elementwiseBytes(op, T, arch, tt.tp)), sec: ms.filter((_, i) => ok[i]).map((v) => v / 1e3),
        at: toks.map((T) => `tokens=${T}`),
      });
    }
    // a layer's elementwise kernels: 2 norms, RoPE, activation and 2 residual adds (Vidur times only the second
    // add, vidur/profiling/mlp/mlp_impl.py; the first has the same shape)
    const parts = ['input_layernorm', 'post_attention_layernorm', 'attn_rope', 'mlp_act', 'add'] as const;
    if (parts.every((p) => tt.ms[p] !== undefined)) {
      const sums = tt.tokens.map((_, i) => parts.reduce((s, p) => s + (p === 'add' ? 2 : 1) * tt.ms[p]![i]!, 0));
      const ok = sums.map((s) => s > 0);
      const toks = tt.tokens.filter((_, i) => ok[i]);
      lump.push({
        label, op: 'elementwise_lumped', bytes: toks.map((T) => lumpBytes(T, arch, tt.tp)),
        sec: sums.filter((_, i) => ok[i]).map((v) => v / 1e3), at: toks.map((T) => `tokens=${T}`),
      });
    }
  }
  return { gemm, ew, lump };
}

function uniqueSorted(v: number[]): number[] {
  return [...new Set(v)].sort((a, b) => a - b);
}

/** Attention points of a Vidur attention table, with the checkerboard hold-out. */
export function attentionPoints(t: VidurAttentionTable): { prefill: AttentionPoint[]; decode: AttentionPoint[] } {
  const arch: LayerArch = {
    hiddenSize: t.arch.hiddenSize, numHeads: t.arch.numHeads, numKvHeads: t.arch.numKvHeads,
    headDim: t.arch.hiddenSize / t.arch.numHeads, intermediateSize: 1, gatedMlp: true,
  };
  const tp = t.arch.tp;
  const chunks = uniqueSorted(t.prefill.map((p) => p.chunk));
  const kvs = uniqueSorted(t.prefill.map((p) => p.kv));
  const prefill = t.prefill.filter((p) => p.ms > 0).map((p) => {
    const w = prefillWork(arch, tp, p.chunk, p.kv, p.batch);
    return {
      ...w, sec: p.ms / 1e3, train: (chunks.indexOf(p.chunk) + kvs.indexOf(p.kv)) % 2 === 0,
      at: `prefill chunk=${p.chunk} kv=${p.kv}`,
    };
  });
  const batches = uniqueSorted(t.decode.map((p) => p.batch));
  const ctxs = uniqueSorted(t.decode.map((p) => p.context));
  const decode = t.decode.filter((p) => p.ms > 0).map((p) => {
    const w = decodeWork(arch, tp, p.batch, p.context);
    return {
      ...w, sec: p.ms / 1e3, train: (batches.indexOf(p.batch) + ctxs.indexOf(p.context)) % 2 === 0,
      at: `decode batch=${p.batch} context=${p.context}`,
    };
  });
  return { prefill, decode };
}

/** One series per GPU count from collective rows (size → median seconds), intra-node rows only. */
export function collectiveSeries(rows: VidurCollectiveRow[], label: string, sameNode: (r: VidurCollectiveRow) => boolean): CollectiveSeries[] {
  const by = new Map<number, Map<number, number[]>>();
  for (const r of rows) {
    if (!sameNode(r) || !(r.medianMs > 0)) continue;
    let m = by.get(r.numWorkers);
    if (m === undefined) by.set(r.numWorkers, (m = new Map()));
    let a = m.get(r.sizeBytes);
    if (a === undefined) m.set(r.sizeBytes, (a = []));
    a.push(r.medianMs / 1e3);
  }
  return [...by.keys()].sort((a, b) => a - b).map((gpus) => {
    const m = by.get(gpus)!;
    const bytes = [...m.keys()].sort((a, b) => a - b);
    return { label, gpus, bytes, sec: bytes.map((b) => median(m.get(b)!)) };
  });
}

export interface VidurCalibrateOptions {
  gpu: GpuProfile;
  /** GPU profile of the machine that measured the attention table (transfer when it differs from `gpu`). */
  attentionGpu?: GpuProfile;
  /** GPU id whose CPU-overhead table was used, when not `gpu` itself. */
  cpuFrom?: string;
  meta: CalibrateMeta;
  files: string[];
}

export function vidurMeasurements(ds: VidurDataset, opts: VidurCalibrateOptions): MeasurementSet {
  const gemm: GemmSeries[] = [];
  const ew: StreamSeries[] = [];
  const lump: StreamSeries[] = [];
  for (const t of ds.compute) {
    const s = computeSeries(t);
    gemm.push(...s.gemm);
    ew.push(...s.ew);
    lump.push(...s.lump);
  }
  if (gemm.length === 0) {
    throw messages.calibrateOption('--vidur', `no usable compute tables for Vidur GPU "${ds.vidurGpu}"`, 'point --vidur at a Vidur data directory with compute/<gpu>/<org>/<model>/mlp.csv files');
  }
  let attention: AttentionMeasurements | undefined;
  if (ds.attention) {
    const ag = opts.attentionGpu ?? opts.gpu;
    const pts = attentionPoints(ds.attention);
    const transferred = ag.id !== opts.gpu.id;
    attention = {
      ...pts, attentionFlopsPerSec: bf16Peak(ag), memoryBytesPerSec: ag.memoryBandwidthBytesPerSec,
      status: transferred ? 'transferred' : 'measured',
      ...(transferred ? {
        note: `no attention table for ${opts.gpu.id} in the data: efficiencies (fractions of peak) fitted on the ${ag.id} ` +
          `table ${ds.attention.source} (${ds.attention.arch.backend}, TP${ds.attention.arch.tp}) and applied to ${opts.gpu.id}'s peaks`,
      } : {}),
    };
  }
  const allReduce = ds.allReduce ? collectiveSeries(ds.allReduce.rows, ds.allReduce.source, (r) => r.devicesPerNode >= r.numWorkers) : [];
  const sr = ds.sendRecv ? collectiveSeries(ds.sendRecv.rows, ds.sendRecv.source, (r) => r.devicesPerNode >= r.numWorkers) : [];
  let cpu: MeasurementSet['cpu'];
  if (ds.cpu) {
    const groups = new Map<string, CpuPoint[]>();
    for (const r of ds.cpu.rows) {
      const key = `${r.model} tp${r.tp}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = []));
      g.push({ tp: r.tp, batch: r.batch, sec: (r.medianMs.sampler_e2e + r.medianMs.prepare_inputs_e2e) / 1e3, train: true, at: `${key} batch=${r.batch}` });
    }
    const points: CpuPoint[] = [];
    for (const g of groups.values()) {
      g.sort((a, b) => a.batch - b.batch);
      g.forEach((p, i) => { p.train = i % 2 === 0; points.push(p); });
    }
    cpu = {
      points,
      status: opts.cpuFrom !== undefined && opts.cpuFrom !== opts.gpu.id ? 'transferred' : 'measured',
      ...(opts.cpuFrom !== undefined && opts.cpuFrom !== opts.gpu.id ? {
        note: `no CPU-overhead table for ${opts.gpu.id}: ${ds.cpu.source} (vLLM on ${opts.cpuFrom} hosts) used; the host CPU, not the GPU, sets this cost`,
      } : {}),
    };
  }
  return {
    gemmDtype: VIDUR_DTYPE, gemmElemBytes: 2, gemm, gemv: [], elementwiseOps: ew, lump, streamFallback: [], attention,
    allReduce, sendRecv: sr.find((s) => s.gpus === 2), cpu,
  };
}

export function calibrateFromVidur(ds: VidurDataset, opts: VidurCalibrateOptions): CalibrationOutcome {
  const ms = vidurMeasurements(ds, opts);
  const notes: string[] = [];
  if (ds.attention && opts.attentionGpu && opts.attentionGpu.id !== opts.gpu.id) notes.push(ms.attention!.note!);
  if (ms.cpu?.note) notes.push(ms.cpu.note);
  const provenance: Provenance = {
    source: VIDUR_SOURCE, licence: VIDUR_LICENCE, ...(opts.meta.dataRoot ? { dataRoot: opts.meta.dataRoot } : {}),
    files: opts.files, createdAt: opts.meta.createdAt, servesimVersion: opts.meta.servesimVersion,
    ...(opts.meta.command ? { command: opts.meta.command } : {}), notes,
  };
  return assemble(ms, opts.gpu, 'vidur', provenance);
}

// ---------------------------------------------------------------------------------------------------------
// Harness

const DTYPE_BYTES: Record<string, number> = { fp32: 4, tf32: 4, bf16: 2, fp16: 2, fp8: 1, int8: 1 };

export interface HarnessCalibrateOptions {
  gpu: GpuProfile;
  meta: CalibrateMeta;
  file: string;
}

function sortSeries<T extends { x: number; sec: number }>(pts: T[]): T[] {
  return [...pts].sort((a, b) => a.x - b.x);
}

export function harnessMeasurements(h: HarnessResult, gpu: GpuProfile): { ms: MeasurementSet; notes: string[] } {
  const notes: string[] = [];
  const dtypes = [...new Set(h.gemm.map((g) => g.dtype))];
  const dtype = dtypes.includes('bf16') ? 'bf16' : dtypes.includes('fp16') ? 'fp16' : dtypes[0];
  if (dtype === undefined) {
    throw messages.calibrateInput('gemm', 'the harness result has no GEMM points', 'run the harness GEMM sweep (it is what the compute efficiencies are fitted from)', 'missing-key');
  }
  const peaks = gpu.peakTflops as Record<string, number | undefined>;
  if (peaks[dtype] === undefined && !(dtype === 'bf16' || dtype === 'fp16')) {
    throw messages.calibrateInput('gemm[0].dtype', `${gpu.id} has no ${dtype} peak to relate the harness GEMMs to`, `add peakTflops.${dtype} to profiles/gpus/${gpu.id}.yaml`);
  }
  const skipped = dtypes.filter((d) => d !== dtype);
  if (skipped.length > 0) notes.push(`GEMM points in ${skipped.join(', ')} not used (calibrated on ${dtype})`);
  const byShape = new Map<string, { k: number; n: number; op: string; pts: Array<{ x: number; sec: number }> }>();
  for (const g of h.gemm.filter((g) => g.dtype === dtype)) {
    const key = `${g.k}x${g.n}`;
    let s = byShape.get(key);
    if (s === undefined) byShape.set(key, (s = { k: g.k, n: g.n, op: g.op?.split('/').pop() ?? 'gemm', pts: [] }));
    s.pts.push({ x: g.m, sec: g.medianSec });
  }
  const gemm: GemmSeries[] = [...byShape.values()].map((s) => {
    const p = sortSeries(s.pts);
    return { label: `harness ${s.k}x${s.n}`, op: 'gemm', k: s.k, n: s.n, tokens: p.map((q) => q.x), sec: p.map((q) => q.sec) };
  });
  const stream = (kinds: string[], op: string): StreamSeries[] => {
    const pts = sortSeries(h.bandwidth.filter((b) => kinds.includes(b.kind)).map((b) => ({ x: b.bytes, sec: b.medianSec })));
    return pts.length > 0 ? [{ label: `harness ${op}`, op, bytes: pts.map((p) => p.x), sec: pts.map((p) => p.sec), at: pts.map((p) => `${p.x} B`) }] : [];
  };
  const gemv = stream(['gemv'], 'gemv');
  const ewOps = [...stream(['copy'], 'copy'), ...stream(['triad'], 'triad'), ...stream(['read'], 'read')];

  let attention: AttentionMeasurements | undefined;
  if (h.attention.length > 0) {
    const mk = (phase: 'prefill' | 'decode'): AttentionPoint[] => {
      const pts = h.attention.filter((a) => a.phase === phase).map((a) => {
        const arch: LayerArch = {
          hiddenSize: a.numHeads * a.headDim, numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.headDim,
          intermediateSize: 1, gatedMlp: true,
        };
        const eb = DTYPE_BYTES[a.dtype] ?? 2;
        const w = phase === 'decode'
          ? decodeWork(arch, 1, a.batch, a.contextTokens + 1, eb, eb)
          : prefillWork(arch, 1, a.queryTokens, a.contextTokens, a.batch, eb, eb, a.causal);
        return { ...w, sec: a.medianSec, train: true, at: `${phase} batch=${a.batch} q=${a.queryTokens} ctx=${a.contextTokens} ${a.kernel}` };
      });
      const key = (p: AttentionPoint) => (phase === 'decode' ? p.bytes : p.flops);
      pts.sort((a, b) => key(a) - key(b));
      pts.forEach((p, i) => { p.train = i % 2 === 0; });
      return pts;
    };
    attention = {
      prefill: mk('prefill'), decode: mk('decode'), attentionFlopsPerSec: bf16Peak(gpu),
      memoryBytesPerSec: gpu.memoryBandwidthBytesPerSec, status: 'measured',
    };
  }
  const byGpus = new Map<number, Array<{ x: number; sec: number }>>();
  for (const a of h.allReduce) {
    let arr = byGpus.get(a.gpus);
    if (arr === undefined) byGpus.set(a.gpus, (arr = []));
    arr.push({ x: a.bytes, sec: a.medianSec });
  }
  const allReduce: CollectiveSeries[] = [...byGpus.keys()].sort((a, b) => a - b).map((g) => {
    const p = sortSeries(byGpus.get(g)!);
    return { label: 'harness all-reduce', gpus: g, bytes: p.map((q) => q.x), sec: p.map((q) => q.sec) };
  });
  return {
    ms: {
      gemmDtype: dtype, gemmElemBytes: DTYPE_BYTES[dtype] ?? 2, gemm, gemv, elementwiseOps: ewOps, lump: [],
      streamFallback: ewOps.filter((s) => s.op === 'copy' || s.op === 'triad'), attention, allReduce, sendRecv: undefined, cpu: undefined,
    },
    notes,
  };
}

export function calibrateFromHarness(h: HarnessResult, opts: HarnessCalibrateOptions): CalibrationOutcome {
  const { ms, notes } = harnessMeasurements(h, opts.gpu);
  notes.push(...h.notes.map((n) => `harness: ${n}`));
  const provenance: Provenance = {
    source: `servesim microbenchmark harness (${h.harness.backend}) run on ${h.device.name}${h.host?.hostname ? ` (${h.host.hostname})` : ''} at ${h.createdAt}`,
    licence: 'measurements made with servesim harness/ (project licence)', files: [opts.file], createdAt: opts.meta.createdAt,
    servesimVersion: opts.meta.servesimVersion, harnessVersion: `${h.harness.backend} ${h.harness.version}`, device: h.device.name,
    ...(opts.meta.command ? { command: opts.meta.command } : {}), ...(opts.meta.dataRoot ? { dataRoot: opts.meta.dataRoot } : {}), notes,
  };
  return assemble(ms, opts.gpu, 'harness', provenance);
}

// ---------------------------------------------------------------------------------------------------------

function defaultAttention(gpu: GpuProfile): { compute: CurveData; memory: CurveData } {
  const e = gpu.efficiency;
  return { compute: defaultAttentionComputeCurve(e.attentionComputeMax, e.attentionHalfKeys), memory: { at: [1], eff: [e.memoryBw] } };
}

const r5 = (c: CurveData) => roundCurve(c, 5);

function assemble(ms: MeasurementSet, gpu: GpuProfile, kind: 'vidur' | 'harness', provenance: Provenance): CalibrationOutcome {
  const peaks = peaksOf(gpu, ms.gemmDtype);
  const trainParts = fitParts(ms, peaks, 'train');
  const rows = evaluate(ms, peaks, trainParts);
  const all = fitParts(ms, peaks, 'all');
  const partial = all.attention && (!all.attention.computeMeasured || !all.attention.memoryMeasured)
    ? `${!all.attention.computeMeasured ? 'no compute-bound prefill points: compute efficiency from the GPU profile constants' : ''}` +
      `${!all.attention.computeMeasured && !all.attention.memoryMeasured ? '; ' : ''}` +
      `${!all.attention.memoryMeasured ? 'no decode points: memory efficiency from the GPU profile constant' : ''}`
    : undefined;
  const attNote = [ms.attention?.note, partial].filter((x) => x !== undefined).join('; ');
  const attention = all.attention
    ? { status: ms.attention!.status, ...(attNote ? { note: attNote } : {}), compute: r5(all.attention.compute), memory: r5(all.attention.memory) }
    : {
      status: 'default' as const, note: `no attention measurements: the GPU profile's documented efficiencies (profiles/gpus/${gpu.id}.yaml efficiency.attention*)`,
      ...defaultAttention(gpu),
    };
  const interconnect = all.allReduce.length > 0
    ? {
      status: 'measured' as const,
      allReduce: all.allReduce.map((a) => ({ gpus: a.gpus, latencySec: Number(a.latencySec.toPrecision(4)), curve: r5(a.curve) })),
      ...(all.sendRecv ? { sendRecv: { latencySec: Number(all.sendRecv.latencySec.toPrecision(4)), curve: r5(all.sendRecv.curve) } } : {}),
    }
    : {
      status: 'default' as const, note: `no collective measurements: the GPU profile's link efficiency and latency`,
      allReduce: [{ gpus: 2, latencySec: gpu.interconnect.latencySec, curve: { at: [1], eff: [gpu.efficiency.interconnect] } }],
    };
  const cpuOverhead = all.cpu
    ? {
      status: ms.cpu!.status, ...(ms.cpu!.note ? { note: ms.cpu!.note } : {}),
      baseSec: Number(all.cpu.baseSec.toPrecision(4)), perSeqSec: Number(all.cpu.perSeqSec.toPrecision(4)),
      byTp: all.cpu.byTp.map((c) => ({ tp: c.tp, baseSec: Number(c.baseSec.toPrecision(4)), perSeqSec: Number(c.perSeqSec.toPrecision(4)) })),
    }
    : {
      status: 'default' as const, note: 'no CPU-overhead measurements: the roofline default (DEFAULT_CPU_OVERHEAD, src/perf/roofline.ts)',
      baseSec: DEFAULT_CPU_OVERHEAD.baseSec, perSeqSec: DEFAULT_CPU_OVERHEAD.perSeqSec, byTp: [],
    };
  const elementwiseOps: Record<string, CurveData> = {};
  for (const [k, v] of Object.entries(all.elementwiseOps)) elementwiseOps[k] = r5(v);
  const calibration: Calibration = {
    schemaVersion: CALIBRATION_SCHEMA_VERSION,
    gpu: gpu.id,
    kind,
    provenance,
    peaks: {
      gemmDtype: ms.gemmDtype, gemmFlopsPerSec: peaks.gemmFlopsPerSec, attentionFlopsPerSec: peaks.attentionFlopsPerSec,
      memoryBytesPerSec: peaks.memoryBytesPerSec, linkBytesPerSec: peaks.linkBytesPerSec,
    },
    method: METHOD,
    launchOverheadSec: Number(all.launchOverheadSec.toPrecision(4)),
    gemm: {
      dtype: ms.gemmDtype, blend: 'max',
      shapes: all.shapes.map((s) => ({ k: s.k, n: s.n, from: s.from, curve: r5(s.curve) })),
    },
    memory: r5(all.memory),
    elementwise: r5(all.elementwise),
    elementwiseOps,
    attention,
    interconnect,
    cpuOverhead,
    fitQuality: { protocol: FIT_PROTOCOL, medianMapePct: medianMape(rows), medianMapeAllRowsPct: medianMape(rows, true), ops: rows },
  };
  return { calibration, rows, trainParts, measurements: ms, peaks };
}
