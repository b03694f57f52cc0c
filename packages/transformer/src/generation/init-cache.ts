/**
 * Building an empty {@link KVCache} for a model: one entry per attention layer, shaped from
 * the model (head axes and projection size), for a given batch and cache length.
 */
import * as nx from '@penjing/named-array';
import { checkMemory } from '@penjing/named-array';
import { ApplyCausalSlidingWindowAttentionMask, Attention, Layer, Linear, select } from '@penjing/layers';
import { KVCache, KV_SEQ, emptyEntry, type CacheLayerSpec } from './kv-cache.js';
import { KVCachingAttention } from './caching-attention.js';
import { KVCachingTransformerLM, type UncachedModel } from './caching-model.js';

/** Options of {@link initCache}. */
export interface InitCacheOptions {
  /** Slots per full entry: the most tokens (prompt, padding and generated) one cache can hold. */
  readonly cacheLength: number;
  /** A single batch axis `batch` of this size (default 1). */
  readonly batchSize?: number;
  /** Batch axes by name and size, e.g. `{batch: 2, sample: 4}` (instead of `batchSize`). */
  readonly batchAxes?: Readonly<Record<string, number>>;
  /**
   * `'full'` (default): every layer caches all `cacheLength` slots, as `gm` does.
   * `'window'`: sliding-window layers cache only their window (W slots instead of
   * `cacheLength`), saving `1 − W / cacheLength` of those layers' key/value bytes — for
   * Gemma 3 (five of six layers local, W = 512 or 1024) at a 32K context, about 80% of the
   * whole cache. Exact for any padding layout; see {@link KVCachingAttention}.
   */
  readonly slidingWindowCache?: 'full' | 'window';
  /** Key/value axes (head axes and `projection`) of every layer, when they cannot be read off the model. */
  readonly kvAxes?: Readonly<Record<string, number>>;
}

/**
 * An empty cache for a model (its uncached or its caching form): zero keys and values, every
 * position −1, end index 0. Each entry has axes `{batch…, kv_seq: cacheLength, head axes…,
 * projection}`, the head axes being those the model's key projection produces (Penzai's
 * `heads`, `head_groups` or none for multi-query attention).
 *
 * @example
 * const cache = initCache(model, { batchSize: 2, cacheLength: 128 });
 * cache.layers.length;               // model.config.numLayers
 * cache.layers[0].keys.namedShape;   // { batch: 2, kv_seq: 128, projection: 256 } (Gemma 3 1B)
 */
export function initCache(model: UncachedModel | KVCachingTransformerLM, options: InitCacheOptions): KVCache {
  const { cacheLength } = options;
  if (!Number.isInteger(cacheLength) || cacheLength < 1) throw new RangeError(`initCache: cacheLength must be a positive integer; got ${cacheLength}.`);
  if (options.batchAxes && options.batchSize !== undefined) throw new RangeError('initCache: give batchSize or batchAxes, not both.');
  const batch = options.batchAxes ?? { batch: options.batchSize ?? 1 };
  for (const [n, s] of Object.entries(batch)) {
    if (!Number.isInteger(s) || s < 1) throw new RangeError(`initCache: batch axis '${n}' must have a positive integer size; got ${s}.`);
    if (n === KV_SEQ || n === 'seq') throw new RangeError(`initCache: '${n}' cannot be a batch axis name.`);
  }
  const mode = options.slidingWindowCache;
  if (mode !== undefined && mode !== 'full' && mode !== 'window') {
    throw new RangeError(`initCache: slidingWindowCache must be 'full' or 'window'; got ${JSON.stringify(mode)}.`);
  }
  const specs = cacheLayerSpecs(model, options.kvAxes);
  const windowed = mode === 'window';
  const rows = Object.values(batch).reduce((a, b) => a * b, 1);
  const bytes = specs.reduce((sum, s) => {
    const slots = windowed && s.slidingWindow !== null && s.slidingWindow < cacheLength ? s.slidingWindow : cacheLength;
    return sum + 2 * 4 * rows * slots * Object.values(s.kvAxes).reduce((a, b) => a * b, 1);
  }, 4 * rows * cacheLength);
  // The cache, plus the copy each step makes of it: refused before a byte is allocated.
  checkMemory(3 * bytes, `a KV cache of ${cacheLength} slots × ${rows} rows`, 'Use a smaller cacheLength (or maxNewTokens), fewer rows, or slidingWindowCache: \'window\'.');
  const layers = specs.map((s) => {
    const useWindow = windowed && s.slidingWindow !== null && s.slidingWindow < cacheLength;
    return emptyEntry(batch, useWindow ? s.slidingWindow! : cacheLength, s, useWindow);
  });
  return new KVCache({ endIndex: 0, kvTokenPositions: nx.full({ ...batch, [KV_SEQ]: cacheLength }, -1, 'int32'), layers });
}

