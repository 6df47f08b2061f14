/**
 * Fits the roofline's efficiency curves to microbenchmark measurements by inverting the roofline formula at
 * each measured point, and measures how well the fitted curves predict held-back points.
 *
 * Input is a source-neutral MeasurementSet (built from Vidur tables or harness JSON in calibrate.ts). Every series is sorted by its x (tokens, bytes, batch); the points at
 * odd positions are held back (attention grids: a checkerboard over the two axes). `fitParts(…, 'train')`
 * fits on the rest and `evaluate` reports, per op class, the MAPE and worst error of the predicted *op time*
 * on the held-back points. The shipped curves come from `fitParts(…, 'all')`, the same procedure on every
 * point.
 *
 * Method per op class (T tokens, L the launch overhead, BW/peak the GPU's spec values):
 * - launch overhead L: 0.95 × median over (model, TP) of the per-layer elementwise kernels' summed time (2 norms,
 *   RoPE, activation, 2 residual adds) at the smallest token count / 4 (the roofline charges 4 elementwise
 *   launches per layer); with no such data, 0.95 × the fastest kernel measured.
 * - weight streaming memory(bytes): eff = bytes / (BW·(t − L)) at GEMM points with T ≤ 16 (and harness GEMV
 *   points), pooled over the shapes whose weights exceed the L2 cache (smaller ones are served from L2 when a
 *   benchmark repeats one op, which a forward pass does not); isotonic (non-decreasing in bytes) least-squares
 *   fit in ln eff.
 * - GEMM compute, per (k, n) shape: at each T the implied c = t − L; if c > 1.03·m(T) (m: the memory time of the
 *   fitted curve) the point is compute-limited and eff = 2Tkn / (peak·c); otherwise it is memory-limited and
 *   eff = max(2Tkn / (peak·c), E·min(1, T/64)), E the shape's median efficiency at T ≥ 1024 — the compute of
 *   a 64-row tile at full efficiency, so the memory term stays the binding one there (weight-only
 *   quantisation then shortens it). Knots at the measured T, simplified (Ramer–Douglas–Peucker, 3 % in
 *   ln eff). The blend is the hard max: t = max(c, m) + L.
 * - elementwise: per op, eff = bytes / (BW·t) (fixed cost included) vs that kernel's bytes; and for the
 *   roofline's lumped term eff = bytes / (BW·(Σt − 4L)) vs the lump's bytes. Binned medians (4 bins/octave).
 * - attention: decode eff = bytes / (BW·(t − 2L)) vs bytes; prefill points whose time exceeds the fitted
 *   memory time by 3 % give eff = FLOPs / (peak16·(t − 2L)) vs mean keys per query. Binned medians
 *   (8 bins/octave); predicted t = max(compute, memory) + 2L, as in the roofline.
 * - all-reduce per GPU count n: latency λ = 0.95·min t / (2(n−1)); eff = (2(n−1)/n)·size / (link·(t − 2(n−1)λ))
 *   vs size, binned medians (8 bins/octave). send/recv alike with one hop.
 * - CPU overhead: least-squares lines base + perSeq·batch through the critical-path CPU time per step, pooled and
 *   per tensor-parallel degree.
 */
import {
  binnedMedianCurve, evalCurve, isotonicCurve, simplifyCurve, type CurveData, type Point,
} from './curve.ts';
import type { FitQualityRow } from './calibration-schema.ts';
import { median } from '../metrics/median.ts';

// ---------------------------------------------------------------------------------------------------------
// Measurements

/** One GEMM shape measured over token counts (tokens increasing). */
export interface GemmSeries {
  /** Where it comes from, e.g. "meta-llama/Llama-2-7b-hf tp1". */
  label: string;
  /** Op class it is reported under (attn_pre_proj …, or "gemm"). */
  op: string;
  k: number;
  n: number;
  tokens: number[];
  sec: number[];
}

