/**
 * Assembles a {@link Workload} from the parsed `workload:` config.
 *
 * - Synthetic arrivals + `lengths`: times from the arrival process, lengths from the samplers.
 * - `arrivals.kind: trace`: times and lengths from the trace (rebased to start at 0, times × timeScale).
 * - Synthetic arrivals + `trace` (no `lengths`): the trace rows are replayed **in order** for their lengths
 *   (and hash ids), at the synthetic arrival times; `timeScale` has no effect. Ends with the trace.
 * - `closed-loop`: the simulator issues requests; the workload provides their lengths (from the samplers,
 *   or the trace rows in order, wrapping around at the end of the trace).
 *
 * Open sources stop after `requests` requests or at `durationSec`, whichever comes first (a trace alone
 * runs to its end). Randomness comes from separate streams — `arrivals`, `lengths.input`,
 * `lengths.output` — so changing one part of the config does not reshuffle another.
 */
import { UserError } from '../errors/user-error.ts';
import type { ArrivalProcess } from './arrivals/arrival-process.ts';
import { burstArrivals } from './arrivals/burst.ts';
import { constantArrivals } from './arrivals/constant.ts';
import { gammaArrivals } from './arrivals/gamma.ts';
import { poissonArrivals } from './arrivals/poisson.ts';
import { closeIfClosable } from './close.ts';
import { empiricalLengths, readLengthColumn } from './lengths/empirical.ts';
import { fixedLengths } from './lengths/fixed.ts';
import { lognormalLengths } from './lengths/lognormal.ts';
import { normalLengths } from './lengths/normal.ts';
import { uniformLengths } from './lengths/uniform.ts';
import { createRng } from './rng.ts';
import { workloadProblems, type ArrivalsConfig, type LengthDistConfig, type WorkloadConfig } from './schema.ts';
import { cappedSource } from './sources/capped.ts';
import { cyclingTraceLengths } from './sources/cycling-lengths.ts';
import { retimedSource } from './sources/retimed.ts';
import { relengthedSource } from './sources/relengthed.ts';
import { syntheticSource } from './sources/synthetic.ts';
import { readTrace } from './traces/open-trace.ts';
import type { TraceSource } from './traces/trace-source.ts';
import type { Lengths, LengthSampler, LineSource, RequestSource } from './types.ts';

/** An open-loop workload: requests arrive on their own schedule. */
export interface OpenWorkload {
  kind: 'open';
  /** Requests in non-decreasing arrival order; `null` when done. */
  source: RequestSource;
  /** The first this many requests are warm-up: they run but are left out of the statistics (default 0). */
  warmupRequests?: number;
}

/** A closed-loop workload: the simulator keeps `concurrency` requests in flight (plus think time). */
export interface ClosedWorkload {
  kind: 'closed';
  concurrency: number;
  /** Pause between a user's response and its next request, in seconds. */
  thinkTimeSec: number;
  /** Lengths of the next request to issue (may also carry `hashIds` when taken from a trace). */
  lengths: () => Lengths;
  /** Stop issuing after this many requests (`Infinity` when unbounded). */
  maxRequests: number;
  /** Stop issuing at this simulated time in seconds (`Infinity` when unbounded). */
  durationSec: number;
  /** The first this many requests issued are warm-up (default 0). */
  warmupRequests?: number;
}

/** What {@link buildWorkload} returns. */
export type Workload = OpenWorkload | ClosedWorkload;

/** Environment of {@link buildWorkload}: the seed and how to reach files (kept out so the core stays pure). */
export interface BuildWorkloadOptions {
  /** Scenario seed; each purpose derives its own stream from it. */
  seed: number;
  /** Turns a path from the config into an absolute path (e.g. relative to the scenario file). */
  resolvePath: (p: string) => string;
  /** Opens an absolute path for line reading (Node: `openLineSource`). */
  openLines: (absPath: string) => LineSource;
  /** Key path of the workload section for error messages (default `workload`). */
  keyPrefix?: string;
  /** Prefix of the random stream names (e.g. `tenant.chat.`), so each tenant draws from its own streams. */
  streamPrefix?: string;
}

/**
 * Builds the workload described by `cfg` (as parsed by `WorkloadSchema`).
 *
 * @throws UserError for cross-field config problems (key path), bad parameters, missing or malformed files
 * @example
 * const w = buildWorkload(WorkloadSchema.parse({
 *   arrivals: { kind: 'poisson', ratePerSec: 8 },
 *   lengths: { input: { kind: 'lognormal', mean: 1000, p99: 4000 }, output: { kind: 'fixed', value: 200 } },
 *   requests: 5000,
 * }), { seed: 42, resolvePath: (p) => path.resolve(dir, p), openLines: (p) => openLineSource(p) });
 * if (w.kind === 'open') w.source.next();
 */