/**
 * The shape of each cache entry, in cache order: the caching layers by `cacheIndex`, or the
 * uncached `Attention` layers in tree order (the order {@link toCachingModel} numbers them).
 * @example cacheLayerSpecs(model).map((s) => s.slidingWindow) // [512, 512, 512, 512, 512, null, …]
 */
export function cacheLayerSpecs(model: UncachedModel | KVCachingTransformerLM, kvAxes?: Readonly<Record<string, number>>): CacheLayerSpec[] {
  const body = model instanceof Layer && !('body' in model && (model as { body: unknown }).body instanceof Layer) ? model : (model as { body: Layer }).body;
  const caching = select(body).atInstancesOf(KVCachingAttention).getSequence();
  const layers: (Attention | KVCachingAttention)[] = caching.length
    ? [...caching].sort((a, b) => a.cacheIndex - b.cacheIndex)
    : select(body).atInstancesOf(Attention).getSequence();
  if (!layers.length) throw new RangeError('initCache: the model has no attention layers.');
  const metadata = (model as { metadata?: unknown }).metadata;
  return layers.map((layer, i) => {
    const axes = kvAxes ?? keyAxesOf(layer) ?? metadataKvAxes(metadata);
    if (!axes) {
      throw new RangeError(`initCache: cannot tell the key/value axes of attention layer ${i} (no Linear in its key projection and no model metadata); pass kvAxes, e.g. {heads: 4, projection: 64}.`);
    }
    const window = select(layer.queryKeyToAttn).atInstancesOf(ApplyCausalSlidingWindowAttentionMask).getSequence();
    return { kvAxes: axes, slidingWindow: window.length ? Math.max(...window.map((m) => m.slidingWindowSize)) : null };
  });
}

/** The output axes of the first Linear in the key projection (its weights' non-input axes). */
function keyAxesOf(layer: Attention | KVCachingAttention): Record<string, number> | undefined {
  const linear = select(layer.inputToKey).atInstancesOf(Linear).getSequence()[0];
  if (!linear) return undefined;
  const w = linear.weights as { value?: nx.NamedArray; namedShape?: Readonly<Record<string, number>> };
  let shape: Readonly<Record<string, number>> | undefined;
  try {
    shape = w.namedShape ?? (w.value?.namedShape as Record<string, number> | undefined);
  } catch {
    return undefined; // an unbound slot without a recorded shape
  }
  if (!shape) return undefined;
  return Object.fromEntries(Object.entries(shape).filter(([n]) => !linear.inAxisNames.includes(n)));
}

function metadataKvAxes(metadata: unknown): Record<string, number> | undefined {
  const m = metadata as { commonHeadAxes?: Record<string, number>; projectionDim?: number } | null | undefined;
  if (!m || typeof m.projectionDim !== 'number') return undefined;
  return { ...(m.commonHeadAxes ?? {}), projection: m.projectionDim };
}
