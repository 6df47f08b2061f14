/**
 * WebGPU microbenchmark harness.
 *   node --import tsx harness/webgpu/run.ts [--quick|--smoke|--full] [--out file.json] [--plan] [--backend auto|default|opengles]
 *        [--model NAME|name:hidden:heads:kv:headDim:ffn] [--tp 1,2] [--only gemm,bandwidth,attention] [--repeats N]
 * Writes the harness JSON (src/calibrate/harness-schema.ts) to --out, or to stdout; progress goes to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseModelSpec } from '../common/models.ts';
import { planSweep, type PlanPreset } from '../common/plan.ts';
import type { Family } from './bench.ts';
import { openGpu, type BackendChoice } from './device.ts';
import { runWebgpuHarness } from './harness.ts';

function fail(msg: string, code = 2): never {
  process.stderr.write(`harness/webgpu: ${msg}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      out: { type: 'string' },
      plan: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'auto' },
      model: { type: 'string', multiple: true },
      tp: { type: 'string' },
      only: { type: 'string' },
      repeats: { type: 'string' },
      'budget-seconds': { type: 'string' },
      f16: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node --import tsx harness/webgpu/run.ts [--quick|--smoke|--full] [--out file.json] [--plan [--f16]] [--backend auto|default|opengles]\n' +
        '       [--model NAME|name:hidden:heads:kv:headDim:ffn[:gated|:plain]]... [--tp 1,2] [--only gemm,bandwidth,attention]\n' +
        '       [--repeats N] [--budget-seconds S]\n',
    );
    return;
  }
  if (Number(values.quick) + Number(values.smoke) + Number(values.full) > 1) fail('--quick, --smoke and --full exclude one another');
  const preset: PlanPreset | undefined = values.quick ? 'quick' : values.smoke ? 'smoke' : values.full ? 'full' : undefined;
  const models = values.model?.map(parseModelSpec);
  const tp = values.tp?.split(',').map((s) => Number(s));
  if (tp?.some((x) => !Number.isInteger(x) || x < 1)) fail(`--tp must be positive integers, got ${values.tp}`);

  if (values.plan || values['dry-run']) {
    // No GPU needed: the plan a run would execute (fp16 rows only with --f16, as an adapter with shader-f16 would).
    const plan = planSweep({ backend: 'webgpu', preset: preset ?? 'full', models, tp, f16: values.f16 });
    process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
    return;
  }

  const backend = values.backend as BackendChoice;
  if (!['auto', 'default', 'opengles'].includes(backend)) fail(`--backend must be auto, default or opengles`);
  const families = values.only?.split(',') as Family[] | undefined;
  if (families?.some((f) => !['gemm', 'bandwidth', 'attention'].includes(f))) fail(`--only takes gemm,bandwidth,attention`);
  const repeats = values.repeats !== undefined ? Number(values.repeats) : undefined;
  if (repeats !== undefined && !(Number.isInteger(repeats) && repeats > 0)) fail('--repeats must be a positive integer');

  const ctx = await openGpu(backend);
  if ('error' in ctx) fail(`${ctx.error}. Without a GPU, install Mesa's EGL/llvmpipe (see docs/harness.md).`, 3);
  const log = (l: string) => process.stderr.write(l + '\n');
  log(`adapter: ${ctx.info['description'] ?? '?'} (${ctx.backend}, ${ctx.featureLevel}; f16=${ctx.hasF16}, timestamps=${ctx.hasTimestamps}${ctx.software ? ', SOFTWARE' : ''})`);
  try {
    const result = await runWebgpuHarness(ctx, {
      preset, models, tp, families, repeats,
      budgetSeconds: values['budget-seconds'] !== undefined ? Number(values['budget-seconds']) : undefined,
      command: ['node --import tsx harness/webgpu/run.ts', ...process.argv.slice(2)].join(' '),
      log,
    });
    const json = JSON.stringify(result, null, 2) + '\n';
    if (values.out !== undefined) {
      mkdirSync(dirname(values.out), { recursive: true });
      writeFileSync(values.out, json);
      log(`wrote ${values.out}: ${result.gemm.length} gemm, ${result.bandwidth.length} bandwidth, ${result.attention.length} attention points`);
    } else {
      process.stdout.write(json);
    }
  } finally {
    ctx.close();
  }
}

main().catch((e) => fail((e as Error).stack ?? String(e), 1));
