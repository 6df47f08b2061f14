/**
 * Fit of the power model's coefficients to ML.ENERGY measurements (vLLM serving, average board power vs
 * max batch size). Pure: takes the JSON text and the model/GPU numbers.
 *
 * For each configuration, per GPU, at the measured median inter-token latency (one decode step):
 *   u_c = (2·activeParams + 4·layers·attnWidth·context) · tokens/s ÷ #GPUs ÷ peak FLOP/s
 *   u_m = (weight bytes a step touches + KV bytes read) ÷ #GPUs ÷ ITL ÷ peak HBM bandwidth
 * (MoE: the expected distinct experts a batch touches, E·(1 − (1 − 1/E)^(batch·topK)).) The model
 *   P / TDP = a + b·u_c + c·u_m      (busy, maximum clock)
 * is fitted by non-negative least squares (every subset of free coefficients, best feasible).
 */

export interface MlEnergyConfig {
  readonly gpu: string;
  readonly numGpus: number;
  readonly batch: number;
  readonly wattsPerGpu: number;
  readonly joulesPerToken: number;
  readonly tokensPerSec: number;
  readonly itlSec: number;
  readonly avgOutputTokens: number;
}

export interface MlEnergyFile {
  readonly modelId: string;
  readonly configs: readonly MlEnergyConfig[];
}

/** Parse one ML.ENERGY leaderboard JSON (data/power/mlenergy-*.json). */
export function parseMlEnergy(text: string): MlEnergyFile {
  const d = JSON.parse(text) as { model_id: string; configurations: Record<string, unknown>[] };
  return {
    modelId: d.model_id,
    configs: d.configurations.map((c) => ({
      gpu: String(c['gpu_model']),
      numGpus: Number(c['num_gpus']),
      batch: Number(c['avg_batch_size']),
      wattsPerGpu: Number(c['avg_power_watts']) / Number(c['num_gpus']),
      joulesPerToken: Number(c['energy_per_token_joules']),
      tokensPerSec: Number(c['output_throughput_tokens_per_sec']),
      itlSec: Number(c['median_itl_ms']) / 1e3,
      avgOutputTokens: Number(c['avg_output_len']),
    })),
  };
}

export interface ModelShape {
  readonly activeParams: number;
  readonly totalParams: number;
  readonly bytesPerParam: number;
  readonly kvBytesPerToken: number;
  readonly layers: number;
  /** Query heads × head dim (attention FLOPs per key per layer ∝ this). */
  readonly attnWidth: number;
  readonly moe?: { readonly experts: number; readonly topK: number; readonly expertParams: number };
}

export interface GpuPeaks {
  readonly peakFlops: number;
  readonly memoryBytesPerSec: number;
  readonly tdpWatts: number;
}

export interface ActivityPoint {
  readonly computeUtil: number;
  readonly memoryUtil: number;
}

/** Mean context of a decode step: assumed prompt tokens plus half the mean output. */
export function meanContext(c: MlEnergyConfig, assumedInputTokens: number): number {
  return assumedInputTokens + c.avgOutputTokens / 2;
}

/** Per-GPU compute and memory utilisation of one measured configuration. */
export function activityOf(c: MlEnergyConfig, m: ModelShape, g: GpuPeaks, assumedInputTokens: number): ActivityPoint {
  const ctx = meanContext(c, assumedInputTokens);
  const flopsPerToken = 2 * m.activeParams + 4 * m.layers * m.attnWidth * ctx;
  const computeUtil = (flopsPerToken * c.tokensPerSec) / c.numGpus / g.peakFlops;
  let weightParams = m.totalParams;
  if (m.moe !== undefined) {
    const touched = 1 - Math.pow(1 - 1 / m.moe.experts, c.batch * m.moe.topK);
    weightParams = m.totalParams - m.moe.expertParams + m.moe.expertParams * touched;
  }
  const bytes = weightParams * m.bytesPerParam + c.batch * ctx * m.kvBytesPerToken;
  const memoryUtil = bytes / c.numGpus / c.itlSec / g.memoryBytesPerSec;
  return { computeUtil, memoryUtil };
}

export interface PowerFitPoint extends ActivityPoint {
  /** Measured watts per GPU ÷ TDP. */
  readonly powerFraction: number;
}

export interface PowerCoefficients {
  readonly activeFloor: number;
  readonly compute: number;
  readonly memory: number;
}

/** Predicted watts ÷ TDP of a busy GPU at the maximum clock. */
export function predictFraction(k: PowerCoefficients, u: ActivityPoint): number {
  return k.activeFloor + k.compute * u.computeUtil + k.memory * u.memoryUtil;
}

/** Least squares of y ≈ X·β on the columns in `cols` (others fixed at 0); undefined if singular. */
function lsq(rows: readonly number[][], y: readonly number[], cols: readonly number[]): number[] | undefined {
  const k = cols.length;
  const m = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  rows.forEach((r, i) => {
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) m[a]![b]! += r[cols[a]!]! * r[cols[b]!]!;
      m[a]![k]! += r[cols[a]!]! * y[i]!;
    }
  });
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-14) return undefined;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= k; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  const beta = new Array<number>(rows[0]!.length).fill(0);
  cols.forEach((c, i) => { beta[c] = m[i]![k]! / m[i]![i]!; });
  return beta;
}

/** Non-negative least-squares fit of (a, b, c) on relative error (each point weighted 1/y). */
export function fitPowerCoefficients(points: readonly PowerFitPoint[]): PowerCoefficients {
  const rows = points.map((p) => [1 / p.powerFraction, p.computeUtil / p.powerFraction, p.memoryUtil / p.powerFraction]);
  const y = points.map(() => 1);
  let best: number[] | undefined;
  let bestErr = Infinity;
  for (let mask = 1; mask < 8; mask++) {
    const cols = [0, 1, 2].filter((c) => mask & (1 << c));
    const beta = lsq(rows, y, cols);
    if (beta === undefined || beta.some((b) => b < 0)) continue;
    let err = 0;
    rows.forEach((r) => { const e = r[0]! * beta[0]! + r[1]! * beta[1]! + r[2]! * beta[2]! - 1; err += e * e; });
    if (err < bestErr) { bestErr = err; best = beta; }
  }
  if (best === undefined) throw new Error('power fit failed');
  return { activeFloor: best[0]!, compute: best[1]!, memory: best[2]! };
}

/** Mean and max |predicted/measured − 1| of watts. */
export function powerErrors(k: PowerCoefficients, points: readonly PowerFitPoint[]): { mean: number; max: number; n: number } {
  let sum = 0;
  let max = 0;
  for (const p of points) {
    const e = Math.abs(predictFraction(k, p) / p.powerFraction - 1);
    sum += e;
    max = Math.max(max, e);
  }
  return { mean: sum / points.length, max, n: points.length };
}
