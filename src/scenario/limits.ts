/**
 * Upper bounds on what one scenario may ask for. Beyond them a run would take hours or exhaust memory
 * (every replica and every waiting request is an object); a scenario over a bound is rejected with the
 * key named instead of hanging or aborting out of heap. Documented in docs/scenario.md ("Limits").
 */
/** Replicas of one pool (`replicas`, `pools[].replicas`, `maxReplicas`, scheduled counts). */
export const MAX_REPLICAS = 10_000;
/** Requests of one workload or tenant (`requests`, or `ratePerSec × durationSec` when no count is given). */
export const MAX_REQUESTS = 10_000_000;
/** Requests that arrive at once (`burst` arrivals keep them all waiting) and closed-loop users. */
export const MAX_CONCURRENT_REQUESTS = 1_000_000;
