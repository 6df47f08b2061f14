/**
 * Schemas of the files `servesim calibrate` writes:
 * - profiles/calibration/<gpu-id>.yaml — efficiency curves of the roofline fitted from microbenchmarks, with
 *   provenance and the held-out fit quality per op;
 * - profiles/tables/<gpu-id>/<model-id>.yaml — measured per-op timings for the `table` step-time model.
 *
 * Curves are knot lists {at, eff}, evaluated piecewise-linearly in (ln at, ln eff) and flat outside the knots
 * (see curve.ts). Pure (zod + yaml), no I/O.
 */
import { z } from 'zod';
import { messages } from '../errors/messages.ts';
import { formatKeyPath } from '../profiles/registry.ts';
import { parseGeneratedYaml } from './yaml-out.ts';

export const CALIBRATION_SCHEMA_VERSION = 1;
export const TABLE_SCHEMA_VERSION = 1;

const pos = z.number().finite().positive();
const nonneg = z.number().finite().nonnegative();

export const CurveSchema = z
  .strictObject({
    at: z.array(pos).min(1),
    eff: z.array(pos).min(1),
  })
  .superRefine((c, ctx) => {
    if (c.at.length !== c.eff.length) {
      ctx.addIssue({ code: 'custom', path: ['eff'], message: `has ${c.eff.length} values for ${c.at.length} knots` });
    }
    for (let i = 1; i < c.at.length; i++) {
      if (!(c.at[i]! > c.at[i - 1]!)) {
        ctx.addIssue({ code: 'custom', path: ['at', i], message: 'knots must be strictly increasing' });
        break;
      }
    }
  });

export const ProvenanceSchema = z.strictObject({
  /** What the data is and where it comes from (with licence). */
  source: z.string().min(1),
  licence: z.string().min(1),
  /** Data directory or file as given to the command (informational). */
  dataRoot: z.string().optional(),
  /** Input files, relative to dataRoot. */
  files: z.array(z.string()).default([]),
  createdAt: z.string().min(1),
  servesimVersion: z.string().min(1),
  /** Harness backend + version when made from harness results. */
  harnessVersion: z.string().optional(),
  device: z.string().optional(),
  command: z.string().optional(),
  notes: z.array(z.string()).default([]),
});

export const FitQualityRowSchema = z.strictObject({
  /** Op class (e.g. attn_pre_proj, all_reduce, cpu_overhead). */
  op: z.string().min(1),
  nTrain: z.number().int().nonnegative(),
  nTest: z.number().int().nonnegative(),
  /** Mean absolute percentage error of the predicted op time on the held-back points. */
  mapePct: nonneg,
  /** Largest absolute percentage error on the held-back points. */
  worstPct: nonneg,
  /** Signed error (predicted − measured) / measured of the worst point, in %. */
  worstSignedPct: z.number().finite(),
  /** Where the worst point is (e.g. "Llama-2-7b-hf tp1 tokens=136"). */
  worstAt: z.string(),
  /** Whether the roofline uses this curve through the EfficiencyModel interface today. */
  usedByRoofline: z.boolean(),
  /**
   * An op class of the roofline (counted in the headline median) rather than a per-kernel detail row (the
   * separate elementwise kernels, which the roofline models as one lumped term).
   */
  headline: z.boolean(),
});

export const GemmShapeSchema = z.strictObject({
  /** y[T×n] = x[T×k]·W[k×n], per TP rank. */
  k: z.number().int().positive(),
  n: z.number().int().positive(),
  /** Which measured ops had this shape. */
  from: z.array(z.string()).default([]),
  /** Compute efficiency (fraction of the dtype's dense tensor peak) vs tokens. */
  curve: CurveSchema,
});

export const AllReduceCurveSchema = z.strictObject({
  gpus: z.number().int().min(2),
  /** Per-hop latency, used as 2(n−1)·latencySec. */
  latencySec: nonneg,
  /** Fraction of the GPU profile's link bandwidth vs bytes per rank. */
  curve: CurveSchema,
});

