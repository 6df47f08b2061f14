/**
 * The inputs of `npm run validate` and `npm run fit:host`: rows.yaml, the two measured-data files mapped to
 * cases, and the case context (profiles from profiles/, data paths under ../shared/data, generated ShareGPT
 * length files served from memory).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGpuProfile, loadModelProfile } from '../src/profiles/fs.ts';
import { fsCalibrationSource } from '../src/calibrate/fs.ts';
import { openLineSource } from '../src/workload/node-line-source.ts';
import { stringLineSource } from '../src/workload/string-line-source.ts';
import type { ResolveEnv } from '../src/scenario/resolve.ts';
import { parseCsvRecords } from '../src/validation/csv.ts';
import { keyGpustackRows, mapGpustack } from '../src/validation/gpustack.ts';
import { keyMeasuredPublicRows, mapMeasuredPublic } from '../src/validation/measured-public.ts';
import { parseRowsFile } from '../src/validation/rows-file.ts';
import { VIRTUAL_PREFIX } from '../src/validation/run-case.ts';
import type { CaseContext } from '../src/validation/run-case.ts';
import { parseLengthPairs } from '../src/validation/sharegpt.ts';
import type { LengthPair } from '../src/validation/sharegpt.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dataDir = path.resolve(repoRoot, '../shared/data');

export function loadValidationInputs() {
  const rows = parseRowsFile(readFileSync(path.join(repoRoot, 'validation/rows.yaml'), 'utf8'));
  const mpRecords = parseCsvRecords(readFileSync(path.join(dataDir, 'validation/measured-public.csv'), 'utf8'), 'measured-public.csv');
  const gsRecords = parseCsvRecords(readFileSync(path.join(dataDir, 'validation/gpustack-bench-serve.csv'), 'utf8'), 'gpustack-bench-serve.csv');
  const gsRows = keyGpustackRows(gsRecords);
  const mp = mapMeasuredPublic(keyMeasuredPublicRows(mpRecords), rows, gsRows);
  const gs = mapGpustack(gsRows, rows);
  // measured-public rows that copy a gpustack run point at the run that is counted.
  const gsDup = new Map(gs.duplicates.map((d) => [d.key, d.countedAs]));
  const seenDup = new Set<string>();
  const duplicates = [...mp.duplicates.map((d) => ({ ...d, countedAs: gsDup.get(d.countedAs) ?? d.countedAs })), ...gs.duplicates]
    .filter((d) => {
      const k = `${d.key}→${d.countedAs}`;
      if (seenDup.has(k)) return false;
      seenDup.add(k);
      return true;
    });

  let pairs: LengthPair[] | undefined;
  const virtualFiles = new Map<string, string>();
  const env: ResolveEnv = {
    loadGpu: loadGpuProfile,
    loadModel: loadModelProfile,
    resolvePath: (p) => (p.startsWith(VIRTUAL_PREFIX) || path.isAbsolute(p) ? p : path.resolve(dataDir, p)),
    openLines: (abs) => {
      if (abs.startsWith(VIRTUAL_PREFIX)) {
        const text = virtualFiles.get(abs);
        if (text === undefined) throw new Error(`no generated file ${abs}`);
        return stringLineSource(abs, text);
      }
      return openLineSource(abs);
    },
    calibration: fsCalibrationSource(),
  };
  const ctx: CaseContext = {
    rows, env, virtualFiles,
    sharegptPairs: () => (pairs ??= parseLengthPairs(readFileSync(path.join(dataDir, rows.sharegpt.file), 'utf8'))),
  };

  return { rows, mpRecords, gsRecords, mp, gs, duplicates, ctx };
}
