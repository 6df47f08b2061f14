/**
 * Simulates one benchmark result's run (`servesim calibrate --bench`) with given engine overheads: the
 * deployment from a resolved scenario, the load and lengths from the result file.
 *
 * - Load: a fixed concurrency → closed loop (the next request at each completion, as `vllm bench serve
 *   --max-concurrency` and genai-perf's concurrency mode do); a finite rate → Poisson arrivals (seeded);
 *   `request_rate: inf` without a concurrency → every request at t = 0.
 * - Lengths: per-request `input_lens` / `output_lens` are replayed in order; otherwise every request has the
 *   file's mean lengths.
 * - Size: at most `maxPrompts` requests are simulated for closed loops (at least 2 × the concurrency) and
 *   Poisson runs, so a 10,000-prompt run costs what a 400-prompt one does; rates and latency statistics of a
 *   stationary run barely depend on its length (the first-burst transient of a closed loop does, a little).
 *   A burst (every request at t = 0) is never capped: its TTFT grows with the number of prompts.
 *
 * The GPU-only step-time model of each pool is built once; every evaluation wraps it in a fresh engine layer
 * (src/engine/step-model.ts) with the candidate overheads, so an evaluation costs one simulation.
 */
import { simulateFleet } from '../fleet/simulate.ts';
import type { FleetInput, PoolInput } from '../fleet/types.ts';
import type { OpenWorkload, ClosedWorkload } from '../workload/build.ts';
import { arrivalProcess } from '../workload/build.ts';
import type { Request } from '../workload/types.ts';
import { createEngineStepModel } from '../engine/step-model.ts';
import type { EngineOverheads } from '../engine/kinds.ts';
import type { StepTimeModel } from '../perf/types.ts';
import { buildStepTimeModel } from './model-factory.ts';
import type { CalibrationDataSource } from './fs.ts';
import { latencyStatsMs } from '../metrics/summary.ts';
import type { LatencyStats } from '../metrics/summary.ts';
import type { ResolvedScenario } from '../scenario/resolve.ts';
import { UserError } from '../errors/user-error.ts';
import type { BenchResult, BenchStat } from './bench-read.ts';

/** Default cap on requests simulated per result file (`--max-prompts`). */
export const DEFAULT_MAX_PROMPTS = 400;

export interface BenchSimulator {
  /** The scenario's own overheads (engine kind defaults, or its `engine.overheads`). */
  readonly base: EngineOverheads;
  /** Predicted statistics of `bench` with `overheads` (missing keys: `base`). */
  predict(bench: BenchResult, overheads: Partial<EngineOverheads>): Partial<Record<BenchStat, number>>;
  /** Requests simulated for `bench`. */
  simulatedPrompts(bench: BenchResult): number;
}

/**
 * `calibration` must be the source the scenario was resolved with (its `ResolveEnv.calibration`).
 *
 * @throws UserError when the scenario has tenants or disaggregation (a benchmark drives one service)
 */
