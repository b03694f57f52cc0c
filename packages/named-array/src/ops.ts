import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import { NamedArray, loosen, retype } from './named-array.js';
import { alignNames, fromBatched, toBatched } from './nmap.js';
import { reduceAxes } from './reductions.js';
import { Positional, geluTanh, logSoftmaxAlong, positionalWhere, softmaxAlong } from './positional.js';

type Operand = NamedArray<string> | number | boolean;
type BinaryOp = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

function scalarLike(v: number | boolean, like: tf.Tensor): tf.Tensor {
  if (typeof v === 'boolean') return tf.scalar(v, 'bool');
  return tf.scalar(v, like.dtype === 'int32' && Number.isInteger(v) ? 'int32' : 'float32');
}

/**
 * Applies a tfjs binary op with names aligned by name (the nmap rule): for ops nx does not lift.
 * @example liftBinary(tf.atan2, y, x, 'atan2')
 */
export function liftBinary(op: BinaryOp, a: Operand, b: Operand, what: string): NamedArray<string> {
  if (!(a instanceof NamedArray) && !(b instanceof NamedArray)) {
    throw new NamedAxisError(`${what}: at least one operand must be a NamedArray.`);
  }
  if (!(b instanceof NamedArray)) {
    const x = a as NamedArray<string>;
    return new NamedArray(tf.tidy(() => op(x.data, scalarLike(b, x.data))), x.axes);
  }
  if (!(a instanceof NamedArray)) {
    return new NamedArray(tf.tidy(() => op(scalarLike(a, b.data), b.data)), b.axes);
  }
  if (sameLayout(a, b)) return new NamedArray(op(a.data, b.data), a.axes);
  // wasm only: tfjs-backend-webgpu 4.22 broadcasts some rank-mismatched operands wrongly
  // (a tiny Gemma forward in Chromium was off by 147 %), so other backends get aligned ranks.
  const suffix = tf.getBackend() === 'wasm' ? (suffixLayout(a, b) ?? suffixLayout(b, a)) : undefined;
  if (suffix) return new NamedArray(op(a.data, b.data), suffix.axes);
  const al = alignNames([a, b], what);
  const t = tf.tidy(() => {
    const x = toBatched(a, al);
    const y = toBatched(b, al);
    const pad = (p: Positional, r: number) =>
      p.rank === r ? p.tensor : tf.reshape(p.tensor, [...p.tensor.shape.slice(0, p.batchRank), ...new Array(r - p.rank).fill(1), ...p.shape]);
    const r = Math.max(x.rank, y.rank);
    return fromBatched(new Positional(op(pad(x, r), pad(y, r)), al.names.length), al).data;
  });
  return new NamedArray(t, [...al.names, ...t.shape.slice(al.names.length).map((_, i) => i)]);
}

/**
 * `long` when `short`'s data is laid out as the trailing axes of `long`'s (same names, order
 * and sizes; no positional axes): tfjs's own right-aligned broadcasting then gives what the
 * aligned layout would, without the reshape kernel that adds the leading size-1 axes (a
 * decode step runs hundreds of these: a norm's scale, a bias, RoPE's angles).
 */
function suffixLayout(long: NamedArray<string>, short: NamedArray<string>): NamedArray<string> | undefined {
  const offset = long.axes.length - short.axes.length;
  if (offset <= 0 || long.positionalShape.length || short.positionalShape.length) return undefined;
  const fits = short.axes.every((ax, i) => ax === long.axes[offset + i] && short.data.shape[i] === long.data.shape[offset + i]);
  return fits ? long : undefined;
}

function sameLayout(a: NamedArray<string>, b: NamedArray<string>): boolean {
  return (
    a.axes.length === b.axes.length &&
    a.axes.every((x, i) => x === b.axes[i]) &&
    a.data.shape.every((s, i) => s === b.data.shape[i])
  );
}

function unary<N extends string>(op: (t: tf.Tensor) => tf.Tensor) {
  return (a: NamedArray<N>): NamedArray<N> => new NamedArray(op(a.data), a.axes);
}

