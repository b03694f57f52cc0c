/**
 * The KV-caching form of the catalogue's `Attention` (Penzai's `KVCachingAttention`): the
 * same five sublayers, but keys and values are appended to a cache that arrives as a side
 * input, and queries attend over the whole cache. The updated entry leaves as side outputs,
 * so the layer (and the model holding it) never changes.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { ATTENTION_FIELDS, Attention, Layer, staticField, LayerError, SIDE_OUTPUTS, SideOutputCollector, type SideInputs } from '@penjing/layers';
import { KVCache, KVCacheEntry, KV_SEQ, writeSlots } from './kv-cache.js';

/** Side input carrying the cache being extended (a {@link KVCache}). */
export const KV_CACHE = 'kvCache';
/** Side input with the positions of every cache slot after this call's write, `{batch…, kv_seq}`. */
export const KV_TOKEN_POSITIONS = 'kvTokenPositions';
/** Side input with the positions of the new tokens, `{batch…, seq}`. */
export const TOKEN_POSITIONS = 'tokenPositions';
/**
 * Optional side input: the cache tensors the caller gives up (a `ReadonlySet` of tf.Tensors),
 * which a full entry may then extend in place (see `CachingStepInput.donateCache`).
 */
export const KV_CACHE_DONATED = 'kvCacheDonated';

/** The side-output tags under which cache entry `i` leaves a call. */
export function cacheTags(i: number): { keys: string; values: string; positions: string } {
  return { keys: `kvCache/${i}/keys`, values: `kvCache/${i}/values`, positions: `kvCache/${i}/positions` };
}

/**
 * Attention over a KV cache. Per call with T new tokens:
 *
 * - full entry (`kv_seq` = cache length): the new keys and values are written at slots
 *   `[endIndex, endIndex + T)` (a dynamic update), and queries attend over every slot, reading
 *   slot positions from the side input `kvTokenPositions` (empty slots and padding are −1 and
 *   masked);
 * - windowed entry (a sliding-window layer that keeps only its window W): queries attend over
 *   the W kept keys plus the T new ones; the next entry keeps, per row, the W keys with the
 *   highest positions — all that any later query can see through its window.
 *
 * A full entry's tensors listed in the optional side input `kvCacheDonated` are extended in
 * place where the backend allows (the caller gave them up); others are copied.
 *
 * The masks inside `queryKeyToAttn` must read key positions from `kvTokenPositions`
 * ({@link toCachingModel} retargets the catalogue's causal masks).
 *
 * @example
 * const caching = KVCachingAttention.fromUncached(attention, 0);
 */
export class KVCachingAttention extends Layer.define('KVCachingAttention', {
  ...ATTENTION_FIELDS,
  /** Which entry of the cache's `layers` this layer reads and writes. */
  cacheIndex: staticField<number>().from((i: number) => {
    if (!Number.isInteger(i) || i < 0) throw new RangeError(`KVCachingAttention: cacheIndex must be a non-negative integer; got ${i}.`);
    return i;
  }),
})<NamedArray, NamedArray> {

  /**
   * The caching form of an `Attention`, sharing its five sublayers.
   * @example KVCachingAttention.fromUncached(model.body.blocks[0].attention, 0)
   */
  static fromUncached(attn: Attention, cacheIndex: number): KVCachingAttention {
    const { inputToQuery, inputToKey, inputToValue, queryKeyToAttn, attnValueToOutput } = attn;
    return new KVCachingAttention({ inputToQuery, inputToKey, inputToValue, queryKeyToAttn, attnValueToOutput, cacheIndex });
  }

  /** The uncached `Attention` with the same sublayers (masks stay retargeted). */
  toUncached(): Attention {
    const { inputToQuery, inputToKey, inputToValue, queryKeyToAttn, attnValueToOutput } = this;
    return new Attention({ inputToQuery, inputToKey, inputToValue, queryKeyToAttn, attnValueToOutput });
  }

  override sideInputRequests(): readonly string[] {
    return [KV_CACHE, KV_TOKEN_POSITIONS, TOKEN_POSITIONS, SIDE_OUTPUTS];
  }

  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const who = `KVCachingAttention (cache entry ${this.cacheIndex})`;
    const cache = side[KV_CACHE];
    const collector = side[SIDE_OUTPUTS];
    if (!(cache instanceof KVCache)) throw new LayerError(`${who}: side input '${KV_CACHE}' must be a KVCache; run the model through its KVCachingTransformerLM (toCachingModel).`);
    if (!(collector instanceof SideOutputCollector)) throw new LayerError(`${who}: side input '${SIDE_OUTPUTS}' must be a side-output collector; run the model through KVCachingTransformerLM.`);
    const entry = cache.layers[this.cacheIndex];
    if (!entry) {
      throw new LayerError(`${who}: the cache has ${cache.layers.length} layer entries; it was made for another model. Build it with initCache(cachingModel, ...).`);
    }
    const q = this.inputToQuery.call(x, side);
    const k = asKvSeq(this.inputToKey.call(x, side), entry, 'keys', who);
    const v = asKvSeq(this.inputToValue.call(x, side), entry, 'values', who);
    const tags = cacheTags(this.cacheIndex);
    let keys: NamedArray;
    let values: NamedArray;
    let kvPositions: NamedArray;
    if (!entry.windowed) {
      const t = k.namedShape[KV_SEQ] as number;
      if (cache.endIndex + t > entry.length) {
        throw new LayerError(`${who}: ${t} new tokens do not fit: ${cache.endIndex} of ${entry.length} slots are used. Use a longer cacheLength.`);
      }
      const donated = side[KV_CACHE_DONATED] as ReadonlySet<tf.Tensor> | undefined;
      keys = writeSlots(entry.keys, KV_SEQ, cache.endIndex, k, { inPlace: donated?.has(entry.keys.data) });
      values = writeSlots(entry.values, KV_SEQ, cache.endIndex, v, { inPlace: donated?.has(entry.values.data) });
      kvPositions = sidePositions(side, KV_TOKEN_POSITIONS, who);
      collector.emit(tags.keys, keys);
      collector.emit(tags.values, values);
    } else {
      const newPositions = renameSeq(sidePositions(side, TOKEN_POSITIONS, who)).orderLike(entry.kvTokenPositions!);
      keys = nx.concatenate([entry.keys, k.orderLike(entry.keys)], KV_SEQ);
      values = nx.concatenate([entry.values, v.orderLike(entry.values)], KV_SEQ);
      kvPositions = nx.concatenate([entry.kvTokenPositions!, newPositions], KV_SEQ);
      const next = k.namedShape[KV_SEQ] === 1 ? replaceOldest(entry, k, v, newPositions) : keepNewest(entry, keys, values, kvPositions);
      collector.emit(tags.keys, next.keys);
      collector.emit(tags.values, next.values);
      collector.emit(tags.positions, next.kvTokenPositions!);
    }
    const attn = this.queryKeyToAttn.call([q, keys], { ...side, [KV_TOKEN_POSITIONS]: kvPositions });
    return this.attnValueToOutput.call([attn, values], side);
  }
}

