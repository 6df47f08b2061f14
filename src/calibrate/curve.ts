/**
 * Piecewise-linear curves in log–log space and the small fitting toolbox `servesim calibrate` uses.
 *
 * A curve is a list of knots (x_i, y_i) with x increasing. Between knots it is linear in (ln x, ln y), i.e. a
 * power law per segment (an efficiency ∝ tokens below a GEMM tile is a straight line there); outside the
 * knots it is flat (the end value). Evaluation is a binary search over a Float64Array: O(log n) with n ≤ a
 * few hundred knots, allocation-free.
 *
 * Pure: no I/O, runs in the browser.
 */

import { median } from '../metrics/median.ts';

/** A curve as stored in calibration files: knots `at` (x, increasing) and values `eff` (y > 0). */
export interface CurveData {
  at: number[];
  eff: number[];
}

/** A curve ready for evaluation: natural logs of the knots. */
export interface LogCurve {
  readonly lx: Float64Array;
  readonly ly: Float64Array;
}

export function toLogCurve(c: CurveData): LogCurve {
  const n = Math.min(c.at.length, c.eff.length);
  const lx = new Float64Array(n);
  const ly = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lx[i] = Math.log(c.at[i]!);
    ly[i] = Math.log(c.eff[i]!);
  }
  return { lx, ly };
}

/** Index i of the last knot with lx[i] ≤ v (−1 when v is below the first knot). */
export function searchKnot(lx: Float64Array, v: number): number {
  let lo = 0;
  let hi = lx.length - 1;
  if (hi < 0 || v < lx[0]!) return -1;
  if (v >= lx[hi]!) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (lx[mid]! <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Value of a log–log curve at x > 0 (flat beyond the end knots). */
export function evalLogCurve(c: LogCurve, x: number): number {
  const lx = c.lx;
  const ly = c.ly;
  const n = lx.length;
  if (n === 0) return 1;
  const v = Math.log(x > 1e-300 ? x : 1e-300);
  const i = searchKnot(lx, v);
  if (i < 0) return Math.exp(ly[0]!);
  if (i >= n - 1) return Math.exp(ly[n - 1]!);
  const x0 = lx[i]!;
  const w = (v - x0) / (lx[i + 1]! - x0);
  return Math.exp(ly[i]! + w * (ly[i + 1]! - ly[i]!));
}

export function evalCurve(c: CurveData, x: number): number {
  return evalLogCurve(toLogCurve(c), x);
}

// ---------------------------------------------------------------------------------------------------------
// Fitting helpers. Inputs are (x, y) points with x > 0 and y > 0; all fits work on (ln x, ln y).

export interface Point {
  x: number;
  y: number;
}

/** Groups points with the same x (after sorting) into one knot at the median y. */
export function collapseDuplicates(points: Point[]): Point[] {
  const s = points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((p, q) => p.x - q.x);
  const out: Point[] = [];
  let i = 0;
  while (i < s.length) {
    let j = i;
    const ys: number[] = [];
    while (j < s.length && s[j]!.x === s[i]!.x) ys.push(s[j++]!.y);
    out.push({ x: s[i]!.x, y: median(ys) });
    i = j;
  }
  return out;
}

/**
 * Binned-median curve: points are grouped into bins of equal width in log2(x) (`binsPerOctave` per octave);
 * each non-empty bin gives one knot at the median ln x and median ln y of its points. Robust to outliers and
 * to the uneven spacing of measurement grids (linear size steps are dense in log space).
 */
export function binnedMedianCurve(points: Point[], binsPerOctave: number): CurveData {
  const s = collapseDuplicates(points);
  const bins = new Map<number, Point[]>();
  for (const p of s) {
    const b = Math.floor(Math.log2(p.x) * binsPerOctave + 1e-9);
    let arr = bins.get(b);
    if (arr === undefined) bins.set(b, (arr = []));
    arr.push(p);
  }
  const keys = [...bins.keys()].sort((a, b) => a - b);
  const at: number[] = [];
  const eff: number[] = [];
  for (const k of keys) {
    const ps = bins.get(k)!;
    at.push(Math.exp(median(ps.map((p) => Math.log(p.x)))));
    eff.push(Math.exp(median(ps.map((p) => Math.log(p.y)))));
  }
  return { at, eff };
}

/**
 * Isotonic (non-decreasing) least-squares fit of ln y against x by pool-adjacent-violators; each pooled block
 * becomes one knot at its mean ln x and mean ln y. Used where physics says the efficiency can only grow with
 * size (bandwidth of a streaming kernel vs bytes).
 */
export function isotonicCurve(points: Point[]): CurveData {
  const s = collapseDuplicates(points);
  interface Block { sx: number; sy: number; n: number }
  const blocks: Block[] = [];
  for (const p of s) {
    blocks.push({ sx: Math.log(p.x), sy: Math.log(p.y), n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sy / a.n <= b.sy / b.n) break;
      a.sx += b.sx; a.sy += b.sy; a.n += b.n;
      blocks.pop();
    }
  }
  return {
    at: blocks.map((b) => Math.exp(b.sx / b.n)),
    eff: blocks.map((b) => Math.exp(b.sy / b.n)),
  };
}

/**
 * Ramer–Douglas–Peucker simplification of a knot list in (ln x, ln y): drops knots whose removal changes the
 * curve by less than `tolLn` (0.02 ≈ 2 %) anywhere at the removed knots. Keeps the end knots.
 */
export function simplifyCurve(c: CurveData, tolLn: number): CurveData {
  const n = c.at.length;
  if (n <= 2 || !(tolLn > 0)) return { at: [...c.at], eff: [...c.eff] };
  const lx = c.at.map(Math.log);
  const ly = c.eff.map(Math.log);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: Array<[number, number]> = [[0, n - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    let worst = -1;
    let worstErr = 0;
    for (let i = a + 1; i < b; i++) {
      const w = (lx[i]! - lx[a]!) / (lx[b]! - lx[a]!);
      const yi = ly[a]! + w * (ly[b]! - ly[a]!);
      const e = Math.abs(yi - ly[i]!);
      if (e > worstErr) { worstErr = e; worst = i; }
    }
    if (worst >= 0 && worstErr > tolLn) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  const at: number[] = [];
  const eff: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) { at.push(c.at[i]!); eff.push(c.eff[i]!); }
  return { at, eff };
}

/** Knots straight from the points (duplicates collapsed to their median): exact interpolation. */
export function knotCurve(points: Point[]): CurveData {
  const s = collapseDuplicates(points);
  return { at: s.map((p) => p.x), eff: s.map((p) => p.y) };
}

/** Rounds curve values to `digits` significant digits (for compact, stable files). */
export function roundCurve(c: CurveData, digits = 5): CurveData {
  const at: number[] = [];
  const eff: number[] = [];
  for (let i = 0; i < c.at.length; i++) {
    const x = roundSig(c.at[i]!, 8);
    if (at.length > 0 && x <= at[at.length - 1]!) continue; // keep knots strictly increasing
    at.push(x);
    eff.push(roundSig(c.eff[i]!, digits));
  }
  return { at, eff };
}

export function roundSig(v: number, digits: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  return Number(v.toPrecision(digits));
}
