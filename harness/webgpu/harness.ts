/** The WebGPU harness as a function: open a device, plan, self-check, measure, assemble the JSON document. */
import os from 'node:os';
import type { HarnessResult } from '../../src/calibrate/harness-schema.ts';
import type { HarnessModel } from '../common/models.ts';
import { planSweep, type PlanPreset } from '../common/plan.ts';
import type { HarnessPlan } from '../common/plan-schema.ts';
import { HARNESS_VERSION, assembleResult } from '../common/result.ts';
import { runWebgpuPlan, type Family } from './bench.ts';
import type { GpuContext } from './device.ts';

export interface WebgpuHarnessOptions {
  /** Default: 'full' on a GPU, 'smoke' on a software adapter (a full sweep there takes hours). */
  preset?: PlanPreset;
  models?: HarnessModel[];
  tp?: number[];
  families?: Family[];
  repeats?: number;
  budgetSeconds?: number;
  command?: string;
  /** Replace the planned sweep (tests use a tiny one). */
  plan?: HarnessPlan;
  log?: (line: string) => void;
}

export const SOFTWARE_NOTE =
  'software adapter: these timings come from a CPU rasteriser (e.g. Mesa llvmpipe); they prove that the ' +
  'harness runs and its kernels are correct, and say nothing about GPU speed — do not calibrate from them';

export function webgpuPlan(ctx: Pick<GpuContext, 'hasF16' | 'software'>, o: WebgpuHarnessOptions): HarnessPlan {
  if (o.plan !== undefined) return o.plan;
  const preset = o.preset ?? (ctx.software ? 'smoke' : 'full');
  return planSweep({ backend: 'webgpu', preset, models: o.models, tp: o.tp, f16: ctx.hasF16 });
}

export async function runWebgpuHarness(ctx: GpuContext, o: WebgpuHarnessOptions): Promise<HarnessResult> {
  const plan = webgpuPlan(ctx, o);
  const log = o.log ?? (() => {});
  const families = new Set<Family>(o.families ?? ['gemm', 'bandwidth', 'attention']);
  const bench = await runWebgpuPlan(ctx, plan, {
    repeats: o.repeats ?? plan.repeats,
    warmup: plan.warmup,
    // A software adapter is slow: short repeats keep the run bounded; a GPU gets ≥ 20 ms per repeat.
    minRepeatSeconds: ctx.software ? 0.002 : 0.02,
    maxInner: ctx.software ? 4 : 1000,
    families,
    budgetSeconds: o.budgetSeconds ?? (ctx.software ? 600 : 3600),
    log,
  });
  const notes = [...plan.notes, ...bench.notes];
  if (ctx.software && o.preset === undefined && o.plan === undefined) {
    notes.unshift('software adapter: the smoke preset was chosen (pass --quick or --full to override)');
  }
  if (ctx.software) notes.unshift(SOFTWARE_NOTE);
  notes.push(
    bench.timing === 'timestamp-query'
      ? 'timing: GPU timestamp queries around each repeat (empty timestamped passes bracket the work)'
      : 'timing: wall-clock from queue.submit until onSubmittedWorkDone (timestamp-query unavailable); includes submit and callback latency',
  );
  notes.push('gemm: plain WGSL tiled matmul (64×64 tile, 4×4 per invocation, fp32 accumulation), not a vendor BLAS');
  notes.push('bandwidth: bytes count reads + writes; gemv bytes are W + x + y');
  const features = [...ctx.adapter.features].sort().join(',');
  const details: Record<string, string> = {
    ...ctx.info,
    backend: ctx.backend,
    featureLevel: ctx.featureLevel,
    timing: bench.timing,
    software: String(ctx.software),
    features,
    maxStorageBufferBindingSize: String(ctx.limits.maxStorageBufferBindingSize),
  };
  const name = ctx.info['description'] || ctx.info['device'] || [ctx.info['vendor'], ctx.info['architecture']].filter(Boolean).join(' ') || 'unknown WebGPU adapter';
  const cpus = os.cpus();
  return assembleResult({
    harness: { backend: 'webgpu', version: HARNESS_VERSION, ...(o.command ? { command: o.command } : {}) },
    device: { name, ...(ctx.info['vendor'] ? { vendor: ctx.info['vendor'] } : {}), details },
    host: { hostname: os.hostname(), ...(cpus[0] ? { cpu: cpus[0].model } : {}) },
    gemm: bench.gemm,
    bandwidth: bench.bandwidth,
    attention: bench.attention,
    notes,
  });
}
