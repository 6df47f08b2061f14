export const SCHEDULERS = ['continuous', 'chunked-prefill', 'prefill-first', 'static'] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

/** Engine settings of one replica (vLLM names where vLLM has the knob). */
export interface EngineConfig {
  scheduler: SchedulerKind;
  /** Most sequences in one batch (running set). */
  maxNumSeqs: number;
  /** Token budget of one step (prefill tokens + decode tokens). */
  maxBatchedTokens: number;
  /** Tokens per KV block. */
  blockSize: number;
  /** Free-block fraction kept back when admitting new prefills (vLLM: 0.01). */
  watermark: number;
  /** Longest input + output a request may have (defaults to the model's max context). */
  maxModelLen: number;
  prefixCaching: boolean;
  /** Admit a request only when its whole input + output fits in the KV cache (TensorRT-LLM GUARANTEED_NO_EVICT). */
  guaranteedNoEvict?: boolean;
  /** A prompt must be prefilled in one step (no chunking): a longer prompt than the budget is rejected. */
  wholePrompt?: boolean;
  /**
   * How a running sequence is preempted when the KV cache runs out (vLLM V0 preemption_mode): drop its KV and
   * recompute it later (default), or swap its KV to host memory and back (decoding sequences only, while the
   * swap space lasts).
   */
  preemption?: 'recompute' | 'swap';
  /** Host memory for swapped KV per GPU of the replica, bytes (vLLM swap_space; default 4 GiB). */
  swapSpaceBytesPerGpu?: number;
}
