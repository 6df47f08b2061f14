/**
 * Zod schemas of the `workload:` section of a scenario (strict objects: unknown keys are errors). The
 * scenario schema embeds {@link WorkloadSchema}; custom issues carry the key path of the offending value,
 * and a message that says how to fix it (also in `params.fix`).
 *
 * ```yaml
 * workload:
 *   arrivals: { kind: poisson, ratePerSec: 8 }
 *   lengths: { input: { kind: lognormal, mean: 1000, p99: 4000 }, output: { kind: fixed, value: 200 } }
 *   requests: 5000
 *   durationSec: 600
 * ```
 */
import { z } from 'zod';
import { solveLognormal } from './lengths/lognormal.ts';
import { TRACE_FORMATS } from './traces/open-trace.ts';
import { MAX_CONCURRENT_REQUESTS, MAX_REQUESTS } from '../scenario/limits.ts';

const rate = z
  .number({ error: 'ratePerSec must be a number of requests per second' })
  .positive({ error: 'ratePerSec must be > 0 requests per second' });
const tokens = (key: string) =>
  z.number({ error: `${key} must be a number of tokens` }).int({ error: `${key} must be a whole number of tokens` }).min(1, { error: `${key} must be ≥ 1 token` });
const positive = (key: string, what: string) =>
  z.number({ error: `${key} must be a number (${what})` }).positive({ error: `${key} must be > 0 (${what})` });

/** `{kind: poisson, ratePerSec}`: exponential inter-arrival gaps. */
export const PoissonArrivalsSchema = z.strictObject({ kind: z.literal('poisson'), ratePerSec: rate });
/** `{kind: gamma, ratePerSec, cv}`: gamma inter-arrival gaps with the given coefficient of variation. */
export const GammaArrivalsSchema = z.strictObject({
  kind: z.literal('gamma'),
  ratePerSec: rate,
  cv: positive('cv', 'coefficient of variation of the gaps; 1 = Poisson'),
});
/** `{kind: constant, ratePerSec}`: evenly spaced arrivals from t = 0. */
export const ConstantArrivalsSchema = z.strictObject({ kind: z.literal('constant'), ratePerSec: rate });
/** `{kind: burst}`: every request at t = 0 (offline batch). */
export const BurstArrivalsSchema = z.strictObject({ kind: z.literal('burst') });
/** `{kind: closed-loop, concurrency, thinkTimeMs}`: N users, each waiting for its response, then thinking. */
export const ClosedLoopArrivalsSchema = z.strictObject({
  kind: z.literal('closed-loop'),
  concurrency: z
    .number({ error: 'concurrency must be a number of users' })
    .int({ error: 'concurrency must be a whole number of users' })
    .min(1, { error: 'concurrency must be ≥ 1 user' }),
  thinkTimeMs: z.number({ error: 'thinkTimeMs must be a number of milliseconds' }).min(0, { error: 'thinkTimeMs must be ≥ 0 ms' }).default(0),
});
/** `{kind: trace}`: arrival times (and lengths) from `workload.trace`. */
export const TraceArrivalsSchema = z.strictObject({ kind: z.literal('trace') });

/** How requests arrive. */
export const ArrivalsSchema = z.discriminatedUnion('kind', [
  PoissonArrivalsSchema,
  GammaArrivalsSchema,
  ConstantArrivalsSchema,
  BurstArrivalsSchema,
  ClosedLoopArrivalsSchema,
  TraceArrivalsSchema,
]);

/** `{kind: fixed, value}`. */
export const FixedLengthSchema = z.strictObject({ kind: z.literal('fixed'), value: tokens('value') });
/** `{kind: uniform, min, max}`: inclusive integers. */
export const UniformLengthSchema = z
  .strictObject({ kind: z.literal('uniform'), min: tokens('min'), max: tokens('max') })
  .refine((u) => u.max >= u.min, { path: ['max'], error: 'max must be ≥ min (both ends are inclusive)' });
