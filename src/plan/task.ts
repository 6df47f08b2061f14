/**
 * One unit of work of `servesim plan`: evaluate one option of the space. Plain data, so that it can be posted
 * to a worker thread (see ./pool.ts and ./worker.ts) or run in process.
 */
import { parseScenarioSource } from '../scenario/parse.ts';
import { nodeResolveEnv } from '../cli/node-env.ts';
import { withLocations } from '../cli/errors.ts';
import { evaluateOption } from './evaluate.ts';
import type { OptionEvaluation, PlanSearchOptions } from './evaluate.ts';

export interface PlanTask {
  index: number;
  /** The scenario file's text and its path (data paths resolve against it). */
  scenarioText: string;
  scenarioFile: string;
  /** The user's `--set` overrides, then the option's. */
  overrides: string[];
  search: PlanSearchOptions;
}

export function runTask(t: PlanTask): OptionEvaluation {
  const { scenario, locate } = parseScenarioSource(t.scenarioText, t.scenarioFile, t.overrides);
  return withLocations(locate, () => evaluateOption(scenario, nodeResolveEnv(t.scenarioFile), t.search));
}
