/**
 * `servesim plan` and `servesim merge`: size every option of a search space (src/plan/), on worker threads,
 * with a progress bar on a terminal. Loaded by src/cli/main.ts only when one of them runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { messages } from '../../errors/messages.ts';
import { UserError } from '../../errors/user-error.ts';
import { readScenarioSource } from '../node-env.ts';
import { stableJson } from '../../report/json.ts';
import { parseSpace, parseShard, inShard } from '../../plan/space.ts';
import { runTasks } from '../../plan/pool.ts';
import type { PlanTask } from '../../plan/task.ts';
import { finalizePlan, mergeShards, shardDocument, toPlanOption } from '../../plan/plan.ts';
import type { PlanDocument, PlanHeader } from '../../plan/plan.ts';
import { formatPlanTable } from '../../plan/format.ts';
import type { PlanSearchOptions } from '../../plan/evaluate.ts';
import { startProgress } from '../progress.ts';
import type { Io } from '../io.ts';

export interface PlanFlags {
  space?: string;
  set: string[];
  maxReplicas: number;
  maxRejectionRate: number;
  maxRate?: boolean;
  fixedReplicas?: number;
  jobs?: number;
  shard?: string;
  json?: boolean;
  /** Progress bar: on a TTY, outside CI, without --json (decided by the caller; tests pass false). */
  progress?: boolean;
}

function readText(file: string, what: string): string {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw messages.fileNotFound(file, abs, what);
  if (statSync(abs).isDirectory()) throw messages.notAFile(file, what);
  return readFileSync(abs, 'utf8');
}

export interface PlanRun {
  header: PlanHeader;
  doc: PlanDocument;
}

/** Evaluates the plan (or one shard of it) and returns the document printed by `--json`. */
export async function computePlan(file: string, flags: PlanFlags): Promise<{ json: unknown; doc: PlanDocument | null }> {
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const scenarioText = readText(file, 'scenario');
  const { scenario } = readScenarioSource(file, flags.set); // validates the scenario and the --set overrides
  if (!scenario.slo) throw messages.capacityNeedsSlo();
  if (scenario.pools || scenario.disaggregation) throw messages.capacityOnePool(scenario.pools ? 'pools' : 'disaggregation');
  const spaceText = flags.space === undefined ? '{ replicas: [1] }' : readText(flags.space, 'space');
  const space = flags.space === undefined
    ? { keys: [], options: [{ index: 0, set: {}, overrides: [], id: '(scenario as given)' }] }
    : parseSpace(spaceText, flags.space);
  const search: PlanSearchOptions = {
    maxReplicas: flags.maxReplicas, maxRejectionRate: flags.maxRejectionRate, maxRate: !!flags.maxRate,
    ...(flags.fixedReplicas === undefined ? {} : { fixedReplicas: flags.fixedReplicas }),
  };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ scenarioText, spaceText: flags.space === undefined ? null : spaceText, set: flags.set, search }))
    .digest('hex');
  const header: PlanHeader = {
    scenario: scenario.name, model: scenario.model, fingerprint, space: { keys: space.keys, size: space.options.length }, search,
    slo: scenario.slo as Record<string, unknown>,
  };
  const mine = space.options.filter((o) => inShard(o.index, shard));
  const tasks: PlanTask[] = mine.map((o) => ({
    index: o.index, scenarioText, scenarioFile: path.resolve(file), overrides: [...flags.set, ...o.overrides], search,
  }));
  const jobs = Math.max(1, flags.jobs ?? availableParallelism());
  const bar = flags.progress ? startProgress(tasks.length, 'options') : null;
  let evals;
  try {
    evals = await runTasks(tasks, jobs, (done) => bar?.update(done));
  } finally {
    bar?.stop();
  }
  const options = mine.map((o, i) => toPlanOption(o, evals[i]));
  if (shard) return { json: shardDocument(header, shard, options), doc: null };
  const doc = finalizePlan(header, options);
  return { json: doc, doc };
}

export async function planCommand(io: Io, file: string, flags: PlanFlags): Promise<number> {
  const { json, doc } = await computePlan(file, flags);
  if (flags.json || doc === null) io.out(stableJson(json));
  else io.out(formatPlanTable(doc));
  if (doc === null) return 0; // a shard: the verdict comes from the merge
  return doc.best === null ? 1 : 0;
}

export function mergeCommand(io: Io, files: string[], opts: { json?: boolean }): number {
  if (files.length === 0) throw new UserError('merge needs the shard files to merge', { code: 'missing-argument', fix: 'servesim merge shard-1.json shard-2.json …' });
  const docs = files.map((file) => {
    const text = readText(file, 'shard');
    try {
      return { file, doc: JSON.parse(text) as unknown };
    } catch (e) {
      throw new UserError(`${file} is not JSON: ${(e as Error).message}`, { where: file, code: 'json-syntax', fix: 'pass the --json output of `servesim plan --shard i/n`' });
    }
  });
  const doc = mergeShards(docs);
  io.out(opts.json ? stableJson(doc) : formatPlanTable(doc));
  return doc.best === null ? 1 : 0;
}