/** One streaming kernel (or the lumped elementwise term) measured over sizes (bytes increasing). */
export interface StreamSeries {
  label: string;
  op: string;
  bytes: number[];
  sec: number[];
  /** x shown in reports (token count or bytes) per point. */
  at: string[];
}

export interface AttentionPoint {
  flops: number;
  bytes: number;
  meanKeys: number;
  sec: number;
  train: boolean;
  at: string;
}

export interface AttentionMeasurements {
  prefill: AttentionPoint[];
  decode: AttentionPoint[];
  /** Peaks of the GPU that measured the table (may differ from the calibrated GPU: transfer). */
  attentionFlopsPerSec: number;
  memoryBytesPerSec: number;
  status: 'measured' | 'transferred';
  note?: string;
}

export interface CollectiveSeries {
  label: string;
  gpus: number;
  bytes: number[];
  sec: number[];
}

export interface CpuPoint {
  /** Tensor-parallel degree of the engine measured (CPU work grows with the number of workers). */
  tp: number;
  batch: number;
  sec: number;
  train: boolean;
  at: string;
}

export interface MeasurementSet {
  gemmDtype: string;
  /** Bytes per element of the measured GEMMs' weights and activations. */
  gemmElemBytes: number;
  gemm: GemmSeries[];
  /** Explicit weight-streaming (GEMV) points (harness); sizes in bytes. */
  gemv: StreamSeries[];
  elementwiseOps: StreamSeries[];
  /** Σ of a layer's elementwise kernels vs the roofline lump's bytes (Vidur). */
  lump: StreamSeries[];
  /**
   * Streaming-kernel series to use for the lumped elementwise curve when `lump` is empty (harness copy/triad):
   * one kernel per point, so the curve is scaled to the lump's 4 kernels.
   */
  streamFallback: StreamSeries[];
  attention: AttentionMeasurements | undefined;
  allReduce: CollectiveSeries[];
  sendRecv: CollectiveSeries | undefined;
  cpu: { points: CpuPoint[]; status: 'measured' | 'transferred'; note?: string } | undefined;
}

export interface Peaks {
  gemmFlopsPerSec: number;
  attentionFlopsPerSec: number;
  memoryBytesPerSec: number;
  linkBytesPerSec: number;
  /**
   * L2 size: GEMMs whose weights fit in it are left out of the weight-streaming fit (microbenchmarks repeat an
   * op on the same weights, so small weights are served from L2, which a forward pass through many layers
   * does not see).
   */
  cacheBytes?: number;
  /** The GPU profile's documented efficiencies, used where a part has no measurements. */
  defaults?: { memoryEff: number; attentionComputeMax: number; attentionHalfKeys: number };
}

/** The GPU profile's attention-compute law a·max/(a + half) as a curve (for parts without measurements). */
export function defaultAttentionComputeCurve(max: number, half: number): CurveData {
  const at = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144];
  return { at, eff: at.map((a) => (max * a) / (a + half)) };
}

// ---------------------------------------------------------------------------------------------------------
// Fitted parts

export interface FittedShape {
  k: number;
  n: number;
  from: string[];
  curve: CurveData;
}

export interface FitParts {
  launchOverheadSec: number;
  memory: CurveData;
  shapes: FittedShape[];
  elementwise: CurveData;
  elementwiseOps: Record<string, CurveData>;
  attention: { compute: CurveData; memory: CurveData; computeMeasured: boolean; memoryMeasured: boolean } | undefined;
  allReduce: Array<{ gpus: number; latencySec: number; curve: CurveData }>;
  sendRecv: { latencySec: number; curve: CurveData } | undefined;
  cpu: { baseSec: number; perSeqSec: number; byTp: Array<{ tp: number; baseSec: number; perSeqSec: number }> } | undefined;
}

export type FitSubset = 'train' | 'all';

/** Held-back rule for series: odd positions. */
export function isTrainIndex(i: number): boolean {
  return i % 2 === 0;
}

