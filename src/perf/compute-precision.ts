/**
 * Resolves a PrecisionConfig against what a GPU's tensor cores support: which peak the GEMMs run at,
 * whether the weights are weight-only quantised (dequantised to the activation format in the kernel), the
 * byte sizes the roofline uses, and human-readable notes on every fallback (`notes`, also returned by
 * `precisionNotes`) for the report.
 *
 * Rules (a "tensor-core format" of a GPU is a key of its `peakTflops`):
 * 1. Activations (the GEMM math format) default to: the 4-bit format itself for fp4 weights on a GPU with
 *    FP4 tensor cores (W4A4, NVFP4 on Blackwell); fp8 for fp8 weights and int8 for int8 weights (W8A8) where
 *    the GPU has that format; fp32 for fp32 and fp16 for fp16 weights; bf16 (fp16 on a GPU without bf16)
 *    otherwise — in particular int4 weights always run weight-only (W4A16, AWQ/GPTQ-style Marlin kernels).
 * 2. Activations given explicitly must be a tensor-core format of the GPU, else UserError (e.g. fp8
 *    activations on A100: there are no FP8 tensor cores to run them on).
 * 3. Weights the GPU has no tensor cores for fall back to weight-only quantisation with a note, never
 *    silently: fp8/int8 weights → W8A16 (bytes at 8 bits, math at the 16-bit peak + a dequantisation cost;
 *    vLLM runs FP8 checkpoints this way on Ampere with Marlin FP8 kernels); fp4 weights before Blackwell →
 *    W4A16 (MXFP4/NVFP4 weight-only kernels).
 * 4. Weights narrower than the activations are weight-only (dequantised inside the GEMM, math at the
 *    activation peak + dequantisation). Activations narrower than the weights run the math at the weight
 *    format's peak.
 * 5. The KV-cache format is storage only (any format is accepted; an fp8 cache on a GPU without FP8 tensor
 *    cores is dequantised inside attention, as vLLM does on Ampere) and changes bytes and capacity.
 * 6. Attention math runs at the 16-bit peak (fp32 peak for fp32 activations) whatever the weights.
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
  /** Why the resolved formats differ from what was asked, or what runs where (for the report's notes). */
  notes: string[];
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

/** The GPU's 16-bit tensor format: bf16 where supported, else fp16. */
function sixteenBit(gpu?: GpuProfile): Precision {
  return gpu === undefined || peakOf(gpu, 'bf16') !== undefined ? 'bf16' : 'fp16';
}

/**
 * Default activation (GEMM math) format for the given weights (rule 1). Without a GPU, the format the
 * weights would use on a GPU that supports everything (fp8 → fp8, int8 → int8, 4-bit → bf16).
 */
export function defaultActivationPrecision(weights: Precision, gpu?: GpuProfile): Precision {
  switch (weights) {
    case 'fp4':
      // W4A4 where the GPU has FP4 tensor cores (NVFP4 on Blackwell), weight-only W4A16 otherwise.
      return gpu !== undefined && peakOf(gpu, 'fp4') !== undefined ? 'fp4' : sixteenBit(gpu);
    case 'int4':
      return sixteenBit(gpu); // AWQ/GPTQ: weight-only in practice, even where INT4 tensor cores exist
    case 'fp8': case 'int8':
      return gpu === undefined || peakOf(gpu, weights) !== undefined ? weights : sixteenBit(gpu);
    case 'fp32': return 'fp32';
    case 'fp16': return 'fp16';
    default: return sixteenBit(gpu);
  }
}

const UPPER: Record<Precision, string> = {
  fp32: 'FP32', bf16: 'BF16', fp16: 'FP16', fp8: 'FP8', int8: 'INT8', int4: 'INT4', fp4: 'FP4',
};

function gpuLabel(gpu: GpuProfile): string {
  return `${gpu.name} (${gpu.id})`;
}

