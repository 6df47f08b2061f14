/**
 * Fits engine overheads (`engine.overheads`) to a user's own benchmark results (`servesim calibrate --bench`).
 *
 * Method (deterministic):
 * 1. Which parameters the data constrains: at the starting values (the scenario's overheads), each
 *    parameter is raised by 25% and the log-change of every predicted statistic recorded (a sensitivity
 *    column). Columns are picked greedily by their norm after projecting out the columns already picked
 *    (pivoted Gram–Schmidt); a parameter whose remaining sensitivity is below {@link MIN_SENSITIVITY} —
 *    it barely moves any statistic, or only the way an already-picked one does — stays at its starting
 *    value. `--fit a,b` names the parameters instead.
 * 2. Objective: for each file, the mean over its statistics of a soft-L1 loss of r = ln(predicted /
 *    measured) (robust: a statistic the model cannot match does not dominate); summed over files.
 * 3. Optimiser: Nelder–Mead over unbounded variables v, each mapped into its bounds on a log scale,
 *    x = exp(ln lo + (ln hi − ln lo) · σ(v)); restarted once from its own optimum with a smaller simplex (the
 *    usual guard against a collapsed simplex). Leave-one-out refits start from the full fit.
 * 4. Errors: per file, the mean |predicted / measured − 1| over its statistics at the fit; with ≥ 2 files,
 *    leave-one-out: refit without the file (from the full fit) and predict it.
 */
import type { EngineOverheads } from '../engine/kinds.ts';
import type { BenchResult, BenchStat } from './bench-read.ts';

/** Parameters `calibrate --bench` can fit. `perTpWorkerSec` is left out: at a fixed TP it is `stepSec`. */
export const FIT_KEYS = [
  'stepSec', 'perSeqSec', 'frontendRequestSec', 'frontendInputTokenSec', 'frontendOutputTokenSec', 'gpuEfficiency',
] as const;
export type FitKey = (typeof FIT_KEYS)[number];

/** Bounds of each parameter (seconds; gpuEfficiency a factor). Wide, physical. */
export const FIT_BOUNDS: Record<FitKey, readonly [number, number]> = {
  stepSec: [1e-6, 0.05],
  perSeqSec: [1e-8, 1e-3],
  frontendRequestSec: [1e-6, 0.1],
  frontendInputTokenSec: [1e-10, 1e-4],
  frontendOutputTokenSec: [1e-8, 2e-3],
  gpuEfficiency: [0.2, 5],
};

/** Smallest remaining sensitivity (‖∂ ln stats / ∂ ln x‖ over all files) for a parameter to be fitted. */
export const MIN_SENSITIVITY = 0.02;
/** Scale of the soft-L1 loss: log-errors well below it count quadratically, above it linearly. */
const LOSS_SCALE = 0.05;

export type Predict = (bench: BenchResult, overheads: Partial<EngineOverheads>) => Partial<Record<BenchStat, number>>;

export interface FileError {
  file: string;
  /** Mean |predicted / measured − 1| over the file's statistics, in %. */
  errorPct: number;
  /** Per statistic: measured, predicted. */
  stats: { stat: BenchStat; measured: number; predicted: number }[];
}

export interface BenchFit {
  /** Starting values (the scenario's overheads). */
  start: EngineOverheads;
  /** Fitted values of the fitted keys; the rest are `start`'s. */
  overheads: EngineOverheads;
  fitted: FitKey[];
  /** Sensitivity of each parameter at the start (‖∂ ln stats / ∂ ln x‖) and why it was (not) fitted. */
  sensitivity: { key: FitKey; norm: number; remaining: number; fitted: boolean }[];
  files: FileError[];
  /** Leave-one-out: each file predicted by a fit on the others (empty with one file). */
  leaveOneOut: FileError[];
  evaluations: number;
}

export interface FitOptions {
  /** Fit exactly these parameters (default: those the data constrains). */
  keys?: readonly FitKey[];
  /** Skip the leave-one-out refits. */
  skipLeaveOneOut?: boolean;
  /** Most objective evaluations per Nelder–Mead round (default 200 × parameters). */
  maxEvalPerRound?: number;
}