/** `{kind: normal, mean, std}`: rounded, clamped at 1. */
export const NormalLengthSchema = z.strictObject({
  kind: z.literal('normal'),
  mean: positive('mean', 'tokens'),
  std: z.number({ error: 'std must be a number of tokens' }).min(0, { error: 'std must be ≥ 0 tokens' }),
});
/** `{kind: lognormal, mean, p99}` or `{kind: lognormal, mean, sigma}`. */
export const LognormalLengthSchema = z
  .strictObject({
    kind: z.literal('lognormal'),
    mean: positive('mean', 'tokens'),
    p99: positive('p99', 'tokens').optional(),
    sigma: positive('sigma', 'σ of the underlying normal').optional(),
  })
  .superRefine((l, ctx) => {
    const s = solveLognormal(l);
    if ('key' in s) ctx.addIssue({ code: 'custom', path: [s.key], message: `${s.message} — ${s.fix}`, params: { fix: s.fix } });
  });
/** `{kind: file, path, column}`: sampled uniformly from a CSV column. */
export const FileLengthSchema = z.strictObject({
  kind: z.literal('file'),
  path: z.string().min(1, { error: 'path must name a CSV file' }),
  column: z.string().min(1, { error: 'column must name a header column, e.g. num_prefill_tokens' }),
});

/** One token-length distribution. */
export const LengthDistSchema = z.discriminatedUnion('kind', [
  FixedLengthSchema,
  UniformLengthSchema,
  NormalLengthSchema,
  LognormalLengthSchema,
  FileLengthSchema,
]);

/** Input and output length distributions of synthetic requests. */
export const LengthsSchema = z.strictObject({ input: LengthDistSchema, output: LengthDistSchema });

/** A request trace file. */
export const TraceSchema = z.strictObject({
  path: z.string().min(1, { error: 'path must name a trace file' }),
  format: z.enum(TRACE_FORMATS, { error: `format must be one of ${TRACE_FORMATS.join(', ')}` }),
  timeScale: positive('timeScale', '0.5 replays the trace at twice the rate').default(1),
  tenantColumn: z.string().min(1).optional(),
}).refine((t) => t.tenantColumn === undefined || t.format === 'splitwise', {
  path: ['tenantColumn'],
  error: 'tenantColumn needs a CSV trace with named columns (format: splitwise)',
});

/** A problem that involves several keys of the workload section. */
export interface WorkloadProblem {
  /** Key path inside `workload`. */
  path: (string | number)[];
  message: string;
  fix: string;
}

/** The shape {@link workloadProblems} needs (satisfied by both the input and the parsed config). */
interface WorkloadShape {
  arrivals: { kind: string; ratePerSec?: number; concurrency?: number };
  lengths?: unknown;
  trace?: unknown;
  requests?: number;
  durationSec?: number;
}

/**
 * Cross-field rules of the workload section (used by the schema and again by `buildWorkload`):
 * a `trace` arrival kind needs `trace`; with `arrivals.kind: trace`, optional `lengths` replace the trace's
 * lengths; with synthetic arrivals, a trace supplies the lengths, so `lengths` must then be absent;
 * without a trace, `lengths` is required; a synthetic workload without a trace needs
 * `requests` or `durationSec` to end (burst arrivals need `requests`).
 *
 * @example
 * workloadProblems({ arrivals: { kind: 'poisson' }, lengths: {} }); // [{ path: ['requests'], … }]
 */
