/**
 * `servesim plan`: every option of a search space sized (./evaluate.ts), then ranked, with the best option and
 * the Pareto frontier of cost against p99 TTFT. A run over a shard (`--shard i/n`) writes the evaluated
 * options of that shard and a fingerprint of the inputs; `servesim merge` checks the shards fit together and
 * produces, through the same {@link finalizePlan}, the bytes a single-machine run prints.
 */
import type { OptionEvaluation, PlanSearchOptions } from './evaluate.ts';
import type { SpaceOption } from './space.ts';
import { UserError } from '../errors/user-error.ts';

export interface PlanOption extends OptionEvaluation {
  /** Position in the space (file order, last key fastest). */
  index: number;
  /** The option's label, e.g. `gpu=h200 parallelism.tensor=2`. */
  id: string;
  /** The space's key paths and this option's values. */
  set: Record<string, unknown>;
}

/** What every shard of one plan shares; merge refuses shards whose headers differ. */
export interface PlanHeader {
  scenario: string;
  model: string;
  /** SHA-256 of the scenario text, the space text, the --set overrides and the search flags. */
  fingerprint: string;
  space: { keys: string[]; size: number };
  search: PlanSearchOptions;
  slo: Record<string, unknown>;
}

export interface PlanDocument extends PlanHeader {
  /** Ranked: options meeting the SLO by cost per million tokens (then GPUs, then space order), then those that
   * cannot meet it, then pruned ones, each in space order. */
  options: PlanOption[];
  /** id of the cheapest option that meets every objective, null when none does. */
  best: string | null;
  /** ids of the options on the Pareto frontier of cost per million tokens vs p99 TTFT, cheapest first. */
  pareto: string[];
}

export interface PlanShardDocument extends PlanHeader {
  kind: 'servesim-plan-shard';
  shard: { index: number; count: number };
  /** This shard's options, in space order. */
  options: PlanOption[];
}

export function toPlanOption(o: SpaceOption, e: OptionEvaluation): PlanOption {
  return { index: o.index, id: o.id, set: o.set, ...e };
}

function group(o: PlanOption): number {
  return o.meetsSlo ? 0 : o.pruned ? 2 : 1;
}

export function rankOptions(options: readonly PlanOption[]): PlanOption[] {
  return [...options].sort((a, b) => {
    const g = group(a) - group(b);
    if (g !== 0) return g;
    if (a.meetsSlo) {
      const c = (a.costUsdPerMillionTokens ?? Infinity) - (b.costUsdPerMillionTokens ?? Infinity);
      if (c !== 0) return c;
      const n = (a.gpus ?? Infinity) - (b.gpus ?? Infinity);
      if (n !== 0) return n;
    }
    return a.index - b.index;
  });
}

/** Options meeting the SLO that no other one beats on both cost and p99 TTFT (ties: the earlier in rank order). */
export function paretoFrontier(ranked: readonly PlanOption[]): PlanOption[] {
  const out: PlanOption[] = [];
  let bestTtft = Infinity;
  for (const o of ranked) {
    if (!o.meetsSlo) continue;
    const t = o.latencyMs?.ttft ?? Infinity;
    if (t < bestTtft) {
      out.push(o);
      bestTtft = t;
    }
  }
  return out;
}

export function finalizePlan(header: PlanHeader, options: readonly PlanOption[]): PlanDocument {
  const ranked = rankOptions(options);
  const best = ranked.find((o) => o.meetsSlo);
  return {
    scenario: header.scenario, model: header.model, fingerprint: header.fingerprint, space: header.space,
    search: header.search, slo: header.slo,
    options: ranked,
    best: best ? best.id : null,
    pareto: paretoFrontier(ranked).map((o) => o.id),
  };
}

export function shardDocument(header: PlanHeader, shard: { index: number; count: number }, options: readonly PlanOption[]): PlanShardDocument {
  return { kind: 'servesim-plan-shard', ...header, shard, options: [...options].sort((a, b) => a.index - b.index) };
}

const headerKey = (d: PlanHeader): string => JSON.stringify([d.scenario, d.model, d.fingerprint, d.space, d.search, d.slo]);

/** Checks that `docs` are the n distinct shards of one plan and combines them into the single-run document. */
export function mergeShards(docs: readonly { file: string; doc: unknown }[]): PlanDocument {
  const bad = (file: string, message: string, fix: string) => new UserError(message, { where: file, code: 'bad-shard', fix });
  const shards: PlanShardDocument[] = [];
  for (const { file, doc } of docs) {
    const d = doc as Partial<PlanShardDocument> | null;
    if (!d || typeof d !== 'object' || d.kind !== 'servesim-plan-shard' || !Array.isArray(d.options) || !d.shard || !d.space) {
      throw bad(file, `${file} is not the --json output of \`servesim plan --shard i/n\``, 'pass the files written by `servesim plan … --shard i/n --json`');
    }
    shards.push(d as PlanShardDocument);
  }
  if (shards.length === 0) throw new UserError('merge needs at least one shard file', { code: 'bad-shard', fix: 'servesim merge shard-1.json shard-2.json …' });
  const first = shards[0];
  const count = first.shard.count;
  const seen = new Map<number, string>();
  for (let i = 0; i < shards.length; i++) {
    const s = shards[i];
    const file = docs[i].file;
    if (headerKey(s) !== headerKey(first)) {
      throw bad(file, `${file} comes from a different plan than ${docs[0].file} (scenario, space, overrides or flags differ)`, 'merge only the shards of one plan run with the same inputs');
    }
    if (s.shard.count !== count) throw bad(file, `${file} is shard ${s.shard.index}/${s.shard.count} but ${docs[0].file} is one of ${count}`, 'merge shards of the same --shard i/n split');
    if (seen.has(s.shard.index)) throw bad(file, `shard ${s.shard.index}/${count} is given twice (${seen.get(s.shard.index)} and ${file})`, 'pass each shard once');
    seen.set(s.shard.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new UserError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`, { code: 'bad-shard', fix: 'pass the output of every shard' });
  }
  const options = shards.flatMap((s) => s.options);
  const idx = new Set(options.map((o) => o.index));
  if (idx.size !== options.length || options.length !== first.space.size) {
    throw new UserError(`the shards hold ${options.length} options (${idx.size} distinct) but the space has ${first.space.size}`, { code: 'bad-shard', fix: 'rerun the shards with the same inputs' });
  }
  const { kind: _k, shard: _s, options: _o, ...header } = first;
  return finalizePlan(header, options);
}