function softL1(r: number): number {
  const z = r / LOSS_SCALE;
  return 2 * LOSS_SCALE * LOSS_SCALE * (Math.sqrt(1 + z * z) - 1);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
function toX(key: FitKey, v: number): number {
  const [lo, hi] = FIT_BOUNDS[key];
  return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * sigmoid(v));
}
function toV(key: FitKey, x: number): number {
  const [lo, hi] = FIT_BOUNDS[key];
  const f = (Math.log(Math.min(Math.max(x, lo * 1.0001), hi / 1.0001)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
  return Math.log(f / (1 - f));
}

/** Measured statistics of a file that are usable (> 0). */
function measuredStats(b: BenchResult): [BenchStat, number][] {
  return (Object.entries(b.stats) as [BenchStat, number][]).filter(([, v]) => v > 0);
}

function fileError(b: BenchResult, pred: Partial<Record<BenchStat, number>>): FileError {
  const stats: FileError['stats'] = [];
  let sum = 0;
  for (const [stat, measured] of measuredStats(b)) {
    const predicted = pred[stat] ?? NaN;
    stats.push({ stat, measured, predicted });
    sum += Number.isFinite(predicted) ? Math.abs(predicted / measured - 1) : 1;
  }
  return { file: b.file, errorPct: stats.length > 0 ? (100 * sum) / stats.length : NaN, stats };
}

function fileLoss(b: BenchResult, pred: Partial<Record<BenchStat, number>>): number {
  const ms = measuredStats(b);
  let s = 0;
  for (const [stat, measured] of ms) {
    const p = pred[stat];
    s += p !== undefined && p > 0 && Number.isFinite(p) ? softL1(Math.log(p / measured)) : softL1(5);
  }
  return ms.length > 0 ? s / ms.length : 0;
}

/**
 * Minimises `f` from `x0` with Nelder–Mead (standard coefficients 1, 2, 0.5, 0.5). Deterministic.
 * Stops when the simplex's function values span < `ftol` and its extent < `xtol`, or after `maxEval`.
 */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], o: { step?: number; ftol?: number; xtol?: number; maxEval?: number } = {}): { x: number[]; f: number; evals: number } {
  const n = x0.length;
  const step = o.step ?? 0.5;
  const ftol = o.ftol ?? 1e-10;
  const xtol = o.xtol ?? 1e-5;
  const maxEval = o.maxEval ?? 200 * n;
  let evals = 0;
  const F = (x: number[]) => { evals++; return f(x); };
  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i]! += step;
    pts.push(p);
  }
  let vals = pts.map(F);
  while (evals < maxEval) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]! || a - b);
    const P = order.map((i) => pts[i]!);
    const V = order.map((i) => vals[i]!);
    pts.splice(0, pts.length, ...P);
    vals = V;
    let extent = 0;
    for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) extent = Math.max(extent, Math.abs(pts[i]![j]! - pts[0]![j]!));
    if (Math.abs(vals[n]! - vals[0]!) <= ftol * (Math.abs(vals[0]!) + 1e-12) + 1e-15 && extent < xtol) break;
    if (extent < xtol * 1e-3) break;
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j]! += pts[i]![j]! / n;
    const along = (t: number) => c.map((cj, j) => cj + t * (pts[n]![j]! - cj));
    const xr = along(-1);
    const fr = F(xr);
    if (fr < vals[0]!) {
      const xe = along(-2);
      const fe = F(xe);
      if (fe < fr) { pts[n] = xe; vals[n] = fe; } else { pts[n] = xr; vals[n] = fr; }
      continue;
    }
    if (fr < vals[n - 1]!) { pts[n] = xr; vals[n] = fr; continue; }
    const outside = fr < vals[n]!;
    const xc = outside ? along(-0.5) : along(0.5);
    const fc = F(xc);
    if (fc < (outside ? fr : vals[n]!)) { pts[n] = xc; vals[n] = fc; continue; }
    for (let i = 1; i <= n; i++) {
      pts[i] = pts[i]!.map((x, j) => pts[0]![j]! + 0.5 * (x - pts[0]![j]!));
      vals[i] = F(pts[i]!);
    }
  }
  let best = 0;
  for (let i = 1; i < vals.length; i++) if (vals[i]! < vals[best]!) best = i;
  return { x: pts[best]!, f: vals[best]!, evals };
}

/**
 * Fits the overheads to `benches`. `predict` simulates one file with given overheads; `start` are the
 * scenario's own overheads (also the values of parameters that are not fitted).
 */
