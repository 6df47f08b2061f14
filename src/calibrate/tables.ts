/**
 * Derives the `table` step-time model's files (profiles/tables/<gpu>/<model>.yaml) from Vidur compute tables:
 * median milliseconds per op per token count per TP degree, with provenance. Pure.
 */
import { UserError } from '../errors/user-error.ts';
import type { ModelProfile } from '../profiles/schema.ts';
import { TABLE_SCHEMA_VERSION, type Provenance, type TableFile } from './calibration-schema.ts';
import { modelLabel, VIDUR_DTYPE, VIDUR_LICENCE, VIDUR_SOURCE, type CalibrateMeta } from './calibrate.ts';
import type { VidurComputeTable } from './vidur.ts';

/**
 * Vidur models whose servesim profile has the identical architecture. Meta-Llama-3 → Llama 3.1: the 3.1
 * release changed the RoPE frequency scaling and the context length, not the layer shapes or vocabulary, so
 * the per-op timings carry over (the RoPE kernel's cost does not depend on the frequencies).
 */
export const VIDUR_TABLE_MODELS: Readonly<Record<string, { id: string; note?: string }>> = {
  'meta-llama/Llama-2-7b-hf': { id: 'llama-2-7b' },
  'meta-llama/Llama-2-70b-hf': { id: 'llama-2-70b' },
  'meta-llama/Meta-Llama-3-8B': {
    id: 'llama-3.1-8b',
    note: 'measured on Meta-Llama-3-8B, whose layers are identical to Llama-3.1-8B (hidden 4096, 32 heads, 8 KV heads, FFN 14336, vocab 128256); 3.1 differs only in RoPE scaling and context length',
  },
  'meta-llama/Meta-Llama-3-70B': {
    id: 'llama-3.1-70b',
    note: 'measured on Meta-Llama-3-70B, whose layers are identical to Llama-3.1-70B (hidden 8192, 64 heads, 8 KV heads, FFN 28672, vocab 128256); 3.1 differs only in RoPE scaling and context length',
  },
};

function r4(v: number): number {
  return Number(v.toFixed(4));
}

/** Checks a Vidur table against a model profile's layer architecture; returns notes, throws on a mismatch. */
export function checkTableModel(t: VidurComputeTable, model: ModelProfile): string[] {
  const a = t.arch;
  const bad: string[] = [];
  if (a.hiddenSize !== model.hiddenSize) bad.push('hidden');
  if (a.numHeads !== model.numHeads) bad.push('heads');
  if (a.numKvHeads !== model.numKvHeads) bad.push('KV heads');
  if (a.intermediateSize !== model.intermediateSize) bad.push('FFN');
  if (a.gatedMlp !== model.gatedMlp) bad.push('gated MLP');
  if (bad.length > 0) {
    throw new UserError(`${t.source} does not match model profile ${model.id} (${bad.join(', ')} differ)`, {
      where: t.source, fix: 'map the table to the model profile with the same architecture',
    });
  }
  const notes: string[] = [];
  if (a.vocabSize !== model.vocabSize) {
    notes.push(`the table lists vocab_size ${a.vocabSize} (Vidur's padded value) vs ${model.vocabSize} in the profile; the tabulated ops do not depend on it (the LM head is modelled by the roofline)`);
  }
  return notes;
}

export function buildTableFile(t: VidurComputeTable, gpuId: string, model: ModelProfile, meta: CalibrateMeta, extraNotes: string[] = []): TableFile {
  const notes = [...extraNotes, ...checkTableModel(t, model)];
  const provenance: Provenance = {
    source: VIDUR_SOURCE, licence: VIDUR_LICENCE, ...(meta.dataRoot ? { dataRoot: meta.dataRoot } : {}), files: [t.source],
    createdAt: meta.createdAt, servesimVersion: meta.servesimVersion, ...(meta.command ? { command: meta.command } : {}),
    notes: [
      `${modelLabel(t.source)} per-op GPU times per tensor-parallel worker (all-reduce excluded), median over repeats; duplicate rows merged by their median`,
      ...notes,
    ],
  };
  const tp = t.byTp
    .filter((x) => model.numHeads % x.tp === 0 && model.intermediateSize % x.tp === 0)
    .map((x) => {
      const ms = {} as TableFile['tp'][number]['ms'];
      for (const op of t.ops) (ms as Record<string, number[]>)[op] = x.ms[op]!.map(r4);
      for (const op of ['emb', 'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add'] as const) {
        if (ms[op] === undefined) throw new UserError(`${t.source} lacks op ${op}`, { where: t.source, fix: 'a table needs every per-layer op' });
      }
      return { tensor: x.tp, tokens: [...x.tokens], ms };
    });
  return {
    schemaVersion: TABLE_SCHEMA_VERSION, gpu: gpuId, model: model.id,
    architecture: {
      hiddenSize: t.arch.hiddenSize, numHeads: t.arch.numHeads, numKvHeads: t.arch.numKvHeads,
      intermediateSize: t.arch.intermediateSize, gatedMlp: t.arch.gatedMlp, vocabSize: t.arch.vocabSize,
    },
    dtype: VIDUR_DTYPE, provenance, statistic: 'median', unit: 'ms', tp,
  };
}
