/**
 * Per-op work (GEMM shapes, bytes moved) of one decoder layer on one tensor-parallel rank, with the same
 * conventions as the roofline (src/perf/roofline.ts): K/V heads replicated when TP exceeds their count,
 * 16-bit activations. Used to invert the roofline formulas at measured points and to predict op times from
 * fitted curves. Pure.
 */
import type { VidurArch, VidurElementwiseOp, VidurGemmOp } from './vidur.ts';

export interface LayerArch {
  hiddenSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  gatedMlp: boolean;
}

export function archFromVidur(a: VidurArch): LayerArch {
  return {
    hiddenSize: a.hiddenSize, numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.hiddenSize / a.numHeads,
    intermediateSize: a.intermediateSize, gatedMlp: a.gatedMlp,
  };
}

export function kvHeadsPerRank(a: LayerArch, tp: number): number {
  return Math.max(1, a.numKvHeads / tp);
}

/** (k, n) of a linear op per TP rank: y[T×n] = x[T×k]·W[k×n]. */
export function gemmShape(op: VidurGemmOp, a: LayerArch, tp: number): { k: number; n: number } {
  const h = a.hiddenSize;
  switch (op) {
    case 'attn_pre_proj': return { k: h, n: (a.numHeads / tp + 2 * kvHeadsPerRank(a, tp)) * a.headDim };
    case 'attn_post_proj': return { k: (a.numHeads / tp) * a.headDim, n: h };
    case 'mlp_up_proj': return { k: h, n: ((a.gatedMlp ? 2 : 1) * a.intermediateSize) / tp };
    case 'mlp_down_proj': return { k: a.intermediateSize / tp, n: h };
  }
}

/** Bytes a GEMM moves: weights once + activations in and out (roofline convention). */
export function gemmBytes(tokens: number, k: number, n: number, weightBytes = 2, actBytes = 2): number {
  return k * n * weightBytes + tokens * (k + n) * actBytes;
}

/**
 * Bytes one elementwise kernel moves per TP rank at `tokens` tokens (16-bit activations):
 * RMSNorm reads and writes T×hidden; RoPE reads and writes Q and K; the activation reads gate and up
 * (one input for a plain MLP) and writes one; the residual add reads two and writes one; the embedding
 * gathers T rows and writes them.
 */
export function elementwiseBytes(op: VidurElementwiseOp, tokens: number, a: LayerArch, tp: number, actBytes = 2): number {
  const h = a.hiddenSize;
  switch (op) {
    case 'emb': return 2 * tokens * h * actBytes;
    case 'input_layernorm':
    case 'post_attention_layernorm': return 2 * tokens * h * actBytes;
    case 'attn_rope': return 2 * tokens * (a.numHeads / tp + kvHeadsPerRank(a, tp)) * a.headDim * actBytes;
    case 'mlp_act': return (a.gatedMlp ? 3 : 2) * tokens * (a.intermediateSize / tp) * actBytes;
    case 'add': return 3 * tokens * h * actBytes;
  }
}

/** Kernels in the roofline's lumped elementwise term of one layer (2 fused add+norm, RoPE, activation). */
export const LUMP_KERNELS = 4;

/**
 * Bytes of the roofline's lumped elementwise term of one layer per rank (roofline.ts `ewBytesTok`):
 * T·act·(8·hidden + 2·(heads+kv)/TP·headDim + (3 | 2)·I/TP).
 */
export function lumpBytes(tokens: number, a: LayerArch, tp: number, actBytes = 2): number {
  const hR = a.numHeads / tp;
  const kvR = kvHeadsPerRank(a, tp);
  return tokens * actBytes * (8 * a.hiddenSize + 2 * (hR + kvR) * a.headDim + (a.gatedMlp ? 3 : 2) * (a.intermediateSize / tp));
}

/** Attention work of one layer per rank in the roofline's terms. */
export interface AttentionWork {
  flops: number;
  bytes: number;
  /** Mean keys per query (attentionCompute's argument). */
  meanKeys: number;
}

function attnConsts(a: LayerArch, tp: number, kvBytes: number, actBytes: number) {
  const hR = a.numHeads / tp;
  const kvR = kvHeadsPerRank(a, tp);
  return { flopsPerPair: 4 * hR * a.headDim, kvTok: 2 * kvR * a.headDim * kvBytes, qoTok: 2 * hR * a.headDim * actBytes };
}

/** Prefill of `seqs` sequences each with a chunk of `chunk` tokens after `prior` cached tokens (causal). */
export function prefillWork(a: LayerArch, tp: number, chunk: number, prior: number, seqs = 1, kvBytes = 2, actBytes = 2,
  causal = true): AttentionWork {
  const k = attnConsts(a, tp, kvBytes, actBytes);
  const pairs = seqs * chunk * (prior + (causal ? (chunk + 1) / 2 : chunk));
  const T = seqs * chunk;
  return {
    flops: k.flopsPerPair * pairs,
    bytes: seqs * (prior + chunk) * k.kvTok + T * (k.qoTok + k.kvTok),
    meanKeys: pairs / T,
  };
}

/** Decode of `seqs` sequences each attending to `context` keys (including the new token). */
export function decodeWork(a: LayerArch, tp: number, seqs: number, context: number, kvBytes = 2, actBytes = 2): AttentionWork {
  const k = attnConsts(a, tp, kvBytes, actBytes);
  return {
    flops: k.flopsPerPair * seqs * context,
    bytes: seqs * context * k.kvTok + seqs * (k.qoTok + k.kvTok),
    meanKeys: context,
  };
}