export const CalibrationSchema = z.strictObject({
  schemaVersion: z.literal(CALIBRATION_SCHEMA_VERSION),
  /** GPU profile id (profiles/gpus/<gpu>.yaml). */
  gpu: z.string().min(1),
  /** Where the measurements come from. */
  kind: z.enum(['vidur', 'harness']),
  provenance: ProvenanceSchema,
  /** Spec-sheet peaks the efficiencies are fractions of (from the GPU profile at calibration time). */
  peaks: z.strictObject({
    gemmDtype: z.string().min(1),
    gemmFlopsPerSec: pos,
    attentionFlopsPerSec: pos,
    memoryBytesPerSec: pos,
    linkBytesPerSec: pos,
  }),
  /** How the curves were fitted (human-readable). */
  method: z.string().min(1),
  /** Fixed seconds per kernel. */
  launchOverheadSec: nonneg,
  gemm: z.strictObject({
    /** Input format of the measured GEMMs (efficiencies are relative to this format's peak). */
    dtype: z.string().min(1),
    /** Blend of compute time c and memory time m: 'max' (hard roofline) or a p-norm exponent. */
    blend: z.union([z.literal('max'), z.number().gte(1)]),
    shapes: z.array(GemmShapeSchema).min(1),
  }),
  /** Weight-streaming memory efficiency vs bytes moved by one kernel. */
  memory: CurveSchema,
  /**
   * Efficiency of the roofline's lumped elementwise term (norms, RoPE, activation, residual add of one layer)
   * vs its total bytes. Not read by the EfficiencyModel interface yet (see calibrated-efficiency.ts).
   */
  elementwise: CurveSchema,
  /** Per-op memory efficiency of the elementwise kernels vs that kernel's bytes (reporting, table model). */
  elementwiseOps: z.record(z.string(), CurveSchema).default({}),
  attention: z.strictObject({
    /** measured: fitted from an attention table of this GPU; transferred: copied from another calibration. */
    status: z.enum(['measured', 'transferred', 'default']),
    note: z.string().optional(),
    /** Fraction of the 16-bit tensor peak vs mean keys per query. */
    compute: CurveSchema,
    /** Fraction of memory bandwidth vs bytes of KV + Q/O moved. */
    memory: CurveSchema,
  }),
  interconnect: z.strictObject({
    status: z.enum(['measured', 'transferred', 'default']),
    note: z.string().optional(),
    allReduce: z.array(AllReduceCurveSchema).min(1),
    /** Point-to-point (pipeline hand-off) efficiency vs bytes; latency per transfer. */
    sendRecv: z.strictObject({ latencySec: nonneg, curve: CurveSchema }).optional(),
  }),
  cpuOverhead: z.strictObject({
    status: z.enum(['measured', 'transferred', 'default']),
    note: z.string().optional(),
    /** Pooled line over every measured engine: seconds = baseSec + perSeqSec × sequences. */
    baseSec: nonneg,
    perSeqSec: nonneg,
    /** Lines per tensor-parallel degree (the model uses the nearest TP). */
    byTp: z.array(z.strictObject({ tp: z.number().int().positive(), baseSec: nonneg, perSeqSec: nonneg })).default([]),
  }),
  fitQuality: z.strictObject({
    protocol: z.string().min(1),
    /** Median of mapePct over the headline rows (the roofline's op classes). */
    medianMapePct: nonneg,
    /** Median of mapePct over every row, detail rows included. */
    medianMapeAllRowsPct: nonneg,
    ops: z.array(FitQualityRowSchema),
  }),
});

export type Calibration = z.output<typeof CalibrationSchema>;
export type CalibrationInput = z.input<typeof CalibrationSchema>;
export type FitQualityRow = z.output<typeof FitQualityRowSchema>;
export type Provenance = z.output<typeof ProvenanceSchema>;

// ---------------------------------------------------------------------------------------------------------
// Table files

export const TABLE_OPS = [
  'emb', 'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm',
  'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add',
] as const;

const msArray = z.array(nonneg).min(1);

export const TableTpSchema = z
  .strictObject({
    tensor: z.number().int().positive(),
    /** Token counts (rows), strictly increasing. */
    tokens: z.array(z.number().int().positive()).min(1),
    /** Median milliseconds per op per token count, one TP rank (per layer; emb once per step). */
    ms: z.strictObject({
      emb: msArray,
      input_layernorm: msArray,
      attn_pre_proj: msArray,
      attn_rope: msArray,
      attn_post_proj: msArray,
      post_attention_layernorm: msArray.optional(),
      mlp_up_proj: msArray,
      mlp_act: msArray,
      mlp_down_proj: msArray,
      add: msArray,
    }),
  })
  .superRefine((t, ctx) => {
    for (let i = 1; i < t.tokens.length; i++) {
      if (!(t.tokens[i]! > t.tokens[i - 1]!)) {
        ctx.addIssue({ code: 'custom', path: ['tokens', i], message: 'token counts must be strictly increasing' });
        break;
      }
    }
    for (const [op, arr] of Object.entries(t.ms)) {
      if (arr !== undefined && arr.length !== t.tokens.length) {
        ctx.addIssue({ code: 'custom', path: ['ms', op], message: `has ${arr.length} values for ${t.tokens.length} token counts` });
      }
    }
  });

export const TableSchema = z.strictObject({
  schemaVersion: z.literal(TABLE_SCHEMA_VERSION),
  gpu: z.string().min(1),
  /** Model profile id this table was made for. */
  model: z.string().min(1),
  /** The measured architecture; a model profile may use the table when these match. */
  architecture: z.strictObject({
    hiddenSize: z.number().int().positive(),
    numHeads: z.number().int().positive(),
    numKvHeads: z.number().int().positive(),
    intermediateSize: z.number().int().positive(),
    gatedMlp: z.boolean(),
    vocabSize: z.number().int().positive(),
  }),
  dtype: z.string().min(1),
  provenance: ProvenanceSchema,
  statistic: z.literal('median'),
  unit: z.literal('ms'),
  tp: z.array(TableTpSchema).min(1),
});

export type TableFile = z.output<typeof TableSchema>;
export type TableTp = z.output<typeof TableTpSchema>;

// ---------------------------------------------------------------------------------------------------------

function validate<S extends z.ZodType>(schema: S, data: unknown, source: string, what: string): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw messages.fileSchemaIssues(source, what, r.error.issues.map((i) => ({ path: formatKeyPath(i.path), message: i.message })),
    'regenerate the file with servesim calibrate (see docs/calibration.md)');
}

/** Parses a calibration file (YAML or JSON text). */
export function parseCalibration(text: string, source: string): Calibration {
  return validate(CalibrationSchema, parseGeneratedYaml(text, source), source, 'calibration file');
}

/** Parses a table file (YAML or JSON text). */
export function parseTableFile(text: string, source: string): TableFile {
  return validate(TableSchema, parseGeneratedYaml(text, source), source, 'table file');
}
