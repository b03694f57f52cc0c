import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError, type SideInputs } from '../core/layer.js';
import { staticField } from '../tree/fields.js';
import { checkInputAxes, requireNamed } from './checks.js';

/** The settings both RoPE layers share. */
interface RopeSettings {
  readonly embeddingAxis: string;
  readonly maxWavelength: number;
  readonly positionsInputName: string;
  readonly scaleFactor: number;
}

/** The field declarations both RoPE layers share. */
const ROPE_FIELDS = {
  maxWavelength: staticField<number>().from((w: number, who) => {
    if (!(w > 0)) throw new RangeError(`${who}: maxWavelength must be positive; got ${w}.`);
    return w;
  }),
  positionsInputName: staticField<string>().default('tokenPositions'),
  scaleFactor: staticField<number>().default(1).from((s: number, who) => {
    if (s < 1) throw new RangeError(`${who}: scaleFactor must be at least 1; got ${s}.`);
    return s;
  }),
};

/** Full-width angle terms laid out like the input (size 1 on axes the positions lack). */
interface Angles {
  /** `[cos θ, cos θ]` along the rotated axis. */
  cos: tf.Tensor;
  /** `[−sin θ, sin θ]` along the rotated axis. */
  sin: tf.Tensor;
}

// Queries and keys of every layer read the same positions object during one call, so their
// angle terms are computed once per call, setting and layout. Cached tensors belong to the
// call that made them (the outermost call's tidy frees them); ones found disposed are
// rebuilt, so the same positions object passed to several calls is safe.
const angleCache = new WeakMap<NamedArray, Map<string, Angles>>();

function cachedAngles(pos: NamedArray, key: string, build: () => Angles): Angles {
  let byKey = angleCache.get(pos);
  if (!byKey) angleCache.set(pos, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit && !hit.sin.isDisposed && !hit.cos.isDisposed) return hit;
  const made = build();
  byKey.set(key, made);
  return made;
}

const frequencyLists = new Map<string, readonly number[]>();

/** 1 / (λ^(2j/d) · scale) for j < d/2, in double precision (rounded once to float32 later); one list per setting. */
function standardFrequencies(d: number, maxWavelength: number, scaleFactor: number): readonly number[] {
  const key = `${d}|${maxWavelength}|${scaleFactor}`;
  let inv = frequencyLists.get(key);
  if (!inv) {
    inv = Object.freeze(Array.from({ length: Math.floor(d / 2) }, (_, j) => 1 / (maxWavelength ** ((2 * j) / d) * scaleFactor)));
    frequencyLists.set(key, inv);
  }
  return inv;
}

// The float32 frequencies of a list and their cache key, made once per frozen list object
// (a list the caller may still change is read afresh).
const frequencyKeys = new WeakMap<readonly number[], { inv: Float32Array; key: string }>();

function frequencyKey(list: readonly number[]): { inv: Float32Array; key: string } {
  const hit = frequencyKeys.get(list);
  if (hit) return hit;
  const inv = Float32Array.from(list);
  const made = { inv, key: inv.join(',') };
  if (Object.isFrozen(list)) frequencyKeys.set(list, made);
  return made;
}

/** Rotates the whole of `r.embeddingAxis` of `x` (split halves) with the standard frequencies. */
function rotate(x: NamedArray, side: SideInputs, r: RopeSettings, who: string): NamedArray {
  const d = (x.namedShape as Record<string, number>)[r.embeddingAxis];
  const inv = standardFrequencies(d, r.maxWavelength, r.scaleFactor);
  return rotateWithFrequencies(x, side, { embeddingAxis: r.embeddingAxis, positionsInputName: r.positionsInputName, inverseFrequencies: inv }, who);
}

/**
 * Split-half rotary embedding of the whole `embeddingAxis` (size d) with given inverse
 * frequencies (d/2 of them): `θ_j = pos · inverseFrequencies[j]`, out = `[x1·cos θ − x2·sin θ,
 * x2·cos θ + x1·sin θ]`. The building block of `ApplyRoPE` and of RoPE variants whose
 * frequencies are rescaled per component (e.g. Llama 3's).
 *
 * @example rotateWithFrequencies(q, { tokenPositions }, { embeddingAxis: 'projection', positionsInputName: 'tokenPositions', inverseFrequencies: inv }, 'MyRoPE')
 */
