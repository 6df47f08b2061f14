/**
 * One inference request as the workload layer hands it to the fleet.
 * Times are seconds from the start of the simulation; lengths are tokens.
 */
export interface Request {
  /** 0-based, in arrival order. */
  id: number;
  arrivalSec: number;
  inputTokens: number;
  outputTokens: number;
  /**
   * Optional prefix-block hashes (Mooncake `hash_ids`): hashIds[i] identifies the content of input tokens
   * [i*hashBlockTokens, (i+1)*hashBlockTokens). Equal leading ids ⇒ shared prefix.
   */
  hashIds?: Int32Array;
  /** Tokens covered by one hash id (Mooncake: 512). */
  hashBlockTokens?: number;
  /** Optional session id for multi-turn traces (−1 or absent when unknown). */
  sessionId?: number;
  /** Tenant index in the scenario's `tenants` list (absent: 0). */
  tenant?: number;
  /** Priority class of the request (lower is served first; absent: 0). */
  priority?: number;
  /** Raw value of a trace's tag column (`trace.tenantColumn`), e.g. the tenant name. */
  tag?: string;
  /** A warm-up request (`workload.warmupRequests`): it runs, but no latency or throughput statistic counts it. */
  warmup?: boolean;
}

/** A lazy, pull-based stream of requests in non-decreasing arrival order. `null` when exhausted. */
export interface RequestSource {
  next(): Request | null;
}

/** Input/output token lengths for one request (used by synthetic and closed-loop workloads). */
export interface Lengths {
  inputTokens: number;
  outputTokens: number;
}

/** Draws token lengths, one request at a time. */
export interface LengthSampler {
  sample(): number;
}

/**
 * Line-oriented text input that the (environment-independent) trace parsers read.
 * `lineNo` is the 1-based number of the line last returned. Node file reading lives in an adapter.
 */
export interface LineSource {
  readonly name: string;
  nextLine(): string | null;
  readonly lineNo: number;
}
