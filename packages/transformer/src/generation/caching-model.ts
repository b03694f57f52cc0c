/**
 * A transformer's KV-caching form (Penzai's `KVCachingTransformerLM`): the same body with
 * every `Attention` replaced by a {@link KVCachingAttention}, run by a wrapper that derives
 * the new tokens' positions from the cache, hands the cache to the attention layers as a side
 * input and collects the updated entries from their side outputs. Prefill (many tokens) and
 * decoding (one token) are the same call.
 */
import type * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import {
  ApplyCausalAttentionMask,
  ApplyCausalSlidingWindowAttentionMask,
  Attention,
  CollectSideOutputs,
  Layer,
  LayerError,
  SIDE_OUTPUTS,
  WithSideInputsFromInput,
  child,
  select,
  staticField,
  type SideInputs,
} from '@penjing/layers';
import { KVCache, KVCacheEntry, KV_SEQ, writeSlots } from './kv-cache.js';
import { checkForwardFits } from '../model/memory.js';
import type { TransformerMetadata } from '../model/metadata.js';
import { KVCachingAttention, KV_CACHE, KV_CACHE_DONATED, KV_TOKEN_POSITIONS, TOKEN_POSITIONS, cacheTags } from './caching-attention.js';

/** Side input with the cache's end index (slots written before this call), as a number. */
export const CACHE_END_INDEX = 'cacheEndIndex';
/** Side input asking the body for the last token's logits only (Gemma's `SelectLastToken`). */
export const RETURN_LAST_ONLY = 'returnLastOnly';

/** Input of one caching step. */
export interface CachingStepInput {
  /** Int32 token ids `{batch…, seq}` (seq ≥ 1). */
  readonly tokens: NamedArray;
  readonly cache: KVCache;
  /**
   * Bool `{batch…, seq}`: true for real tokens, false for padding (position −1, never
   * attended to). Default: `tokens ≠ padId`.
   */
  readonly tokenMask?: NamedArray;
  /**
   * Logits of each row's last real token only, `{batch…, vocabulary}` (when the body honours
   * the `returnLastOnly` side input, as Gemma's does). Default false.
   */
  readonly returnLastOnly?: boolean;
  /**
   * The caller gives `cache` up (default false): the step may write the new keys and values
   * into the cache's own buffers (on wasm) instead of copying every entry, and the returned
   * cache then shares those buffers. Afterwards `cache` may only be disposed — its tensors
   * may have changed, and a second step from it would overwrite the first one's cache. For
   * loops that own their cache (`generate` does this); never for a cache held elsewhere or
   * forked. Buffers a cache shares with another tensor are copied as usual.
   */
  readonly donateCache?: boolean;
}

/** Output of one caching step. */
export interface CachingStepOutput {
  /** `{batch…, seq, vocabulary}` for the new tokens (`{batch…, vocabulary}` with `returnLastOnly`). */
  readonly logits: NamedArray;
  /** The cache with the new tokens appended (shares no tensor with the input cache, unless it was donated). */
  readonly cache: KVCache;
}

/** What {@link toCachingModel} accepts: a TransformerLM (anything with a `body` layer) or a bare body. */
export type UncachedModel = Layer | { readonly body: Layer; readonly metadata?: unknown };

/**
 * A language model that reads and extends a {@link KVCache}. Call it with
 * `{tokens, cache}` (or use {@link step}); it returns the logits of the new tokens and the
 * next cache. The body is the uncached model's body with its attention layers replaced, so
 * everything a user inserted (probes, patches, LoRA) runs as before.
 *
 * @example
 * const lm = toCachingModel(model);
 * let cache = initCache(lm, { batchSize: 1, cacheLength: 64 });
 * const { logits, cache: next } = lm.step(promptTokens, cache);   // prefill
 * cache.dispose();
 */
