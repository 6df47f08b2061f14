/**
 * Sweep planning: which shapes and sizes each harness measures. Pure and deterministic. The CUDA harness
 * (harness/cuda/src/plan.cpp) implements the same plan for backend 'cuda'; `--plan` prints it and a test
 * checks that both agree item for item.
 */
import { attentionFlops, attentionKvBytes, bandwidthBytesMoved, gemmFlops, gemvBytes } from './flops.ts';
import { HARNESS_MODELS, linearOps, type HarnessModel } from './models.ts';
import type { HarnessPlan } from './plan-schema.ts';

export type HarnessBackend = 'cuda' | 'webgpu';
export type GemmDtype = 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8' | 'int8';

export type PlanPreset = 'full' | 'quick' | 'smoke';

export interface PlanOptions {
  backend: HarnessBackend;
  /** Shorthand for preset 'quick' (ignored when `preset` is given). */
  quick?: boolean;
  preset?: PlanPreset;
  /** Models whose layers are swept; default: Llama-3.1-8B and 70B (cuda full), 8B otherwise. */
  models?: HarnessModel[];
  /** Tensor-parallel degrees whose per-rank shapes are swept; default [1]. */
  tp?: number[];
  /** CUDA compute capability "major.minor" deciding the precisions; default "9.0" (Hopper). */
  computeCapability?: string;
  /** WebGPU: whether the adapter offers shader-f16. */
  f16?: boolean;
}

/** Token counts (GEMM rows) swept for the linear layers. */
export const CUDA_TOKENS_FULL = [
  1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192,
  12288, 16384,
];
export const CUDA_TOKENS_QUICK = [1, 16, 128, 1024, 4096];
export const WEBGPU_TOKENS_FULL = [1, 16, 64, 256, 1024];
export const WEBGPU_TOKENS_QUICK = [1, 64, 256];

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Parses "9.0" → 90. */
export function ccNumber(cc: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(cc.trim());
  if (m === null) throw new Error(`compute capability must look like "9.0", got "${cc}"`);
  return Number(m[1]) * 10 + Number(m[2]);
}

/**
 * GEMM input precisions cuBLASLt offers on a compute capability: fp16 (Volta+), bf16 (Ampere+),
 * int8 (Turing+ IMMA), fp8 e4m3 (Ada/Hopper+, sm_89).
 */
export function cudaGemmDtypes(cc: string, quick: boolean): GemmDtype[] {
  const v = ccNumber(cc);
  const all: GemmDtype[] = [];
  if (v >= 80) all.push('bf16');
  if (v >= 70) all.push('fp16');
  if (v >= 89) all.push('fp8');
  if (v >= 75) all.push('int8');
  if (!quick) return all;
  const q: GemmDtype[] = [];
  if (all[0] !== undefined) q.push(all[0]);
  if (all.includes('fp8')) q.push('fp8');
  return q;
}

function defaultModels(backend: HarnessBackend, quick: boolean, given?: HarnessModel[]): HarnessModel[] {
  if (given !== undefined && given.length > 0) return given;
  const l8 = HARNESS_MODELS['llama-3.1-8b']!;
  const l70 = HARNESS_MODELS['llama-3.1-70b']!;
  return backend === 'cuda' && !quick ? [l8, l70] : [l8];
}

function pow2Range(lo: number, hi: number, factor: number): number[] {
  const out: number[] = [];
  for (let x = lo; x <= hi; x *= factor) out.push(x);
  return out;
}

/**
 * Tiny shapes that finish in seconds on a CPU rasteriser (Mesa llvmpipe): proves the harness end to end.
 * WebGPU only; its points are not transformer shapes and are not for calibration.
 */