export const COMPUTE_LIMITED_MARGIN = 0.03;
export const GEMM_TILE_TOKENS = 64;
export const GEMM_SIMPLIFY_TOL = 0.03;
const LARGE_T = 1024;

const use = (subset: FitSubset, i: number) => subset === 'all' || isTrainIndex(i);

/** Launch overhead from the lumped elementwise series (or the fastest kernel). */
export function fitLaunch(ms: MeasurementSet, subset: FitSubset): number {
  const firsts = ms.lump.filter((s) => s.sec.length > 0).map((s) => s.sec[0]! / 4);
  if (firsts.length > 0) return 0.95 * median(firsts);
  let min = Infinity;
  const all = [...ms.gemm.map((s) => s.sec), ...ms.gemv.map((s) => s.sec), ...ms.elementwiseOps.map((s) => s.sec),
    ...ms.streamFallback.map((s) => s.sec)];
  for (const arr of all) arr.forEach((t, i) => { if (use(subset, i) && t > 0 && t < min) min = t; });
  if (ms.attention) for (const p of [...ms.attention.decode, ...ms.attention.prefill]) if ((subset === 'all' || p.train) && p.sec < min) min = p.sec;
  return Number.isFinite(min) ? 0.95 * Math.min(min, 10e-6) : 4e-6;
}

function positive(t: number, floor: number): number {
  return t > floor ? t : floor;
}

/** Memory time of a GEMM/streaming kernel from the fitted curve. */
function memTime(bytes: number, memory: CurveData, bw: number): number {
  return bytes / (bw * Math.min(1, evalCurve(memory, bytes)));
}

export function fitMemory(ms: MeasurementSet, peaks: Peaks, launch: number, subset: FitSubset): CurveData {
  const pts: Point[] = [];
  const bw = peaks.memoryBytesPerSec;
  const cache = peaks.cacheBytes ?? 0;
  for (const s of ms.gemm) {
    if (s.k * s.n * ms.gemmElemBytes <= cache) continue;
    s.tokens.forEach((T, i) => {
      if (T > 16 || !use(subset, i)) return;
      const by = gemmBytesOf(T, s.k, s.n, ms.gemmElemBytes);
      pts.push({ x: by, y: Math.min(1, by / (bw * positive(s.sec[i]! - launch, 0.05 * s.sec[i]!))) });
    });
  }
  for (const s of ms.gemv) {
    s.bytes.forEach((by, i) => {
      if (!use(subset, i)) return;
      pts.push({ x: by, y: Math.min(1, by / (bw * positive(s.sec[i]! - launch, 0.05 * s.sec[i]!))) });
    });
  }
  if (pts.length === 0) return { at: [1], eff: [peaks.defaults?.memoryEff ?? 0.8] };
  return simplifyCurve(isotonicCurve(pts), 0.005);
}

interface MergedShape {
  k: number;
  n: number;
  from: string[];
  tokens: number[];
  sec: number[];
}

function mergeShapes(ms: MeasurementSet, subset: FitSubset): MergedShape[] {
  const map = new Map<string, { k: number; n: number; from: string[]; byT: Map<number, number[]> }>();
  for (const s of ms.gemm) {
    const key = `${s.k}x${s.n}`;
    let m = map.get(key);
    if (m === undefined) map.set(key, (m = { k: s.k, n: s.n, from: [], byT: new Map() }));
    m.from.push(`${s.label} ${s.op}`);
    s.tokens.forEach((T, i) => {
      if (!use(subset, i)) return;
      let arr = m!.byT.get(T);
      if (arr === undefined) m!.byT.set(T, (arr = []));
      arr.push(s.sec[i]!);
    });
  }
  return [...map.values()].map((m) => {
    const tokens = [...m.byT.keys()].sort((a, b) => a - b);
    return { k: m.k, n: m.n, from: m.from, tokens, sec: tokens.map((T) => median(m.byT.get(T)!)) };
  }).sort((a, b) => a.k - b.k || a.n - b.n);
}