export class KVCachingTransformerLM extends Layer.define('KVCachingTransformerLM', {
  body: child<Layer<NamedArray, NamedArray>>(),
  /** The uncached model's metadata (head axes, sizes), when it had one. */
  metadata: staticField<unknown>().default(null),
  /** Tokens equal to this id count as padding when no `tokenMask` is given. */
  padId: staticField<number>().default(0),
  /** How many {@link KVCachingAttention} layers (cache entries) the body has. */
  numCacheLayers: staticField<number>(),
})<CachingStepInput, CachingStepOutput> {

  override handledSideInputs(): readonly string[] {
    return [TOKEN_POSITIONS, KV_TOKEN_POSITIONS, KV_CACHE, KV_CACHE_DONATED, CACHE_END_INDEX, RETURN_LAST_ONLY, SIDE_OUTPUTS];
  }

  /**
   * Runs new tokens through the model, returning their logits and the extended cache.
   * @example const { logits, cache: next } = lm.step(tokens, cache);
   */
  step(tokens: NamedArray, cache: KVCache, options: { tokenMask?: NamedArray; returnLastOnly?: boolean; donateCache?: boolean; sideInputs?: SideInputs } = {}): CachingStepOutput {
    const { sideInputs, ...rest } = options;
    // Extra side inputs (e.g. a multimodal model's `images`) reach the body unchanged.
    return this.call({ tokens, cache, ...rest }, sideInputs ?? {});
  }

  protected override forward(input: CachingStepInput, side: SideInputs): CachingStepOutput {
    const { tokens, cache } = input;
    const who = 'KVCachingTransformerLM';
    if (!(cache instanceof KVCache)) throw new LayerError(`${who}: 'cache' must be a KVCache (from initCache); got ${typeof cache}.`);
    if (!(tokens instanceof NamedArray) || !tokens.names.includes('seq') || tokens.dtype !== 'int32') {
      const got = tokens instanceof NamedArray ? `${tokens.dtype} ${formatNamedShape(tokens.namedShape)}` : typeof tokens;
      throw new LayerError(`${who}: 'tokens' must be int32 token ids with a 'seq' axis, e.g. {batch, seq}; got ${got}.`);
    }
    const t = tokens.namedShape.seq as number;
    checkBatch(tokens, cache, who);
    if (cache.layers.length !== this.numCacheLayers) {
      throw new LayerError(`${who}: the cache has ${cache.layers.length} layer entries but this model has ${this.numCacheLayers} attention layers; build the cache with initCache(thisModel, …).`);
    }
    if (t < 1 || cache.endIndex + t > cache.cacheLength) {
      throw new LayerError(
        `${who}: ${t} new tokens do not fit in the cache: ${cache.endIndex} of ${cache.cacheLength} slots are used. ` +
          `Start from a cache with a larger cacheLength (initCache(model, {cacheLength: …})).`,
      );
    }
    const rows = Object.entries(tokens.namedShape as Record<string, number>).reduce((a, [n, s]) => (n === 'seq' ? a : a * s), 1);
    checkForwardFits(this.metadata as TransformerMetadata | undefined, { batch: rows, seq: t, kvSeq: cache.cacheLength, lastOnly: input.returnLastOnly === true },
      who, 2 * cache.bytes);
    const mask = input.tokenMask ?? tokens.notEqual(this.padId);
    const positions = newTokenPositions(mask, cache);
    const kvPositions = writeSlots(cache.kvTokenPositions, KV_SEQ, cache.endIndex, positions.untag('seq').tag(KV_SEQ));
    const tags = Array.from({ length: this.numCacheLayers }, (_, i) => Object.values(cacheTags(i))).flat();
    const { output, sideOutputs } = new CollectSideOutputs({ body: this.body, tags }).call(tokens, {
      ...side,
      [TOKEN_POSITIONS]: positions,
      [KV_TOKEN_POSITIONS]: kvPositions,
      [KV_CACHE]: cache,
      ...(input.donateCache ? { [KV_CACHE_DONATED]: donatableTensors(cache) } : {}),
      [CACHE_END_INDEX]: cache.endIndex,
      [RETURN_LAST_ONLY]: input.returnLastOnly ?? false,
    });
    const layers = cache.layers.map((old, i) => {
      const tg = cacheTags(i);
      const [keys, values, pos] = [sideOutputs[tg.keys], sideOutputs[tg.values], sideOutputs[tg.positions]];
      if (keys?.length !== 1 || values?.length !== 1) {
        throw new LayerError(
          `${who}: cache entry ${i} was written ${keys?.length ?? 0} times in one call (expected once). ` +
            `Each KVCachingAttention must run exactly once per call; was an attention layer removed or reused?`,
        );
      }
      return new KVCacheEntry({ keys: keys[0], values: values[0], kvTokenPositions: old.windowed ? pos![0] : null });
    });
    return { logits: output, cache: new KVCache({ endIndex: cache.endIndex + t, kvTokenPositions: kvPositions, layers }) };
  }
}

/**
 * The full entries' key and value tensors that a donated cache may have written in place:
 * those that appear once in it (a tensor placed in two entries would show one entry's write
 * in the other).
 */
function donatableTensors(cache: KVCache): ReadonlySet<tf.Tensor> {
  const all = [cache.kvTokenPositions, ...cache.layers.flatMap((e) => [e.keys, e.values, e.kvTokenPositions])].filter((a): a is NamedArray => a !== null);
  const uses = new Map<object, number>();
  for (const a of all) uses.set(a.data.dataId, (uses.get(a.data.dataId) ?? 0) + 1);
  const once = (a: NamedArray) => uses.get(a.data.dataId) === 1;
  return new Set(cache.layers.filter((e) => !e.windowed).flatMap((e) => [e.keys, e.values]).filter(once).map((a) => a.data));
}

