/**
 * Public API of the workload layer (environment-independent; the Node file adapter is imported separately
 * from `./node-line-source.ts` so browser bundles never pull in `node:fs`).
 */
export type { Lengths, LengthSampler, LineSource, Request, RequestSource } from './types.ts';
export { createRng, exponential, gamma, standardNormal, type Rng } from './rng.ts';
export type { ArrivalProcess } from './arrivals/arrival-process.ts';
export { poissonArrivals, type PoissonArrivalParams } from './arrivals/poisson.ts';
export { gammaArrivals, type GammaArrivalParams } from './arrivals/gamma.ts';
export { constantArrivals, type ConstantArrivalParams } from './arrivals/constant.ts';
export { burstArrivals } from './arrivals/burst.ts';
export type { ClosedLoopParams, LengthsSource } from './arrivals/closed-loop.ts';
export { fixedLengths, type FixedLengthParams } from './lengths/fixed.ts';
export { uniformLengths, type UniformLengthParams } from './lengths/uniform.ts';
export { normalLengths, type NormalLengthParams } from './lengths/normal.ts';
export { lognormalLengths, solveLognormal, Z_P99, type LognormalLengthParams, type LognormalShape } from './lengths/lognormal.ts';
export { empiricalLengths, readLengthColumn, type FileLengthParams } from './lengths/empirical.ts';
export { readAzureTrace, parseAzureTimestamp, azureSecondsBetween } from './traces/azure.ts';
export { readMooncakeTrace, MOONCAKE_HASH_BLOCK_TOKENS } from './traces/mooncake.ts';
export { readSplitwiseTrace } from './traces/splitwise.ts';
export { detectTraceFormat, readTrace, TRACE_FORMATS, type TraceFormat } from './traces/open-trace.ts';
export type { TraceOptions, TraceSource } from './traces/trace-source.ts';
export { stringLineSource } from './string-line-source.ts';
export { closeIfClosable, type Closable } from './close.ts';
export { cappedSource, type SourceCaps } from './sources/capped.ts';
export { syntheticSource } from './sources/synthetic.ts';
export { retimedSource } from './sources/retimed.ts';
export * from './schema.ts';
export { buildWorkload, arrivalProcess, lengthSampler, type BuildWorkloadOptions, type ClosedWorkload, type OpenWorkload, type Workload } from './build.ts';
export { traceStats, formatTraceStats, type LengthSummary, type TraceStats } from './stats.ts';
