/**
 * Reader for the microbenchmark harness's JSON (schema in harness-schema.ts, documented in docs/harness.md).
 * Pure: takes the file text. Invalid JSON or a schema violation → UserError naming the file and key path.
 */
import { UserError } from '../errors/user-error.ts';
import { formatKeyPath } from '../profiles/registry.ts';
import { HARNESS_SCHEMA_VERSION, HarnessResultSchema, type HarnessResult } from './harness-schema.ts';

export function parseHarnessResult(text: string, source: string): HarnessResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    throw new UserError(`invalid JSON: ${msg}`, { where: source, fix: 'give the JSON file the harness wrote (harness/cuda or harness/webgpu)' });
  }
  if (data !== null && typeof data === 'object' && 'schemaVersion' in data) {
    const v = (data as { schemaVersion: unknown }).schemaVersion;
    if (v !== HARNESS_SCHEMA_VERSION) {
      throw new UserError(`harness schemaVersion ${JSON.stringify(v)} is not supported (this servesim reads version ${HARNESS_SCHEMA_VERSION})`, {
        where: `${source} schemaVersion`, fix: 'rerun the harness shipped with this servesim version',
      });
    }
  }
  const r = HarnessResultSchema.safeParse(data);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = issues[0]!;
  const detail = issues.slice(0, 5).map((i) => `${formatKeyPath(i.path) || '(top level)'}: ${i.message}`).join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  const path = formatKeyPath(first.path);
  throw new UserError(`invalid harness result: ${detail}${more}`, {
    where: path ? `${source} ${path}` : source,
    fix: 'the file must follow the harness JSON schema (src/calibrate/harness-schema.ts, docs/harness.md)',
  });
}