type Bin = <N extends string = never, M extends string = never>(a: NamedArray<N> | number, b: NamedArray<M> | number) => NamedArray<N | M>;
const bin = (op: BinaryOp, name: string): Bin => ((a: Operand, b: Operand) => liftBinary(op, a, b, name)) as Bin;

/** Elementwise `a + b`, names aligned by name. @example nx.add(x, y) */
export const add = bin(tf.add, 'add');
/** Elementwise `a - b`. @example nx.sub(x, 1) */
export const sub = bin(tf.sub, 'sub');
/** Elementwise `a * b`. @example nx.mul(x, mask) */
export const mul = bin(tf.mul, 'mul');
/** Elementwise `a / b`. @example nx.div(x, 2) */
export const div = bin(tf.div, 'div');
/** Elementwise power. @example nx.pow(x, 2) */
export const pow = bin(tf.pow, 'pow');
/** Elementwise remainder with the sign of the divisor (Python's `%`). @example nx.mod(positions, 2) */
export const mod = bin(tf.mod, 'mod');
/** Elementwise floor division. @example nx.floorDiv(positions, 2) */
export const floorDiv = bin(tf.floorDiv, 'floorDiv');
/** Elementwise maximum. @example nx.maximum(x, 0) */
export const maximum = bin(tf.maximum, 'maximum');
/** Elementwise minimum. @example nx.minimum(x, 0) */
export const minimum = bin(tf.minimum, 'minimum');
/** Elementwise `==` (a bool array). @example nx.equal(tokens, 0) */
export const equal = bin(tf.equal, 'equal');
/** Elementwise `!=`. @example nx.notEqual(tokens, 0) */
export const notEqual = bin(tf.notEqual, 'notEqual');
/** Elementwise `<`. @example nx.less(a, b) */
export const less = bin(tf.less, 'less');
/** Elementwise `<=`. @example nx.lessEqual(kvPos, qPos) */
export const lessEqual = bin(tf.lessEqual, 'lessEqual');
/** Elementwise `>`. @example nx.greater(a, b) */
export const greater = bin(tf.greater, 'greater');
/** Elementwise `>=`. @example nx.greaterEqual(qPos, kvPos) */
export const greaterEqual = bin(tf.greaterEqual, 'greaterEqual');
/** Elementwise logical and. @example nx.logicalAnd(a, b) */
export const logicalAnd = ((a: Operand, b: Operand) => liftBinary(tf.logicalAnd, a, b, 'logicalAnd')) as <N extends string = never, M extends string = never>(a: NamedArray<N> | boolean, b: NamedArray<M> | number | boolean) => NamedArray<N | M>;
/** Elementwise logical or. @example nx.logicalOr(a, b) */
export const logicalOr = ((a: Operand, b: Operand) => liftBinary(tf.logicalOr, a, b, 'logicalOr')) as <N extends string = never, M extends string = never>(a: NamedArray<N> | boolean, b: NamedArray<M> | number | boolean) => NamedArray<N | M>;

