/**
 * EfficiencyModel backed by a calibration file (profiles/calibration/<gpu>.yaml, written by
 * `servesim calibrate`): efficiency curves fitted from microbenchmarks instead of the GPU profile's constants.
 *
 * Lookups are O(log n) binary searches over precomputed Float64Array knots (n ≤ a few hundred) and do not
 * allocate, except the first GEMM lookup of a (k, n) shape the calibration lacks: that resolves the nearest
 * calibrated shape in (ln k, ln n) once and caches it (a model has a handful of shapes).
 *
 * Peaks: the curves are fractions of the peaks recorded in the file. When the file belongs to this GPU and the
 * profile's peaks have changed since, the fractions are rescaled so predicted times stay those measured. When
 * the calibration is transferred from another GPU (no file for this one), the fractions apply to this GPU's
 * peaks unchanged — the uncalibrated transfer the factory marks in its notes.
 *
 * Beyond the EfficiencyModel interface the model exposes curves the roofline does not call yet (hooks for
 * roofline.ts): `elementwiseMemory` for the lumped elementwise term and `sendRecv` for pipeline hand-offs,
 * plus the fitted per-hop collective latency and CPU overhead, which the factory passes to the roofline.
 */
import { toLogCurve } from '../calibrate/curve.ts';
import { fastCurve } from '../calibrate/fast-curve.ts';
import type { Calibration } from '../calibrate/calibration-schema.ts';
import type { GpuProfile } from '../profiles/schema.ts';
import type { EfficiencyModel } from './efficiency.ts';
import type { CpuOverhead } from './roofline.ts';

export interface CalibratedEfficiencyModel extends EfficiencyModel {
  /**
   * Efficiency of the roofline's lumped elementwise term of one layer (norms, RoPE, activation, residual add:
   * 4 kernels) vs its total bytes. roofline.ts uses `memory()` there today (hook: call this instead).
   */
  elementwiseMemory(bytes: number): number;
  /** Point-to-point (pipeline hand-off) efficiency vs bytes (hook; the roofline uses `interconnect()`). */
  sendRecv(bytes: number): number;
  /** Fitted per-hop latency of the all-reduce at this TP degree (replaces the GPU profile's latency). */
  readonly interconnectLatencySec: number;
  readonly sendRecvLatencySec: number;
  /** Fitted CPU overhead per step (nearest measured TP degree). */
  readonly cpuOverhead: CpuOverhead;
  /** GPU id of the calibration the curves come from. */
  readonly calibrationGpu: string;
}

export interface CalibratedEfficiencyOptions {
  calibration: Calibration;
  /** The GPU being modelled (its peaks are what the roofline multiplies the efficiencies by). */
  gpu: GpuProfile;
  /** Tensor-parallel degree: picks the all-reduce curve and CPU line measured nearest to it. */
  tensorParallel: number;
}

function nearestBy<T>(items: T[], key: (t: T) => number, target: number): T | undefined {
  let best: T | undefined;
  let d = Infinity;
  for (const it of items) {
    const e = Math.abs(Math.log(key(it)) - Math.log(target));
    if (e < d) { d = e; best = it; }
  }
  return best;
}

function peakFor(gpu: GpuProfile, dtype: string): number | undefined {
  const v = (gpu.peakTflops as Record<string, number | undefined>)[dtype];
  return v !== undefined ? v * 1e12 : undefined;
}

const SHAPE_KEY = 16777216; // 2^24: k·2^24 + n is exact for k, n < 2^24

