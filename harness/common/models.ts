/**
 * Transformer shapes the harnesses sweep. The numbers mirror profiles/models/*.yaml (a test checks that they
 * agree) but live here so that the CUDA harness (harness/cuda/src/plan.cpp holds the same table) and the
 * WebGPU harness need nothing from the simulator to run.
 */
export interface HarnessModel {
  name: string;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** MLP intermediate size (per expert for MoE; the harness treats every model as dense). */
  ffn: number;
  /** SwiGLU-style gate+up fused projection (2·ffn outputs) when true. */
  gatedMlp: boolean;
}

export const HARNESS_MODELS: Record<string, HarnessModel> = {
  'llama-3.1-8b': { name: 'llama-3.1-8b', hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, gatedMlp: true },
  'llama-3.1-70b': { name: 'llama-3.1-70b', hidden: 8192, heads: 64, kvHeads: 8, headDim: 128, ffn: 28672, gatedMlp: true },
};

/**
 * Parses a model given on the command line: a preset name, or
 * `name:hidden:heads:kvHeads:headDim:ffn[:gated|:plain]` for any other dense transformer.
 */
export function parseModelSpec(spec: string): HarnessModel {
  const preset = HARNESS_MODELS[spec];
  if (preset !== undefined) return { ...preset };
  const parts = spec.split(':');
  if (parts.length < 6 || parts.length > 7) {
    throw new Error(
      `unknown model "${spec}": use one of ${Object.keys(HARNESS_MODELS).join(', ')} ` +
        'or name:hidden:heads:kvHeads:headDim:ffn[:gated|:plain]',
    );
  }
  const [name, ...rest] = parts;
  const nums = rest.slice(0, 5).map((s) => Number(s));
  if (nums.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`model "${spec}": sizes must be positive integers`);
  const gatedFlag = parts[6] ?? 'gated';
  if (gatedFlag !== 'gated' && gatedFlag !== 'plain') throw new Error(`model "${spec}": last field must be gated or plain`);
  const [hidden, heads, kvHeads, headDim, ffn] = nums as [number, number, number, number, number];
  if (heads % kvHeads !== 0) throw new Error(`model "${spec}": heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
  return { name: name!, hidden, heads, kvHeads, headDim, ffn, gatedMlp: gatedFlag === 'gated' };
}

/** One linear layer as one tensor-parallel rank holds it: y[tokens × n] = x[tokens × k] · Wᵀ, W is n × k. */
export interface LinearOp {
  /** qkv | o | gateUp | down — the names src/perf/model-math.ts uses. */
  name: 'qkv' | 'o' | 'gateUp' | 'down';
  n: number;
  k: number;
}

/**
 * The four linear layers of one decoder layer on one TP rank (Megatron split: QKV and gate/up by columns,
 * O and down by rows; K/V heads replicated when TP exceeds the KV head count, as vLLM does).
 */
export function linearOps(model: HarnessModel, tp: number): LinearOp[] {
  if (!Number.isInteger(tp) || tp < 1) throw new Error(`tp must be a positive integer, got ${tp}`);
  if (model.heads % tp !== 0) throw new Error(`${model.name}: heads (${model.heads}) not divisible by tp ${tp}`);
  if (model.ffn % tp !== 0) throw new Error(`${model.name}: ffn (${model.ffn}) not divisible by tp ${tp}`);
  if (model.kvHeads % tp !== 0 && tp % model.kvHeads !== 0) {
    throw new Error(`${model.name}: kvHeads (${model.kvHeads}) and tp ${tp} do not divide one another`);
  }
  const headsPerRank = model.heads / tp;
  const kvPerRank = Math.max(1, model.kvHeads / tp);
  const g = model.gatedMlp ? 2 : 1;
  return [
    { name: 'qkv', n: (headsPerRank + 2 * kvPerRank) * model.headDim, k: model.hidden },
    { name: 'o', n: model.hidden, k: headsPerRank * model.headDim },
    { name: 'gateUp', n: (g * model.ffn) / tp, k: model.hidden },
    { name: 'down', n: model.hidden, k: model.ffn / tp },
  ];
}
