/**
 * Correctness checks of the WebGPU kernels against CPU references on small, awkward shapes (sizes that are
 * not multiples of the tiles). The harness runs them before measuring and leaves out any family whose
 * kernel fails; the tests in test/harness run them on llvmpipe.
 */
import type { GpuContext } from './device.ts';
import type { ElementType } from './kernels.ts';
import { makeAttention, makeBufferCopy, makeGemv, makeMatmul, makeStream, type AttentionOpShape, type GpuOp } from './ops.ts';
import { attentionRef, gemvRef, matmulRef, maxScaledError, randomArray, roundToHalf } from './reference.ts';

export interface CheckResult {
  name: string;
  /** max |gpu − ref| / (atol + rtol·|ref|); ≤ 1 passes. */
  maxScaledError: number;
  ok: boolean;
}

async function runOnce(ctx: GpuContext, op: GpuOp, inner = 1): Promise<Float32Array> {
  const enc = ctx.device.createCommandEncoder();
  op.encode(enc, inner);
  ctx.device.queue.submit([enc.finish()]);
  const out = await op.readOutput();
  op.destroy();
  return out;
}

function result(name: string, got: Float32Array, want: Float32Array, atol: number, rtol: number): CheckResult {
  const e = maxScaledError(got, want, atol, rtol);
  return { name, maxScaledError: e, ok: e <= 1 };
}

/** Tolerances: f32 accumulation over K terms of values in [−1, 1); f16 output rounding (2⁻¹¹ relative). */
function tolerances(t: ElementType, k: number): { atol: number; rtol: number } {
  return t === 'f16' ? { atol: 2e-3 * Math.sqrt(k), rtol: 2e-3 } : { atol: 1e-5 * Math.sqrt(k), rtol: 1e-5 };
}

export async function checkMatmul(ctx: GpuContext, t: ElementType, M: number, N: number, K: number, seed = 1): Promise<CheckResult> {
  let a = randomArray(M * K, seed);
  let b = randomArray(N * K, seed + 1);
  if (t === 'f16') {
    a = roundToHalf(a);
    b = roundToHalf(b);
  }
  const got = await runOnce(ctx, makeMatmul(ctx, t, M, N, K, a, b));
  const { atol, rtol } = tolerances(t, K);
  return result(`matmul ${t} ${M}x${N}x${K}`, got, matmulRef(a, b, M, N, K), atol, rtol);
}

export async function checkGemv(ctx: GpuContext, t: ElementType, N: number, K: number, seed = 3): Promise<CheckResult> {
  let w = randomArray(N * K, seed);
  let x = randomArray(K, seed + 1);
  if (t === 'f16') {
    w = roundToHalf(w);
    x = roundToHalf(x);
  }
  const got = await runOnce(ctx, makeGemv(ctx, t, N, K, w, x));
  const { atol, rtol } = tolerances(t, K);
  return result(`gemv ${t} ${N}x${K}`, got, gemvRef(w, x, N, K), atol, rtol);
}

/** The stream kernels move data exactly: copy and the API copy must reproduce the input bit for bit. */
export async function checkStream(ctx: GpuContext, arrayBytes = 16 * 1000): Promise<CheckResult[]> {
  const n = arrayBytes / 4;
  const a = randomArray(n, 7);
  const b = randomArray(n, 8);
  const c = randomArray(n, 9);
  const out: CheckResult[] = [];
  out.push(result('stream copy', await runOnce(ctx, makeStream(ctx, 'copy', arrayBytes, [a]), 2), a, 0, 0));
  const triad = Float32Array.from(b, (x, i) => Math.fround(x + Math.fround(3 * c[i]!)));
  out.push(result('stream triad', await runOnce(ctx, makeStream(ctx, 'triad', arrayBytes, [new Float32Array(n), b, c]), 2), triad, 1e-6, 1e-6));
  const partials = await runOnce(ctx, makeStream(ctx, 'read', arrayBytes, [a]), 2);
  let want = 0;
  for (const x of a) want += x;
  let got = 0;
  for (const x of partials) got += x;
  out.push(result('stream read (sum)', Float32Array.of(got), Float32Array.of(want), 1e-5 * Math.sqrt(n), 1e-5));
  out.push(result('copyBufferToBuffer', await runOnce(ctx, makeBufferCopy(ctx, arrayBytes, a), 2), a, 0, 0));
  return out;
}

export async function checkAttention(ctx: GpuContext, s: AttentionOpShape, seed = 11): Promise<CheckResult> {
  const total = s.contextTokens + s.queryTokens;
  const q = randomArray(s.batch * s.queryTokens * s.numHeads * s.headDim, seed);
  const k = randomArray(s.batch * total * s.numKvHeads * s.headDim, seed + 1);
  const v = randomArray(s.batch * total * s.numKvHeads * s.headDim, seed + 2);
  const got = await runOnce(ctx, makeAttention(ctx, s, { q, k, v }));
  const name = `attention b${s.batch} q${s.queryTokens} c${s.contextTokens} h${s.numHeads}/${s.numKvHeads} d${s.headDim}${s.causal ? ' causal' : ''}`;
  return result(name, got, attentionRef(q, k, v, s), 1e-5, 1e-4);
}

/** The checks the harness runs before measuring, per measurement family. */
export async function selfCheck(ctx: GpuContext): Promise<{ gemm: CheckResult[]; bandwidth: CheckResult[]; attention: CheckResult[] }> {
  const gemm = [await checkMatmul(ctx, 'f32', 67, 45, 33), await checkMatmul(ctx, 'f32', 1, 96, 128)];
  if (ctx.hasF16) gemm.push(await checkMatmul(ctx, 'f16', 67, 45, 36));
  const bandwidth = [...(await checkStream(ctx)), await checkGemv(ctx, 'f32', 37, 68)];
  if (ctx.hasF16) bandwidth.push(await checkGemv(ctx, 'f16', 37, 68));
  const attention = [
    await checkAttention(ctx, { batch: 2, queryTokens: 5, contextTokens: 7, numHeads: 4, numKvHeads: 2, headDim: 16, causal: true }),
    await checkAttention(ctx, { batch: 3, queryTokens: 1, contextTokens: 33, numHeads: 4, numKvHeads: 1, headDim: 32, causal: true }),
  ];
  return { gemm, bandwidth, attention };
}