export function workloadProblems(w: WorkloadShape): WorkloadProblem[] {
  const out: WorkloadProblem[] = [];
  const kind = w.arrivals.kind;
  const hasTrace = w.trace !== undefined;
  if (kind === 'trace' && !hasTrace) {
    out.push({ path: ['trace'], message: "arrivals.kind 'trace' needs a trace file", fix: 'add trace: { path: FILE, format: azure|mooncake|splitwise }' });
  }
  if (hasTrace && w.lengths !== undefined && kind !== 'trace') {
    out.push({
      path: ['lengths'],
      message: 'lengths, trace and synthetic arrivals all given: nothing would be taken from the trace',
      fix: "use arrivals.kind 'trace' to replay its times with these lengths, remove workload.lengths to take lengths from the trace rows, or remove workload.trace",
    });
  }
  if (!hasTrace && kind !== 'trace' && w.lengths === undefined) {
    out.push({
      path: ['lengths'],
      message: 'synthetic arrivals need request lengths',
      fix: 'add lengths: { input: { kind: lognormal, mean: 1000, p99: 4000 }, output: { kind: fixed, value: 200 } }, or a trace to take them from',
    });
  }
  if (!hasTrace && w.requests === undefined) {
    if (kind === 'burst') {
      out.push({
        path: ['requests'],
        message: 'burst arrivals all come at t = 0, so only a request count can end them',
        fix: 'set workload.requests, e.g. requests: 1000',
      });
    } else if (kind !== 'trace' && w.durationSec === undefined) {
      out.push({
        path: ['requests'],
        message: 'a synthetic workload never ends by itself',
        fix: 'set workload.requests (e.g. 5000) and/or workload.durationSec (e.g. 600); arrivals stop at whichever comes first',
      });
    }
  }
  // Bounds: beyond them a run would hang or exhaust memory (src/scenario/limits.ts).
  if (w.requests !== undefined && w.requests > MAX_REQUESTS) {
    out.push({ path: ['requests'], message: `${w.requests} requests is more than servesim simulates (at most ${MAX_REQUESTS})`, fix: `use at most ${MAX_REQUESTS} requests and scale the result` });
  } else if (kind === 'burst' && w.requests !== undefined && w.requests > MAX_CONCURRENT_REQUESTS) {
    out.push({ path: ['requests'], message: `a burst of ${w.requests} requests all waiting at t = 0 is more than servesim holds (at most ${MAX_CONCURRENT_REQUESTS})`, fix: `use at most ${MAX_CONCURRENT_REQUESTS} requests, or spread them with poisson arrivals` });
  }
  if (kind === 'closed-loop' && (w.arrivals.concurrency ?? 0) > MAX_CONCURRENT_REQUESTS) {
    out.push({ path: ['arrivals', 'concurrency'], message: `${w.arrivals.concurrency} concurrent users is more than servesim holds (at most ${MAX_CONCURRENT_REQUESTS})`, fix: `use at most ${MAX_CONCURRENT_REQUESTS} users` });
  }
  const rate = w.arrivals.ratePerSec;
  if (w.requests === undefined && w.durationSec !== undefined && rate !== undefined && rate * w.durationSec > MAX_REQUESTS) {
    out.push({ path: ['durationSec'], message: `ratePerSec × durationSec = ${rate * w.durationSec} requests is more than servesim simulates (at most ${MAX_REQUESTS})`, fix: 'shorten durationSec or lower ratePerSec, or cap the run with requests' });
  }
  return out;
}

/** The whole `workload:` section. */
export const WorkloadSchema = z
  .strictObject({
    arrivals: ArrivalsSchema,
    lengths: LengthsSchema.optional(),
    trace: TraceSchema.optional(),
    requests: z
      .number({ error: 'requests must be a number' })
      .int({ error: 'requests must be a whole number' })
      .min(1, { error: 'requests must be ≥ 1' })
      .optional(),
    durationSec: positive('durationSec', 'seconds').optional(),
    warmupRequests: z
      .number({ error: 'warmupRequests must be a number of requests' })
      .int({ error: 'warmupRequests must be a whole number of requests' })
      .min(0, { error: 'warmupRequests must be ≥ 0' })
      .default(0),
  })
  .superRefine((w, ctx) => {
    for (const p of workloadProblems(w)) {
      ctx.addIssue({ code: 'custom', path: p.path, message: `${p.message} — ${p.fix}`, params: { fix: p.fix } });
    }
  });

/** Parsed (defaults applied) workload config. */
export type WorkloadConfig = z.infer<typeof WorkloadSchema>;
/** Workload config as written by the user. */
export type WorkloadConfigInput = z.input<typeof WorkloadSchema>;
/** Parsed arrival config. */
export type ArrivalsConfig = z.infer<typeof ArrivalsSchema>;
/** Parsed closed-loop arrival config. */
export type ClosedLoopConfig = z.infer<typeof ClosedLoopArrivalsSchema>;
/** Parsed length-distribution config. */
export type LengthDistConfig = z.infer<typeof LengthDistSchema>;
/** Parsed input/output lengths config. */
export type LengthsConfig = z.infer<typeof LengthsSchema>;
/** Parsed trace config. */
export type TraceConfig = z.infer<typeof TraceSchema>;
