/**
 * Reader for the microbenchmark harness's JSON (schema in harness-schema.ts, documented in docs/harness.md).
 * Pure: takes the file text. Invalid JSON or a schema violation → UserError naming the file and key path.
 */
import { UserError } from '../errors/user-error.ts';
import { messages } from '../errors/messages.ts';
import { formatKeyPath } from '../profiles/registry.ts';
import { HARNESS_SCHEMA_VERSION, HarnessResultSchema, type HarnessResult } from './harness-schema.ts';

export function parseHarnessResult(text: string, source: string): HarnessResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    throw messages.invalidJson(source, msg, 'give the JSON file the harness wrote (harness/cuda or harness/webgpu)');
  }
  if (data !== null && typeof data === 'object' && 'schemaVersion' in data) {
    const v = (data as { schemaVersion: unknown }).schemaVersion;
    if (v !== HARNESS_SCHEMA_VERSION) {
      throw messages.calibrateInput(`${source} schemaVersion`, `harness schemaVersion ${JSON.stringify(v)} is not supported (this servesim reads version ${HARNESS_SCHEMA_VERSION})`,
        'rerun the harness shipped with this servesim version', 'unsupported');
    }
  }
  const r = HarnessResultSchema.safeParse(data);
  if (r.success) return r.data;
  throw messages.fileSchemaIssues(source, 'harness result', r.error.issues.map((i) => ({ path: formatKeyPath(i.path), message: i.message })),
    'the file must follow the harness JSON schema (src/calibrate/harness-schema.ts, docs/harness.md)');
}
