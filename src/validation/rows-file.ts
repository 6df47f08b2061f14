/**
 * Schema of validation/rows.yaml: hand-written conditions of the measured rows (engine defaults with their
 * sources, model-name substitutions, cases of multi-measurement rows, skip reasons, mechanism texts).
 * Strict objects: a misspelt key is an error. Pure: parses text, no file access.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PRECISIONS } from '../perf/precision.ts';
import { SCHEDULERS } from '../engine/config.ts';
import { ENGINE_PRESETS, METRIC_IDS } from './types.ts';

const precision = z.enum(PRECISIONS);
const posInt = z.number().int().positive();
const budget = z.strictObject({ maxNumSeqs: posInt, maxBatchedTokens: posInt });

export const EnginePresetSchema = z.strictObject({
  label: z.string(),
  scheduler: z.enum(SCHEDULERS),
  large: budget.optional(),
  other: budget.optional(),
  maxNumSeqs: posInt.optional(),
  maxBatchedTokens: posInt.optional(),
  maxBatchedTokensFromMaxModelLen: z.boolean().optional(),
  longContext: z
    .strictObject({ aboveMaxModelLen: posInt, scheduler: z.enum(SCHEDULERS), maxBatchedTokens: posInt })
    .optional(),
  tuning: z.literal('trtllm-bench').optional(),
  kvFreeFraction: z.number().gt(0).max(1).optional(),
  gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
  blockSize: posInt,
  source: z.string(),
});
export type EnginePresetConfig = z.infer<typeof EnginePresetSchema>;

const MeasureSchema = z.strictObject({
  metric: z.enum(METRIC_IDS),
  /** A regular expression whose first group is the number, applied to the row's `value` text. */
  pattern: z.string(),
});

const ArrivalsYaml = z.union([
  z.literal('burst'),
  z.strictObject({ poisson: z.number().positive() }),
  z.strictObject({ closedLoop: posInt }),
]);

/** One measurement of a multi-measurement row (conditions that differ from the row's parsed ones). */
export const CaseYamlSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  skip: z.string().optional(),
  model: z.string().optional(),
  gpu: z.string().optional(),
  tensor: posInt.optional(),
  weights: precision.optional(),
  kvCache: precision.optional(),
  staticBatch: posInt.optional(),
  arrivals: ArrivalsYaml.optional(),
  lengths: z.strictObject({ input: posInt, output: posInt }).optional(),
  sharegpt: z.strictObject({ n: posInt, meanIn: z.number().positive(), meanOut: z.number().positive() }).optional(),
  requests: posInt.optional(),
  measure: z.array(MeasureSchema).optional(),
  notes: z.array(z.string()).optional(),
});
export type CaseYaml = z.infer<typeof CaseYamlSchema>;

export const MeasuredPublicRowSchema = z.strictObject({
  engine: z.enum(ENGINE_PRESETS).optional(),
  engineLabel: z.string().optional(),
  /** How the benchmark drove the engine: through its HTTP server (default for serve presets) or in process. */
  frontend: z.enum(['http', 'in-process']).optional(),
  kvCache: precision.optional(),
  /** KV-cache format when the row's precision is FP8 (TensorRT-LLM FP8 builds quantise the KV cache too). */
  kvCacheForFp8: precision.optional(),
  skip: z.string().optional(),
  notes: z.array(z.string()).optional(),
  mechanisms: z.array(z.string()).optional(),
  cases: z.array(CaseYamlSchema).optional(),
});
export type MeasuredPublicRowYaml = z.infer<typeof MeasuredPublicRowSchema>;

export const ModelAliasSchema = z.strictObject({
  id: z.string(),
  maxModelLen: posInt.optional(),
  weights: precision.optional(),
  note: z.string().optional(),
});
export type ModelAlias = z.infer<typeof ModelAliasSchema>;

export const GpuRuleSchema = z.strictObject({
  pattern: z.string(),
  id: z.string().optional(),
  unsupported: z.string().optional(),
  note: z.string().optional(),
});
export type GpuRule = z.infer<typeof GpuRuleSchema>;

export const GpustackFileSchema = z.strictObject({
  model: z.string().optional(),
  weights: precision.optional(),
  otherBaseline: z.string().optional(),
  otherOptimized: z.string().optional(),
  verified: z.string().optional(),
  skip: z.string().optional(),
});
export type GpustackFileYaml = z.infer<typeof GpustackFileSchema>;

export const RowsFileSchema = z.strictObject({
  version: z.literal(1),
  engines: z.record(z.enum(ENGINE_PRESETS), EnginePresetSchema),
  trtllmBenchRequests: z.record(z.string().regex(/^\d+\/\d+$/), posInt),
  models: z.record(z.string(), ModelAliasSchema),
  gpus: z.array(GpuRuleSchema),
  sharegpt: z.strictObject({
    file: z.string(),
    minTokens: posInt,
    maxPrompt: posInt,
    maxTotal: posInt,
    seed: z.string(),
  }),
  measuredPublic: z.record(z.string(), MeasuredPublicRowSchema),
  gpustack: z.strictObject({
    files: z.record(z.string(), GpustackFileSchema),
    flags: z.strictObject({
      ignore: z.array(z.string()),
      note: z.record(z.string(), z.string()),
      skip: z.record(z.string(), z.string()),
    }),
  }),
  mechanisms: z.record(z.string(), z.string()),
});
export type RowsFile = z.infer<typeof RowsFileSchema>;

/** Parses and validates the text of validation/rows.yaml. Throws an Error naming the bad key paths. */
export function parseRowsFile(text: string): RowsFile {
  const raw: unknown = parseYaml(text);
  const r = RowsFileSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`validation/rows.yaml is invalid:\n  ${issues.join('\n  ')}`);
  }
  const missing = ENGINE_PRESETS.filter((p) => r.data.engines[p] === undefined);
  if (missing.length > 0) throw new Error(`validation/rows.yaml: engines lacks ${missing.join(', ')}`);
  return r.data;
}