export function fitBench(benches: readonly BenchResult[], predict: Predict, start: EngineOverheads, opts: FitOptions = {}): BenchFit {
  let evaluations = 0;
  const run = (b: BenchResult, o: Partial<EngineOverheads>) => { evaluations++; return predict(b, o); };

  // 1. Sensitivities at the start.
  const basePred = benches.map((b) => run(b, {}));
  const sens: { key: FitKey; col: number[]; norm: number }[] = [];
  for (const key of FIT_KEYS) {
    const col: number[] = [];
    const from = start[key] > 0 ? start[key] : FIT_BOUNDS[key][0] * 10;
    const bumped = { [key]: from * 1.25 } as Partial<EngineOverheads>;
    benches.forEach((b, i) => {
      const p = run(b, bumped);
      for (const [stat] of measuredStats(b)) {
        const a = basePred[i]![stat];
        const c = p[stat];
        col.push(a && c && a > 0 && c > 0 ? Math.log(c / a) / Math.log(1.25) : 0);
      }
    });
    sens.push({ key, col, norm: Math.hypot(...col) });
  }
  const picked: FitKey[] = [];
  const sensitivity: BenchFit['sensitivity'] = [];
  if (opts.keys) {
    for (const s of sens) sensitivity.push({ key: s.key, norm: s.norm, remaining: s.norm, fitted: opts.keys.includes(s.key) });
    picked.push(...FIT_KEYS.filter((k) => opts.keys!.includes(k)));
  } else {
    const basis: number[][] = [];
    const residual = new Map(sens.map((s) => [s.key, s.col.slice()]));
    const remainingAtPick = new Map<FitKey, number>();
    for (;;) {
      let bestKey: FitKey | null = null;
      let bestNorm = MIN_SENSITIVITY;
      for (const s of sens) {
        if (picked.includes(s.key)) continue;
        const nrm = Math.hypot(...residual.get(s.key)!);
        if (nrm > bestNorm) { bestNorm = nrm; bestKey = s.key; }
      }
      if (bestKey === null) break;
      picked.push(bestKey);
      remainingAtPick.set(bestKey, bestNorm);
      const u = residual.get(bestKey)!.map((x) => x / bestNorm);
      basis.push(u);
      for (const s of sens) {
        if (picked.includes(s.key)) continue;
        const r = residual.get(s.key)!;
        let dot = 0;
        for (let j = 0; j < r.length; j++) dot += r[j]! * u[j]!;
        for (let j = 0; j < r.length; j++) r[j]! -= dot * u[j]!;
      }
    }
    for (const s of sens) {
      sensitivity.push({
        key: s.key, norm: s.norm, fitted: picked.includes(s.key),
        remaining: remainingAtPick.get(s.key) ?? Math.hypot(...residual.get(s.key)!),
      });
    }
    picked.sort((a, b) => FIT_KEYS.indexOf(a) - FIT_KEYS.indexOf(b));
  }

  // 2–3. Fit.
  const solve = (train: readonly BenchResult[], from: EngineOverheads, steps: readonly number[]): EngineOverheads => {
    if (picked.length === 0 || train.length === 0) return { ...from };
    const objective = (v: number[]) => {
      const o: Partial<EngineOverheads> = {};
      picked.forEach((k, i) => { o[k] = toX(k, v[i]!); });
      let s = 0;
      for (const b of train) s += fileLoss(b, run(b, o));
      return s;
    };
    let v = picked.map((k) => toV(k, from[k]));
    for (const step of steps) v = nelderMead(objective, v, { step, xtol: 1e-3, ftol: 1e-9, ...(opts.maxEvalPerRound ? { maxEval: opts.maxEvalPerRound } : {}) }).x;
    const out = { ...from };
    picked.forEach((k, i) => { out[k] = toX(k, v[i]!); });
    return out;
  };
  const overheads = solve(benches, start, [0.6, 0.1]);
  const files = benches.map((b) => fileError(b, run(b, overheads)));

  // 4. Leave-one-out.
  const leaveOneOut: FileError[] = [];
  if (!opts.skipLeaveOneOut && benches.length >= 2) {
    benches.forEach((b, i) => {
      const o = solve(benches.filter((_, j) => j !== i), overheads, [0.2]);
      leaveOneOut.push(fileError(b, run(b, o)));
    });
  }
  return { start, overheads, fitted: picked, sensitivity, files, leaveOneOut, evaluations };
}
