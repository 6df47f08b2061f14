/**
 * `servesim calibrate`: fits the roofline's efficiency curves to microbenchmarks and writes
 * profiles/calibration/<gpu>.yaml (and, with --tables, the table model's files).
 *
 *   servesim calibrate --vidur ../shared/data/microbench/vidur --gpu h100-sxm [--vidur-gpu h100] [--tables]
 *   servesim calibrate --harness results.json --gpu h200
 *   servesim calibrate --bench result1.json result2.json --scenario deployment.yaml --out overheads.yaml
 *
 * Prints the held-back fit quality per op (MAPE and worst error of predicted op times). Bad input → UserError
 * (the CLI prints it and exits 2). Node adapter: reads and writes files.
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors/user-error.ts';
import { messages } from '../errors/messages.ts';
import { loadGpuProfile, loadModelProfile, listProfileIds, profilesDir } from '../profiles/fs.ts';
import type { Calibration, FitQualityRow, TableFile } from './calibration-schema.ts';
import { calibrateFromHarness, calibrateFromVidur, modelLabel, type CalibrateMeta, type CalibrationOutcome } from './calibrate.ts';
import { readHarnessFile, readVidurDataset, VIDUR_GPU_IDS, vidurGpuFor } from './fs.ts';
import { buildTableFile, VIDUR_TABLE_MODELS } from './tables.ts';
import { toYaml } from './yaml-out.ts';

export interface CalibrateIo {
  out(s: string): void;
  err(s: string): void;
}

export interface CalibrateCliOptions {
  gpu?: string;
  vidur?: string;
  vidurGpu?: string;
  vidurNetwork?: string;
  harness?: string;
  out?: string;
  tables?: boolean;
  tablesDir?: string;
  createdAt?: string;
  write?: boolean;
  json?: boolean;
}

/** servesim's version from the nearest package.json above this file. */
export function servesimVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const f = join(dir, 'package.json');
    if (existsSync(f)) {
      const v = (JSON.parse(readFileSync(f, 'utf8')) as { version?: string }).version;
      if (v) return v;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The fit-quality table printed by the command. */
export function formatFitQuality(c: Calibration): string {
  const rows = c.fitQuality.ops;
  const w = Math.max(26, ...rows.map((r) => r.op.length + 2));
  const head = `${pad('op', w)}${pad('n train', 8, true)}${pad('n test', 8, true)}${pad('MAPE %', 9, true)}${pad('worst %', 9, true)}  roofline  worst at`;
  const line = (r: FitQualityRow) =>
    `${pad(r.op + (r.headline ? '' : ' *'), w)}${pad(String(r.nTrain), 8, true)}${pad(String(r.nTest), 8, true)}` +
    `${pad(r.mapePct.toFixed(2), 9, true)}${pad(r.worstSignedPct.toFixed(1), 9, true)}  ${pad(r.usedByRoofline ? 'yes' : 'hook', 8)}  ${r.worstAt}`;
  return [
    `calibration of ${c.gpu} from ${c.kind === 'vidur' ? 'Vidur profiling data' : 'harness results'} — fit quality on held-back points`,
    head,
    ...rows.map(line),
    `median MAPE over the roofline's op classes: ${c.fitQuality.medianMapePct.toFixed(2)} %; over all rows: ${c.fitQuality.medianMapeAllRowsPct.toFixed(2)} %`,
    `(* per-kernel detail rows, not a roofline op class; "hook": curve written to the file but not read through the EfficiencyModel interface yet;`,
    ` worst % is signed: predicted − measured)`,
    `launch overhead ${(c.launchOverheadSec * 1e6).toFixed(2)} us; attention ${c.attention.status}; interconnect ${c.interconnect.status}; CPU overhead ${c.cpuOverhead.status}`,
    '',
  ].join('\n');
}

function header(kind: 'calibration' | 'table', command: string): string[] {
  return [
    kind === 'calibration'
      ? 'servesim calibration file: efficiency curves of the roofline step-time model fitted from microbenchmarks.'
      : 'servesim measured per-op timing table for perfModel: table (median ms per op per token count, one TP rank).',
    'Generated — do not edit by hand. Regenerate with:',
    `  ${command}`,
    'Format and method: docs/calibration.md, src/calibrate/calibration-schema.ts, src/calibrate/fit.ts.',
    kind === 'calibration'
      ? 'Curves are knot lists {at, eff}: piecewise linear in (ln at, ln eff), flat beyond the end knots.'
      : 'The table model interpolates linearly in tokens between the rows; steps beyond the last row are an error or use the roofline.',
    'YAML in JSON syntax (YAML 1.2 is a superset of JSON) so that it loads in milliseconds.',
  ];
}

export interface CalibrateRunResult {
  outcome: CalibrationOutcome;
  calibrationFile: string | undefined;
  /** Table documents built (--tables), written or not. */
  tables: Array<{ file: string; table: TableFile }>;
  tableFiles: string[];
}

/** Text of a calibration file as the command writes it. */
export function calibrationYaml(c: Calibration): string {
  return toYaml(c, header('calibration', c.provenance.command ?? 'servesim calibrate'));
}

/** Text of a table file as the command writes it. */
export function tableYaml(t: TableFile): string {
  return toYaml(t, header('table', t.provenance.command ?? 'servesim calibrate --tables'));
}

/** The command's work, callable without commander (used by regenerate.ts and tests). */
export function runCalibrate(opts: CalibrateCliOptions, io: CalibrateIo): CalibrateRunResult {
  if (!opts.gpu) throw messages.calibrateOption('--gpu', '--gpu is required', `give a GPU profile id: ${listProfileIds('gpus').join(', ')}`);
  if (!!opts.vidur === !!opts.harness) {
    throw messages.calibrateOption('--vidur', 'give exactly one of --vidur <dir> and --harness <file>',
      'servesim calibrate --vidur ../shared/data/microbench/vidur --gpu h100-sxm, or --harness results.json --gpu <id>');
  }
  if (opts.tables && !opts.vidur) {
    throw messages.calibrateOption('--tables', '--tables needs --vidur (tables are per-op timings of the Vidur layout)', 'drop --tables or use --vidur');
  }
  if (opts.createdAt !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(opts.createdAt)) {
    throw messages.calibrateOption('--created-at', `--created-at "${opts.createdAt}" is not a date`, 'use YYYY-MM-DD');
  }
  const gpu = loadGpuProfile(opts.gpu);
  const createdAt = opts.createdAt ?? new Date().toISOString().slice(0, 10);
  const version = servesimVersion();
  const write = opts.write !== false;
  let outcome: CalibrationOutcome;
  let command: string;
  const tableFiles: string[] = [];
  const tables: Array<{ file: string; table: TableFile }> = [];
  if (opts.vidur) {
    const vg = opts.vidurGpu ?? vidurGpuFor(gpu.id);
    if (vg === undefined) {
      throw messages.calibrateOption('--vidur-gpu', `no Vidur GPU directory is known for ${gpu.id}`, `give --vidur-gpu (Vidur names: ${Object.keys(VIDUR_GPU_IDS).join(', ')})`);
    }
    command = `servesim calibrate --vidur ${opts.vidur} --gpu ${gpu.id}` + (opts.vidurGpu ? ` --vidur-gpu ${opts.vidurGpu}` : '') +
      (opts.vidurNetwork ? ` --vidur-network ${opts.vidurNetwork}` : '') + (opts.tables ? ' --tables' : '');
    const meta: CalibrateMeta = { createdAt, servesimVersion: version, dataRoot: opts.vidur, command };
    const read = readVidurDataset(opts.vidur, vg, opts.vidurNetwork ? { network: opts.vidurNetwork } : {});
    const attId = read.attentionGpu !== undefined ? VIDUR_GPU_IDS[read.attentionGpu] : undefined;
    const attentionGpu = attId !== undefined && attId !== gpu.id && listProfileIds('gpus').includes(attId) ? loadGpuProfile(attId) : undefined;
    const cpuFrom = read.cpuGpu !== undefined ? (VIDUR_GPU_IDS[read.cpuGpu] ?? read.cpuGpu) : undefined;
    outcome = calibrateFromVidur(read.dataset, {
      gpu, ...(attentionGpu ? { attentionGpu } : {}), ...(cpuFrom ? { cpuFrom } : {}), meta, files: read.files,
    });
    if (opts.tables) {
      const models = listProfileIds('models');
      const dir = opts.tablesDir ? resolve(opts.tablesDir) : join(profilesDir(), 'tables', gpu.id);
      for (const t of read.dataset.compute) {
        const m = VIDUR_TABLE_MODELS[modelLabel(t.source)];
        if (m === undefined || !models.includes(m.id)) continue;
        const table = buildTableFile(t, gpu.id, loadModelProfile(m.id), meta, m.note ? [m.note] : []);
        tables.push({ file: join(dir, `${m.id}.yaml`), table });
      }
    }
  } else {
    command = `servesim calibrate --harness ${opts.harness} --gpu ${gpu.id}`;
    const h = readHarnessFile(opts.harness!);
    outcome = calibrateFromHarness(h, { gpu, meta: { createdAt, servesimVersion: version, command }, file: opts.harness! });
  }
  const c = outcome.calibration;
  if (opts.json) io.out(`${JSON.stringify({ gpu: c.gpu, fitQuality: c.fitQuality }, null, 2)}\n`);
  else io.out(formatFitQuality(c));
  let calibrationFile: string | undefined;
  if (write) {
    calibrationFile = opts.out ? resolve(opts.out) : join(profilesDir(), 'calibration', `${gpu.id}.yaml`);
    writeAtomic(calibrationFile, calibrationYaml(c));
    io.err(`wrote ${calibrationFile}\n`);
    for (const t of tables) {
      writeAtomic(t.file, tableYaml(t.table));
      tableFiles.push(t.file);
      io.err(`wrote ${t.file}\n`);
    }
  }
  return { outcome, calibrationFile, tables: tables.map((t) => ({ file: t.file, table: t.table })), tableFiles };
}

export function registerCalibrateCommand(program: Command, io: CalibrateIo): void {
  program
    .command('calibrate')
    .description('fit the roofline efficiency curves to microbenchmarks (Vidur data or harness JSON) and write profiles/calibration/<gpu>.yaml')
    .option('--gpu <id>', 'GPU profile id to calibrate (profiles/gpus/<id>.yaml); microbenchmark mode')
    .option('--vidur <dir>', 'Vidur profiling data directory (compute/, network/, attention-*/, cpu-overhead/)')
    .option('--vidur-gpu <name>', 'GPU directory name in the Vidur layout (default from --gpu: h100-sxm → h100, a100-80gb → a100)')
    .option('--vidur-network <node>', 'network/<node> collectives to use (default <vidur-gpu>_dgx)')
    .option('--harness <file>', 'harness result JSON (harness/cuda or harness/webgpu)')
    .option('--out <file>', 'calibration file to write (default profiles/calibration/<gpu>.yaml)')
    .option('--tables', 'also write the table model files profiles/tables/<gpu>/<model>.yaml (Vidur only)')
    .option('--tables-dir <dir>', 'directory for --tables (default profiles/tables/<gpu>)')
    .option('--created-at <date>', 'date recorded in the provenance (default today, YYYY-MM-DD)')
    .option('--no-write', 'print the fit quality without writing files')
    .option('--json', 'print the fit quality as JSON')
    .option('--bench <files...>', 'benchmark mode: vllm bench serve --save-result or genai-perf/AIPerf JSON results to fit engine.overheads to (needs --scenario)')
    .option('--scenario <file>', 'with --bench: the deployment the results were measured on (model, GPU, parallelism, engine)')
    .option('--fit <keys>', `with --bench: comma-separated parameters to fit (default: those the data constrains)`)
    .option('--max-prompts <n>', 'with --bench: most requests simulated per result file (default 400)')
    .option('--set <key=value>', 'with --bench: override a scenario key (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (opts: CalibrateCliOptions & { bench?: string[]; scenario?: string; fit?: string; maxPrompts?: string; set?: string[] }) => {
      if (opts.bench !== undefined) {
        const { runBenchCalibrate } = await import('./bench-command.ts');
        runBenchCalibrate({ ...opts, bench: opts.bench }, io);
        return;
      }
      runCalibrate(opts, io);
    });
}
