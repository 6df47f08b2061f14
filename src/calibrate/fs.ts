/**
 * Node adapters for calibration: read a Vidur data directory or a harness JSON file from disk, and find the
 * calibration and table files under the profiles directory. The parsing is in the pure modules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { messages } from '../errors/messages.ts';
import { profilesDir } from '../profiles/fs.ts';
import type { CalibrationDataSource, ProfileFile } from './data-source.ts';
import { parseHarnessResult } from './harness.ts';
import type { HarnessResult } from './harness-schema.ts';
import {
  parseVidurAttention, parseVidurCollective, parseVidurCompute, parseVidurCpuOverhead, type VidurDataset,
} from './vidur.ts';

/** Vidur's GPU directory names → servesim GPU profile ids. */
export const VIDUR_GPU_IDS: Readonly<Record<string, string>> = { h100: 'h100-sxm', a100: 'a100-80gb', a40: 'a40' };

/** servesim GPU id → Vidur GPU directory name (inverse of VIDUR_GPU_IDS). */
export function vidurGpuFor(gpuId: string): string | undefined {
  for (const [v, id] of Object.entries(VIDUR_GPU_IDS)) if (id === gpuId) return v;
  return undefined;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function subdirs(p: string): string[] {
  return isDir(p) ? readdirSync(p).filter((d) => isDir(join(p, d))).sort() : [];
}

export interface VidurReadOptions {
  /** network/<node> directory name; default <vidurGpu>_dgx, else <vidurGpu>_pairwise_nvlink. */
  network?: string;
  /** Only these compute models (org/model); default all. */
  models?: string[];
}

export interface VidurRead {
  dataset: VidurDataset;
  /** Files read, relative to the data directory. */
  files: string[];
  /** Vidur GPU name the attention table was measured on (from attention-<gpu>-tp<n>), when there is one. */
  attentionGpu: string | undefined;
  /** Vidur GPU name of the CPU-overhead table used. */
  cpuGpu: string | undefined;
}

/** Reads everything `calibrate --vidur` uses for one Vidur GPU directory name. */
export function readVidurDataset(dataDir: string, vidurGpu: string, opts: VidurReadOptions = {}): VidurRead {
  const root = resolve(dataDir);
  if (!isDir(root)) {
    throw messages.calibrateOption('--vidur', `Vidur data directory not found: ${dataDir}`, 'give the directory holding compute/, network/, attention-*/ and cpu-overhead/');
  }
  const files: string[] = [];
  const read = (abs: string): { text: string; rel: string } => {
    const rel = relative(root, abs).split('\\').join('/');
    files.push(rel);
    return { text: readFileSync(abs, 'utf8'), rel };
  };
  const computeDir = join(root, 'compute', vidurGpu);
  if (!isDir(computeDir)) {
    const have = subdirs(join(root, 'compute')).join(', ') || 'none';
    throw messages.calibrateOption('--vidur-gpu', `no compute tables for Vidur GPU "${vidurGpu}" under ${join(dataDir, 'compute')}`, `use one of: ${have}`);
  }
  const compute = [];
  for (const org of subdirs(computeDir)) {
    for (const model of subdirs(join(computeDir, org))) {
      if (opts.models && !opts.models.includes(`${org}/${model}`)) continue;
      const f = join(computeDir, org, model, 'mlp.csv');
      if (!existsSync(f)) continue;
      const { text, rel } = read(f);
      compute.push(parseVidurCompute(text, rel));
    }
  }
  let network = opts.network;
  if (network === undefined) {
    network = [`${vidurGpu}_dgx`, `${vidurGpu}_pairwise_nvlink`].find((d) => isDir(join(root, 'network', d)));
  } else if (!isDir(join(root, 'network', network))) {
    throw messages.calibrateOption('--vidur-network', `network directory not found: network/${network}`, `use one of: ${subdirs(join(root, 'network')).join(', ')}`);
  }
  let allReduce: VidurDataset['allReduce'];
  let sendRecv: VidurDataset['sendRecv'];
  if (network !== undefined) {
    const ar = join(root, 'network', network, 'all_reduce.csv');
    if (existsSync(ar)) { const { text, rel } = read(ar); allReduce = { source: rel, rows: parseVidurCollective(text, rel) }; }
    const sr = join(root, 'network', network, 'send_recv.csv');
    if (existsSync(sr)) { const { text, rel } = read(sr); sendRecv = { source: rel, rows: parseVidurCollective(text, rel) }; }
  }
  const attDirs = readdirSync(root).filter((d) => d.startsWith('attention') && existsSync(join(root, d, 'attention.csv'))).sort();
  const attDir = attDirs.find((d) => d.includes(`-${vidurGpu}-`) || d.endsWith(`-${vidurGpu}`)) ?? attDirs[0];
  let attention: VidurDataset['attention'];
  let attentionGpu: string | undefined;
  if (attDir !== undefined) {
    const { text, rel } = read(join(root, attDir, 'attention.csv'));
    attention = parseVidurAttention(text, rel);
    attentionGpu = /^attention-([a-z0-9]+)/.exec(attDir)?.[1] ?? vidurGpu;
  }
  const cpuDir = join(root, 'cpu-overhead');
  let cpu: VidurDataset['cpu'];
  let cpuGpu: string | undefined;
  if (isDir(cpuDir)) {
    const avail = readdirSync(cpuDir).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).sort();
    cpuGpu = avail.includes(vidurGpu) ? vidurGpu : avail.includes('a100') ? 'a100' : avail[0];
    if (cpuGpu !== undefined) {
      const { text, rel } = read(join(cpuDir, `${cpuGpu}.csv`));
      cpu = { source: rel, rows: parseVidurCpuOverhead(text, rel) };
    }
  }
  return { dataset: { vidurGpu, compute, allReduce, sendRecv, attention, cpu }, files, attentionGpu, cpuGpu };
}

/** Reads and validates a harness result file. */
export function readHarnessFile(file: string): HarnessResult {
  const abs = resolve(file);
  if (!existsSync(abs)) {
    throw messages.calibrateOption('--harness', `harness result file not found: ${file}`, 'give the JSON file the harness wrote');
  }
  return parseHarnessResult(readFileSync(abs, 'utf8'), file);
}

export type { CalibrationDataSource, ProfileFile } from './data-source.ts';

/** Reads from the repository's profiles/ (or $SERVESIM_PROFILES), like src/profiles/fs.ts. */
export function fsCalibrationSource(dir: string = profilesDir()): CalibrationDataSource {
  // File names in reports are relative to the profiles directory's parent ("profiles/calibration/…"), so
  // that outputs are byte-identical wherever the checkout lives.
  const shown = (f: string) => relative(dirname(dir), f).split(sep).join('/');
  return {
    calibration(gpuId: string): ProfileFile | undefined {
      for (const ext of ['yaml', 'yml', 'json']) {
        const f = join(dir, 'calibration', `${gpuId}.${ext}`);
        if (existsSync(f)) return { file: shown(f), text: readFileSync(f, 'utf8') };
      }
      return undefined;
    },
    tables(gpuId: string): ProfileFile[] {
      const d = join(dir, 'tables', gpuId);
      if (!isDir(d)) return [];
      return readdirSync(d).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()
        .map((f) => ({ file: shown(join(d, f)), text: readFileSync(join(d, f), 'utf8') }));
    },
  };
}
