/**
 * The engine layer of a step's time: what the serving engine adds around the GPU's forward pass.
 *
 *   gpu  = inner(batch′) ÷ gpuEfficiency        batch′ = a decode batch padded to the next CUDA-graph size
 *   cpu  = stepSec + perSeqSec × sequences + perTpWorkerSec × (TP − 1)
 *   step = max(gpu, cpu)   with overlap scheduling (vLLM async scheduling, SGLang / TRT-LLM overlap scheduler:
 *                          the CPU prepares step n+1 while the GPU runs step n)
 *        = gpu + cpu       without (vLLM V0, a synchronous engine)
 *
 * `inner` is the GPU-only step-time model (roofline or table, created without its CPU term). The wrapper keeps
 * the fused-decode fast path exact: `predictDecodeRun` applies the same arithmetic as `predict`, step by step.
 */
import type { BatchShape, StepCost, StepTimeModel } from '../perf/types.ts';
import { emptyBatch } from '../perf/types.ts';

export interface EngineStepOptions {
  stepSec: number;
  perSeqSec: number;
  perTpWorkerSec: number;
  gpuEfficiency: number;
  overlapScheduling: boolean;
  /** Ascending CUDA-graph batch sizes; decode-only batches up to the largest are padded. Empty: no padding. */
  cudaGraphSizes: readonly number[];
  tensor: number;
}

/** Smallest captured size ≥ n (a lookup table up to the largest size), or n beyond it. */
function padTable(sizes: readonly number[]): Int32Array {
  const max = sizes.length > 0 ? sizes[sizes.length - 1]! : 0;
  const t = new Int32Array(max + 1);
  let j = 0;
  for (let n = 1; n <= max; n++) {
    while (sizes[j]! < n) j++;
    t[n] = sizes[j]!;
  }
  return t;
}

export function createEngineStepModel(inner: StepTimeModel, o: EngineStepOptions): StepTimeModel {
  const pad = padTable(o.cudaGraphSizes);
  const maxGraph = pad.length - 1;
  const base = o.stepSec + o.perTpWorkerSec * (o.tensor - 1);
  const perSeq = o.perSeqSec;
  const invEff = 1 / o.gpuEfficiency;
  const overlap = o.overlapScheduling;
  const padded = emptyBatch();
  /** GPU durations of a fused run's steps (reused). */
  let gpuSteps = new Float64Array(64);

  /** The batch the GPU runs: a decode-only batch padded to its CUDA-graph size (same object when no padding). */
  function gpuBatch(b: BatchShape): BatchShape {
    const d = b.decodeSeqs;
    if (b.prefillTokens > 0 || d <= 0 || d > maxGraph || pad[d] === d) return b;
    const extra = pad[d]! - d;
    padded.prefillTokens = 0; padded.prefillSeqs = 0; padded.prefillAttnPairs = 0; padded.prefillKvTokens = 0;
    padded.decodeSeqs = d + extra;
    padded.decodeContextTokens = b.decodeContextTokens + extra; // a padded slot attends to one token
    padded.logitSeqs = b.logitSeqs + extra;
    return padded;
  }

  function combine(gpuSec: number, cpuSec: number, gpuScale: number): number {
    const g = gpuSec * invEff * gpuScale;
    return overlap ? (g > cpuSec ? g : cpuSec) : g + cpuSec;
  }

  let lastGpuSec = 0;
  let lastCpuSec = 0;

  function predict(b: BatchShape, cost?: StepCost, gpuScale = 1): number {
    const seqs = (b.prefillSeqs > 0 ? b.prefillSeqs : 0) + (b.decodeSeqs > 0 ? b.decodeSeqs : 0);
    const cpuSec = base + perSeq * seqs;
    const g = inner.predict(gpuBatch(b), cost);
    lastGpuSec = g;
    lastCpuSec = cpuSec;
    const sec = combine(g, cpuSec, gpuScale);
    if (cost !== undefined) {
      cost.seconds = sec;
      cost.computeBoundSec *= invEff * gpuScale;
      cost.commSec *= invEff * gpuScale;
      cost.overheadSec += overlap ? Math.max(0, cpuSec - g * invEff * gpuScale) : cpuSec;
    }
    return sec;
  }

  function predictDecodeRun(b: BatchShape, extra: number, ends: Float64Array, gpuScale = 1): void {
    const cpuSec = base + perSeq * b.decodeSeqs;
    const gb = gpuBatch(b);
    // Each step's GPU time exactly as inner.predict gives it (not differences of the inner model's cumulative
    // ends, which would not be bit-exact), so fused runs equal stepping bit for bit.
    const ctx0 = gb.decodeContextTokens;
    const bCtx0 = b.decodeContextTokens;
    const n = b.decodeSeqs;
    let t = ends[0]!;
    if (inner.predictDecodeSteps) {
      if (gpuSteps.length < extra + 1) gpuSteps = new Float64Array(Math.max(extra + 1, gpuSteps.length * 2));
      inner.predictDecodeSteps(gb, extra, gpuSteps, n);
      for (let k = 1; k <= extra; k++) {
        t += combine(gpuSteps[k]!, cpuSec, gpuScale);
        ends[k] = t;
      }
      return;
    }
    for (let k = 1; k <= extra; k++) {
      gb.decodeContextTokens = ctx0 + k * n;
      if (gb !== b) b.decodeContextTokens = bCtx0 + k * n;
      t += combine(inner.predict(gb), cpuSec, gpuScale);
      ends[k] = t;
    }
    gb.decodeContextTokens = ctx0;
    b.decodeContextTokens = bCtx0;
  }

  /** The last `predict`'s step at another GPU scale (equal to predicting it again with that scale). */
  function rescaleLast(gpuScale: number): number {
    return combine(lastGpuSec, lastCpuSec, gpuScale);
  }

  return { name: inner.name, predict, predictDecodeRun, rescaleLast, scalesGpu: true };
}
