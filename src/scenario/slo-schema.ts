import { z } from 'zod';

/** Service-level objectives, shared by the scenario's `slo` and each tenant's `slo`. */
const statLimits = z
  .strictObject({
    mean: z.number().positive().optional(),
    p50: z.number().positive().optional(),
    p90: z.number().positive().optional(),
    p95: z.number().positive().optional(),
    p99: z.number().positive().optional(),
    max: z.number().positive().optional(),
  })
  .describe('Upper limits in milliseconds, by statistic');

export const SloSchema = z
  .strictObject({
    ttftMs: statLimits.optional(),
    tpotMs: statLimits.optional(),
    itlMs: statLimits.optional(),
    e2eMs: statLimits.optional(),
    queueMs: statLimits.optional(),
  })
  .describe('Service-level objectives checked after the run');

