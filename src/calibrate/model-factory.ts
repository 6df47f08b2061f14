/**
 * Builds the step-time model a scenario asks for (`perfModel: roofline | table`) from the calibration and table
 * files, read through an injectable CalibrationDataSource. Pure apart from the source: the scenario resolver
 * passes its environment's source (`ResolveEnv.calibration`); `src/calibrate/create.ts` wires the filesystem one.
 *
 * Calibration lookup for a GPU:
 *  1. profiles/calibration/<gpu>.yaml → calibrated.
 *  2. otherwise the calibration of the closest calibrated architecture, transferred (efficiency fractions ×
 *     this GPU's spec peaks) and marked uncalibrated: Hopper/Blackwell → h100-sxm, Ampere/Ada → a100-80gb,
 *     AMD (CDNA) → h100-sxm (an assumption: no AMD GPU is calibrated).
 *  3. otherwise the GPU profile's documented efficiency constants (uncalibrated).
 */
import { UserError } from '../errors/user-error.ts';
import { createCalibratedEfficiency, type CalibratedEfficiencyModel } from '../perf/calibrated-efficiency.ts';
import { resolvePrecision } from '../perf/compute-precision.ts';
import type { Parallelism, PrecisionConfig } from '../perf/precision.ts';
import { createRooflineModel, DEFAULT_CPU_OVERHEAD, type CpuOverhead } from '../perf/roofline.ts';
import { createTableModel, tableMismatch, type TableStepTimeModel } from '../perf/table.ts';
import type { StepTimeModel, TpCollectives } from '../perf/types.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import { parseCalibration, parseTableFile, type Calibration, type TableFile } from './calibration-schema.ts';
import type { CalibrationDataSource } from './data-source.ts';

export type PerfModelKind = 'roofline' | 'table';

export interface StepTimeModelOptions {
  kind: PerfModelKind;
  gpu: GpuProfile;
  model: ModelProfile;
  precision: PrecisionConfig;
  parallelism: Parallelism;
  /** table only: what to do with steps outside the table (default 'error'). Also used when no table fits. */
  tableFallback?: 'error' | 'roofline';
  /**
   * Leave the CPU overhead out of the step time (the engine layer adds it, see src/engine/step-model.ts);
   * the calibrated value is still returned as `cpuOverhead`.
   */
  gpuOnly?: boolean;
  /** TP collectives over a node's links (scenario `node`); default the GPU profile's interconnect constant. */
  collectives?: TpCollectives;
}

export interface StepTimeModelResult {
  model: StepTimeModel;
  /**
   * True when this GPU's own microbenchmarks calibrate every part of the model: false when any part (attention,
   * collectives, CPU overhead, GEMMs of another precision, another model's table) is transferred or a default.
   */
  calibrated: boolean;
  /** Where the efficiencies/timings come from, for reports (file names, transfer). */
  calibrationSource: string;
  /** The CPU overhead per step the calibration measured (or the documented default), and where it comes from. */
  cpuOverhead: CpuOverhead;
  cpuOverheadSource: string;
  /**
   * Caveats for the report (transferred or default parts, precision transfer, table fallback). The table
   * model appends to this array while it runs (a fallback to the roofline is noted once).
   */
  notes: string[];
}

/** Calibrated GPU whose efficiencies a GPU without its own calibration borrows. */
export function transferSourceFor(gpu: GpuProfile): { id: string; why: string } | undefined {
  const arch = gpu.architecture.toLowerCase();
  const vendor = gpu.vendor.toLowerCase();
  if (vendor === 'amd' || arch.startsWith('cdna')) {
    return { id: 'h100-sxm', why: 'AMD: no AMD GPU is calibrated; Hopper efficiencies are assumed' };
  }
  if (arch.includes('hopper') || arch.includes('blackwell')) return { id: 'h100-sxm', why: `${gpu.architecture}: closest calibrated architecture is Hopper` };
  if (arch.includes('ampere') || arch.includes('ada')) return { id: 'a100-80gb', why: `${gpu.architecture}: closest calibrated architecture is Ampere` };
  return undefined;
}