export function createCalibratedEfficiency(opts: CalibratedEfficiencyOptions): CalibratedEfficiencyModel {
  const cal = opts.calibration;
  const gpu = opts.gpu;
  const tp = Math.max(1, opts.tensorParallel);
  const own = cal.gpu === gpu.id;
  // rescale fractions when this GPU's own profile peaks changed since the calibration (times stay as measured)
  const ratio = (calPeak: number, now: number | undefined) => (own && now !== undefined && now > 0 ? calPeak / now : 1);
  // A transferred calibration keeps the source's curve *shapes* but is rescaled to the target's own
  // documented best-case efficiencies (its profile, e.g. measured maximum achievable matmul FLOPS), so an
  // MI300X does not inherit H100's 78% GEMM efficiency on its own peak.
  const maxEff = (effs: readonly number[]) => effs.reduce((a, x) => (x > a ? x : a), 0);
  const transfer = (target: number, sourceMax: number) => (!own && sourceMax > 0 ? target / sourceMax : 1);
  const sGemm = ratio(cal.peaks.gemmFlopsPerSec, peakFor(gpu, cal.peaks.gemmDtype) ?? peakFor(gpu, 'bf16') ?? gpu.peakTflops.fp16 * 1e12)
    * transfer(gpu.efficiency.gemmComputeMax, maxEff(cal.gemm.shapes.flatMap((x) => x.curve.eff)));
  const sAttn = ratio(cal.peaks.attentionFlopsPerSec, peakFor(gpu, 'bf16') ?? gpu.peakTflops.fp16 * 1e12)
    * transfer(gpu.efficiency.attentionComputeMax, maxEff(cal.attention.compute.eff));
  const sMem = ratio(cal.peaks.memoryBytesPerSec, gpu.memoryBandwidthBytesPerSec)
    * transfer(gpu.efficiency.memoryBw, maxEff(cal.memory.eff));
  const sLink = ratio(cal.peaks.linkBytesPerSec, gpu.interconnect.bandwidthBytesPerSec)
    * transfer(gpu.efficiency.interconnect, maxEff(nearestBy(cal.interconnect.allReduce, (a) => a.gpus, Math.max(2, tp))!.curve.eff));

  // Curves are evaluated through tables (fastCurve): no log/exp in the simulator's hot loop.
  const shapes = cal.gemm.shapes.map((s) => ({ k: s.k, n: s.n, curve: fastCurve(toLogCurve(s.curve)) }));
  const shapeCache = new Map<number, (x: number) => number>();
  for (const s of shapes) shapeCache.set(s.k * SHAPE_KEY + s.n, s.curve);
  function resolveShape(k: number, n: number): (x: number) => number {
    let best = shapes[0]!.curve;
    let d = Infinity;
    const lk = Math.log(k), ln = Math.log(n);
    for (const s of shapes) {
      const e = (Math.log(s.k) - lk) ** 2 + (Math.log(s.n) - ln) ** 2;
      if (e < d) { d = e; best = s.curve; }
    }
    shapeCache.set(k * SHAPE_KEY + n, best);
    return best;
  }

  const memory = fastCurve(toLogCurve(cal.memory));
  const elementwise = fastCurve(toLogCurve(cal.elementwise));
  const attnCompute = fastCurve(toLogCurve(cal.attention.compute));
  const attnMemory = fastCurve(toLogCurve(cal.attention.memory));
  const ar = nearestBy(cal.interconnect.allReduce, (a) => a.gpus, Math.max(2, tp))!;
  const link = fastCurve(toLogCurve(ar.curve));
  const sr = cal.interconnect.sendRecv;
  const p2p = sr ? fastCurve(toLogCurve(sr.curve)) : link;
  const cpuLine = nearestBy(cal.cpuOverhead.byTp, (c) => c.tp, tp) ?? cal.cpuOverhead;
  const blend = cal.gemm.blend === 'max' ? Infinity : cal.gemm.blend;

  return {
    gemmCompute(tokens: number, k: number, n: number): number {
      const c = shapeCache.get(k * SHAPE_KEY + n) ?? resolveShape(k, n);
      return sGemm * c(tokens);
    },
    memory: (bytes: number) => sMem * memory(bytes),
    attentionCompute: (a: number) => sAttn * attnCompute(a > 1 ? a : 1),
    attentionMemory: (bytes: number) => sMem * attnMemory(bytes),
    interconnect: (bytes: number) => sLink * link(bytes),
    elementwiseMemory: (bytes: number) => sMem * elementwise(bytes),
    sendRecv: (bytes: number) => sLink * p2p(bytes),
    launchOverheadSec: cal.launchOverheadSec,
    gemmBlendExponent: blend,
    interconnectLatencySec: ar.latencySec,
    sendRecvLatencySec: sr?.latencySec ?? ar.latencySec,
    cpuOverhead: { baseSec: cpuLine.baseSec, perSeqSec: cpuLine.perSeqSec },
    calibrationGpu: cal.gpu,
  };
}