/** Elementwise negation. @example nx.neg(x) */
export const neg = <N extends string>(a: NamedArray<N>) => unary<N>(tf.neg)(a);
/** @example nx.abs(x) */
export const abs = <N extends string>(a: NamedArray<N>) => unary<N>(tf.abs)(a);
/** @example nx.exp(x) */
export const exp = <N extends string>(a: NamedArray<N>) => unary<N>(tf.exp)(a);
/** Natural log. @example nx.log(p) */
export const log = <N extends string>(a: NamedArray<N>) => unary<N>(tf.log)(a);
/** @example nx.sqrt(x) */
export const sqrt = <N extends string>(a: NamedArray<N>) => unary<N>(tf.sqrt)(a);
/** `1/sqrt(x)`. @example nx.rsqrt(meanSquare.add(1e-6)) */
export const rsqrt = <N extends string>(a: NamedArray<N>) => unary<N>(tf.rsqrt)(a);
/** @example nx.square(x) */
export const square = <N extends string>(a: NamedArray<N>) => unary<N>(tf.square)(a);
/** @example nx.tanh(x) */
export const tanh = <N extends string>(a: NamedArray<N>) => unary<N>(tf.tanh)(a);
/** @example nx.sin(theta) */
export const sin = <N extends string>(a: NamedArray<N>) => unary<N>(tf.sin)(a);
/** @example nx.cos(theta) */
export const cos = <N extends string>(a: NamedArray<N>) => unary<N>(tf.cos)(a);
/** @example nx.sigmoid(x) */
export const sigmoid = <N extends string>(a: NamedArray<N>) => unary<N>(tf.sigmoid)(a);
/** @example nx.relu(x) */
export const relu = <N extends string>(a: NamedArray<N>) => unary<N>(tf.relu)(a);
/** GELU, tanh approximation. @example nx.gelu(x) */
export const gelu = <N extends string>(a: NamedArray<N>) => unary<N>(geluTanh)(a);
/** SiLU: `x·sigmoid(x)`. @example nx.silu(x) */
export const silu = <N extends string>(a: NamedArray<N>) => unary<N>((t) => tf.tidy(() => tf.mul(t, tf.sigmoid(t))))(a);
/** @example nx.logicalNot(mask) */
export const logicalNot = <N extends string>(a: NamedArray<N>) => unary<N>(tf.logicalNot)(a);
/** Casts to a dtype. @example nx.astype(tokens, 'float32') */
export const astype = <N extends string>(a: NamedArray<N>, dtype: tf.DataType): NamedArray<N> =>
  a.dtype === dtype ? a : new NamedArray(tf.cast(a.data, dtype), a.axes);

/** The dtype two operands combine to (bool < int32 < float32), as tfjs's upcasting does. */
function resultDtype(values: readonly (NamedArray<string> | number | boolean)[]): tf.DataType {
  const kinds = values.map((v) => (v instanceof NamedArray ? v.dtype : typeof v === 'boolean' ? 'bool' : Number.isInteger(v) ? 'int32' : 'float32'));
  if (kinds.includes('float32')) return 'float32';
  if (kinds.includes('int32')) return 'int32';
  return kinds.every((k) => k === 'bool') ? 'bool' : kinds[0];
}

/**
 * `where(cond, a, b)` with names aligned by name: `a` where `cond` is true, else `b`.
 * A non-bool `cond` counts as true where it is non-zero; `a` and `b` are upcast to a common
 * dtype (tfjs would otherwise read int32 data as float32 on wasm).
 * @example nx.where(mask, scores, -1e9)
 */
export function where<C extends string, A extends string = never, B extends string = never>(
  cond: NamedArray<C>,
  a: NamedArray<A> | number | boolean,
  b: NamedArray<B> | number | boolean,
): NamedArray<C | A | B> {
  if (!(cond instanceof NamedArray)) throw new NamedAxisError(`where: the condition must be a NamedArray; got ${typeof cond}.`);
  const arrays = [loosen(cond)];
  if (a instanceof NamedArray) arrays.push(loosen(a));
  if (b instanceof NamedArray) arrays.push(loosen(b));
  const al = alignNames(arrays, 'where');
  const dtype = resultDtype([a, b] as (NamedArray<string> | number | boolean)[]);
  const t = tf.tidy(() => {
    // Numbers stay numbers, for positionalWhere to fill at the result's shape.
    const lift = (v: NamedArray<string> | number | boolean) => {
      if (!(v instanceof NamedArray)) return v;
      const p = toBatched(v, al);
      return p.dtype === dtype ? p : new Positional(tf.cast(p.tensor, dtype), p.batchRank);
    };
    const c = toBatched(cond as NamedArray<string>, al);
    const cb = c.dtype === 'bool' ? c : new Positional(tf.cast(c.tensor, 'bool'), c.batchRank);
    return fromBatched(positionalWhere(cb, lift(a as NamedArray<string> | number), lift(b as NamedArray<string> | number), dtype), al).data;
  });
  return new NamedArray(t, [...al.names, ...t.shape.slice(al.names.length).map((_, i) => i)]);
}

export { sum, mean, max, min, prod, variance, std } from './reductions.js';

