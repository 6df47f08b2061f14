/**
 * Helpers that accumulate sequences into a BatchShape in place (no allocation), keeping the aggregate
 * definitions of `types.ts` in one place.
 */
import type { BatchShape } from './types.ts';

/** Zero a BatchShape in place. */
export function resetBatch(b: BatchShape): BatchShape {
  b.prefillTokens = 0; b.prefillSeqs = 0; b.prefillAttnPairs = 0; b.prefillKvTokens = 0;
  b.decodeSeqs = 0; b.decodeContextTokens = 0; b.logitSeqs = 0;
  return b;
}

/**
 * Add a prefill chunk of `chunk` new tokens after `priorContext` tokens already in the KV cache.
 * `finishesPrompt`: the chunk ends the prompt, so its last token's logits are computed (default true).
 */
export function addPrefillChunk(b: BatchShape, chunk: number, priorContext = 0, finishesPrompt = true): BatchShape {
  if (chunk <= 0) return b;
  b.prefillTokens += chunk;
  b.prefillSeqs += 1;
  b.prefillAttnPairs += chunk * (priorContext + (chunk + 1) / 2);
  b.prefillKvTokens += priorContext + chunk;
  if (finishesPrompt) b.logitSeqs += 1;
  return b;
}

/** Add `count` decoding sequences, each with `context` tokens of KV (including the new one). */
export function addDecodes(b: BatchShape, count: number, context: number): BatchShape {
  if (count <= 0) return b;
  b.decodeSeqs += count;
  b.decodeContextTokens += count * context;
  b.logitSeqs += count;
  return b;
}
