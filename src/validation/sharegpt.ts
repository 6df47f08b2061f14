/**
 * ShareGPT request lengths the way `vllm bench serve --dataset-name sharegpt` picks them, rebuilt from the
 * length distribution we have (Sarathi-Serve's sharegpt-8k-lengths.csv): apply vLLM's validity filter,
 * draw `n` rows with a fixed seed, and rescale each column so that its total equals the total the
 * benchmark reported. Pure (the caller reads the file).
 */
import seedrandom from 'seedrandom';
import type { LengthSpec } from './types.ts';

export interface ShareGptConfig {
  minTokens: number;
  maxPrompt: number;
  maxTotal: number;
  seed: string;
}

export type LengthPair = readonly [input: number, output: number];

/** vLLM's is_valid_sequence defaults: both ≥ minTokens, prompt ≤ maxPrompt, prompt + output ≤ maxTotal. */
export function filterShareGpt(pairs: readonly LengthPair[], cfg: ShareGptConfig): LengthPair[] {
  return pairs.filter(([i, o]) => i >= cfg.minTokens && o >= cfg.minTokens && i <= cfg.maxPrompt && i + o <= cfg.maxTotal);
}

/**
 * Scales `values` so that they sum to `total` (integers ≥ 1): floor of the scaled values, then one more
 * token to the largest fractional parts (ties: earlier index). Deterministic.
 *
 * @example
 * rescaleToTotal([1, 1, 2], 8) // [2, 2, 4]
 */
export function rescaleToTotal(values: readonly number[], total: number): number[] {
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.length === 0 || sum <= 0) return values.map(() => 1);
  const scaled = values.map((v) => (v * total) / sum);
  const out = scaled.map((x) => Math.max(1, Math.floor(x)));
  let deficit = total - out.reduce((a, b) => a + b, 0);
  if (deficit > 0) {
    const order = scaled.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
    for (let k = 0; deficit > 0; k = (k + 1) % order.length) {
      out[order[k]!.i]! += 1;
      deficit--;
    }
  }
  return out;
}

/** A sample of request lengths for a ShareGPT LengthSpec, and how it was made. */
export interface ShareGptSample {
  input: number[];
  output: number[];
  description: string;
}

/**
 * Draws `spec.n` (prompt, output) pairs from the filtered distribution (seeded Fisher–Yates shuffle, as
 * `vllm bench` shuffles the dataset with a fixed seed) and rescales them to the run's token totals (or
 * means × n). Pairs stay together, so long prompts keep their own outputs.
 */
export function sampleShareGpt(pairs: readonly LengthPair[], cfg: ShareGptConfig, spec: Extract<LengthSpec, { kind: 'sharegpt' }>): ShareGptSample {
  const valid = filterShareGpt(pairs, cfg);
  if (valid.length === 0) throw new Error('no ShareGPT pair passes the filter');
  const rng = seedrandom(cfg.seed);
  const idx = valid.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const picked: LengthPair[] = [];
  for (let k = 0; k < spec.n; k++) picked.push(valid[idx[k % idx.length]!]!);
  const rawIn = picked.map((p) => p[0]);
  const rawOut = picked.map((p) => p[1]);
  const inTotal = spec.inTotal ?? (spec.meanIn !== undefined ? Math.round(spec.meanIn * spec.n) : undefined);
  const outTotal = spec.outTotal ?? (spec.meanOut !== undefined ? Math.round(spec.meanOut * spec.n) : undefined);
  const input = inTotal !== undefined ? rescaleToTotal(rawIn, inTotal) : rawIn;
  const output = outTotal !== undefined ? rescaleToTotal(rawOut, outTotal) : rawOut;
  const mean = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  const scaleText = inTotal !== undefined || outTotal !== undefined
    ? `rescaled ×${(mean(input) / mean(rawIn)).toFixed(2)} / ×${(mean(output) / mean(rawOut)).toFixed(2)} to the run's totals`
    : 'not rescaled (no totals stated)';
  return {
    input,
    output,
    description: `${spec.n} ShareGPT pairs (filtered ${valid.length}/${pairs.length}, sample mean ${mean(rawIn).toFixed(0)}/${mean(rawOut).toFixed(0)}), ${scaleText}: mean ${mean(input).toFixed(1)} in / ${mean(output).toFixed(1)} out`,
  };
}

/** The sample as a Splitwise-format trace (all arrived_at 0: arrival times come from the scenario). */
export function sampleToSplitwiseCsv(s: ShareGptSample): string {
  const lines = ['arrived_at,num_prefill_tokens,num_decode_tokens'];
  for (let i = 0; i < s.input.length; i++) lines.push(`0,${s.input[i]},${s.output[i]}`);
  return `${lines.join('\n')}\n`;
}

/** Parses sharegpt-8k-lengths.csv text (num_prefill_tokens, num_decode_tokens columns) into pairs. */
export function parseLengthPairs(text: string): LengthPair[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]!.split(',').map((h) => h.trim());
  const iIn = header.indexOf('num_prefill_tokens');
  const iOut = header.indexOf('num_decode_tokens');
  if (iIn < 0 || iOut < 0) throw new Error('length file lacks num_prefill_tokens / num_decode_tokens');
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return [Number(f[iIn]), Number(f[iOut])] as const;
  });
}
