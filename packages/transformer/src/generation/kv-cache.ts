/**
 * The KV cache as a value: the keys and values every attention layer has seen so far, the
 * positions of the cached tokens and how many slots are written. A caching model takes a
 * cache and returns the next one; nothing is mutated, so a cache can be held, viewed,
 * forked (two continuations of one prompt) and passed back.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Struct, child, staticField } from '@penjing/layers';

/** The cache axis: one slot per cached token. */
export const KV_SEQ = 'kv_seq';

/**
 * One attention layer's cached keys and values, `{batch…, kv_seq, head axes…, projection}`.
 *
 * A full entry has one slot per cache slot (`kv_seq` = the cache length); token `t` of the
 * sequence lives in slot `t` and its position is the cache's `kvTokenPositions[t]`.
 *
 * A windowed entry (sliding-window layers, `initCache(…, {slidingWindowCache: 'window'})`)
 * keeps only the `window` most recent tokens of each row, with their own `kvTokenPositions`;
 * slots are unordered (attention reads positions, never slot order), and position −1 marks an
 * empty slot.
 */
export class KVCacheEntry extends Struct.define('KVCacheEntry', {
  keys: child<NamedArray>(),
  values: child<NamedArray>(),
  /** Positions of a windowed entry's slots `{batch…, kv_seq}`; `null` for a full entry (it uses the cache's). */
  kvTokenPositions: child<NamedArray | null>().default(null),
}) {

  /** Slots of this entry (the cache length, or the window). */
  get length(): number {
    return (this.keys.namedShape as Record<string, number>)[KV_SEQ];
  }

  /** True for a sliding-window entry that keeps only its window. */
  get windowed(): boolean {
    return this.kvTokenPositions !== null;
  }
}

/**
 * A KV cache: per attention layer (in tree order) a {@link KVCacheEntry}, the positions of the
 * tokens in each slot `{batch…, kv_seq}` (−1: empty slot or padding, never attended to), and
 * `endIndex`, the number of slots written (the next call writes at `endIndex`).
 *
 * @example
 * const cache = initCache(model, { batchSize: 1, cacheLength: 256 });
 * const { logits, cache: next } = caching.step(tokens, cache);
 * next.endIndex;             // tokens.namedShape.seq
 * next.layers[0].keys;       // NamedArray {batch: 1, kv_seq: 256, projection: 256}
 */
export class KVCache extends Struct.define('KVCache', {
  endIndex: staticField<number>(),
  /** The number of slots (`kvTokenPositions`' `kv_seq` size); the constructor derives it. */
  cacheLength: staticField<number>(),
  kvTokenPositions: child<NamedArray>(),
  layers: child<readonly KVCacheEntry[]>(),
}) {
  constructor(f: { endIndex: number; kvTokenPositions: NamedArray; layers: readonly KVCacheEntry[] }) {
    const length = (f.kvTokenPositions.namedShape as Record<string, number>)[KV_SEQ];
    if (length === undefined) {
      throw new RangeError(`KVCache: kvTokenPositions ${formatNamedShape(f.kvTokenPositions.namedShape)} needs a '${KV_SEQ}' axis.`);
    }
    if (!Number.isInteger(f.endIndex) || f.endIndex < 0 || f.endIndex > length) {
      throw new RangeError(`KVCache: endIndex must be an integer in 0 … ${length} (the cache length); got ${f.endIndex}.`);
    }
    super({ endIndex: f.endIndex, cacheLength: length, kvTokenPositions: f.kvTokenPositions, layers: Object.freeze([...f.layers]) });
  }

  /** The batch axes and sizes (every axis of `kvTokenPositions` but `kv_seq`). */
  get batchAxes(): Record<string, number> {
    const s = { ...(this.kvTokenPositions.namedShape as Record<string, number>) };
    delete s[KV_SEQ];
    return s;
  }

  /** Slots still free: how many more tokens fit. */
  get remaining(): number {
    return this.cacheLength - this.endIndex;
  }

  /** Bytes held by this cache's tensors (each shared tensor counted once). */
  get bytes(): number {
    return uniqueTensors(this).reduce((n, t) => n + t.size * bytesPerElement(t.dtype), 0);
  }

  /**
   * Frees this cache's tensors. Do it only when no other cache shares them: a cache returned
   * by a step shares nothing with the one passed in, so a decoding loop disposes each old cache
   * (after a step with `donateCache`, the two share buffers by reference count, and disposing
   * the old one still frees nothing the new one holds).
   */
  dispose(): void {
    for (const t of uniqueTensors(this)) t.dispose();
  }

  /**
   * How the viewer draws a cache (its `Symbol.for('penjing.view')` hook): how full it is and
   * how much memory it holds first, then the positions and the per-layer entries.
   * @example view(cache) // KVCache(filled='5 of 64 slots', bytes=…, kvTokenPositions=…, layers=[…])
   */
  [Symbol.for('penjing.view')](): { node: string; fields: Record<string, unknown> } {
    const windowed = this.layers.filter((l) => l.windowed).length;
    return {
      node: 'KVCache',
      fields: {
        filled: `${this.endIndex} of ${this.cacheLength} slots`,
        bytes: this.bytes,
        ...(windowed ? { windowedLayers: windowed } : {}),
        kvTokenPositions: this.kvTokenPositions,
        layers: this.layers,
      },
    };
  }
}

function bytesPerElement(dtype: tf.DataType): number {
  return dtype === 'bool' ? 1 : dtype === 'complex64' ? 8 : 4;
}

