/**
 * Fit link latency and bandwidth to NCCL microbenchmarks (Vidur's network profiles: all-reduce and
 * send/recv median times per message size, per node type). Pure: takes CSV text.
 *
 * Models (n ranks, S bytes):
 *   ring all-reduce  t = base + 2(n−1)·α + (2(n−1)/n)·S / B
 *   send/recv        t = α + S / B
 * fitted by least squares on relative error (weights 1/t², so 2 KiB and 64 MiB messages count alike).
 */

export interface NcclSample {
  readonly ranks: number;
  readonly devicesPerNode: number;
  readonly bytes: number;
  readonly medianSec: number;
}

/** Parse a Vidur `all_reduce.csv` / `send_recv.csv` (times in ms). */
export function parseNcclCsv(text: string): NcclSample[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = lines[0]!.split(',');
  const col = (suffix: string): number => head.findIndex((h) => h.endsWith(suffix));
  const iMed = col('.median');
  const iN = head.indexOf('num_workers');
  const iD = head.indexOf('devices_per_node');
  const iS = head.indexOf('size');
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { ranks: Number(f[iN]), devicesPerNode: Number(f[iD]), bytes: Number(f[iS]), medianSec: Number(f[iMed]) / 1e3 };
  });
}

export interface LinearFit {
  /** Fixed cost a (s) and seconds per byte b. */
  readonly a: number;
  readonly b: number;
}

/** Weighted least squares of t = a + b·x with weights 1/t². */
export function fitRelative(x: readonly number[], t: readonly number[]): LinearFit {
  let sw = 0, swx = 0, swt = 0, swxx = 0, swxt = 0;
  for (let i = 0; i < x.length; i++) {
    const w = 1 / (t[i]! * t[i]!);
    sw += w; swx += w * x[i]!; swt += w * t[i]!; swxx += w * x[i]! * x[i]!; swxt += w * x[i]! * t[i]!;
  }
  const det = sw * swxx - swx * swx;
  const b = (sw * swxt - swx * swt) / det;
  const a = (swt - b * swx) / sw;
  return { a: Math.max(0, a), b };
}

/** Bytes each rank moves in an all-reduce of S bytes over n ranks (ring), and the step count 2(n−1). */
export function ringBytes(ranks: number, bytes: number): number {
  return (2 * (ranks - 1) / ranks) * bytes;
}

export interface ErrorSummary {
  readonly n: number;
  readonly medianAbsRel: number;
  readonly p90AbsRel: number;
  readonly maxAbsRel: number;
}

/** |predicted/measured − 1| summary. */
export function relErrors(pred: readonly number[], meas: readonly number[]): ErrorSummary {
  const e = pred.map((p, i) => Math.abs(p / meas[i]! - 1)).sort((a, b) => a - b);
  const q = (f: number): number => e[Math.min(e.length - 1, Math.floor(f * (e.length - 1) + 0.5))]!;
  return { n: e.length, medianAbsRel: q(0.5), p90AbsRel: q(0.9), maxAbsRel: e[e.length - 1]! };
}

/**
 * Weighted least squares (weights 1/t², i.e. relative error) of t ≈ X·β for any number of columns,
 * by the normal equations and Gaussian elimination with partial pivoting.
 */
export function fitLinearRelative(rows: readonly (readonly number[])[], t: readonly number[]): number[] {
  const k = rows[0]!.length;
  const m = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  rows.forEach((r, i) => {
    const w = 1 / (t[i]! * t[i]!);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) m[a]![b]! += w * r[a]! * r[b]!;
      m[a]![k]! += w * r[a]! * t[i]!;
    }
  });
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= k; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row, i) => row[k]! / row[i]!);
}

/**
 * All-reduce fit: t = base + 2(n−1)·α + (2(n−1)/n)·S / B. `base` is the fixed launch/synchronisation
 * cost, α the per-step hop latency, B the sustained bus bandwidth.
 */
export interface AllReduceFit {
  readonly baseLatencySec: number;
  readonly stepLatencySec: number;
  readonly bytesPerSec: number;
}

/** Fit one (base, α, B) to all-reduce samples of several rank counts. */
export function fitAllReduce(samples: readonly NcclSample[]): AllReduceFit {
  const rows = samples.map((s) => [1, 2 * (s.ranks - 1), ringBytes(s.ranks, s.bytes)]);
  const [base, step, perByte] = fitLinearRelative(rows, samples.map((s) => s.medianSec));
  return { baseLatencySec: base!, stepLatencySec: step!, bytesPerSec: 1 / perByte! };
}

/**
 * Fit a shared (base, α) and one bandwidth per group of samples (e.g. rings whose bottleneck is an NVLink
 * bridge for 2 ranks and PCIe for 4). Returns the bandwidths in group order.
 */
export function fitAllReduceGroups(groups: readonly (readonly NcclSample[])[]): { baseLatencySec: number; stepLatencySec: number; bytesPerSec: number[] } {
  const rows: number[][] = [];
  const t: number[] = [];
  groups.forEach((g, gi) => {
    for (const s of g) {
      const r = [1, 2 * (s.ranks - 1), ...groups.map(() => 0)];
      r[2 + gi] = ringBytes(s.ranks, s.bytes);
      rows.push(r);
      t.push(s.medianSec);
    }
  });
  const beta = fitLinearRelative(rows, t);
  return { baseLatencySec: beta[0]!, stepLatencySec: beta[1]!, bytesPerSec: beta.slice(2).map((b) => 1 / b) };
}

/** All-reduce time under a fit. */
export function allReducePredictSec(fit: AllReduceFit, ranks: number, bytes: number): number {
  return fit.baseLatencySec + 2 * (ranks - 1) * fit.stepLatencySec + ringBytes(ranks, bytes) / fit.bytesPerSec;
}

export interface PointToPointFit {
  readonly latencySec: number;
  readonly bytesPerSec: number;
}

/** Fit (α, B) to point-to-point samples: t = α + S/B. */
export function fitSendRecv(samples: readonly NcclSample[]): PointToPointFit {
  const f = fitRelative(samples.map((s) => s.bytes), samples.map((s) => s.medianSec));
  return { latencySec: f.a, bytesPerSec: 1 / f.b };
}
