import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape } from './errors.js';
import { NamedArray, retype } from './named-array.js';
import { checkNewNames, transpose } from './axes.js';
import { sampleWithKeys } from './random-keys.js';
import { alignNames } from './nmap.js';
import * as ops from './ops.js';
import type { NamesOf } from './types.js';

function fromShape<N extends string>(shape: Readonly<Record<string, number>>, make: (dims: number[]) => tf.Tensor): NamedArray<N> {
  const names = Object.keys(shape);
  const dims = Object.values(shape) as number[];
  checkNewNames(names, [], 'a constructor');
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) throw new NamedAxisError(`Axis '${names[i]}' must have a non-negative integer size; got ${d}.`);
  });
  return new NamedArray(make(dims), names) as NamedArray<N>;
}

/**
 * Wraps a tensor; with names, tags every axis.
 * @example nx.wrap(tf.zeros([2, 3]), 'batch', 'seq').namedShape; // {batch: 2, seq: 3}
 */
export function wrap<const M extends readonly string[] = []>(tensor: tf.Tensor, ...names: M): NamedArray<M[number]> {
  if (!(tensor instanceof tf.Tensor)) {
    throw new NamedAxisError(`wrap() expects a tf.Tensor; got ${tensor === null ? 'null' : typeof tensor}. Use tf.tensor(...) first.`);
  }
  const a = new NamedArray<never>(tensor, tensor.shape.map((_, i) => i));
  return retype<M[number]>(names.length ? (a.tag as (...n: readonly string[]) => NamedArray<string>)(...names) : a);
}

/**
 * True for NamedArray values.
 * @example nx.isNamedArray(nx.zeros({ seq: 2 })); // true
 */
export function isNamedArray(x: unknown): x is NamedArray<string> {
  return x instanceof NamedArray;
}