export interface ResolvedCalibration {
  calibration: Calibration | undefined;
  file: string | undefined;
  /** The GPU has its own calibration file. */
  own: boolean;
  notes: string[];
  source: string;
}

export function resolveCalibration(gpu: GpuProfile, data: CalibrationDataSource): ResolvedCalibration {
  const f = data.calibration(gpu.id);
  if (f !== undefined) {
    const cal = parseCalibration(f.text, f.file);
    if (cal.gpu !== gpu.id) {
      throw new UserError(`calibration file is for GPU "${cal.gpu}", not "${gpu.id}"`, {
        where: `${f.file} gpu`, fix: `regenerate it with servesim calibrate --gpu ${gpu.id}`,
      });
    }
    const notes: string[] = [];
    const parts = [['attention efficiencies', cal.attention], ['collective (all-reduce) efficiencies', cal.interconnect], ['CPU overhead', cal.cpuOverhead]] as const;
    for (const [name, p] of parts) {
      if (p.status !== 'measured') notes.push(`${gpu.id} ${name}: ${p.status === 'transferred' ? 'transferred, not measured on this GPU' : 'GPU-profile defaults, not measured'}${p.note ? ` (${p.note})` : ''}`);
    }
    return { calibration: cal, file: f.file, own: true, notes, source: `${cal.kind} calibration ${f.file}` };
  }
  const t = transferSourceFor(gpu);
  if (t !== undefined) {
    const g = data.calibration(t.id);
    if (g !== undefined) {
      const cal = parseCalibration(g.text, g.file);
      return {
        calibration: cal, file: g.file, own: false,
        notes: [`uncalibrated: ${gpu.id} has no calibration file; spec peaks × efficiencies transferred from ${t.id} (${t.why})`],
        source: `transferred from ${t.id} (${g.file})`,
      };
    }
  }
  return {
    calibration: undefined, file: undefined, own: false,
    notes: [`uncalibrated: ${gpu.id} uses the documented efficiency constants of its GPU profile (no calibration file to transfer from)`],
    source: `GPU profile defaults (profiles/gpus/${gpu.id}.yaml efficiency)`,
  };
}

function withLatency(gpu: GpuProfile, latencySec: number): GpuProfile {
  return { ...gpu, interconnect: { ...gpu.interconnect, latencySec } };
}

/** Finds the table for a model on a GPU: by model id, else by identical architecture. */
export function findTable(gpu: GpuProfile, model: ModelProfile, tp: number, data: CalibrationDataSource):
  { table: TableFile; file: string; note?: string } | { table: undefined; reason: string } {
  const files = data.tables(gpu.id);
  if (files.length === 0) return { table: undefined, reason: `no tables for ${gpu.id} (profiles/tables/${gpu.id}/)` };
  const parsed = files.map((f) => ({ table: parseTableFile(f.text, f.file), file: f.file }));
  const reasons: string[] = [];
  const byId = parsed.find((p) => p.table.model === model.id);
  const ordered = byId ? [byId, ...parsed.filter((p) => p !== byId)] : parsed;
  for (const p of ordered) {
    const why = tableMismatch(p.table, model, tp);
    if (why === undefined) {
      return p.table.model === model.id ? p : {
        ...p, note: `table ${p.table.gpu}/${p.table.model} used for ${model.id}: identical layer architecture (hidden, heads, KV heads, FFN)`,
      };
    }
    if (p === byId) reasons.push(`${p.table.model}: ${why}`);
  }
  const have = parsed.map((p) => `${p.table.model} (TP ${p.table.tp.map((t) => t.tensor).join('/')})`).join(', ');
  return { table: undefined, reason: `${reasons.length > 0 ? `${reasons.join('; ')}; ` : ''}tables for ${gpu.id}: ${have}` };
}