export function buildWorkload(cfg: WorkloadConfig, opts: BuildWorkloadOptions): Workload {
  const prefix = opts.keyPrefix ?? 'workload';
  const sp = opts.streamPrefix ?? '';
  const problem = workloadProblems(cfg)[0];
  if (problem) throw new UserError(problem.message, { where: [prefix, ...problem.path].join('.'), fix: problem.fix });

  const trace = cfg.trace;
  const openTrace = trace
    ? (): TraceSource =>
        readTrace(trace.format, opts.openLines(opts.resolvePath(trace.path)), {
          timeScale: trace.timeScale,
          timeScaleKey: `${prefix}.trace.timeScale`,
          tagColumn: trace.tenantColumn,
        })
    : null;

  const samplers = (): { input: LengthSampler; output: LengthSampler } => {
    const lengths = cfg.lengths!; // callers check: required without a trace, optional with trace arrivals
    return {
      input: lengthSampler(lengths.input, opts.seed, `${sp}lengths.input`, `${prefix}.lengths.input`, opts),
      output: lengthSampler(lengths.output, opts.seed, `${sp}lengths.output`, `${prefix}.lengths.output`, opts),
    };
  };

  const arrivals = cfg.arrivals;
  if (arrivals.kind === 'closed-loop') {
    let lengths: () => Lengths;
    let maxRequests = cfg.requests ?? Infinity;
    if (openTrace) {
      lengths = cyclingTraceLengths(openTrace);
      if (cfg.requests === undefined && cfg.durationSec === undefined) maxRequests = countRequests(openTrace());
    } else {
      const s = samplers();
      lengths = () => ({ inputTokens: s.input.sample(), outputTokens: s.output.sample() });
    }
    return {
      kind: 'closed',
      concurrency: arrivals.concurrency,
      thinkTimeSec: arrivals.thinkTimeMs / 1000,
      lengths,
      maxRequests,
      durationSec: cfg.durationSec ?? Infinity,
      warmupRequests: cfg.warmupRequests ?? 0,
    };
  }
  const warmupRequests = cfg.warmupRequests ?? 0;

  const caps = { maxRequests: cfg.requests, durationSec: cfg.durationSec };
  if (arrivals.kind === 'trace') {
    if (cfg.lengths) {
      const s = samplers();
      return { kind: 'open', source: cappedSource(relengthedSource(openTrace!(), s.input, s.output), caps), warmupRequests };
    }
    return { kind: 'open', source: cappedSource(openTrace!(), caps), warmupRequests };
  }
  const process = arrivalProcess(arrivals, opts.seed, `${prefix}.arrivals`, `${sp}arrivals`);
  if (openTrace) return { kind: 'open', source: cappedSource(retimedSource(process, openTrace()), caps), warmupRequests };
  const s = samplers();
  return { kind: 'open', source: cappedSource(syntheticSource(process, s.input, s.output), caps), warmupRequests };
}

/**
 * The arrival process of a synthetic open-loop config (stream `arrivals`).
 *
 * @example
 * arrivalProcess({ kind: 'gamma', ratePerSec: 8, cv: 3 }, 42).nextArrivalSec();
 */
export function arrivalProcess(
  cfg: Exclude<ArrivalsConfig, { kind: 'closed-loop' | 'trace' }>,
  seed: number,
  where = 'workload.arrivals',
  stream = 'arrivals',
): ArrivalProcess {
  const rng = createRng(seed, stream);
  switch (cfg.kind) {
    case 'poisson':
      return poissonArrivals(cfg, rng, where);
    case 'gamma':
      return gammaArrivals(cfg, rng, where);
    case 'constant':
      return constantArrivals(cfg, where);
    case 'burst':
      return burstArrivals();
  }
}

/**
 * The sampler for one length distribution, drawing from RNG stream `stream`.
 * `file` distributions are read whole through `resolvePath` + `openLines`.
 *
 * @example
 * lengthSampler({ kind: 'fixed', value: 200 }, 42, 'lengths.output', 'workload.lengths.output', env).sample(); // 200
 */
export function lengthSampler(
  cfg: LengthDistConfig,
  seed: number,
  stream: string,
  where: string,
  env: Pick<BuildWorkloadOptions, 'resolvePath' | 'openLines'>,
): LengthSampler {
  const rng = createRng(seed, stream);
  switch (cfg.kind) {
    case 'fixed':
      return fixedLengths(cfg, where);
    case 'uniform':
      return uniformLengths(cfg, rng, where);
    case 'normal':
      return normalLengths(cfg, rng, where);
    case 'lognormal':
      return lognormalLengths(cfg, rng, where);
    case 'file': {
      const lines = env.openLines(env.resolvePath(cfg.path));
      try {
        return empiricalLengths(readLengthColumn(lines, cfg.column), rng, where);
      } finally {
        closeIfClosable(lines);
      }
    }
  }
}

/** Reads a source to its end and returns how many requests it held. */
function countRequests(src: RequestSource): number {
  let n = 0;
  while (src.next() !== null) n++;
  return n;
}
