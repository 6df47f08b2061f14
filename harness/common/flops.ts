/** Operation counts the harnesses report and the calibrator divides by. Pure functions. */

/** FLOPs of a GEMM y[m × n] = x[m × k] · W[k × n]: one multiply and one add per term. */
export function gemmFlops(m: number, n: number, k: number): number {
  return 2 * m * n * k;
}

/** Achieved TFLOP/s of a GEMM that took `seconds`. */
export function gemmTflops(m: number, n: number, k: number, seconds: number): number {
  return gemmFlops(m, n, k) / seconds / 1e12;
}

/** Bytes a GEMM must move at least once (A, B read; C written), for roofline comparisons. */
export function gemmMinBytes(m: number, n: number, k: number, inBytes: number, outBytes: number): number {
  return (m * k + k * n) * inBytes + m * n * outBytes;
}

export interface AttentionShape {
  batch: number;
  /** New tokens per sequence (prefill chunk; 1 for decode). */
  queryTokens: number;
  /** KV tokens already cached before this call. */
  contextTokens: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  causal: boolean;
}

/**
 * Query–key pairs one head of one sequence evaluates. The chunk's own keys are appended after the context;
 * with a causal mask query i (0-based) sees context + i + 1 keys.
 */
export function attentionPairs(queryTokens: number, contextTokens: number, causal: boolean): number {
  const q = queryTokens;
  const c = contextTokens;
  return causal ? q * c + (q * (q + 1)) / 2 : q * (c + q);
}

/** FLOPs of attention: QKᵀ and P·V, 2·headDim each per query–key pair, per head. Softmax not counted. */
export function attentionFlops(s: AttentionShape): number {
  return 4 * s.headDim * s.numHeads * s.batch * attentionPairs(s.queryTokens, s.contextTokens, s.causal);
}

/** Bytes of K and V the call must read at least once (context plus the chunk's own keys). */
export function attentionKvBytes(s: AttentionShape, elementBytes: number): number {
  return 2 * s.batch * (s.contextTokens + s.queryTokens) * s.numKvHeads * s.headDim * elementBytes;
}

/** Bytes one pass of a bandwidth kernel moves over arrays of `arrayBytes` each. */
export function bandwidthBytesMoved(kind: 'copy' | 'triad' | 'read', arrayBytes: number): number {
  switch (kind) {
    case 'copy':
      return 2 * arrayBytes; // read a, write b
    case 'triad':
      return 3 * arrayBytes; // read b, c; write a
    case 'read':
      return arrayBytes;
  }
}

/** Bytes of a GEMV y[n] = W[n × k] · x[k]: the weights dominate; x and y are counted too. */
export function gemvBytes(n: number, k: number, elementBytes: number): number {
  return (n * k + k + n) * elementBytes;
}

/** NCCL's bus bandwidth for all-reduce: size / time · 2(n−1)/n. */
export function allReduceBusBytesPerSec(bytes: number, gpus: number, seconds: number): number {
  return (bytes / seconds) * ((2 * (gpus - 1)) / gpus);
}