export function rotateWithFrequencies(
  x: NamedArray,
  side: SideInputs,
  r: { readonly embeddingAxis: string; readonly positionsInputName: string; readonly inverseFrequencies: readonly number[] },
  who: string,
): NamedArray {
  const axis = r.embeddingAxis;
  const d = (x.namedShape as Record<string, number>)[axis];
  if (d % 2) throw new LayerError(`${who}: the axis has odd size ${d} (input ${formatNamedShape(x.namedShape)}); rotary embeddings rotate pairs, so they need an even size.`);
  if (r.inverseFrequencies.length !== d / 2) throw new LayerError(`${who}: ${r.inverseFrequencies.length} frequencies for an axis of size ${d}; need ${d / 2}.`);
  const pos = side[r.positionsInputName];
  if (!(pos instanceof NamedArray)) {
    throw new LayerError(`${who}: side input '${r.positionsInputName}' must be a NamedArray of positions; got ${pos === undefined ? 'nothing' : typeof pos}.`);
  }
  const stray = pos.names.filter((n) => !x.names.includes(n) || n === axis);
  if (stray.length || pos.positionalShape.length) {
    throw new LayerError(
      `${who}: positions ${formatNamedShape(pos.namedShape)} must be fully named with axes the input ${formatNamedShape(x.namedShape)} has ` +
        `(other than '${axis}'); offending axes [${stray.join(', ')}].`,
    );
  }
  const half = d / 2;
  const { inv, key: frequencies } = frequencyKey(r.inverseFrequencies);
  // On wasm (no gradients recorded), one fused kernel when the axis is innermost.
  const fused = nx.fusedRotary(x, axis, pos, inv, frequencies);
  if (fused) return fused;
  // out = x·[cos, cos] + [x2, x1]·[−sin, sin]: the same products and sums as
  // [x1·cos − x2·sin, x2·cos + x1·sin] (x2·(−sin) = −(x2·sin) exactly), in six kernels on x
  // as laid out, with the angle terms built once per call in that layout.
  const p = x.dataAxisOf(axis);
  const shape = x.axes.map((a, i) => (a === axis || (typeof a === 'string' && pos.names.includes(a)) ? x.data.shape[i] : 1));
  const { sin, cos } = cachedAngles(pos, `${axis}|${frequencies}|${x.axes.join(',')}|${shape.join(',')}`, () => {
    const order = x.names.filter((n) => n === axis || pos.names.includes(n));
    const [s, c] = tf.tidy(() => {
      const theta = pos.astype('float32').mul(new NamedArray(tf.tensor1d(inv, 'float32'), [axis]));
      const laid = (t: NamedArray) => tf.reshape(t.orderAs(...order).data, shape.map((n, i) => (i === p ? half : n)));
      const [sn, cs] = [laid(theta.sin()), laid(theta.cos())];
      return [tf.concat([tf.neg(sn), sn], p), tf.concat([cs, cs], p)];
    });
    return { sin: s, cos: c };
  });
  const out = tf.tidy(() => {
    const begin = x.data.shape.map(() => 0);
    const size = [...x.data.shape];
    size[p] = half;
    const x1 = tf.slice(x.data, begin, size);
    const x2 = tf.slice(x.data, begin.map((b, i) => (i === p ? half : b)), size);
    return tf.add(tf.mul(x.data, cos), tf.mul(tf.concat([x2, x1], p), sin));
  });
  return new NamedArray(out, x.axes);
}

/**
 * Rotary position embedding, split-half form (not interleaved): with `d` the size of
 * `embeddingAxis`, `frac_j = 2j/d`, `θ_j = pos / λ^frac_j / scaleFactor` for j < d/2, and
 * `out = [x1·cos θ − x2·sin θ, x2·cos θ + x1·sin θ]` where x1, x2 are the two halves.
 * Positions come from the side input `positionsInputName` (int, fully named, and their
 * names must all be axes of the input, e.g. `{batch, seq}`).
 *
 * @example
 * new ApplyRoPE({ embeddingAxis: 'projection', maxWavelength: 10_000 }).call(q, { tokenPositions })
 */
export class ApplyRoPE extends Layer.define('ApplyRoPE', {
  embeddingAxis: staticField<string>(),
  maxWavelength: ROPE_FIELDS.maxWavelength,
  positionsInputName: ROPE_FIELDS.positionsInputName,
  scaleFactor: ROPE_FIELDS.scaleFactor,
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return [this.positionsInputName];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const who = `ApplyRoPE over '${this.embeddingAxis}'`;
    const x = requireNamed(input, who);
    checkInputAxes(x, { [this.embeddingAxis]: undefined }, who);
    return rotate(x, side, this, who);
  }
}

/**
 * RoPE on the first `ropeSubsetSize` entries of the embedding axis only; the rest pass
 * through unchanged (GPT-NeoX style partial rotary embeddings).
 * @example new ApplyRoPEToSubset({ embeddingAxis: 'projection', maxWavelength: 10_000, ropeSubsetSize: 16 })
 */
export class ApplyRoPEToSubset extends Layer.define('ApplyRoPEToSubset', {
  embeddingAxis: staticField<string>(),
  maxWavelength: ROPE_FIELDS.maxWavelength,
  ropeSubsetSize: staticField<number>().from((n: number, who) => {
    if (!Number.isInteger(n) || n < 2 || n % 2) throw new RangeError(`${who}: ropeSubsetSize must be a positive even integer; got ${n}.`);
    return n;
  }),
  positionsInputName: ROPE_FIELDS.positionsInputName,
  scaleFactor: ROPE_FIELDS.scaleFactor,
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return [this.positionsInputName];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const who = `ApplyRoPEToSubset over '${this.embeddingAxis}'[:${this.ropeSubsetSize}]`;
    const x = requireNamed(input, who);
    checkInputAxes(x, { [this.embeddingAxis]: undefined }, who);
    const d = (x.namedShape as Record<string, number>)[this.embeddingAxis];
    if (this.ropeSubsetSize > d) throw new LayerError(`${who}: ropeSubsetSize ${this.ropeSubsetSize} is larger than the axis (size ${d}, input ${formatNamedShape(x.namedShape)}).`);
    if (this.ropeSubsetSize === d) return rotate(x, side, this, who);
    const head = x.index({ [this.embeddingAxis]: nx.slice(0, this.ropeSubsetSize) });
    const tail = x.index({ [this.embeddingAxis]: nx.slice(this.ropeSubsetSize, d) });
    return nx.concatenate([rotate(head, side, this, who), tail.orderLike(head)], this.embeddingAxis).orderLike(x);
  }
}
