/** Numeric formats a scenario may ask for, for weights, activations or the KV cache. */
export const PRECISIONS = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'] as const;
export type Precision = (typeof PRECISIONS)[number];

/**
 * Bytes per stored element.
 * @example bytesPerElement('fp8') // 1
 */
export function bytesPerElement(p: Precision): number {
  switch (p) {
    case 'fp32': return 4;
    case 'bf16': case 'fp16': return 2;
    case 'fp8': case 'int8': return 1;
    case 'int4': case 'fp4': return 0.5;
  }
}

export interface PrecisionConfig {
  weights: Precision;
  kvCache: Precision;
  /** Activation/compute format; defaults to bf16 for 16-bit and 4-bit-weight-only, fp8 for fp8 weights. */
  activations?: Precision;
}

export interface Parallelism {
  tensor: number;
  pipeline: number;
}