/** Index of the maximum along a named axis (int32). @example logits.argmax('vocabulary') */
export function argmax<N extends string, M extends N>(a: NamedArray<N>, name: M): NamedArray<Exclude<N, M>> {
  const [d] = reduceAxes(a, [name], 'argmax');
  return new NamedArray(tf.argMax(a.data, d), a.axes.filter((_, i) => i !== d));
}
/** Index of the minimum along a named axis (int32). @example x.argmin('seq') */
export function argmin<N extends string, M extends N>(a: NamedArray<N>, name: M): NamedArray<Exclude<N, M>> {
  const [d] = reduceAxes(a, [name], 'argmin');
  return new NamedArray(tf.argMin(a.data, d), a.axes.filter((_, i) => i !== d));
}

function requireNames(a: NamedArray<string>, names: readonly string[], what: string): number[] {
  if (!names.length) throw new NamedAxisError(`${what} needs the names of the axes to normalise over, e.g. ${what}('kv_seq').`);
  return reduceAxes(a, names, what);
}

/**
 * Softmax over one or more named axes (tfjs's own softmax is last-axis only).
 * @example scores.softmax('kv_seq')
 */
export function softmax<N extends string>(a: NamedArray<N>, ...names: readonly N[]): NamedArray<N> {
  return new NamedArray(softmaxAlong(a.data, requireNames(a, names, 'softmax')), a.axes);
}
/** Log-softmax over named axes. @example logits.logSoftmax('vocabulary') */
export function logSoftmax<N extends string>(a: NamedArray<N>, ...names: readonly N[]): NamedArray<N> {
  return new NamedArray(logSoftmaxAlong(a.data, requireNames(a, names, 'logSoftmax')), a.axes);
}
/** Cumulative sum along a named axis (bool counts as int32). @example nonPad.cumsum('seq') */
export function cumsum<N extends string>(a: NamedArray<N>, name: N): NamedArray<N> {
  const [d] = reduceAxes(a, [name], 'cumsum');
  // wasm has no bool cumsum; counting true values is what callers mean.
  if (a.dtype === 'bool') return new NamedArray(tf.tidy(() => tf.cumsum(tf.cast(a.data, 'int32'), d)), a.axes);
  return new NamedArray(tf.cumsum(a.data, d), a.axes);
}

/**
 * Broadcasts to a positional shape and adds named axes. See `NamedArray.broadcastTo`.
 * @example nx.broadcastTo(bias, [], { seq: 4 })
 */
export function broadcastTo(a: NamedArray<string>, positionalShape: readonly number[], namedShape: Readonly<Record<string, number>>): NamedArray<string> {
  for (const [n, s] of Object.entries(namedShape)) {
    if (a.axes.includes(n) && a.namedShape[n] !== s) {
      throw new NamedAxisError(`broadcastTo: axis '${n}' has size ${a.namedShape[n]} but ${s} was requested (named axes do not broadcast).`);
    }
  }
  const pos = a.positionalShape;
  if (positionalShape.length < pos.length) {
    throw new NamedAxisError(`broadcastTo: cannot broadcast positional shape [${pos}] to the shorter [${positionalShape}].`);
  }
  const padded = [...new Array(positionalShape.length - pos.length).fill(1), ...pos];
  padded.forEach((s, i) => {
    if (s !== 1 && s !== positionalShape[i]) {
      throw new NamedAxisError(`broadcastTo: positional shape [${pos}] is not broadcastable to [${positionalShape}].`);
    }
  });
  const newNames = Object.keys(namedShape).filter((n) => !a.axes.includes(n));
  if (!newNames.length && padded.every((s, i) => s === positionalShape[i])) return a;
  const own = a.names;
  const t = tf.tidy(() => {
    const layout = a.untagPrefix(...own).positionalTensor(); // [own names…, positional…]
    const r = tf.reshape(layout, [...newNames.map(() => 1), ...own.map((n) => a.namedShape[n]), ...padded]);
    return tf.broadcastTo(r, [...newNames.map((n) => namedShape[n]), ...own.map((n) => a.namedShape[n]), ...positionalShape]);
  });
  return new NamedArray(t, [...newNames, ...own, ...positionalShape.map((_, i) => i)]);
}