export function resolvePrecision(gpu: GpuProfile, precision: PrecisionConfig, where = 'precision'): ResolvedPrecision {
  const supported = supportedComputePrecisions(gpu);
  const list = supported.join(', ');
  const notes: string[] = [];
  const weights = precision.weights;
  const explicit = precision.activations;
  const activations = explicit ?? defaultActivationPrecision(weights, gpu);
  const actPeak = peakOf(gpu, activations);
  if (actPeak === undefined) {
    const lowBitWeights = weights === 'fp8' || weights === 'int8' || weights === 'fp4' || weights === 'int4';
    throw new UserError(`${gpuLabel(gpu)} has no ${activations} tensor cores for the activations/GEMM math`, {
      where: explicit ? `${where}.activations` : `${where}.weights`,
      fix: `use activations in one of the precisions ${gpu.id} supports: ${list}` +
        (lowBitWeights && explicit ? `; or leave ${where}.activations out to run ${weights} weights weight-only (${weights === 'fp4' || weights === 'int4' ? 'w4a16' : 'w8a16'})` : ''),
    });
  }
  const wb = bytesPerElement(weights);
  const ab = bytesPerElement(activations);
  const weightPeak = peakOf(gpu, weights);
  const label = gpuLabel(gpu);
  const act16 = activations === 'bf16' || activations === 'fp16';
  const scheme = `w${wb < 1 ? 4 : wb * 8}a${ab * 8}`;

  // Notes for weights the GPU cannot multiply natively (rule 3) and for weight-only formats (rule 4).
  if (weightPeak === undefined && weights !== 'int4' && weights !== 'fp32' && wb < ab) {
    const why = weights === 'fp4'
      ? `${label} has no FP4 tensor cores (Blackwell and later)`
      : `${label} has no ${UPPER[weights]} tensor cores`;
    const kernels = weights === 'fp8' ? ', Marlin-style FP8 kernels' : weights === 'fp4' ? ', MXFP4/NVFP4 weight-only kernels' : '';
    notes.push(`${why}: ${weights} weights run weight-only (${scheme}${kernels}) at the ${activations} peak, with a dequantisation cost; ` +
      `the weights keep their ${wb < 1 ? 4 : 8}-bit size in memory`);
  } else if (weights === 'int4' && act16) {
    notes.push(`int4 weights run weight-only (${scheme}, AWQ/GPTQ-style kernels) at the ${activations} peak, with a dequantisation cost`);
  } else if (weightPeak !== undefined && wb < ab) {
    notes.push(`${weights} weights with ${activations} activations run weight-only (${scheme}) at the ${activations} peak, with a dequantisation cost`);
  }

  let gemmPeak = actPeak;
  let weightOnly = false;
  if (wb < ab) {
    weightOnly = true; // dequantise in the kernel, math at the activation format
  } else if (wb > ab) {
    // activations narrower than weights: the math runs at the weight format
    gemmPeak = weightPeak ?? actPeak;
    if (weightPeak !== undefined) {
      notes.push(`${activations} activations with ${weights} weights: GEMMs run at the ${weights} peak`);
    }
  }

  const kvCache = precision.kvCache;
  if ((kvCache === 'fp8' || kvCache === 'int8') && peakOf(gpu, kvCache) === undefined) {
    notes.push(`${kvCache} KV cache on ${label} is storage only: it is dequantised to 16-bit inside attention (halves KV bytes and memory, not attention math)`);
  }
  if (gpu.vendor.toLowerCase() === 'amd' && (weights === 'fp8' || activations === 'fp8' || kvCache === 'fp8')) {
    notes.push(`${label} uses the FNUZ FP8 variant (e4m3fnuz): OCP e4m3 checkpoints are rescaled at load (vLLM ROCm); same peak and bytes`);
  }

  const attnPeak = activations === 'fp32' ? peakOf(gpu, 'fp32')! : (peakOf(gpu, 'bf16') ?? peakOf(gpu, 'fp16')!);
  return {
    weights, activations, kvCache,
    gemmPeakFlops: gemmPeak,
    attentionPeakFlops: attnPeak,
    scalarPeakFlops: gpu.peakTflops.fp32 * 1e12,
    weightOnly,
    activationBytes: activations === 'fp32' ? 4 : 2,
    kvBytes: bytesPerElement(kvCache),
    notes,
  };
}

/**
 * The notes of `resolvePrecision` for the report: every fallback (fp8 weights on A100 → W8A16 weight-only,
 * fp4 before Blackwell → W4A16, …) with its reason. Throws the same UserError for impossible requests
 * (explicit activations the GPU has no tensor cores for).
 * @example precisionNotes(a100, { weights: 'fp8', kvCache: 'bf16' })
 * // ['NVIDIA A100 SXM4 80GB (a100-80gb) has no FP8 tensor cores: fp8 weights run weight-only (w8a16, …) at the bf16 peak, …']
 */
export function precisionNotes(gpu: GpuProfile, precision: PrecisionConfig, where = 'precision'): string[] {
  return resolvePrecision(gpu, precision, where).notes;
}
