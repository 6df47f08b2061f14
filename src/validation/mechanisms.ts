/**
 * Which error mechanisms (explained in validation/rows.yaml `mechanisms:`) apply to a case, derived from its
 * conditions and a few facts of the run. Pure.
 */
import type { ValidationCase } from './types.ts';
import { meanLengths } from './engines.ts';

export interface CaseFacts {
  isMoe: boolean;
  kvCapacityTokens: number;
  maxNumSeqs: number;
}

export function deriveMechanisms(c: ValidationCase, f: CaseFacts): string[] {
  const s = c.spec;
  const out = new Set<string>(c.mechanisms);
  const { input, output } = meanLengths(s);
  const measuresLatency = s.measured.some((m) => /^(ttft|tpot|itl)\./.test(m.metric));
  if (s.arrivals.kind === 'burst' && s.requests > 1 && s.engine !== 'trt-static' && measuresLatency) out.add('burst-queueing');
  if ((s.arrivals.kind === 'closed-loop' && s.arrivals.concurrency <= 16) || (s.arrivals.kind === 'poisson' && s.arrivals.ratePerSec <= 4)
    || (s.engine === 'trt-static' && (s.flags.staticBatch ?? 0) <= 8) || (s.arrivals.kind === 'burst' && s.requests <= 8)) {
    out.add('per-step-overhead');
  }
  if (c.source === 'gpustack') out.add('chat-template');
  if (c.source === 'gpustack' || /^VLLM-blog/.test(c.rowKey)) out.add('serving-frontend');
  if (c.source === 'gpustack' && s.lengths.kind === 'fixed') out.add('early-stop');
  if (s.lengths.kind === 'sharegpt') out.add('sharegpt-shape');
  if (input >= 16000) out.add('long-context-attention');
  const concurrentDemand = Math.min(s.requests, f.maxNumSeqs) * (input + output);
  if (f.kvCapacityTokens > 0 && concurrentDemand > f.kvCapacityTokens) out.add('kv-limited');
  if (f.isMoe) out.add('moe-routing');
  if (/^gpt-oss/.test(s.model)) out.add('mxfp4-approx');
  if (s.pipeline > 1) out.add('pipeline-serial');
  if (s.engine === 'trt-static') out.add('static-2023');
  if (s.engine === 'trtllm-bench' || s.engine === 'trtllm-serve') out.add('trt-inflight');
  if (s.engine === 'trtllm-serve' && s.measured.some((m) => m.metric.startsWith('itl.'))) out.add('bursty-streaming');
  if (s.weights === 'fp8' && /^(qwen3|deepseek)/.test(s.model)) out.add('fp8-blockwise');
  if (s.weights === 'int4' && !/^gpt-oss/.test(s.model)) out.add('weight-only-int4');
  return [...out].sort();
}
