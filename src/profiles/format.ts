/**
 * Text output for `servesim profiles list [kind]` and `servesim profiles show <id>`. Pure.
 */
import {
  activeParamCount, fullAttentionLayerCount, kvBytesPerToken, kvBytesPerTokenFullAttention, paramCount,
} from '../perf/model-math.ts';
import type { GpuProfile, ModelProfile } from './schema.ts';

export type AnyProfile = GpuProfile | ModelProfile;

export function isGpuProfile(p: AnyProfile): p is GpuProfile {
  return 'memoryBandwidthBytesPerSec' in p;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

const num = (v: number | undefined, digits = 0): string =>
  v === undefined ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function gpuRow(g: GpuProfile): string[] {
  return [
    g.id, g.name, `${num(g.memoryGiB, 1)} GiB`, `${num(g.memoryBandwidthBytesPerSec / 1e12, 2)} TB/s`,
    num(g.peakTflops.bf16 ?? g.peakTflops.fp16, 0), num(g.peakTflops.fp8, 0),
    `${g.interconnect.kind} ${num(g.interconnect.bandwidthBytesPerSec / 1e9, 0)} GB/s`,
    `${num(g.tdpWatts, 0)} W`, `$${num(g.price.onDemandUsdPerHour, 2)}/h`,
  ];
}

function modelRow(m: ModelProfile): string[] {
  const params = m.moe ? `${num(paramCount(m) / 1e9, 2)}B (${num(activeParamCount(m) / 1e9, 2)}B active)` : `${num(paramCount(m) / 1e9, 2)}B`;
  const attn = m.attention === 'mla' ? `${m.numHeads} (mla)` : `${m.numHeads}/${m.numKvHeads} (${m.attention})`;
  const sw = m.slidingWindow === undefined ? ''
    : fullAttentionLayerCount(m) === 0 ? ` (all layers: ${m.slidingWindow.window}-token window)`
      : ` + ${m.slidingWindow.window}-token window`;
  return [
    m.id, m.name, params, String(m.layers), String(m.hiddenSize),
    attn, num(m.maxContext), `${num(kvBytesPerTokenFullAttention(m, 'bf16') / 1024, 0)} KiB${sw}`,
  ];
}

/** A table of the given profiles of one kind (`kind` chooses the columns and the heading). */
export function formatProfileList(kind: 'gpus' | 'models', profiles: ReadonlyArray<AnyProfile>): string {
  if (kind === 'gpus') {
    const gpus = profiles.filter(isGpuProfile);
    const head = ['id', 'name', 'memory', 'mem BW', 'bf16 TFLOP/s', 'fp8 TFLOP/s', 'scale-up link (per dir.)', 'TDP', 'on-demand'];
    return `GPUs (${gpus.length}) — dense peaks; memory as the runtime (CUDA/ROCm) reports it\n` + table([head, ...gpus.map(gpuRow)]);
  }
  const models = profiles.filter((p): p is ModelProfile => !isGpuProfile(p));
  const head = ['id', 'name', 'params', 'layers', 'hidden', 'heads/kv', 'max ctx', 'KV/token bf16'];
  return `Models (${models.length})\n` + table([head, ...models.map(modelRow)]);
}

function sourceFor(sources: Record<string, string>, path: string): string | undefined {
  let best: string | undefined;
  for (const k of Object.keys(sources)) {
    if ((k === path || path.startsWith(`${k}.`)) && (best === undefined || k.length > best.length)) best = k;
  }
  return best === undefined ? undefined : sources[best];
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
    if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(3).replace(/\.?0+e/, 'e');
    return String(v);
  }
  return String(v);
}

/**
 * Every field of one profile, one per line, with a footnote number pointing at its source (listed after the
 * fields); derived figures at the end.
 */
export function formatProfile(profile: AnyProfile): string {
  const leaves: Array<[string, unknown]> = [];
  const walk = (v: unknown, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, c] of Object.entries(v as Record<string, unknown>)) {
        if (path === '' && k === 'sources') continue;
        walk(c, path === '' ? k : `${path}.${k}`);
      }
    } else {
      leaves.push([path, v]);
    }
  };
  walk(profile, '');
  const width = Math.max(...leaves.map(([p]) => p.length));
  const valueWidth = Math.max(...leaves.map(([, v]) => formatValue(v).length));
  const notes: string[] = [];
  const lines: string[] = [`${isGpuProfile(profile) ? 'GPU' : 'model'} profile ${profile.id}: ${profile.name}`];
  for (const [path, v] of leaves) {
    const src = sourceFor(profile.sources, path);
    let mark = '';
    if (src !== undefined) {
      let i = notes.indexOf(src);
      if (i < 0) i = notes.push(src) - 1;
      mark = `[${i + 1}]`;
    }
    lines.push(`  ${path.padEnd(width)}  ${formatValue(v).padEnd(valueWidth)}  ${mark}`.trimEnd());
  }
  lines.push('sources:');
  notes.forEach((n, i) => lines.push(`  [${i + 1}] ${n}`));
  lines.push('derived:');
  if (!isGpuProfile(profile)) {
    lines.push(`  parameters computed from the architecture: ${(paramCount(profile) / 1e9).toFixed(3)}B (published ${profile.paramsB}B)`);
    if (profile.moe) lines.push(`  active parameters per token (incl. embedding and LM head): ${(activeParamCount(profile) / 1e9).toFixed(3)}B`);
    lines.push(`  KV cache per token (bf16): ${(kvBytesPerToken(profile, 'bf16') / 1024).toFixed(profile.mla ? 1 : 0)} KiB` +
      (profile.mla ? ' (MLA latent, whole on every TP rank)' : ''));
    if (profile.slidingWindow) {
      lines.push(`  of which full-attention layers (grows with context): ${(kvBytesPerTokenFullAttention(profile, 'bf16') / 1024).toFixed(0)} KiB; ` +
        `sliding layers keep at most ${profile.slidingWindow.window} tokens`);
    }
  } else {
    const g = profile;
    const ridge = ((g.peakTflops.bf16 ?? g.peakTflops.fp16) * 1e12) / g.memoryBandwidthBytesPerSec;
    lines.push(`  memory bytes: ${formatValue(Math.round(g.memoryGiB * 2 ** 30))}`);
    lines.push(`  bf16 ridge point: ${ridge.toFixed(0)} FLOP/byte`);
    lines.push(g.efficiencyTransferredFrom
      ? `  efficiencies: uncalibrated, transferred from ${g.efficiencyTransferredFrom}`
      : '  efficiencies: fitted to this GPU\'s microbenchmarks');
  }
  return lines.join('\n');
}
