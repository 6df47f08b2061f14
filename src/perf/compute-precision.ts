/**
 * Resolves a PrecisionConfig against what a GPU's tensor cores support: which peak the GEMMs run at,
 * whether the weights are weight-only quantised (dequantised to the activation format in the kernel), and
 * the byte sizes the roofline uses.
 *
 * Rules:
 * - activations default to: fp8 for fp8 weights, int8 for int8 weights (W8A8), fp32 for fp32, fp16 for fp16,
 *   the 4-bit format itself for int4/fp4 weights on a GPU with such tensor cores, bf16 otherwise.
 * - The activation format must be a tensor-core format of the GPU (a `peakTflops` key), else UserError.
 * - fp8/int8 weights need the GPU to support that format (fp8 on A100 → UserError), as the brief requires,
 *   even though some engines can run FP8 weight-only kernels on Ampere.
 * - 4-bit weights (int4/fp4) on a GPU without that tensor-core format run weight-only: bytes at 4 bits (+
 *   group scales), math at the activation peak plus a dequantisation cost.
 * - weights narrower than activations (e.g. fp8 weights with bf16 activations) are weight-only too.
 * - The KV-cache format is storage only (any format is accepted; fp8 KV caches work on Ampere in vLLM).
 */
import { UserError } from '../errors/user-error.ts';
import type { GpuProfile } from '../profiles/schema.ts';
import { bytesPerElement, type Precision, type PrecisionConfig } from './precision.ts';

export interface ResolvedPrecision {
  weights: Precision;
  activations: Precision;
  kvCache: Precision;
  /** Peak FLOP/s the linear layers' math runs at. */
  gemmPeakFlops: number;
  /** Peak FLOP/s of attention math (16-bit, or fp32 for fp32 activations). */
  attentionPeakFlops: number;
  /** Peak FLOP/s of CUDA-core (non-tensor) fp32 math, used for dequantisation. */
  scalarPeakFlops: number;
  /** Weights are stored narrower than the math format and dequantised inside the GEMM. */
  weightOnly: boolean;
  /** Bytes per hidden-state element moved between kernels (residual stream, all-reduce). */
  activationBytes: number;
  kvBytes: number;
}

/** Precisions with a tensor-core (or fp32 CUDA-core) peak on this GPU. */
export function supportedComputePrecisions(gpu: GpuProfile): Precision[] {
  const out: Precision[] = [];
  const peaks = gpu.peakTflops as Partial<Record<Precision, number>>;
  for (const p of ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'fp4', 'int4'] as const) {
    if ((peaks[p] ?? 0) > 0) out.push(p);
  }
  return out;
}

function peakOf(gpu: GpuProfile, p: Precision): number | undefined {
  const v = (gpu.peakTflops as Partial<Record<Precision, number>>)[p];
  return v !== undefined && v > 0 ? v * 1e12 : undefined;
}

export function defaultActivationPrecision(weights: Precision, gpu?: GpuProfile): Precision {
  switch (weights) {
    case 'fp4': case 'int4':
      // W4A4 where the GPU has 4-bit tensor cores (e.g. NVFP4 on Blackwell), weight-only W4A16 otherwise.
      return gpu !== undefined && peakOf(gpu, weights) !== undefined ? weights : 'bf16';
    case 'fp8': return 'fp8';
    case 'int8': return 'int8';
    case 'fp32': return 'fp32';
    case 'fp16': return 'fp16';
    default: return 'bf16';
  }
}

export function resolvePrecision(gpu: GpuProfile, precision: PrecisionConfig, where = 'precision'): ResolvedPrecision {
  const supported = supportedComputePrecisions(gpu);
  const list = supported.join(', ');
  const weights = precision.weights;
  const activations = precision.activations ?? defaultActivationPrecision(weights, gpu);
  const actPeak = peakOf(gpu, activations);
  if (actPeak === undefined) {
    throw new UserError(`${gpu.name} (${gpu.id}) has no ${activations} tensor cores for the activations/GEMM math`, {
      where: precision.activations ? `${where}.activations` : `${where}.weights`,
      fix: `use one of the precisions ${gpu.id} supports: ${list}; 4-bit weights (int4/fp4) run weight-only on any GPU`,
    });
  }
  const wb = bytesPerElement(weights);
  const is4bit = weights === 'int4' || weights === 'fp4';
  if (!is4bit && peakOf(gpu, weights) === undefined) {
    throw new UserError(`${gpu.name} (${gpu.id}) does not support ${weights} weights`, {
      where: `${where}.weights`,
      fix: `use one of the precisions ${gpu.id} supports: ${list}; or int4 weight-only quantisation`,
    });
  }
  const ab = bytesPerElement(activations);
  let gemmPeak = actPeak;
  let weightOnly = false;
  if (wb < ab) {
    weightOnly = true; // dequantise in the kernel, math at the activation format
  } else if (wb > ab) {
    // activations narrower than weights: the math runs at the weight format
    gemmPeak = peakOf(gpu, weights) ?? actPeak;
  }
  const attnPeak = activations === 'fp32' ? peakOf(gpu, 'fp32')! : (peakOf(gpu, 'bf16') ?? peakOf(gpu, 'fp16')!);
  return {
    weights, activations, kvCache: precision.kvCache,
    gemmPeakFlops: gemmPeak,
    attentionPeakFlops: attnPeak,
    scalarPeakFlops: gpu.peakTflops.fp32 * 1e12,
    weightOnly,
    activationBytes: activations === 'fp32' ? 4 : 2,
    kvBytes: bytesPerElement(precision.kvCache),
  };
}