/** An array of zeros. @example nx.zeros({ batch: 2, seq: 4 }) */
export function zeros<const S extends Record<string, number>>(shape: S, dtype: tf.DataType = 'float32'): NamedArray<keyof S & string> {
  return fromShape<keyof S & string>(shape, (d) => tf.zeros(d, dtype));
}
/** An array of ones. @example nx.ones({ embedding: 8 }) */
export function ones<const S extends Record<string, number>>(shape: S, dtype: tf.DataType = 'float32'): NamedArray<keyof S & string> {
  return fromShape<keyof S & string>(shape, (d) => tf.ones(d, dtype));
}
/** An array filled with one value. @example nx.full({ seq: 3 }, -1, 'int32') */
export function full<const S extends Record<string, number>>(shape: S, value: number | boolean, dtype?: tf.DataType): NamedArray<keyof S & string> {
  return fromShape<keyof S & string>(shape, (d) => tf.fill(d, value as number, dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32')));
}
/** A scalar (no axes). @example nx.scalar(0.5) */
export function scalar(value: number | boolean, dtype?: tf.DataType): NamedArray<never> {
  return wrap(tf.scalar(value as number, dtype)) as NamedArray<never>;
}
/**
 * A nested JS array, with its axes named in order.
 * @example nx.fromArray([[1, 2], [3, 4]], ['seq', 'embedding'])
 */
export function fromArray<const M extends readonly string[]>(values: tf.TensorLike, names: M, dtype?: tf.DataType): NamedArray<M[number]> {
  const t = tf.tensor(values, undefined, dtype);
  try {
    return wrap(t, ...names);
  } catch (e) {
    t.dispose(); // the tensor was ours: names that do not fit must not leak it
    throw e;
  }
}

/**
 * `[start, stop)` in steps of `step` along a named axis; int32 when every bound is an
 * integer, float32 otherwise (or as `dtype` says).
 * @example nx.arange('seq', 5)          // {seq: 5}: 0 1 2 3 4
 * @example nx.arange('t', 0, 1, 0.25)   // float32: 0 0.25 0.5 0.75
 */
export function arange<const K extends string>(name: K, start: number, stop?: number, step = 1, dtype?: 'int32' | 'float32'): NamedArray<K> {
  checkNewNames([name], [], 'arange');
  if (step === 0) throw new NamedAxisError(`arange('${name}', ...): step cannot be zero.`);
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  const type = dtype ?? ([a, b, step].every(Number.isInteger) ? 'int32' : 'float32');
  return new NamedArray(tf.range(a, b, step, type), [name]);
}

/** Options for seeded random arrays: an integer `seed`, or a random `key` (see randomSplit). */
export type RandomOptions = { dtype?: 'float32' } & (
  | { /** Seed; the same seed and shape give the same values. */ seed: number; key?: undefined }
  | { /** A key, or a batch of keys with named axes: one independent draw per key. */ key: NamedArray<string>; seed?: undefined }
);

/** Normal random values. @example nx.randomNormal({ seq: 4, embedding: 8 }, { seed: 0 }) */
export function randomNormal<const S extends Record<string, number>>(shape: S, opts: RandomOptions & { mean?: number; std?: number }): NamedArray<keyof S & string> {
  if (opts.key) return sampleWithKeys(opts.key, shape, 'randomNormal', (d, s) => tf.randomNormal(d, opts.mean ?? 0, opts.std ?? 1, 'float32', s)) as NamedArray<keyof S & string>;
  return fromShape<keyof S & string>(shape, (d) => tf.randomNormal(d, opts.mean ?? 0, opts.std ?? 1, 'float32', normalSeed(opts.seed)));
}
/** Uniform random values in `[min, max)`. @example nx.randomUniform({ seq: 4 }, { seed: 1 }) */
export function randomUniform<const S extends Record<string, number>>(shape: S, opts: RandomOptions & { min?: number; max?: number }): NamedArray<keyof S & string> {
  if (opts.key) return sampleWithKeys(opts.key, shape, 'randomUniform', (d, s) => tf.randomUniform(d, opts.min ?? 0, opts.max ?? 1, 'float32', s)) as NamedArray<keyof S & string>;
  return fromShape<keyof S & string>(shape, (d) => tf.randomUniform(d, opts.min ?? 0, opts.max ?? 1, 'float32', opts.seed));
}

/** Checks that arrays share names (apart from `except`), sizes and positional shape; errors show every array. */
function checkSameAxes(arrays: readonly NamedArray<string>[], what: string, except?: string): void {
  if (!arrays.length) throw new NamedAxisError(`${what} needs at least one array.`);
  const first = arrays[0];
  const key = (a: NamedArray<string>) =>
    `${a.names.filter((n) => n !== except).map((n) => `${n}=${a.namedShape[n]}`).sort().join(',')}|${a.positionalShape.join(',')}`;
  const ref = key(first);
  if (arrays.some((a) => key(a) !== ref)) {
    const lines = arrays.map((a, i) => `  arrays[${i}]: ${formatNamedShape(a.namedShape)}${a.positionalShape.length ? ` positional [${a.positionalShape}]` : ''}`);
    throw new NamedAxisError(
      `${what}: every array must have the same named axes and sizes${except ? ` apart from '${except}'` : ''} and the same positional shape:\n${lines.join('\n')}`,
    );
  }
}

/** The data of `a` laid out in `ref`'s axis order (same axes). */
function relaidLike(a: NamedArray<string>, ref: Pick<NamedArray<string>, 'axes'>): tf.Tensor {
  const perm = ref.axes.map((ax) => a.axes.indexOf(ax));
  return perm.every((p, i) => p === i) ? a.data : transpose(a.data, perm);
}

/**
 * Stacks arrays along a new named axis (placed first in the data). As in Penzai (numpy's
 * stack lifted by nmap): named axes missing from some arrays are broadcast, dtypes are
 * promoted (bool < int32 < float32); positional shapes must be equal.
 * @example nx.stack(patterns, 'blocks') // {blocks, heads, seq, kv_seq}
 * @example nx.stack([nx.fromArray([1, 2], ['a'], 'int32'), nx.scalar(0.5)], 'k') // float32 {k: 2, a: 2}
 */
export function stack<const A extends readonly NamedArray<string>[], const K extends string>(arrays: A, name: K): NamedArray<NamesOf<A[number]> | K> {
  checkNewNames([name], [], 'stack');
  if (!arrays.length) throw new NamedAxisError('stack needs at least one array.');
  if (arrays.some((a) => a.axes.includes(name))) throw new NamedAxisError(`stack: the arrays already have an axis named '${name}' (${formatNamedShape(arrays[0].namedShape)}); stack along a new name.`);
  const al = alignNames(arrays as readonly NamedArray<string>[], 'stack');
  const pos = arrays[0].positionalShape;
  if (arrays.some((a) => a.positionalShape.join() !== pos.join())) {
    throw new NamedAxisError(`stack: every array must have the same positional shape: ${arrays.map((a, i) => `arrays[${i}] [${a.positionalShape}]`).join(', ')}.`);
  }
  const kinds = arrays.map((a) => a.dtype);
  const dtype: tf.DataType = kinds.includes('float32') ? 'float32' : kinds.includes('int32') ? 'int32' : kinds[0];
  const full = Object.fromEntries(al.names.map((n, i) => [n, al.sizes[i]]));
  // Laid out like the array with the most named axes, so the common case moves no data.
  const widest = arrays.reduce((p, a) => (a.names.length > p.names.length ? a : p));
  const names = [...widest.names, ...al.names.filter((n) => !widest.axes.includes(n))];
  const layout = [...names, ...pos.map((_, i) => i)];
  const t = tf.tidy(() =>
    tf.stack(
      arrays.map((a) => relaidLike(ops.broadcastTo(ops.astype(a as NamedArray<string>, dtype), pos, full), { axes: layout })),
      0,
    ),
  );
  return new NamedArray(t, [name, ...layout]);
}

/**
 * Concatenates arrays along an existing named axis (sizes along it may differ).
 * @example nx.concatenate([prefix, suffix], 'seq')
 */
export function concatenate<N extends string>(arrays: readonly NamedArray<N>[], name: N): NamedArray<N> {
  arrays.forEach((a, i) => {
    if (!a.axes.includes(name)) throw new NamedAxisError(`concatenate: arrays[${i}] ${formatNamedShape(a.namedShape)} has no axis '${name}'.`);
  });
  checkSameAxes(arrays, 'concatenate', name);
  const ref = arrays[0];
  if (arrays.length === 1) return new NamedArray(tf.clone(ref.data), ref.axes);
  const t = tf.tidy(() => tf.concat(arrays.map((a) => relaidLike(a, ref)), ref.axes.indexOf(name)));
  return new NamedArray(t, ref.axes);
}

/**
 * Splits an array into slices along a named axis, removing it.
 * @example const [k, v] = nx.unstack(kv, 'kv')
 */
export function unstack<N extends string, K extends N>(a: NamedArray<N>, name: K): NamedArray<Exclude<N, K>>[] {
  const d = a.dataAxisOf(name);
  const axes = a.axes.filter((_, i) => i !== d);
  return tf.unstack(a.data, d).map((t) => new NamedArray(t, axes));
}

/**
 * Splits along a named axis into `count` equal parts or parts of the given sizes.
 * @example const [q, k] = nx.split(qk, 'projection', 2)
 */
export function split<N extends string>(a: NamedArray<N>, name: N, parts: number | number[]): NamedArray<N>[] {
  const d = a.dataAxisOf(name);
  const n = a.data.shape[d];
  if (typeof parts === 'number' ? n % parts !== 0 : parts.reduce((x, y) => x + y, 0) !== n) {
    throw new NamedAxisError(`split: axis '${name}' has size ${n}, which cannot be split into ${JSON.stringify(parts)}.`);
  }
  return tf.split(a.data, parts, d).map((t) => new NamedArray(t, a.axes));
}


/**
 * One-hot vectors along a new named axis: `1` where the axis position equals the id, `0`
 * elsewhere (all zeros for negative or out-of-range ids). A product with a one-hot array is
 * a gradient-friendly alternative to gathering.
 * @example
 * const picked = nx.oneHot(targets, 'vocabulary', vocabSize).mul(logProbs).sum('vocabulary');
 */
export function oneHot<N extends string, const K extends string>(
  ids: NamedArray<N>,
  name: K,
  size: number,
  dtype: 'float32' | 'int32' = 'float32',
): NamedArray<N | K> {
  checkNewNames([name], ids.names, 'oneHot');
  if (!Number.isInteger(size) || size < 1) throw new NamedAxisError(`oneHot: size must be a positive integer; got ${size}.`);
  if (ids.dtype !== 'int32') throw new NamedAxisError(`oneHot: ids must be int32; got ${ids.dtype}. Use .astype('int32').`);
  // wasm's OneHot writes int32 bits whatever dtype is asked for, so build int32 and cast.
  const t = tf.tidy(() => {
    const hot = tf.oneHot(ids.data, size);
    return dtype === 'int32' ? hot : tf.cast(hot, dtype);
  });
  return new NamedArray(t, [...ids.axes, name]);
}

/**
 * tfjs's randomNormal treats a seed of 0 as "no seed" (random every run); 0.5 stands in for it,
 * a value no integer seed can collide with.
 */
function normalSeed(seed: number): number {
  return seed === 0 ? 0.5 : seed;
}
