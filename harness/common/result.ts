/**
 * Assembling the harness JSON (src/calibrate/harness-schema.ts, schemaVersion 1) from raw timing samples.
 * Pure: no GPU, file or process access.
 */
import {
  HARNESS_SCHEMA_VERSION, HarnessResultSchema,
  type AttentionPoint, type BandwidthPoint, type GemmPoint, type HarnessResult, type HarnessResultInput,
} from '../../src/calibrate/harness-schema.ts';
import { gemmTflops } from './flops.ts';
import { summarize } from './stats.ts';

/** The harness code's own version, written to `harness.version`. Bump when what is measured changes. */
export const HARNESS_VERSION = '0.1.0';

/** A GEMM point from per-launch seconds. `null` when a sample is not positive (timer too coarse). */
export function gemmPoint(
  dtype: GemmPoint['dtype'], m: number, n: number, k: number, samples: readonly number[], op?: string,
): GemmPoint | null {
  const s = summarize(samples);
  if (!(s.median > 0 && s.p10 > 0)) return null;
  const p: GemmPoint = {
    dtype, m, n, k, medianSec: s.median, p10Sec: s.p10, p90Sec: s.p90, repeats: s.n, tflops: gemmTflops(m, n, k, s.median),
  };
  if (op !== undefined) p.op = op;
  return p;
}

export function bandwidthPoint(
  kind: BandwidthPoint['kind'], bytes: number, samples: readonly number[], dtype?: string,
): BandwidthPoint | null {
  const s = summarize(samples);
  if (!(s.median > 0)) return null;
  const p: BandwidthPoint = { kind, bytes, medianSec: s.median, repeats: s.n, bytesPerSec: bytes / s.median };
  if (dtype !== undefined) p.dtype = dtype;
  return p;
}

export function attentionPoint(
  shape: Omit<AttentionPoint, 'medianSec' | 'repeats'>, samples: readonly number[],
): AttentionPoint | null {
  const s = summarize(samples);
  if (!(s.median > 0)) return null;
  return { ...shape, medianSec: s.median, repeats: s.n };
}

export type ResultParts = Omit<HarnessResultInput, 'schemaVersion' | 'createdAt'> & { createdAt?: string };

/**
 * Builds and validates the document. Throws with the zod issues when a part does not fit the schema, so a
 * harness never writes a file that `servesim calibrate` would reject.
 */
export function assembleResult(parts: ResultParts): HarnessResult {
  const doc = { schemaVersion: HARNESS_SCHEMA_VERSION, createdAt: parts.createdAt ?? new Date().toISOString(), ...parts };
  const r = HarnessResultSchema.safeParse(doc);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 10).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`harness result does not fit the schema: ${issues}`);
  }
  return r.data;
}
