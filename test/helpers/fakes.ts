import type { BatchShape, StepCost, StepTimeModel } from '../../src/perf/types.ts';
import type { Request, RequestSource } from '../../src/workload/types.ts';
import type { EngineConfig } from '../../src/engine/config.ts';

/** A step-time model with a fixed cost per step plus costs per prefill token and per decode sequence. */
export function linearPerf(baseSec: number, perPrefillTokenSec = 0, perDecodeSeqSec = 0): StepTimeModel {
  return {
    name: 'linear-test',
    predict(b: BatchShape, cost?: StepCost): number {
      const s = baseSec + perPrefillTokenSec * b.prefillTokens + perDecodeSeqSec * b.decodeSeqs;
      if (cost) { cost.seconds = s; cost.flops = 0; cost.bytes = 0; cost.computeBoundSec = 0; cost.commSec = 0; cost.overheadSec = baseSec; }
      return s;
    },
  };
}

export function arraySource(reqs: Request[]): RequestSource {
  let i = 0;
  return { next: () => (i < reqs.length ? reqs[i++] : null) };
}

export function engine(over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    scheduler: 'continuous', maxNumSeqs: 256, maxBatchedTokens: 8192, blockSize: 16, watermark: 0.01,
    maxModelLen: 1 << 20, prefixCaching: false, ...over,
  };
}

/** Deterministic LCG for building test inputs without pulling in the workload layer. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
