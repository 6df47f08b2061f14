/** Runs a planned sweep on a WebGPU device and returns the measured points (schema types). */
import type { AttentionPoint, BandwidthPoint, GemmPoint } from '../../src/calibrate/harness-schema.ts';
import type { HarnessPlan } from '../common/plan-schema.ts';
import { attentionPoint, bandwidthPoint, gemmPoint } from '../common/result.ts';
import { innerIterations } from '../common/stats.ts';
import { selfCheck, type CheckResult } from './checks.ts';
import type { GpuContext } from './device.ts';
import { ATTENTION_KERNEL_LABEL } from './kernels.ts';
import { makeAttention, makeBufferCopy, makeGemv, makeMatmul, makeStream, type GpuOp } from './ops.ts';
import { GpuTimer, type TimingMethod } from './timing.ts';

export type Family = 'gemm' | 'bandwidth' | 'attention';

export interface BenchOptions {
  repeats: number;
  warmup: number;
  /** One timed repeat holds enough back-to-back launches to last at least this long. */
  minRepeatSeconds: number;
  maxInner: number;
  families: ReadonlySet<Family>;
  /** Stop starting new points after this many seconds (the rest are noted as skipped). */
  budgetSeconds: number;
  log: (line: string) => void;
}

export interface BenchOutput {
  gemm: GemmPoint[];
  bandwidth: BandwidthPoint[];
  attention: AttentionPoint[];
  notes: string[];
  timing: TimingMethod;
  checks: CheckResult[];
}

async function measure(timer: GpuTimer, op: GpuOp, o: BenchOptions): Promise<number[]> {
  let estimate = 0;
  for (let i = 0; i < Math.max(1, o.warmup); i++) estimate = await timer.time((enc) => op.encode(enc, 1));
  const inner = innerIterations(estimate, o.minRepeatSeconds, o.maxInner);
  const samples: number[] = [];
  for (let r = 0; r < o.repeats; r++) samples.push((await timer.time((enc) => op.encode(enc, inner))) / inner);
  return samples;
}

/** Runs `body` inside validation and out-of-memory error scopes; returns the error message, if any. */
async function guarded(ctx: GpuContext, body: () => Promise<void>): Promise<string | null> {
  ctx.device.pushErrorScope('out-of-memory');
  ctx.device.pushErrorScope('validation');
  let thrown: string | null = null;
  try {
    await body();
  } catch (e) {
    thrown = (e as Error).message;
  }
  const validation = await ctx.device.popErrorScope();
  const oom = await ctx.device.popErrorScope();
  return thrown ?? validation?.message ?? oom?.message ?? null;
}

