/**
 * GPU operations of the WebGPU harness: each builds its buffers and pipeline once, encodes any number of
 * back-to-back executions, and can read its output back for checking.
 */
import type { AttentionShape } from '../common/flops.ts';
import type { GpuContext } from './device.ts';
import {
  ATTENTION_WORKGROUP, MATMUL_TILE, STREAM_WORKGROUP,
  attentionWgsl, gemvWgsl, matmulWgsl, streamWgsl, type ElementType,
} from './kernels.ts';
import { fromHalfArray, toHalfArray } from './reference.ts';

export interface GpuOp {
  /** Encodes `inner` back-to-back executions. */
  encode(enc: GPUCommandEncoder, inner: number): void;
  /** The op's output as f32 (f16 outputs converted), after at least one execution has been submitted. */
  readOutput(): Promise<Float32Array>;
  destroy(): void;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

function storage(ctx: GpuContext, bytes: number, extra = 0): GPUBuffer {
  return ctx.device.createBuffer({
    size: align4(Math.max(bytes, 4)),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extra,
  });
}

function upload(ctx: GpuContext, buf: GPUBuffer, data: Float32Array | Uint16Array): void {
  if (data.byteLength % 4 === 0) {
    ctx.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  } else {
    const padded = new Uint8Array(align4(data.byteLength));
    padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    ctx.device.queue.writeBuffer(buf, 0, padded);
  }
}

function uniform(ctx: GpuContext, words: Array<{ u32: number } | { f32: number }>): GPUBuffer {
  const bytes = align4(words.length * 4);
  const ab = new ArrayBuffer(Math.max(16, Math.ceil(bytes / 16) * 16));
  const dv = new DataView(ab);
  words.forEach((w, i) => ('u32' in w ? dv.setUint32(i * 4, w.u32, true) : dv.setFloat32(i * 4, w.f32, true)));
  const buf = ctx.device.createBuffer({ size: ab.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  ctx.device.queue.writeBuffer(buf, 0, ab);
  return buf;
}

/** Copies `bytes` of a buffer into a mappable one and returns them. */
export async function readBuffer(ctx: GpuContext, src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const size = align4(bytes);
  const staging = ctx.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = ctx.device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, size);
  ctx.device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

function pipeline(ctx: GpuContext, code: string, label: string): GPUComputePipeline {
  const module = ctx.device.createShaderModule({ code, label });
  return ctx.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
}

function bindGroup(ctx: GpuContext, p: GPUComputePipeline, buffers: Array<[number, GPUBuffer]>): GPUBindGroup {
  return ctx.device.createBindGroup({
    layout: p.getBindGroupLayout(0),
    entries: buffers.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
  });
}

function dispatchOp(
  p: GPUComputePipeline, bg: GPUBindGroup, groups: [number, number, number], buffers: GPUBuffer[],
  read: () => Promise<Float32Array>,
): GpuOp {
  return {
    encode(enc, inner) {
      const pass = enc.beginComputePass();
      pass.setPipeline(p);
      pass.setBindGroup(0, bg);
      for (let i = 0; i < inner; i++) pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
      pass.end();
    },
    readOutput: read,
    destroy() {
      for (const b of buffers) b.destroy();
    },
  };
}

function asInput(t: ElementType, data: Float32Array): Float32Array | Uint16Array {
  return t === 'f16' ? toHalfArray(data) : data;
}

async function readTyped(ctx: GpuContext, buf: GPUBuffer, t: ElementType, count: number): Promise<Float32Array> {
  const ab = await readBuffer(ctx, buf, count * (t === 'f16' ? 2 : 4));
  return t === 'f16' ? fromHalfArray(new Uint16Array(ab)) : new Float32Array(ab);
}

/** C[M×N] = A[M×K] · Bᵀ (B is N × K). Inputs optional (zeros) when only timing. */
export function makeMatmul(
  ctx: GpuContext, t: ElementType, M: number, N: number, K: number, a?: Float32Array, b?: Float32Array,
): GpuOp {
  const eb = t === 'f16' ? 2 : 4;
  const A = storage(ctx, M * K * eb);
  const B = storage(ctx, N * K * eb);
  const C = storage(ctx, M * N * eb);
  if (a !== undefined) upload(ctx, A, asInput(t, a));
  if (b !== undefined) upload(ctx, B, asInput(t, b));
  const P = uniform(ctx, [{ u32: M }, { u32: N }, { u32: K }, { u32: 0 }]);
  const p = pipeline(ctx, matmulWgsl(t), `matmul-${t}`);
  const bg = bindGroup(ctx, p, [[0, A], [1, B], [2, C], [3, P]]);
  const groups: [number, number, number] = [Math.ceil(N / MATMUL_TILE), Math.ceil(M / MATMUL_TILE), 1];
  return dispatchOp(p, bg, groups, [A, B, C, P], () => readTyped(ctx, C, t, M * N));
}

/** y[N] = W[N×K] · x[K]; K must be a multiple of 4 (vec4 loads). */
export function makeGemv(ctx: GpuContext, t: ElementType, N: number, K: number, w?: Float32Array, x?: Float32Array): GpuOp {
  if (K % 4 !== 0) throw new Error(`gemv: K (${K}) must be a multiple of 4`);
  const eb = t === 'f16' ? 2 : 4;
  const W = storage(ctx, N * K * eb);
  const X = storage(ctx, K * eb);
  const Y = storage(ctx, N * eb);
  if (w !== undefined) upload(ctx, W, asInput(t, w));
  if (x !== undefined) upload(ctx, X, asInput(t, x));
  const P = uniform(ctx, [{ u32: N }, { u32: K / 4 }, { u32: 0 }, { u32: 0 }]);
  const p = pipeline(ctx, gemvWgsl(t), `gemv-${t}`);
  const bg = bindGroup(ctx, p, [[0, W], [1, X], [2, Y], [3, P]]);
  const maxX = 65535;
  const groups: [number, number, number] = [Math.min(N, maxX), Math.ceil(N / maxX), 1];
  return dispatchOp(p, bg, groups, [W, X, Y, P], () => readTyped(ctx, Y, t, N));
}

/**
 * STREAM kernels over arrays of `arrayBytes` (a multiple of 16). Output read back: copy → b; triad → a;
 * read → per-invocation partial sums.
 */
export function makeStream(ctx: GpuContext, kind: 'copy' | 'triad' | 'read', arrayBytes: number, init?: Float32Array[]): GpuOp {
  if (arrayBytes % 16 !== 0) throw new Error(`stream: array size ${arrayBytes} not a multiple of 16`);
  const n = arrayBytes / 16;
  const wgs = Math.min(Math.ceil(n / STREAM_WORKGROUP), ctx.limits.maxComputeWorkgroupsPerDimension);
  const p = pipeline(ctx, streamWgsl(kind), `stream-${kind}`);
  const P = uniform(ctx, [{ u32: n }, { f32: 3 }, { u32: 0 }, { u32: 0 }]);
  const arrays = kind === 'triad' ? 3 : kind === 'copy' ? 2 : 1;
  const bufs = Array.from({ length: arrays }, () => storage(ctx, arrayBytes));
  init?.forEach((d, i) => upload(ctx, bufs[i]!, d));
  const out = kind === 'read' ? storage(ctx, wgs * STREAM_WORKGROUP * 4) : undefined;
  const entries: Array<[number, GPUBuffer]> = bufs.map((b, i) => [i, b] as [number, GPUBuffer]);
  if (out !== undefined) entries.push([1, out]);
  entries.push([3, P]);
  const bg = bindGroup(ctx, p, entries);
  const all = [...bufs, P, ...(out ? [out] : [])];
  const target = kind === 'copy' ? bufs[1]! : kind === 'triad' ? bufs[0]! : out!;
  const targetBytes = kind === 'read' ? wgs * STREAM_WORKGROUP * 4 : arrayBytes;
  return dispatchOp(p, bg, [wgs, 1, 1], all, async () => new Float32Array(await readBuffer(ctx, target, targetBytes)));
}

/** GPUCommandEncoder.copyBufferToBuffer of `bytes` (the API's own copy path, no shader). */
export function makeBufferCopy(ctx: GpuContext, bytes: number, init?: Float32Array): GpuOp {
  const a = storage(ctx, bytes);
  const b = storage(ctx, bytes);
  if (init !== undefined) upload(ctx, a, init);
  return {
    encode(enc, inner) {
      for (let i = 0; i < inner; i++) enc.copyBufferToBuffer(a, 0, b, 0, align4(bytes));
    },
    readOutput: async () => new Float32Array(await readBuffer(ctx, b, bytes)),
    destroy() {
      a.destroy();
      b.destroy();
    },
  };
}

/** The attention call shape (one definition, in harness/common/flops.ts). */
export type AttentionOpShape = AttentionShape;

/** Attention with the layouts of kernels.ts (f32). */
export function makeAttention(
  ctx: GpuContext, s: AttentionOpShape, data?: { q: Float32Array; k: Float32Array; v: Float32Array },
): GpuOp {
  if (s.numHeads % s.numKvHeads !== 0) throw new Error('attention: heads must be a multiple of kv heads');
  const total = s.contextTokens + s.queryTokens;
  const qCount = s.batch * s.queryTokens * s.numHeads * s.headDim;
  const kvCount = s.batch * total * s.numKvHeads * s.headDim;
  const Q = storage(ctx, qCount * 4);
  const Kb = storage(ctx, kvCount * 4);
  const Vb = storage(ctx, kvCount * 4);
  const O = storage(ctx, qCount * 4);
  if (data !== undefined) {
    upload(ctx, Q, data.q);
    upload(ctx, Kb, data.k);
    upload(ctx, Vb, data.v);
  }
  const P = uniform(ctx, [
    { u32: s.batch }, { u32: s.queryTokens }, { u32: s.contextTokens }, { u32: s.numHeads },
    { u32: s.numKvHeads }, { u32: s.causal ? 1 : 0 }, { f32: 1 / Math.sqrt(s.headDim) }, { u32: 0 },
  ]);
  const p = pipeline(ctx, attentionWgsl(s.headDim), 'attention');
  const bg = bindGroup(ctx, p, [[0, Q], [1, Kb], [2, Vb], [3, O], [4, P]]);
  const groups: [number, number, number] = [Math.ceil((s.queryTokens * s.numHeads) / ATTENTION_WORKGROUP), s.batch, 1];
  return dispatchOp(p, bg, groups, [Q, Kb, Vb, O, P], async () => new Float32Array(await readBuffer(ctx, O, qCount * 4)));
}