export function gemmBytesOf(T: number, k: number, n: number, elemBytes: number): number {
  return (k * n + T * (k + n)) * elemBytes;
}

export function fitGemmShape(sh: { k: number; n: number; tokens: number[]; sec: number[] }, peaks: Peaks, memory: CurveData,
  launch: number, elemBytes: number): CurveData {
  const { k, n } = sh;
  const peak = peaks.gemmFlopsPerSec;
  const bw = peaks.memoryBytesPerSec;
  const implied = sh.tokens.map((T, i) => (2 * T * k * n) / (peak * positive(sh.sec[i]! - launch, 0.05 * sh.sec[i]!)));
  const big = implied.filter((_, i) => sh.tokens[i]! >= LARGE_T);
  const E = big.length > 0 ? median(big) : Math.max(...implied);
  const eff = sh.tokens.map((T, i) => {
    const c = positive(sh.sec[i]! - launch, 0.05 * sh.sec[i]!);
    const m = memTime(gemmBytesOf(T, k, n, elemBytes), memory, bw);
    if (c > (1 + COMPUTE_LIMITED_MARGIN) * m) return Math.min(1, implied[i]!);
    return Math.min(1, Math.max(implied[i]!, E * Math.min(1, T / GEMM_TILE_TOKENS)));
  });
  return simplifyCurve({ at: [...sh.tokens], eff }, GEMM_SIMPLIFY_TOL);
}

function streamPoints(series: StreamSeries[], subset: FitSubset, bw: number, overhead: (s: StreamSeries, i: number) => number): Point[] {
  const pts: Point[] = [];
  for (const s of series) {
    s.bytes.forEach((by, i) => {
      if (!use(subset, i)) return;
      const t = s.sec[i]!;
      pts.push({ x: by, y: Math.min(1, by / (bw * positive(t - overhead(s, i), 0.05 * t))) });
    });
  }
  return pts;
}

function fitAttention(a: AttentionMeasurements, launch: number, subset: FitSubset, peaks: Peaks):
  { compute: CurveData; memory: CurveData; computeMeasured: boolean; memoryMeasured: boolean } {
  const bw = a.memoryBytesPerSec;
  const peak = a.attentionFlopsPerSec;
  const tr = (p: AttentionPoint) => subset === 'all' || p.train;
  const memPts: Point[] = a.decode.filter(tr).map((p) => ({ x: p.bytes, y: Math.min(1, p.bytes / (bw * positive(p.sec - 2 * launch, 0.05 * p.sec))) }));
  const memory = memPts.length > 0 ? binnedMedianCurve(memPts, 8) : { at: [1], eff: [peaks.defaults?.memoryEff ?? 0.8] };
  const compPts: Point[] = [];
  for (const p of a.prefill.filter(tr)) {
    const c = positive(p.sec - 2 * launch, 0.05 * p.sec);
    const m = memTime(p.bytes, memory, bw);
    if (c > (1 + COMPUTE_LIMITED_MARGIN) * m) compPts.push({ x: p.meanKeys, y: Math.min(1, p.flops / (peak * c)) });
  }
  const d = peaks.defaults;
  const compute = compPts.length > 0 ? binnedMedianCurve(compPts, 8) : defaultAttentionComputeCurve(d?.attentionComputeMax ?? 0.5, d?.attentionHalfKeys ?? 300);
  return { compute, memory, computeMeasured: compPts.length > 0, memoryMeasured: memPts.length > 0 };
}