export function createBenchSimulator(r: ResolvedScenario, opts: { calibration: CalibrationDataSource; maxPrompts?: number }): BenchSimulator {
  const s = r.scenario;
  if (s.tenants) {
    throw new UserError('calibrate --bench needs a scenario without tenants (a benchmark result drives one service)', {
      where: 'calibrate --scenario', fix: 'use a scenario with a plain workload section',
    });
  }
  if (r.pools.some((p) => p.role !== 'mixed')) {
    throw new UserError('calibrate --bench does not fit disaggregated deployments yet', {
      where: 'calibrate --scenario', fix: 'remove the disaggregation section',
    });
  }
  const maxPrompts = opts.maxPrompts ?? DEFAULT_MAX_PROMPTS;
  const info = r.engineInfo;
  const base: EngineOverheads = { ...info.overheads };
  const inner: StepTimeModel[] = r.pools.map((p) => buildStepTimeModel({
    kind: s.perfModel, gpu: p.gpu, model: r.model, precision: r.precision, parallelism: p.parallelism,
    tableFallback: s.tableFallback, gpuOnly: true,
  }, opts.calibration).model);
  const template = r.fleetInput({});

  const count = (b: BenchResult): number => {
    // A burst is not stationary (TTFT grows with the number of prompts sent at once): never capped.
    const cap = b.load.kind === 'burst' ? Infinity : b.load.kind === 'closed' ? Math.max(maxPrompts, 2 * b.load.concurrency) : maxPrompts;
    return Math.max(1, Math.min(b.prompts, cap, b.inputLens?.length ?? Infinity));
  };

  function lengthsOf(b: BenchResult): () => { inputTokens: number; outputTokens: number } {
    let i = 0;
    const inMean = Math.max(1, Math.round(b.meanInput));
    const outMean = Math.max(1, Math.round(b.meanOutput));
    return () => {
      const k = i++;
      return {
        inputTokens: b.inputLens ? b.inputLens[k % b.inputLens.length]! : inMean,
        outputTokens: b.outputLens ? b.outputLens[k % b.outputLens.length]! : outMean,
      };
    };
  }

  function workloadOf(b: BenchResult): OpenWorkload | ClosedWorkload {
    const n = count(b);
    const next = lengthsOf(b);
    if (b.load.kind === 'closed') {
      return { kind: 'closed', concurrency: b.load.concurrency, thinkTimeSec: 0, lengths: next, maxRequests: n, durationSec: Infinity };
    }
    const process = b.load.kind === 'poisson'
      ? arrivalProcess({ kind: 'poisson', ratePerSec: b.load.ratePerSec }, s.seed, 'calibrate.arrivals')
      : null;
    let made = 0;
    return {
      kind: 'open',
      source: {
        next(): Request | null {
          if (made >= n) return null;
          made++;
          return { id: 0, arrivalSec: process ? process.nextArrivalSec() : 0, ...next() };
        },
      },
    };
  }

  function predict(b: BenchResult, given: Partial<EngineOverheads>): Partial<Record<BenchStat, number>> {
    const o: EngineOverheads = { ...base, ...given };
    const pools: PoolInput[] = template.pools.map((p, i) => ({
      ...p,
      perf: createEngineStepModel(inner[i]!, {
        stepSec: o.stepSec, perSeqSec: o.perSeqSec, perTpWorkerSec: o.perTpWorkerSec, gpuEfficiency: o.gpuEfficiency,
        overlapScheduling: info.overlapScheduling, cudaGraphSizes: info.cudaGraphSizes, tensor: r.pools[i]!.parallelism.tensor,
      }),
      ...(p.frontend ? {
        frontend: { ...p.frontend, requestSec: o.frontendRequestSec, inputTokenSec: o.frontendInputTokenSec, outputTokenSec: o.frontendOutputTokenSec },
      } : {}),
    }));
    const input: FleetInput = { ...template, pools, workloads: [{ tenant: 0, workload: workloadOf(b) }], perRequestDetail: false, recordSteps: false };
    const res = simulateFleet(input);
    const m = res.metrics;
    const out: Partial<Record<BenchStat, number>> = {};
    const put = (name: 'ttft' | 'tpot' | 'itl' | 'e2e', st: LatencyStats) => {
      if (st.count === 0) return;
      out[`${name}.mean`] = st.mean;
      out[`${name}.p50`] = st.p50;
      out[`${name}.p90`] = st.p90;
      out[`${name}.p99`] = st.p99;
    };
    put('ttft', latencyStatsMs(m.ttftSec.toArray()));
    put('tpot', latencyStatsMs(m.tpotSec.toArray()));
    put('itl', m.itl.stats());
    put('e2e', latencyStatsMs(m.e2eSec.toArray()));
    if (res.endSec > 0) {
      out['throughput.output'] = m.outputTokens / res.endSec;
      out['throughput.requests'] = m.completed / res.endSec;
      out['throughput.total'] = (m.inputTokens + m.outputTokens) / res.endSec;
    }
    return out;
  }

  return { base, predict, simulatedPrompts: count };
}
