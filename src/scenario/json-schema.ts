import { z } from 'zod';
import { ScenarioSchema } from './schema.ts';

/** JSON Schema (draft 2020-12) of scenario files, generated from the zod source of truth. */
export function scenarioJsonSchema(): unknown {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'servesim scenario', $id: 'https://servesim.dev/scenario.schema.json' };
}