function sidePositions(side: SideInputs, name: string, who: string): NamedArray {
  const p = side[name];
  if (!(p instanceof NamedArray)) throw new LayerError(`${who}: side input '${name}' must be a NamedArray of positions; got ${p === undefined ? 'nothing' : typeof p}.`);
  return p;
}

function renameSeq(a: NamedArray): NamedArray {
  return a.names.includes('seq') ? a.untag('seq').tag(KV_SEQ) : a;
}

/**
 * The new keys (or values) with the token axis named `kv_seq` (a key projection may leave it
 * as `seq`), checked against the cache entry's other axes.
 */
function asKvSeq(a: NamedArray, entry: KVCacheEntry, what: string, who: string): NamedArray {
  const named = a.names.includes(KV_SEQ) ? a : renameSeq(a);
  const want = entry.keys.namedShape as Record<string, number>;
  const have = named.namedShape as Record<string, number>;
  const same = Object.keys(want).length === Object.keys(have).length && Object.keys(want).every((n) => n === KV_SEQ ? n in have : have[n] === want[n]);
  if (!same) {
    const expected = { ...want, [KV_SEQ]: 'T' };
    throw new LayerError(
      `${who}: the new ${what} have axes ${formatNamedShape(have)} but the cache entry expects ${JSON.stringify(expected)}. ` +
        `Build the cache from this model (initCache(model, …)), or pass the right kvAxes to initCache.`,
    );
  }
  return named;
}

/**
 * The next windowed entry after a multi-token call: per row, the entry's length worth of
 * keys with the highest positions among the old slots and the new tokens (a gather).
 */
function keepNewest(entry: KVCacheEntry, keys: NamedArray, values: NamedArray, positions: NamedArray): KVCacheEntry {
  const batch = positions.names.filter((a) => a !== KV_SEQ);
  const ordered = positions.orderAs(...batch, KV_SEQ);
  const t = tf.tidy(() => tf.topk(tf.cast(ordered.data, 'float32'), entry.length, false).indices);
  const keep = new NamedArray(t, [...batch, KV_SEQ]);
  return new KVCacheEntry({
    keys: keys.index({ [KV_SEQ]: keep }).orderLike(entry.keys),
    values: values.index({ [KV_SEQ]: keep }).orderLike(entry.values),
    kvTokenPositions: positions.index({ [KV_SEQ]: keep }).orderLike(entry.kvTokenPositions!),
  });
}

/**
 * The next windowed entry after a one-token call, without a gather: per row, the slot with
 * the lowest position (an empty one first) takes the new token — the same set `keepNewest`
 * keeps, since a new position exceeds every cached one. Padding (position −1) changes
 * nothing. Blended arithmetically (`old·(1−m) + new·m` with a one-hot m), which is exact for
 * finite values and avoids the whole-entry broadcasts of a masked select.
 */
function replaceOldest(entry: KVCacheEntry, k: NamedArray, v: NamedArray, positions: NamedArray): KVCacheEntry {
  const old = entry.kvTokenPositions!;
  const slot = old.argmin(KV_SEQ);
  const onSlot = nx.arange(KV_SEQ, entry.length).equal(slot).logicalAnd(positions.index({ [KV_SEQ]: 0 }).greaterEqual(0));
  const m = onSlot.astype('float32');
  const keep = m.neg().add(1);
  const blend = (a: NamedArray, b: NamedArray) => a.mul(keep).add(b.index({ [KV_SEQ]: 0 }).mul(m)).orderLike(a);
  const mi = onSlot.astype('int32');
  return new KVCacheEntry({
    keys: blend(entry.keys, k),
    values: blend(entry.values, v),
    kvTokenPositions: old.mul(mi.neg().add(1)).add(positions.index({ [KV_SEQ]: 0 }).mul(mi)).orderLike(old),
  });
}