function fitCollective(s: CollectiveSeries, link: number, subset: FitSubset, allReduce: boolean): { latencySec: number; curve: CurveData } {
  const n = s.gpus;
  const hops = allReduce ? 2 * (n - 1) : 1;
  const factor = allReduce ? (2 * (n - 1)) / n : 1;
  const tr = s.sec.filter((_, i) => use(subset, i));
  const latencySec = (0.95 * Math.min(...tr)) / hops;
  const pts: Point[] = [];
  s.bytes.forEach((by, i) => {
    if (!use(subset, i)) return;
    const t = s.sec[i]!;
    pts.push({ x: by, y: Math.min(1, (factor * by) / (link * positive(t - hops * latencySec, 0.05 * t))) });
  });
  return { latencySec, curve: binnedMedianCurve(pts, 8) };
}

/** Least-squares line y = a + b·x. */
export function linearFit(xs: number[], ys: number[]): { a: number; b: number } {
  const n = xs.length;
  const mx = xs.reduce((p, q) => p + q, 0) / n;
  const my = ys.reduce((p, q) => p + q, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (xs[i]! - mx) ** 2; sxy += (xs[i]! - mx) * (ys[i]! - my); }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

export function fitParts(ms: MeasurementSet, peaks: Peaks, subset: FitSubset): FitParts {
  const launch = fitLaunch(ms, subset);
  const bw = peaks.memoryBytesPerSec;
  const memory = fitMemory(ms, peaks, launch, subset);
  const shapes = mergeShapes(ms, subset).map((sh) => ({ k: sh.k, n: sh.n, from: sh.from, curve: fitGemmShape(sh, peaks, memory, launch, ms.gemmElemBytes) }));

  const elementwiseOps: Record<string, CurveData> = {};
  const ops = [...new Set(ms.elementwiseOps.map((s) => s.op))];
  for (const op of ops) {
    const pts = streamPoints(ms.elementwiseOps.filter((s) => s.op === op), subset, bw, () => 0);
    if (pts.length > 0) elementwiseOps[op] = binnedMedianCurve(pts, 4);
  }
  let elementwise: CurveData;
  if (ms.lump.length > 0) {
    elementwise = binnedMedianCurve(streamPoints(ms.lump, subset, bw, () => 4 * launch), 4);
  } else if (ms.streamFallback.length > 0) {
    // one kernel per measured point → the lump's 4 kernels each move a quarter of its bytes
    const c = binnedMedianCurve(streamPoints(ms.streamFallback, subset, bw, () => launch), 4);
    elementwise = { at: c.at.map((x) => 4 * x), eff: c.eff };
  } else {
    elementwise = memory;
  }

  const attention = ms.attention ? fitAttention(ms.attention, launch, subset, peaks) : undefined;
  const allReduce = ms.allReduce.map((s) => ({ gpus: s.gpus, ...fitCollective(s, peaks.linkBytesPerSec, subset, true) }))
    .sort((a, b) => a.gpus - b.gpus);
  const sendRecv = ms.sendRecv ? fitCollective(ms.sendRecv, peaks.linkBytesPerSec, subset, false) : undefined;
  let cpu: FitParts['cpu'];
  if (ms.cpu) {
    const pts = ms.cpu.points.filter((p) => subset === 'all' || p.train);
    const line = (ps: CpuPoint[]) => {
      const { a, b } = linearFit(ps.map((p) => p.batch), ps.map((p) => p.sec));
      return { baseSec: Math.max(0, a), perSeqSec: Math.max(0, b) };
    };
    const tps = [...new Set(pts.map((p) => p.tp))].sort((a, b) => a - b);
    cpu = { ...line(pts), byTp: tps.map((tp) => ({ tp, ...line(pts.filter((p) => p.tp === tp)) })) };
  }
  return { launchOverheadSec: launch, memory, shapes, elementwise, elementwiseOps, attention, allReduce, sendRecv, cpu };
}

// ---------------------------------------------------------------------------------------------------------
// Prediction from fitted parts (the roofline's formulas) and evaluation on held-back points

/** Nearest fitted shape in (ln k, ln n). */
export function nearestShape(shapes: FittedShape[], k: number, n: number): FittedShape {
  let best = shapes[0]!;
  let bestD = Infinity;
  const lk = Math.log(k), ln = Math.log(n);
  for (const s of shapes) {
    const d = (Math.log(s.k) - lk) ** 2 + (Math.log(s.n) - ln) ** 2;
    if (d < bestD) { bestD = d; best = s; }
  }
  return best;
}

export function predictGemm(parts: FitParts, peaks: Peaks, T: number, k: number, n: number, elemBytes = 2): number {
  const sh = nearestShape(parts.shapes, k, n);
  const c = (2 * T * k * n) / (peaks.gemmFlopsPerSec * Math.min(1, evalCurve(sh.curve, T)));
  const m = memTime(gemmBytesOf(T, k, n, elemBytes), parts.memory, peaks.memoryBytesPerSec);
  return Math.max(c, m) + parts.launchOverheadSec;
}

export function predictAttention(parts: FitParts, a: AttentionMeasurements, launch: number, p: { flops: number; bytes: number; meanKeys: number }): number {
  const att = parts.attention!;
  const c = p.flops / (a.attentionFlopsPerSec * Math.min(1, evalCurve(att.compute, p.meanKeys)));
  const m = memTime(p.bytes, att.memory, a.memoryBytesPerSec);
  return Math.max(c, m) + 2 * launch;
}

export function predictCollective(c: { latencySec: number; curve: CurveData }, gpus: number, bytes: number, link: number, allReduce: boolean): number {
  const hops = allReduce ? 2 * (gpus - 1) : 1;
  const factor = allReduce ? (2 * (gpus - 1)) / gpus : 1;
  return hops * c.latencySec + (factor * bytes) / (link * Math.min(1, evalCurve(c.curve, bytes)));
}

class ErrAcc {
  nTrain = 0;
  errs: number[] = [];
  worst = -1;
  worstSigned = 0;
  worstAt = '';
  add(pred: number, meas: number, at: string): void {
    const s = (pred - meas) / meas;
    const e = Math.abs(s);
    this.errs.push(e);
    if (e > this.worst) { this.worst = e; this.worstSigned = s; this.worstAt = at; }
  }
  row(op: string, usedByRoofline: boolean, headline = true): FitQualityRow {
    const n = this.errs.length;
    const mape = n > 0 ? this.errs.reduce((p, q) => p + q, 0) / n : 0;
    return {
      op, nTrain: this.nTrain, nTest: n, mapePct: round(100 * mape, 2), worstPct: round(100 * Math.max(0, this.worst), 1),
      worstSignedPct: round(100 * this.worstSigned, 1), worstAt: this.worstAt, usedByRoofline, headline,
    };
  }
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** Fit quality per op class on the held-back points (parts must come from fitParts(ms, peaks, 'train')). */
export function evaluate(ms: MeasurementSet, peaks: Peaks, parts: FitParts): FitQualityRow[] {
  const rows: FitQualityRow[] = [];
  const L = parts.launchOverheadSec;
  const bw = peaks.memoryBytesPerSec;
  const byOp = new Map<string, ErrAcc>();
  const acc = (op: string) => {
    let a = byOp.get(op);
    if (a === undefined) byOp.set(op, (a = new ErrAcc()));
    return a;
  };
  for (const s of ms.gemm) {
    const a = acc(s.op);
    s.tokens.forEach((T, i) => {
      if (isTrainIndex(i)) { a.nTrain++; return; }
      a.add(predictGemm(parts, peaks, T, s.k, s.n, ms.gemmElemBytes), s.sec[i]!, `${s.label} tokens=${T}`);
    });
  }
  for (const op of [...byOp.keys()]) rows.push(byOp.get(op)!.row(op, true));

  for (const s of ms.gemv) {
    const a = acc('gemv');
    s.bytes.forEach((by, i) => {
      if (isTrainIndex(i)) { a.nTrain++; return; }
      a.add(memTime(by, parts.memory, bw) + L, s.sec[i]!, `${s.label} ${s.at[i]}`);
    });
  }
  if (byOp.has('gemv')) rows.push(byOp.get('gemv')!.row('gemv', true));

  const ewOps = [...new Set(ms.elementwiseOps.map((s) => s.op))];
  for (const op of ewOps) {
    const a = new ErrAcc();
    const curve = parts.elementwiseOps[op]!;
    for (const s of ms.elementwiseOps.filter((x) => x.op === op)) {
      s.bytes.forEach((by, i) => {
        if (isTrainIndex(i)) { a.nTrain++; return; }
        a.add(by / (bw * Math.min(1, evalCurve(curve, by))), s.sec[i]!, `${s.label} ${s.at[i]}`);
      });
    }
    rows.push(a.row(op, false, false));
  }
  if (ms.lump.length > 0) {
    const a = new ErrAcc();
    for (const s of ms.lump) {
      s.bytes.forEach((by, i) => {
        if (isTrainIndex(i)) { a.nTrain++; return; }
        a.add(by / (bw * Math.min(1, evalCurve(parts.elementwise, by))) + 4 * L, s.sec[i]!, `${s.label} ${s.at[i]}`);
      });
    }
    rows.push(a.row('elementwise_lumped', false));
  }
  if (ms.attention && parts.attention) {
    for (const phase of ['prefill', 'decode'] as const) {
      const a = new ErrAcc();
      for (const p of ms.attention[phase]) {
        if (p.train) { a.nTrain++; continue; }
        a.add(predictAttention(parts, ms.attention, L, p), p.sec, p.at);
      }
      rows.push(a.row(`attn_${phase}`, true));
    }
  }
  if (ms.allReduce.length > 0) {
    const a = new ErrAcc();
    for (const s of ms.allReduce) {
      const c = parts.allReduce.find((x) => x.gpus === s.gpus)!;
      s.bytes.forEach((by, i) => {
        if (isTrainIndex(i)) { a.nTrain++; return; }
        a.add(predictCollective(c, s.gpus, by, peaks.linkBytesPerSec, true), s.sec[i]!, `${s.label} ${s.gpus} GPUs ${by} B`);
      });
    }
    rows.push(a.row('all_reduce', true));
  }
  if (ms.sendRecv && parts.sendRecv) {
    const a = new ErrAcc();
    const s = ms.sendRecv;
    s.bytes.forEach((by, i) => {
      if (isTrainIndex(i)) { a.nTrain++; return; }
      a.add(predictCollective(parts.sendRecv!, 2, by, peaks.linkBytesPerSec, false), s.sec[i]!, `${s.label} ${by} B`);
    });
    rows.push(a.row('send_recv', false));
  }
  if (ms.cpu && parts.cpu) {
    const a = new ErrAcc();
    for (const p of ms.cpu.points) {
      if (p.train) { a.nTrain++; continue; }
      const c = cpuLineFor(parts.cpu, p.tp);
      a.add(c.baseSec + c.perSeqSec * p.batch, p.sec, p.at);
    }
    rows.push(a.row('cpu_overhead', true));
  }
  return rows;
}

/** The CPU-overhead line measured at the nearest TP degree (the pooled line when there is none). */
export interface CpuLine { baseSec: number; perSeqSec: number }
export function cpuLineFor(c: CpuLine & { byTp?: Array<CpuLine & { tp: number }> }, tp: number): CpuLine {
  let best: CpuLine = c;
  let d = Infinity;
  for (const x of c.byTp ?? []) {
    const e = Math.abs(Math.log(x.tp) - Math.log(tp));
    if (e < d) { d = e; best = x; }
  }
  return best;
}

/** Median MAPE over the headline rows (`all`: every row). */
export function medianMape(rows: FitQualityRow[], all = false): number {
  const v = rows.filter((r) => r.nTest > 0 && (all || r.headline)).map((r) => r.mapePct);
  return v.length > 0 ? round(median(v), 2) : 0;
}
