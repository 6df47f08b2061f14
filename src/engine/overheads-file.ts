/**
 * `engine.overheads` — host-side costs of an engine (see src/engine/kinds.ts), inline in a scenario or in a
 * YAML file such as `servesim calibrate --bench` writes. A file holds the keys at its top level, or under
 * `overheads:` next to other keys (the fit's provenance and errors), which are ignored here.
 */
import { z } from 'zod';
import YAML from 'yaml';
import { UserError } from '../errors/user-error.ts';

const nonNegative = z.number().nonnegative();

export const OverheadsSchema = z.strictObject({
  stepSec: nonNegative.optional().describe('CPU time per engine step on the critical path: scheduling, input preparation, sampling launch (s)'),
  perSeqSec: nonNegative.optional().describe('CPU time per sequence in a step (s)'),
  perTpWorkerSec: nonNegative.optional().describe('CPU time per extra tensor-parallel worker per step (s)'),
  frontendRequestSec: nonNegative.optional().describe('API-server time per request: HTTP handling and request set-up (s)'),
  frontendInputTokenSec: nonNegative.optional().describe('API-server tokenisation time per input token (s)'),
  frontendOutputTokenSec: nonNegative.optional().describe('API-server detokenisation + streaming time per output token (s)'),
  gpuEfficiency: z.number().positive().max(10).optional().describe('Multiplies GPU throughput (GPU time ÷ gpuEfficiency); 1 = calibrated kernels'),
}).describe('Host-side costs of the engine (defaults from engine.kind; fit them with servesim calibrate --bench)');

export type OverheadsInput = z.output<typeof OverheadsSchema>;

/** Parses an overheads file's text. `file` names it in errors. */
export function parseOverheadsText(text: string, file: string): OverheadsInput {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new UserError(`${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`, {
      where: 'engine.overheads', fix: 'write the file with servesim calibrate --bench, or as YAML keys stepSec, perSeqSec, …',
    });
  }
  const body = doc !== null && typeof doc === 'object' && 'overheads' in doc ? (doc as { overheads: unknown }).overheads : doc;
  const r = OverheadsSchema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = i.path.length > 0 ? i.path.join('.') : '(top level)';
    throw new UserError(`${file}: ${key}: ${i.message}`, {
      where: 'engine.overheads',
      fix: `valid keys: ${Object.keys(OverheadsSchema.shape).join(', ')} (seconds, ≥ 0; gpuEfficiency > 0)`,
    });
  }
  return r.data;
}
