/** CPU references and number conversions for checking the WebGPU kernels. Pure. */
import type { AttentionShape } from '../common/flops.ts';

/** C[M×N] = A[M×K] · Bᵀ, B stored N × K, accumulated in float64. */
export function matmulRef(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let kk = 0; kk < k; kk++) s += a[i * k + kk]! * b[j * k + kk]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

/** y[N] = W[N×K] · x[K]. */
export function gemvRef(w: Float32Array, x: Float32Array, n: number, k: number): Float32Array {
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += w[i * k + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** The attention call shape (one definition, in harness/common/flops.ts). */
export type AttentionRefShape = AttentionShape;

/** Softmax(Q·Kᵀ/√D)·V with the layouts of kernels.ts, computed the textbook way (two passes, float64). */
export function attentionRef(q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionRefShape): Float32Array {
  const { batch: B, queryTokens: Tq, contextTokens: C, numHeads: H, numKvHeads: Hkv, headDim: D } = s;
  const total = C + Tq;
  const group = H / Hkv;
  const scale = 1 / Math.sqrt(D);
  const out = new Float32Array(B * Tq * H * D);
  const scores = new Float64Array(total);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Tq; i++) {
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / group);
        const nKeys = s.causal ? C + i + 1 : total;
        const qBase = ((b * Tq + i) * H + h) * D;
        let max = -Infinity;
        for (let j = 0; j < nKeys; j++) {
          const kBase = ((b * total + j) * Hkv + kvh) * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qBase + d]! * k[kBase + d]!;
          scores[j] = dot * scale;
          if (scores[j]! > max) max = scores[j]!;
        }
        let sum = 0;
        for (let j = 0; j < nKeys; j++) {
          scores[j] = Math.exp(scores[j]! - max);
          sum += scores[j]!;
        }
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j < nKeys; j++) acc += scores[j]! * v[((b * total + j) * Hkv + kvh) * D + d]!;
          out[qBase + d] = acc / sum;
        }
      }
    }
  }
  return out;
}

/** Largest |a − b| / (atol + rtol·|b|) over the arrays; ≤ 1 means within tolerance everywhere. */
export function maxScaledError(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - b[i]!);
    if (diff === 0) continue;
    const e = diff / (atol + rtol * Math.abs(b[i]!)); // Infinity when a zero tolerance is exceeded
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

/** Deterministic pseudo-random values in [−1, 1) (xorshift32), for reproducible test data. */
export function randomArray(n: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x / 2147483648 - 1;
  }
  return out;
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** IEEE binary16 bits of a number, round to nearest even (what a GPU's f32→f16 conversion does). */
export function toHalfBits(value: number): number {
  f32buf[0] = value;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000; // implicit leading 1
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: correct
  return sign | half;
}

/** The number a binary16 bit pattern stands for. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toHalfArray(a: Float32Array): Uint16Array {
  const out = new Uint16Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = toHalfBits(a[i]!);
  return out;
}

export function fromHalfArray(a: Uint16Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = fromHalfBits(a[i]!);
  return out;
}

/** Values rounded through binary16, so a CPU reference sees the same inputs as an f16 kernel. */
export function roundToHalf(a: Float32Array): Float32Array {
  return fromHalfArray(toHalfArray(a));
}
