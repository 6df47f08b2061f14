/**
 * `npm run validate`: maps the measured rows of ../shared/data/validation/ to scenarios (validation/rows.yaml
 * + src/validation/), runs them, and writes docs/validation.md.
 *
 *   node --import tsx scripts/validate.ts [--filter SUBSTR] [--json] [--no-write] [--out FILE]
 *                                         [--date YYYY-MM-DD] [--emit-scenarios DIR]
 *
 * --filter   only rows whose key contains SUBSTR (e.g. TRT17, gs:qwen3-14b); the doc is not written
 * --json     print the machine-readable results (ValidationRun) on stdout
 * --no-write do not write docs/validation.md
 * --emit-scenarios DIR  also write each case's scenario (JSON) and generated length files to DIR
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderValidationDoc } from '../src/validation/doc.ts';
import { tryRunCase, VIRTUAL_PREFIX } from '../src/validation/run-case.ts';
import { dataDir, loadValidationInputs, repoRoot } from './validation-inputs.ts';
import type { CaseResult, SkippedRow, ValidationRun } from '../src/validation/types.ts';


interface Args {
  filter?: string;
  json: boolean;
  write: boolean;
  out: string;
  date?: string;
  emit?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, write: true, out: path.join(repoRoot, 'docs/validation.md') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === '--filter') a.filter = val();
    else if (k === '--json') a.json = true;
    else if (k === '--no-write') a.write = false;
    else if (k === '--out') a.out = path.resolve(val());
    else if (k === '--date') a.date = val();
    else if (k === '--emit-scenarios') a.emit = path.resolve(val());
    else if (k === '--help' || k === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown option ${k} (try --help)`);
  }
  if (a.filter !== undefined && !argvHas(argv, '--out')) a.write = false;
  return a;
}

function argvHas(argv: string[], k: string): boolean {
  return argv.includes(k);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const { rows, mpRecords, gsRecords, mp, gs, duplicates, ctx } = loadValidationInputs();
  const match = (key: string): boolean => args.filter === undefined || key.includes(args.filter);
  const cases = [...mp.cases, ...gs.cases].filter((c) => match(c.key));
  const results: CaseResult[] = [];
  const skipped: SkippedRow[] = [...mp.skipped, ...gs.skipped].filter((s) => match(s.key));
  if (args.emit) mkdirSync(args.emit, { recursive: true });
  for (const c of cases) {
    const t = performance.now();
    const r = tryRunCase(c, ctx);
    if (r.result) {
      results.push(r.result);
      const worst = r.result.comparisons.reduce((w, x) => (Math.abs(x.error) > Math.abs(w) ? x.error : w), 0);
      process.stderr.write(`ok   ${c.key.padEnd(40)} ${((performance.now() - t) / 1000).toFixed(2)}s  worst ${(worst * 100).toFixed(1)}%\n`);
      if (args.emit && r.scenario) {
        const safe = c.key.replace(/[^A-Za-z0-9._-]+/g, '_');
        const sc = structuredClone(r.scenario);
        const tr = sc.workload?.trace;
        if (tr && tr.path.startsWith(VIRTUAL_PREFIX)) {
          const file = tr.path.slice(VIRTUAL_PREFIX.length);
          writeFileSync(path.join(args.emit, file), ctx.virtualFiles.get(tr.path)!);
          tr.path = `./${file}`;
        }
        writeFileSync(path.join(args.emit, `${safe}.json`), `${JSON.stringify(sc, null, 2)}\n`);
      }
    } else if (r.skipped) {
      skipped.push(r.skipped);
      process.stderr.write(`skip ${c.key.padEnd(40)} ${r.skipped.category}: ${r.skipped.reason}\n`);
    }
  }
  const run: ValidationRun = {
    date: args.date ?? new Date().toISOString().slice(0, 10),
    results,
    skipped,
    duplicates: duplicates.filter((d) => match(d.key)),
    rowCounts: { 'measured-public': mpRecords.length, gpustack: gsRecords.length },
  };
  if (args.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  if (args.write) {
    mkdirSync(path.dirname(args.out), { recursive: true });
    writeFileSync(args.out, renderValidationDoc(run, rows));
    process.stderr.write(`wrote ${path.relative(process.cwd(), args.out)}\n`);
  }
  process.stderr.write(`${results.length} cases run, ${skipped.length} skipped, ${run.duplicates.length} duplicates in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  if (!existsSync(dataDir)) process.exitCode = 1;
}

main();
