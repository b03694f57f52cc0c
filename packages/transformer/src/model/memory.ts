/**
 * Estimates of what a forward pass or a cached step allocates, from a model's metadata, so an
 * oversized call (8,000 tokens without a cache, a 3e6-slot cache, a million new tokens) is
 * refused before it starts instead of exhausting the wasm heap, which would leave the backend
 * broken for the rest of the process. The factors were measured with `tf.profile` on the
 * fixtures (all of a call's intermediates live until its outermost tidy ends): about 4.5
 * attention-score arrays per layer for a forward, 2.7 cache copies for a cached step.
 */
import { checkMemory } from '@penjing/named-array';
import type { TransformerMetadata } from './metadata.js';

const F32 = 4;
const prod = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a * b, 1);

/** What one call processes. */
export interface CallSize {
  /** Product of the batch axes. */
  readonly batch: number;
  /** New tokens per row. */
  readonly seq: number;
  /** Key positions each query attends over (seq without a cache, the cache length with one). */
  readonly kvSeq: number;
  /** Logits for the last position only. */
  readonly lastOnly: boolean;
}

/**
 * Bytes a forward pass (or a cached step, without the cache itself) allocates at its peak.
 *
 * @example forwardBytes(model.metadata, { batch: 1, seq: 8000, kvSeq: 8000, lastOnly: false }) // ≈ 1.8e10
 */
export function forwardBytes(m: TransformerMetadata, s: CallSize): number {
  const heads = prod(m.commonHeadAxes) * prod(m.queryOnlyHeadAxes);
  const perLayer = 6 * heads * s.seq * s.kvSeq + s.seq * (10 * m.embeddingDim + 4 * m.mlpHiddenDim + 4 * heads * m.projectionDim);
  const logits = 2 * (s.lastOnly ? 1 : s.seq) * m.vocabularySize;
  return F32 * s.batch * (m.numLayers * perLayer + logits);
}

/**
 * Bytes of a float32 KV cache with `slots` positions.
 *
 * @example cacheBytes(model.metadata, 1, 4096)
 */
export function cacheBytes(m: TransformerMetadata, batch: number, slots: number): number {
  return F32 * batch * slots * m.numLayers * 2 * prod(m.commonHeadAxes) * m.projectionDim;
}

/**
 * Refuses a forward pass that would not fit in the backend's memory.
 *
 * @example checkForwardFits(model.metadata, { batch: 1, seq: 8000, kvSeq: 8000, lastOnly: false }, 'GemmaTransformer.call');
 */
export function checkForwardFits(m: TransformerMetadata | undefined, s: CallSize, who: string, extraBytes = 0): void {
  if (!m || typeof m.numLayers !== 'number') return;
  checkMemory(forwardBytes(m, s) + extraBytes,
    `${who} on ${s.batch} × ${s.seq} tokens${s.kvSeq !== s.seq ? ` attending over ${s.kvSeq} positions` : ''}`,
    s.kvSeq !== s.seq
      ? 'Use a smaller cache (cacheLength / maxNewTokens), fewer rows, or fewer tokens per call.'
      : 'Split the batch, use fewer tokens per call, or generate with a KV cache (prefill in chunks).');
}