export function buildStepTimeModel(opts: StepTimeModelOptions, data: CalibrationDataSource): StepTimeModelResult {
  const { gpu, model, precision, parallelism } = opts;
  const rc = resolveCalibration(gpu, data);
  const notes = [...rc.notes];
  let eff: CalibratedEfficiencyModel | undefined;
  let gpuR = gpu;
  if (rc.calibration !== undefined) {
    eff = createCalibratedEfficiency({ calibration: rc.calibration, gpu, tensorParallel: parallelism.tensor });
    gpuR = withLatency(gpu, eff.interconnectLatencySec);
    const act = resolvePrecision(gpu, precision).activations;
    const is16 = (p: string) => p === 'bf16' || p === 'fp16';
    if (act !== rc.calibration.gemm.dtype && !(is16(act) && is16(rc.calibration.gemm.dtype))) {
      notes.push(`GEMM efficiencies were measured with ${rc.calibration.gemm.dtype} GEMMs and are applied to the ${act} peak`);
    }
  }
  const cpuOverhead = eff ? eff.cpuOverhead : DEFAULT_CPU_OVERHEAD;
  const cpuOverheadSource = eff && rc.calibration ? `${rc.calibration.cpuOverhead.status} CPU overhead of ${rc.file}` : 'documented default (vLLM CPU-overhead fit, src/perf/roofline.ts)';
  const cpuUsed = opts.gpuOnly ? { baseSec: 0, perSeqSec: 0 } : cpuOverhead;
  const cpu = { cpuOverhead, cpuOverheadSource };
  const roofline = createRooflineModel({
    gpu: gpuR, model, precision, parallelism, cpuOverhead: cpuUsed,
    ...(eff ? { efficiency: eff } : {}),
    ...(opts.collectives ? { collectives: opts.collectives } : {}),
  });
  if (opts.kind === 'roofline') {
    return { model: roofline, calibrated: rc.own && notes.length === 0, calibrationSource: rc.source, notes, ...cpu };
  }
  const found = findTable(gpu, model, parallelism.tensor, data);
  if (found.table === undefined) {
    if (opts.tableFallback === 'roofline') {
      notes.push(`no table for ${model.id} on ${gpu.id} at TP${parallelism.tensor} (${found.reason}); the calibrated roofline is used`);
      return { model: roofline, calibrated: rc.own && notes.length === 0, calibrationSource: rc.source, notes, ...cpu };
    }
    throw new UserError(`perfModel table: no measured table for ${model.id} on ${gpu.id} at TP${parallelism.tensor}`, {
      where: 'perfModel', fix: `${found.reason}; use perfModel: roofline, or tableFallback: roofline`,
    });
  }
  if (found.note) notes.push(found.note);
  const rp = resolvePrecision(gpu, precision);
  const is16 = (p: string) => p === 'bf16' || p === 'fp16';
  if ((!is16(rp.weights) || !is16(rp.activations)) && opts.tableFallback === 'roofline') {
    notes.push(`the ${gpu.id}/${found.table.model} table was measured in ${found.table.dtype}; ${rp.weights} weights / ${rp.activations} activations use the calibrated roofline`);
    return { model: roofline, calibrated: rc.own && notes.length === 0, calibrationSource: rc.source, notes, ...cpu };
  }
  if (eff === undefined) {
    throw new UserError(`perfModel table needs a calibration for ${gpu.id} (attention and communication come from it)`, {
      where: 'perfModel', fix: `run servesim calibrate --gpu ${gpu.id}`,
    });
  }
  const tm: TableStepTimeModel = createTableModel({
    table: found.table, source: found.file, gpu: gpuR, model, precision, parallelism, efficiency: eff,
    cpuOverhead: cpuUsed, roofline, fallback: opts.tableFallback ?? 'error', notes,
    ...(opts.collectives ? { collectives: opts.collectives } : {}),
  });
  return {
    model: tm, calibrated: rc.own && notes.length === 0,
    calibrationSource: `measured table ${found.file} (${found.table.provenance.source.split(',')[0]}); attention/communication: ${rc.source}`,
    notes, ...cpu,
  };
}
