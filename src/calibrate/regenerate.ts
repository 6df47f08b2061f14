/**
 * Regenerates the shipped calibration and table files from the Vidur data:
 *
 *   node --import tsx src/calibrate/regenerate.ts [--data ../shared/data/microbench/vidur] [--created-at YYYY-MM-DD]
 *
 * (run from the repository root; equivalent to `servesim calibrate --vidur <data> --gpu h100-sxm --tables` and
 * the same for a100-80gb). Writes profiles/calibration/{h100-sxm,a100-80gb}.yaml and
 * profiles/tables/{h100-sxm,a100-80gb}/*.yaml, and prints the fit quality.
 */
import { isUserError } from '../errors/user-error.ts';
import { runCalibrate } from './command.ts';

const SHIPPED = ['h100-sxm', 'a100-80gb'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) };
try {
  const data = arg('--data') ?? '../shared/data/microbench/vidur';
  const createdAt = arg('--created-at');
  for (const gpu of SHIPPED) {
    runCalibrate({ gpu, vidur: data, tables: true, ...(createdAt ? { createdAt } : {}) }, io);
  }
} catch (e) {
  if (isUserError(e)) {
    process.stderr.write(`${e.format()}\n`);
    process.exitCode = 2;
  } else throw e;
}