export function smokePlan(backend: HarnessBackend, f16: boolean): HarnessPlan {
  const gemmDtypes: GemmDtype[] = f16 ? ['fp32', 'fp16'] : ['fp32'];
  const gemm: HarnessPlan['gemm'] = [];
  for (const dtype of gemmDtypes) {
    for (const [m, n, k] of [[64, 64, 64], [1, 256, 128], [96, 128, 80]] as const) {
      gemm.push({ dtype, m, n, k, op: `smoke/${m}x${n}x${k}`, flops: gemmFlops(m, n, k) });
    }
  }
  const bandwidth: HarnessPlan['bandwidth'] = [];
  for (const kind of ['copy', 'triad', 'read'] as const) bandwidth.push({ kind, arrayBytes: 1 * MiB, bytes: bandwidthBytesMoved(kind, 1 * MiB), dtype: 'vec4<f32>' });
  bandwidth.push({ kind: 'copy', arrayBytes: 1 * MiB, bytes: bandwidthBytesMoved('copy', 1 * MiB), dtype: 'copyBufferToBuffer' });
  bandwidth.push({ kind: 'gemv', n: 256, k: 512, bytes: gemvBytes(256, 512, 4), dtype: 'f32', op: 'smoke/256x512' });
  const attention: HarnessPlan['attention'] = [];
  const base = { numHeads: 4, numKvHeads: 2, headDim: 64, dtype: 'fp32', causal: true } as const;
  for (const [phase, batch, q, c] of [['prefill', 1, 16, 32], ['decode', 2, 1, 64]] as const) {
    const s = { ...base, phase, batch, queryTokens: q, contextTokens: c };
    attention.push({ ...s, flops: attentionFlops(s), kvBytes: attentionKvBytes(s, 4) });
  }
  return {
    schemaVersion: 1, kind: 'servesim-harness-plan', backend, preset: 'smoke', repeats: 3, warmup: 1,
    computeCapability: null, models: [], tp: [1], gemm, bandwidth, attention, hostTransfer: [], allReduce: [], power: [],
    notes: ['smoke preset: tiny shapes that prove the harness runs; not for calibration'],
  };
}

