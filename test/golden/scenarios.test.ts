/**
 * Golden outputs: every scenario in scenarios/ is run and its JSON report compared with
 * test/golden/<file>.json. After an intended change of results, regenerate with `npm run golden:update`
 * and review the diff like code.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { readScenarioFile, nodeResolveEnv } from '../../src/cli/node-env.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { stableJson } from '../../src/report/json.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const scenarioDir = path.join(repo, 'scenarios');
const goldenDir = path.join(repo, 'test/golden');
const update = process.env.UPDATE_GOLDEN === '1';
const files = readdirSync(scenarioDir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

describe('golden scenario outputs', () => {
  it('has scenarios', () => expect(files.length).toBeGreaterThanOrEqual(5));
  for (const f of files) {
    it(f, () => {
      const file = path.join(scenarioDir, f);
      const { report } = runScenario(resolveScenario(readScenarioFile(file, []), nodeResolveEnv(file)));
      const text = stableJson(report);
      const golden = path.join(goldenDir, f.replace(/\.(ya?ml|json)$/, '.json'));
      if (update || !existsSync(golden)) {
        if (!update && process.env.CI) throw new Error(`missing golden ${golden}: run npm run golden:update`);
        writeFileSync(golden, text);
      }
      expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
      // Byte-identical on a second run (determinism).
      const again = stableJson(runScenario(resolveScenario(readScenarioFile(file, []), nodeResolveEnv(file))).report);
      expect(again).toBe(text);
    }, 60_000);
  }
});
