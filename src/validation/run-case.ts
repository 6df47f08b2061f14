/**
 * One validation case → scenario object → ScenarioSchema → resolveScenario → runScenario → comparisons.
 * Environment-free: profiles and files come through a ResolveEnv (the Node runner passes one whose data
 * paths point at ../shared/data and which serves the generated ShareGPT length files from memory).
 */
import { isUserError } from '../errors/user-error.ts';
import type { GpuProfile, ModelProfile } from '../profiles/schema.ts';
import type { KvCapacity } from '../memory/capacity.ts';
import type { ResolveEnv, ResolvedScenario } from '../scenario/resolve.ts';
import { resolveScenario } from '../scenario/resolve.ts';
import { runScenario } from '../scenario/run.ts';
import { ScenarioSchema } from '../scenario/schema.ts';
import type { ScenarioInput } from '../scenario/schema.ts';
import { compare, predictedValue } from './compare.ts';
import { engineSettings } from './engines.ts';
import type { EngineSettings } from './engines.ts';
import { deriveMechanisms } from './mechanisms.ts';
import type { RowsFile } from './rows-file.ts';
import { sampleShareGpt, sampleToSplitwiseCsv } from './sharegpt.ts';
import type { LengthPair } from './sharegpt.ts';
import type { CaseResult, SkippedRow, ValidationCase } from './types.ts';

/** A case that could not be run, with a category for the tallies. */
export class CaseSkip extends Error {
  constructor(readonly category: string, message: string) {
    super(message);
    this.name = 'CaseSkip';
  }
}

export interface CaseContext {
  rows: RowsFile;
  env: ResolveEnv;
  /** Pairs of sharegpt-8k-lengths.csv (loaded once by the caller). */
  sharegptPairs: () => readonly LengthPair[];
  /** In-memory files (generated ShareGPT samples), keyed by their `virtual:` path; filled on demand. */
  virtualFiles: Map<string, string>;
  /** Perf model to ask for (default: the scenario default). */
  perfModel?: string;
  /** Engine keys merged over every case's engine block (the host-cost fit sweeps `overheads` this way). */
  engineOverride?: Partial<NonNullable<ScenarioInput['engine']>>;
}

export const VIRTUAL_PREFIX = 'virtual:';

function loadProfiles(c: ValidationCase, env: ResolveEnv): { gpu: GpuProfile; model: ModelProfile } {
  const load = <T>(fn: () => T, what: string, id: string): T => {
    try {
      return fn();
    } catch (e) {
      if (isUserError(e) && /unknown (GPU|model) profile/.test(e.message)) throw new CaseSkip('missing profile', `missing profile ${what} ${id}`);
      throw e;
    }
  };
  return { gpu: load(() => env.loadGpu(c.spec.gpu), 'gpus/', c.spec.gpu), model: load(() => env.loadModel(c.spec.model), 'models/', c.spec.model) };
}

/** The scenario (as a user would write it) for a case. */
export function buildScenarioInput(c: ValidationCase, eng: EngineSettings, ctx: CaseContext): { input: ScenarioInput; notes: string[] } {
  const s = c.spec;
  const notes: string[] = [];
  const arrivals = s.arrivals.kind === 'burst' ? { kind: 'burst' as const }
    : s.arrivals.kind === 'closed-loop' ? { kind: 'closed-loop' as const, concurrency: s.arrivals.concurrency, thinkTimeMs: 0 }
      : { kind: 'poisson' as const, ratePerSec: s.arrivals.ratePerSec };
  let workload: ScenarioInput['workload'];
  if (s.lengths.kind === 'fixed') {
    workload = {
      arrivals,
      lengths: { input: { kind: 'fixed', value: s.lengths.input }, output: { kind: 'fixed', value: s.lengths.output } },
      requests: s.requests,
    };
  } else {
    const l = s.lengths;
    const path = `${VIRTUAL_PREFIX}sharegpt-n${l.n}-in${l.inTotal ?? `m${l.meanIn}`}-out${l.outTotal ?? `m${l.meanOut}`}.csv`;
    const sample = sampleShareGpt(ctx.sharegptPairs(), ctx.rows.sharegpt, l);
    if (!ctx.virtualFiles.has(path)) ctx.virtualFiles.set(path, sampleToSplitwiseCsv(sample));
    notes.push(sample.description);
    workload = { arrivals, trace: { path, format: 'splitwise' }, requests: s.requests };
  }
  const input: ScenarioInput = {
    name: `validate ${c.key}`,
    seed: 42,
    model: s.model,
    gpu: s.gpu,
    precision: { weights: s.weights, ...(s.kvCache ? { kvCache: s.kvCache } : {}) },
    parallelism: { tensor: s.tensor, pipeline: s.pipeline },
    replicas: 1,
    engine: ctx.engineOverride ? { ...eng.engine, ...ctx.engineOverride } : eng.engine,
    workload,
    ...(ctx.perfModel ? { perfModel: ctx.perfModel as 'roofline' } : {}),
  };
  return { input, notes };
}