export function planSweep(o: PlanOptions): HarnessPlan {
  const preset: PlanPreset = o.preset ?? (o.quick === true ? 'quick' : 'full');
  if (preset === 'smoke') return smokePlan(o.backend, o.f16 === true);
  const quick = preset === 'quick';
  const models = defaultModels(o.backend, quick, o.models);
  const tps = o.tp !== undefined && o.tp.length > 0 ? o.tp : [1];
  const cuda = o.backend === 'cuda';
  const cc = cuda ? (o.computeCapability ?? '9.0') : null;
  const notes: string[] = [];

  // ---- GEMM (linear layers of each model, per TP rank) ----
  const tokens = cuda ? (quick ? CUDA_TOKENS_QUICK : CUDA_TOKENS_FULL) : quick ? WEBGPU_TOKENS_QUICK : WEBGPU_TOKENS_FULL;
  const gemmDtypes: GemmDtype[] = cuda ? cudaGemmDtypes(cc!, quick) : o.f16 ? ['fp32', 'fp16'] : ['fp32'];
  if (!cuda && !o.f16) notes.push('fp16 matmul not planned: the adapter lacks shader-f16');
  const gemm: HarnessPlan['gemm'] = [];
  for (const dtype of gemmDtypes) {
    if (!cuda) {
      for (const s of quick ? [256, 512] : [256, 512, 1024, 2048]) {
        gemm.push({ dtype, m: s, n: s, k: s, op: `square/${s}`, flops: gemmFlops(s, s, s) });
      }
    }
    for (const model of models) {
      for (const tp of tps) {
        for (const op of linearOps(model, tp)) {
          for (const m of tokens) {
            gemm.push({ dtype, m, n: op.n, k: op.k, op: `${model.name}/tp${tp}/${op.name}`, flops: gemmFlops(m, op.n, op.k) });
          }
        }
      }
    }
  }

  // ---- Memory bandwidth: stream kernels and weight-streaming GEMV ----
  const bandwidth: HarnessPlan['bandwidth'] = [];
  const arraySizes = cuda
    ? quick
      ? [64 * MiB, 1 * GiB]
      : [1 * MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1 * GiB, 2 * GiB]
    : quick
      ? [1 * MiB, 16 * MiB]
      : pow2Range(1 * MiB, 256 * MiB, 4);
  const streamDtype = cuda ? 'f32x4' : 'vec4<f32>';
  for (const kind of ['copy', 'triad', 'read'] as const) {
    for (const a of arraySizes) bandwidth.push({ kind, arrayBytes: a, bytes: bandwidthBytesMoved(kind, a), dtype: streamDtype });
  }
  if (!cuda) {
    for (const a of arraySizes) bandwidth.push({ kind: 'copy', arrayBytes: a, bytes: bandwidthBytesMoved('copy', a), dtype: 'copyBufferToBuffer' });
  }
  const gemvDtypes = cuda ? [{ name: 'bf16', bytes: 2 }] : o.f16 ? [{ name: 'f32', bytes: 4 }, { name: 'f16', bytes: 2 }] : [{ name: 'f32', bytes: 4 }];
  for (const d of gemvDtypes) {
    for (const model of models) {
      for (const tp of tps) {
        for (const op of linearOps(model, tp)) {
          bandwidth.push({
            kind: 'gemv', n: op.n, k: op.k, bytes: gemvBytes(op.n, op.k, d.bytes), dtype: d.name,
            op: `${model.name}/tp${tp}/${op.name}`,
          });
        }
      }
    }
  }

  // ---- Attention: prefill over chunk × context, decode over batch × context ----
  const attention: HarnessPlan['attention'] = [];
  const attnDtype = cuda ? 'bf16' : 'fp32';
  const elem = cuda ? 2 : 4;
  const prefillChunks = cuda ? (quick ? [512, 2048] : [128, 512, 2048, 8192]) : quick ? [64] : [64, 256];
  const prefillCtx = cuda ? (quick ? [0, 4096] : [0, 1024, 4096, 16384]) : quick ? [0, 256] : [0, 512];
  const decodeBatch = cuda ? (quick ? [1, 32] : [1, 8, 32, 128, 256]) : quick ? [1] : [1, 8];
  const decodeCtx = cuda ? (quick ? [1024, 4096] : [128, 1024, 4096, 16384, 32768]) : quick ? [512] : [512, 2048];
  /** Decode points whose batch × context exceeds this many cached tokens are left out (memory). */
  const maxDecodeTokens = cuda ? 1 << 20 : 1 << 16;
  const attnModels = quick ? models.slice(0, 1) : models;
  for (const model of attnModels) {
    for (const tp of tps) {
      const numHeads = model.heads / tp;
      const numKvHeads = Math.max(1, model.kvHeads / tp);
      const base = { numHeads, numKvHeads, headDim: model.headDim, dtype: attnDtype, causal: true } as const;
      for (const q of prefillChunks) {
        for (const c of prefillCtx) {
          const s = { ...base, phase: 'prefill' as const, batch: 1, queryTokens: q, contextTokens: c };
          attention.push({ ...s, flops: attentionFlops(s), kvBytes: attentionKvBytes(s, elem) });
        }
      }
      for (const b of decodeBatch) {
        for (const c of decodeCtx) {
          if (b * c > maxDecodeTokens) continue;
          const s = { ...base, phase: 'decode' as const, batch: b, queryTokens: 1, contextTokens: c };
          attention.push({ ...s, flops: attentionFlops(s), kvBytes: attentionKvBytes(s, elem) });
        }
      }
    }
  }

  // ---- Host transfers, all-reduce, power (CUDA only) ----
  const hostTransfer: HarnessPlan['hostTransfer'] = [];
  const allReduce: HarnessPlan['allReduce'] = [];
  const power: HarnessPlan['power'] = [];
  if (cuda) {
    const sizes = quick ? [1 * MiB, 256 * MiB] : [64 * KiB, 1 * MiB, 16 * MiB, 256 * MiB, 1 * GiB];
    for (const pinned of [true, false]) {
      for (const direction of ['h2d', 'd2h'] as const) for (const bytes of sizes) hostTransfer.push({ direction, pinned, bytes });
    }
    const arSizes = quick ? [1 * MiB, 16 * MiB, 256 * MiB] : pow2Range(1 * KiB, 1 * GiB, 4);
    for (const bytes of arSizes) allReduce.push({ bytes, dtype: 'bf16' });
    power.push({ load: 'gemm bf16 8192x8192x8192 loop', durationSec: quick ? 5 : 30, sampleIntervalSec: 0.1 });
  } else {
    notes.push('webgpu: host transfers, all-reduce and power are not measurable through WebGPU');
  }

  return {
    schemaVersion: 1,
    kind: 'servesim-harness-plan',
    backend: o.backend,
    preset,
    repeats: cuda ? (quick ? 5 : 20) : quick ? 3 : 10,
    warmup: cuda ? (quick ? 2 : 3) : quick ? 1 : 2,
    computeCapability: cc,
    models: models.map((m) => ({ ...m })),
    tp: [...tps],
    gemm,
    bandwidth,
    attention,
    hostTransfer,
    allReduce,
    power,
    notes,
  };
}