function checkBatch(tokens: NamedArray, cache: KVCache, who: string): void {
  const batch = cache.batchAxes;
  const have = { ...(tokens.namedShape as Record<string, number>) };
  delete have.seq;
  const same = Object.keys(batch).length === Object.keys(have).length && Object.entries(batch).every(([n, s]) => have[n] === s);
  if (!same) {
    throw new LayerError(`${who}: the tokens' batch axes ${formatNamedShape(have)} differ from the cache's ${formatNamedShape(batch)}.`);
  }
}

/**
 * Positions of new tokens: each row continues after its highest cached position, counting
 * only real tokens; padding gets −1.
 */
function newTokenPositions(mask: NamedArray, cache: KVCache): NamedArray {
  const real = mask.dtype === 'bool' ? mask : mask.notEqual(0);
  const before = cache.kvTokenPositions.max(KV_SEQ).add(1);
  const counted = real.astype('int32').cumsum('seq').sub(1).add(before);
  return nx.where(real, counted, -1).astype('int32');
}

/**
 * Turns a model into its KV-caching form (Penzai's `from_uncached`): every catalogue
 * `Attention` in the body becomes a {@link KVCachingAttention} with the same sublayers (entry
 * `i` for the i-th in tree order), and the causal masks inside them read key positions from
 * `kvTokenPositions`. Every other layer — including ones the user inserted — is kept as is,
 * and the original model is unchanged. A model that is already caching is returned as is.
 *
 * @example
 * const patched = select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'pattern' }));
 * const lm = toCachingModel(patched);
 */
export function toCachingModel(model: UncachedModel, options: { padId?: number } = {}): KVCachingTransformerLM {
  if (model instanceof KVCachingTransformerLM) return model;
  const hasBody = !(model instanceof Layer) || ('body' in model && (model as { body: unknown }).body instanceof Layer);
  const body = (hasBody ? (model as { body: Layer }).body : model) as Layer<NamedArray, NamedArray>;
  const metadata = hasBody ? ((model as { metadata?: unknown }).metadata ?? null) : null;
  const already = select(body).atInstancesOf(KVCachingAttention).count();
  if (already) throw new RangeError(`toCachingModel: the body already contains ${already} KVCachingAttention layers; pass the uncached model.`);
  const attentions = select(body).atInstancesOf(Attention);
  if (attentions.isEmpty()) throw new RangeError('toCachingModel: the model has no Attention layer to cache.');
  const swapped = attentions.applyWithSelectedIndex((i, attn) => KVCachingAttention.fromUncached(retargetMasks(attn as Attention), i)) as Layer<NamedArray, NamedArray>;
  const caching = withoutPositionHandlers(swapped);
  const padId = options.padId ?? padIdOf(metadata);
  return new KVCachingTransformerLM({ body: caching, metadata, padId, numCacheLayers: attentions.count() });
}

/** Points an attention's causal masks at the cache's key positions. */
function retargetMasks(attn: Attention): Attention {
  return select(attn)
    .atInstancesOf([ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask])
    .where((m) => m.kvPositionsInputName === TOKEN_POSITIONS)
    .apply((m) => m.replace({ kvPositionsInputName: KV_TOKEN_POSITIONS }));
}

/**
 * Drops the `tokenPositions` computations of handlers inside the body (GemmaTransformer's
 * body derives positions from the tokens): in a caching model positions continue from the
 * cache, and the caching wrapper supplies them. A handler left with nothing to compute is
 * replaced by its body.
 */
function withoutPositionHandlers(body: Layer<NamedArray, NamedArray>): Layer<NamedArray, NamedArray> {
  let tree = body;
  for (;;) {
    const handlers = select(tree)
      .atInstancesOf(WithSideInputsFromInput)
      .where((h) => TOKEN_POSITIONS in h.sideInputs);
    if (handlers.isEmpty()) return tree;
    tree = handlers.apply((h) => {
      const rest = { ...h.sideInputs };
      delete rest[TOKEN_POSITIONS];
      return Object.keys(rest).length ? new WithSideInputsFromInput({ body: h.body, sideInputs: rest }) : h.body;
    }) as Layer<NamedArray, NamedArray>;
  }
}

function padIdOf(metadata: unknown): number {
  const p = (metadata as { padTokenId?: unknown } | null)?.padTokenId;
  return typeof p === 'number' ? p : 0;
}