function resolveInput(input: ScenarioInput, env: ResolveEnv): ResolvedScenario {
  const parsed = ScenarioSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CaseSkip('scenario invalid', `${issue.path.join('.')}: ${issue.message}`);
  }
  try {
    return resolveScenario(parsed.data, env);
  } catch (e) {
    if (isUserError(e)) {
      const cat = /tensor cores|precision/i.test(e.message) ? 'precision not supported'
        : /does not fit/i.test(e.message) ? 'does not fit' : 'resolve error';
      throw new CaseSkip(cat, e.message);
    }
    throw e;
  }
}

/** Builds, validates, resolves and runs one case. Throws CaseSkip when it cannot be run. */
export function runCase(c: ValidationCase, ctx: CaseContext): { result: CaseResult; scenario: ScenarioInput } {
  const { gpu, model } = loadProfiles(c, ctx.env);
  const eng = engineSettings(c.spec, ctx.rows.engines[c.spec.engine]!, gpu, model);
  const built = buildScenarioInput(c, eng, ctx);
  const resolved = resolveInput(built.input, ctx.env);
  const extraNotes: string[] = [];
  const { report } = runScenario(resolved);
  if (report.requests.completed === 0) {
    const why = Object.entries(report.requests.rejectedByReason).map(([k, v]) => `${v} ${k}`).join(', ') || 'none completed';
    throw new CaseSkip('simulation completed no request', `all ${c.spec.requests} requests rejected by the simulator (${why}); KV cache ${capacityOf(resolved).capacityTokens} tokens`);
  }
  const comparisons = compare(c.spec.measured, (m) => predictedValue(report, m));
  const notes = [...c.notes, ...eng.notes, ...extraNotes, ...built.notes, ...resolved.notes];
  if (report.requests.completed < c.spec.requests) {
    notes.push(`only ${report.requests.completed} of ${c.spec.requests} requests completed (rejected ${report.requests.rejected})`);
  }
  if (report.requests.preemptions > 0) notes.push(`${report.requests.preemptions} preemptions in the simulation`);
  if (c.spec.engine === 'trt-static' && c.spec.flags.staticBatch !== undefined) {
    const need = c.spec.flags.staticBatch * (c.spec.lengths.kind === 'fixed' ? c.spec.lengths.input + c.spec.lengths.output : 0);
    if (need > capacityOf(resolved).capacityTokens) {
      notes.push(`the simulated KV cache (${capacityOf(resolved).capacityTokens} tokens) holds less than the static batch needs (${need}): it runs in several batches`);
    }
  }
  const mechanisms = deriveMechanisms(c, { isMoe: model.moe !== undefined, kvCapacityTokens: capacityOf(resolved).capacityTokens, maxNumSeqs: eng.maxNumSeqs ?? resolved.engine.maxNumSeqs });
  const s = c.spec;
  const result: CaseResult = {
    key: c.key, rowKey: c.rowKey, source: c.source, citation: c.citation,
    ...(c.trust ? { trust: c.trust } : {}),
    conditions: c.conditions,
    tags: { engine: s.engine, gpu: s.gpu, model: s.model, precision: s.weights, tp: s.tensor, load: loadKind(c) },
    notes, mechanisms, comparisons,
    facts: {
      kvCapacityTokens: capacityOf(resolved).capacityTokens,
      simulatedSec: report.simulatedSec,
      preemptions: report.requests.preemptions,
      completed: report.requests.completed,
      requests: s.requests,
    },
  };
  return { result, scenario: built.input };
}

/** What kind of benchmark a case is (for the breakdowns). */
export function loadKind(c: ValidationCase): string {
  const s = c.spec;
  if (s.engine === 'trt-static') return 'static batch (gptSessionBenchmark)';
  if (s.engine === 'trtllm-bench') return 'offline max-throughput (trtllm-bench)';
  if (s.arrivals.kind === 'closed-loop') return 'server, fixed concurrency';
  if (s.arrivals.kind === 'poisson') return 'server, Poisson arrivals';
  if (s.requests <= 8) return 'fixed batch latency';
  return 'server, all requests at t=0';
}

/** The KV capacity of the (single) replica pool of a validation scenario. */
export function capacityOf(r: ResolvedScenario): KvCapacity {
  const pool = r.pools[0];
  if (pool === undefined) throw new Error('resolved scenario has no replica pool');
  return pool.capacity;
}

/** Runs a case, turning a CaseSkip into a SkippedRow. */
export function tryRunCase(c: ValidationCase, ctx: CaseContext): { result?: CaseResult; scenario?: ScenarioInput; skipped?: SkippedRow } {
  try {
    return runCase(c, ctx);
  } catch (e) {
    if (e instanceof CaseSkip) return { skipped: { key: c.key, source: c.source, category: e.category, reason: e.message, conditions: c.conditions } };
    throw e;
  }
}