export async function runWebgpuPlan(ctx: GpuContext, plan: HarnessPlan, o: BenchOptions): Promise<BenchOutput> {
  const out: BenchOutput = { gemm: [], bandwidth: [], attention: [], notes: [], timing: 'timestamp-query', checks: [] };
  const timer = new GpuTimer(ctx);
  out.timing = timer.method;
  const maxBinding = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  const started = performance.now();
  const overBudget = () => (performance.now() - started) / 1e3 > o.budgetSeconds;
  const skipped: Record<string, number> = {};
  const skip = (why: string) => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };

  // Kernel correctness first: a family whose kernel is wrong is not measured.
  const checks = await selfCheck(ctx);
  out.checks = [...checks.gemm, ...checks.bandwidth, ...checks.attention];
  const familyOk = (cs: CheckResult[]) => cs.every((c) => c.ok);
  for (const [fam, cs] of Object.entries(checks) as Array<[Family, CheckResult[]]>) {
    const worst = Math.max(...cs.map((c) => c.maxScaledError));
    if (familyOk(cs)) out.notes.push(`self-check ${fam}: ${cs.length} kernels match the CPU reference (worst scaled error ${worst.toPrecision(3)} of 1)`);
    else out.notes.push(`self-check ${fam} FAILED (${cs.filter((c) => !c.ok).map((c) => c.name).join(', ')}): family not measured`);
  }

  const run = async (label: string, bytesNeeded: number, make: () => GpuOp, record: (samples: number[]) => void) => {
    if (overBudget()) return skip('time budget exhausted');
    if (bytesNeeded > maxBinding) return skip(`a buffer exceeds the device's binding limit (${maxBinding} B)`);
    const err = await guarded(ctx, async () => {
      const op = make();
      try {
        record(await measure(timer, op, o));
      } finally {
        op.destroy();
      }
    });
    if (err !== null) {
      out.notes.push(`${label}: skipped (${err})`);
    } else {
      o.log(`  ${label}`);
    }
  };

  if (o.families.has('gemm') && familyOk(checks.gemm)) {
    o.log(`gemm: ${plan.gemm.length} shapes`);
    for (const g of plan.gemm) {
      if (g.dtype !== 'fp32' && g.dtype !== 'fp16') {
        skip(`gemm ${g.dtype} is not a WebGPU shader type`);
        continue;
      }
      const t = g.dtype === 'fp16' ? 'f16' : 'f32';
      if (t === 'f16' && !ctx.hasF16) {
        skip('fp16 needs shader-f16');
        continue;
      }
      const eb = t === 'f16' ? 2 : 4;
      await run(`gemm ${g.dtype} ${g.op} m=${g.m}`, Math.max(g.m * g.k, g.n * g.k, g.m * g.n) * eb, () => makeMatmul(ctx, t, g.m, g.n, g.k), (s) => {
        const p = gemmPoint(g.dtype, g.m, g.n, g.k, s, g.op);
        if (p) out.gemm.push(p);
        else skip('gemm timing not positive');
      });
    }
  }

  if (o.families.has('bandwidth') && familyOk(checks.bandwidth)) {
    o.log(`bandwidth: ${plan.bandwidth.length} points`);
    for (const b of plan.bandwidth) {
      if (b.kind === 'gemv') {
        const t = b.dtype === 'f16' ? 'f16' : 'f32';
        if (t === 'f16' && !ctx.hasF16) {
          skip('gemv f16 needs shader-f16');
          continue;
        }
        const eb = t === 'f16' ? 2 : 4;
        await run(`gemv ${b.dtype} ${b.op ?? ''} ${b.n}x${b.k}`, b.n! * b.k! * eb, () => makeGemv(ctx, t, b.n!, b.k!), (s) => {
          const p = bandwidthPoint('gemv', b.bytes, s, b.dtype);
          if (p) out.bandwidth.push(p);
        });
        continue;
      }
      const arrayBytes = b.arrayBytes!;
      const make = b.dtype === 'copyBufferToBuffer' ? () => makeBufferCopy(ctx, arrayBytes) : () => makeStream(ctx, b.kind as 'copy' | 'triad' | 'read', arrayBytes);
      await run(`${b.kind} (${b.dtype}) ${arrayBytes} B/array`, arrayBytes, make, (s) => {
        const p = bandwidthPoint(b.kind, b.bytes, s, b.dtype);
        if (p) out.bandwidth.push(p);
      });
    }
  }

  if (o.families.has('attention') && familyOk(checks.attention)) {
    o.log(`attention: ${plan.attention.length} points`);
    for (const a of plan.attention) {
      const shape = {
        batch: a.batch, queryTokens: a.queryTokens, contextTokens: a.contextTokens, numHeads: a.numHeads,
        numKvHeads: a.numKvHeads, headDim: a.headDim, causal: a.causal,
      };
      const kvBytes = a.batch * (a.contextTokens + a.queryTokens) * a.numKvHeads * a.headDim * 4;
      await run(`attention ${a.phase} b=${a.batch} q=${a.queryTokens} c=${a.contextTokens}`, kvBytes, () => makeAttention(ctx, shape), (s) => {
        const p = attentionPoint({ phase: a.phase, ...shape, dtype: 'fp32', kernel: ATTENTION_KERNEL_LABEL }, s);
        if (p) out.attention.push(p);
      });
    }
  }

  for (const [why, n] of Object.entries(skipped)) out.notes.push(`${n} planned point(s) skipped: ${why}`);
  if (timer.fallbacks > 0) out.notes.push(`${timer.fallbacks} timestamp reading(s) unusable; wall-clock used for those`);
  timer.destroy();
  return out;
}