function uniqueTensors(cache: KVCache): tf.Tensor[] {
  const all = [cache.kvTokenPositions, ...cache.layers.flatMap((e) => [e.keys, e.values, e.kvTokenPositions])];
  return [...new Set(all.filter((a): a is NamedArray => a !== null).map((a) => a.data))];
}

/**
 * `array` with slots `[start, start + n)` along `axis` replaced by `value` (n = the value's
 * size along `axis`; other axes must match): `array.at({[axis]: nx.dynamicSlice(start, n)}).set(value)`.
 * One TensorScatterUpdate writes the n slots into a copy of the cache (a memcpy of the
 * entry and n rows), where slicing and concatenating around them costs three copies and,
 * on wasm, a slow strided Slice kernel. While gradients are recorded (TensorScatterUpdate
 * has none in tfjs) or where the backend lacks the kernel, it slices and concatenates.
 *
 * With `inPlace`, the caller gives `array` up (see `CachingStepInput.donateCache`): on wasm the
 * n slots are written into its buffer and the result shares it (`nx.writeSlotsInPlace`);
 * elsewhere, or when the buffer is shared, it copies as above.
 *
 * @example writeSlots(keys, KV_SEQ, cache.endIndex, newKeys)
 */
export function writeSlots(array: NamedArray, axis: string, start: number, value: NamedArray, options: { inPlace?: boolean } = {}): NamedArray {
  const length = (array.namedShape as Record<string, number>)[axis];
  const n = (value.namedShape as Record<string, number>)[axis];
  if (!Number.isInteger(start) || start < 0 || start + n > length) {
    throw new RangeError(`writeSlots: slots [${start}, ${start + n}) do not fit in axis '${axis}' of size ${length}.`);
  }
  if (options.inPlace) {
    const cast = value.dtype === array.dtype ? value : value.astype(array.dtype);
    try {
      const written = nx.writeSlotsInPlace(array, axis, start, cast);
      if (written) return written;
    } finally {
      if (cast !== value) cast.dispose();
    }
  }
  if (canScatter()) return scatterSlots(array, axis, start, value);
  const parts = [
    ...(start > 0 ? [array.index({ [axis]: nx.slice(0, start) })] : []),
    value.astype(array.dtype),
    ...(start + n < length ? [array.index({ [axis]: nx.slice(start + n, length) })] : []),
  ];
  return nx.concatenate(parts, axis).orderLike(array);
}

function canScatter(): boolean {
  const recording = tf.engine().state.activeTape != null;
  return !recording && tf.getKernel('TensorScatterUpdate', tf.getBackend()) !== undefined;
}

/**
 * The scatter form of writeSlots: indices address every axis up to and including `axis`
 * (in the array's data order), so each update is one contiguous run of the trailing axes.
 */
function scatterSlots(array: NamedArray, axis: string, start: number, value: NamedArray): NamedArray {
  const data = array.data;
  const p = array.dataAxisOf(axis);
  const lead = data.shape.slice(0, p + 1);
  const n = (value.namedShape as Record<string, number>)[axis];
  const rows = lead.slice(0, p).reduce((a, b) => a * b, 1) * n;
  const indices = new Int32Array(rows * (p + 1));
  for (let r = 0; r < rows; r++) {
    // Row-major over [lead[0], …, lead[p-1], n], matching the update rows below.
    let rest = r;
    indices[r * (p + 1) + p] = start + (rest % n);
    rest = Math.floor(rest / n);
    for (let d = p - 1; d >= 0; d--) {
      indices[r * (p + 1) + d] = rest % lead[d];
      rest = Math.floor(rest / lead[d]);
    }
  }
  const out = tf.tidy(() => {
    const updates = tf.reshape(value.astype(array.dtype).orderLike(array).data, [rows, ...data.shape.slice(p + 1)]);
    return tf.tensorScatterUpdate(data, tf.tensor2d(indices, [rows, p + 1], 'int32'), updates);
  });
  return new NamedArray(out, array.axes);
}

/** The shape of one layer's cache entry, as {@link initCache} derives it from the model. */
export interface CacheLayerSpec {
  /** Head axes and `projection`, e.g. `{head_groups: 2, projection: 64}` (empty head axes for MQA). */
  readonly kvAxes: Readonly<Record<string, number>>;
  /** Sliding-window size of the layer's mask, or `null` for a global layer. */
  readonly slidingWindow: number | null;
}

/**
 * An empty cache entry: zero keys and values, and for a windowed entry positions −1.
 * @internal used by initCache
 */
export function emptyEntry(batch: Readonly<Record<string, number>>, length: number, spec: CacheLayerSpec, windowed: boolean): KVCacheEntry {
  for (const n of Object.keys(spec.kvAxes)) {
    if (n in batch || n === KV_SEQ) throw new RangeError(`initCache: the key/value axis '${n}' clashes with a batch axis or '${KV_SEQ}'.`);
  }
  // Values keep the cache axis last: a decode step contracts it, and a [projection, kv_seq]
  // operand goes on the left of the matrix product as is (on wasm, XNNPACK then packs only the
  // tiny weights), where a [kv_seq, projection] one would be repacked or transposed per step.
  return new KVCacheEntry({
    keys: nx.zeros({ ...batch, [KV_SEQ]: length, ...spec.kvAxes }),
    values: nx.zeros({ ...batch, ...spec.kvAxes, [KV_SEQ]: length }),
    kvTokenPositions: windowed ? nx.full({ ...batch, [KV_SEQ]: length }, -1, 'int32') : null,
  });
}
