import * as tf from '@tensorflow/tfjs';
import { transpose } from './axes.js';
import { NamedAxisError } from './errors.js';
import { gatherAxis, normalizeIndices } from './gather.js';
import { fusedGeluTanh } from './wasm-fused.js';

/** A number, or an array seen through `nmap`. */
export type PositionalLike = Positional | number | boolean;

/**
 * The array a function passed to `nmap` receives: only its positional axes are visible.
 *
 * Underneath, the tensor carries `batchRank` leading axes, one per named axis being mapped
 * over; every axis argument here counts positional axes only, so a function written for
 * one example is correct for a whole batch.
 *
 * @example
 * nx.nmap((row: Positional) => row.softmax(-1))(logits.untag('vocabulary')).tag('vocabulary');
 */
export class Positional {
  /** @internal */
  constructor(
    /** The raw tensor: `batchRank` mapped axes, then the positional axes. */
    readonly tensor: tf.Tensor,
    /** How many leading axes of `tensor` are mapped named axes. */
    readonly batchRank: number,
  ) {}

  /** Positional shape (the mapped named axes are hidden). @example nx.nmap((p: Positional) => (console.log(p.shape), p)) */
  get shape(): number[] {
    return this.tensor.shape.slice(this.batchRank);
  }
  /** Number of positional axes. @example p.rank // 2 inside nmap over x.untag('seq', 'projection') */
  get rank(): number {
    return this.tensor.rank - this.batchRank;
  }
  /** The element type. @example p.dtype // 'float32' */
  get dtype(): tf.DataType {
    return this.tensor.dtype;
  }

  private wrap(t: tf.Tensor): Positional {
    return new Positional(t, this.batchRank);
  }

  /** Converts a positional axis index (negative counts from the end) to a tensor axis. @example p.axis(-1) */
  axis(a: number): number {
    const r = this.rank;
    if (!Number.isInteger(a) || a < -r || a >= r) {
      throw new NamedAxisError(
        `Axis ${a} is out of range for a positional array of shape [${this.shape.join(', ')}] ` +
          `(rank ${r}). Inside nmap, axis numbers count positional axes only.`,
      );
    }
    return this.batchRank + (a < 0 ? a + r : a);
  }

  private axes(a: number | number[] | undefined): number[] {
    if (a === undefined) return Array.from({ length: this.rank }, (_, i) => this.batchRank + i);
    return (Array.isArray(a) ? a : [a]).map((x) => this.axis(x));
  }

  // Elementwise binary operations broadcast positional axes numpy-style,
  // e.g. `p.sub(p.max(-1, true))` inside nmap.
  add(o: PositionalLike): Positional { return binary(tf.add, this, o); }
  sub(o: PositionalLike): Positional { return binary(tf.sub, this, o); }
  mul(o: PositionalLike): Positional { return binary(tf.mul, this, o); }
  div(o: PositionalLike): Positional { return binary(tf.div, this, o); }
  pow(o: PositionalLike): Positional { return binary(tf.pow, this, o); }
  mod(o: PositionalLike): Positional { return binary(tf.mod, this, o); }
  floorDiv(o: PositionalLike): Positional { return binary(tf.floorDiv, this, o); }
  maximum(o: PositionalLike): Positional { return binary(tf.maximum, this, o); }
  minimum(o: PositionalLike): Positional { return binary(tf.minimum, this, o); }
  equal(o: PositionalLike): Positional { return binary(tf.equal, this, o); }
  notEqual(o: PositionalLike): Positional { return binary(tf.notEqual, this, o); }
  less(o: PositionalLike): Positional { return binary(tf.less, this, o); }
  lessEqual(o: PositionalLike): Positional { return binary(tf.lessEqual, this, o); }
  greater(o: PositionalLike): Positional { return binary(tf.greater, this, o); }
  greaterEqual(o: PositionalLike): Positional { return binary(tf.greaterEqual, this, o); }
  logicalAnd(o: PositionalLike): Positional { return binary(tf.logicalAnd, this, o); }
  logicalOr(o: PositionalLike): Positional { return binary(tf.logicalOr, this, o); }

  // Elementwise unary operations.
  neg(): Positional { return this.wrap(tf.neg(this.tensor)); }
  abs(): Positional { return this.wrap(tf.abs(this.tensor)); }
  exp(): Positional { return this.wrap(tf.exp(this.tensor)); }
  log(): Positional { return this.wrap(tf.log(this.tensor)); }
  sqrt(): Positional { return this.wrap(tf.sqrt(this.tensor)); }
  rsqrt(): Positional { return this.wrap(tf.rsqrt(this.tensor)); }
  square(): Positional { return this.wrap(tf.square(this.tensor)); }
  tanh(): Positional { return this.wrap(tf.tanh(this.tensor)); }
  sin(): Positional { return this.wrap(tf.sin(this.tensor)); }
  cos(): Positional { return this.wrap(tf.cos(this.tensor)); }
  sigmoid(): Positional { return this.wrap(tf.sigmoid(this.tensor)); }
  relu(): Positional { return this.wrap(tf.relu(this.tensor)); }
  floor(): Positional { return this.wrap(tf.floor(this.tensor)); }
  sign(): Positional { return this.wrap(tf.sign(this.tensor)); }
  logicalNot(): Positional { return this.wrap(tf.logicalNot(this.tensor)); }
  /** GELU, tanh approximation (Gemma's `gelu_pytorch_tanh`). */
  gelu(): Positional { return this.wrap(geluTanh(this.tensor)); }
  /** SiLU (swish): `x * sigmoid(x)`. */
  silu(): Positional { return this.wrap(tf.mul(this.tensor, tf.sigmoid(this.tensor))); }
  astype(dtype: tf.DataType): Positional { return this.wrap(tf.cast(this.tensor, dtype)); }

  // Reductions over positional axes (all of them when `axis` is omitted).
  sum(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.sum(this.tensor, this.axes(axis), keepDims)); }
  mean(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.mean(this.tensor, this.axes(axis), keepDims)); }
  max(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.max(this.tensor, this.axes(axis), keepDims)); }
  min(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.min(this.tensor, this.axes(axis), keepDims)); }
  prod(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.prod(this.tensor, this.axes(axis), keepDims)); }
  /** Population variance (ddof 0), as numpy's `var`. @example p.var(-1) */
  var(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.tidy(() => tf.moments(this.tensor, this.axes(axis), keepDims).variance)); }
  /** Population standard deviation (ddof 0), as numpy's `std`. @example p.std(-1) */
  std(axis?: number | number[], keepDims = false): Positional { return this.wrap(tf.tidy(() => tf.sqrt(tf.moments(this.tensor, this.axes(axis), keepDims).variance))); }
  argmax(axis = -1): Positional { return this.wrap(tf.argMax(this.tensor, this.axis(axis))); }
  argmin(axis = -1): Positional { return this.wrap(tf.argMin(this.tensor, this.axis(axis))); }
  cumsum(axis = -1): Positional { return this.wrap(tf.cumsum(this.tensor, this.axis(axis))); }
  softmax(axis = -1): Positional { return this.wrap(softmaxAlong(this.tensor, [this.axis(axis)])); }
  logSoftmax(axis = -1): Positional { return this.wrap(logSoftmaxAlong(this.tensor, [this.axis(axis)])); }

  /** Matrix product over the last two positional axes; leading positional axes broadcast. @example q.matmul(k, false, true) */
  matmul(o: Positional, transposeA = false, transposeB = false): Positional {
    if (this.rank < 2 || o.rank < 2) {
      throw new NamedAxisError(`matmul needs two positional axes on each side; got shapes [${this.shape}] and [${o.shape}].`);
    }
    const [a, b] = alignRanks(this, o);
    return this.wrap(tf.tidy(() => tf.matMul(...broadcastBatch(a, b), transposeA, transposeB)));
  }
  /** Permutes positional axes (reverses them by default). @example p.transpose([1, 0]) */
  transpose(perm?: number[]): Positional {
    const p = perm ?? this.shape.map((_, i) => this.rank - 1 - i);
    const batch = Array.from({ length: this.batchRank }, (_, i) => i);
    return this.wrap(transpose(this.tensor, [...batch, ...p.map((x) => this.axis(x))]));
  }
  /** Reshapes the positional axes; `-1` infers one size. @example p.reshape([-1]) */
  reshape(shape: number[]): Positional {
    return this.wrap(tf.reshape(this.tensor, [...this.tensor.shape.slice(0, this.batchRank), ...shape]));
  }
  /** Inserts a size-1 positional axis at `axis` (negative counts from the end). @example p.expandDims(-1) */
  expandDims(axis = 0): Positional {
    const a = axis < 0 ? axis + this.rank + 1 : axis;
    return this.wrap(tf.expandDims(this.tensor, this.batchRank + a));
  }
  /** Removes size-1 positional axes (the given ones, or all). @example p.expandDims(0).squeeze([0]) */
  squeeze(axis?: number[]): Positional {
    const axes = axis ? axis.map((a) => this.axis(a)) : this.shape.flatMap((s, i) => (s === 1 ? [this.batchRank + i] : []));
    return this.wrap(tf.squeeze(this.tensor, axes));
  }
  /** `tf.slice` over positional axes; `size` -1 runs to the end. @example p.slice([1], [2]) */
  slice(begin: number[], size?: number[]): Positional {
    const b = [...new Array(this.batchRank).fill(0), ...begin];
    const s = [...new Array(this.batchRank).fill(-1), ...(size ?? begin.map(() => -1))];
    return this.wrap(tf.slice(this.tensor, b, s));
  }
  /**
   * Takes entries along a positional axis (like numpy's `take`); negative indices count from
   * the end, out-of-range ones are clamped. Differentiable on every backend. `indices` may be
   * a Positional from the same nmap: then each mapped row takes with its own index array
   * (fancy indexing per row), e.g. `nx.nmap((row, ids) => row.take(ids))(x.untag('seq'), ids.untag('k'))`.
   * @example p.take([-1, 0], 0)
   */
  take(indices: number[] | tf.Tensor | Positional, axis = 0): Positional {
    const d = this.axis(axis);
    const n = this.tensor.shape[d];
    if (indices instanceof Positional) return this.wrap(tf.tidy(() => takePerRow(this, indices, d, n)));
    return this.wrap(tf.tidy(() => gatherAxis(this.tensor, normalizeIndices(Array.isArray(indices) ? tf.tensor1d(indices, 'int32') : indices, n), d)));
  }
  /**
   * `where(cond, a, b)` inside nmap: `a` where `cond` is true, else `b`; broadcasts like numpy.
   * @example nx.nmap((m: Positional, s: Positional) => Positional.where(m, s, -1e9))(mask, scores)
   */
  static where(cond: Positional, a: PositionalLike, b: PositionalLike): Positional {
    return positionalWhere(cond, a, b);
  }
  /** Broadcasts the positional axes numpy-style. @example p.broadcastTo([3, 4]) */
  broadcastTo(shape: number[]): Positional {
    return this.wrap(tf.broadcastTo(this.tensor, [...this.tensor.shape.slice(0, this.batchRank), ...shape]));
  }
}

/**
 * `take` with an index array per mapped row: the mapped (batch) axes of data and indices are
 * broadcast together and folded into the gathered axis (row × n + index), since tfjs's
 * batched gather is unreliable on wasm. Result: [batch…, pre…, indices…, post…], numpy's order.
 */
function takePerRow(x: Positional, indices: Positional, d: number, n: number): tf.Tensor {
  if (indices.batchRank !== x.batchRank) throw new NamedAxisError('take: the index array must come from the same nmap call as the array it indexes.');
  if (indices.dtype !== 'int32') throw new NamedAxisError(`take: the index array must be int32; got ${indices.dtype}.`);
  const k = x.batchRank;
  const batch = broadcastShapes(x.tensor.shape.slice(0, k), indices.tensor.shape.slice(0, k));
  const rows = batch.reduce((p, s) => p * s, 1);
  const pre = x.tensor.shape.slice(k, d);
  const post = x.tensor.shape.slice(d + 1);
  // data as [batch…, n, pre…, post…] → [rows·n, pre…, post…]
  const moved = transpose(x.tensor, [...Array.from({ length: k }, (_, i) => i), d, ...pre.map((_, i) => k + i), ...post.map((_, i) => d + 1 + i)]);
  const full = tf.broadcastTo(moved, [...batch, n, ...pre, ...post]);
  const flat = tf.reshape(full, [rows * n, ...pre, ...post]);
  const q = indices.shape;
  const idx = tf.reshape(tf.broadcastTo(normalizeIndices(indices.tensor, n), [...batch, ...q]), [rows, ...q]);
  const offsets = tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')), [rows, ...q.map(() => 1)]);
  const got = gatherAxis(flat, tf.add(idx, offsets), 0); // [rows, q…, pre…, post…]
  const shaped = tf.reshape(got, [...batch, ...q, ...pre, ...post]);
  const b = Array.from({ length: k }, (_, i) => i);
  const qa = q.map((_, i) => k + i);
  const pa = pre.map((_, i) => k + q.length + i);
  const rest = post.map((_, i) => k + q.length + pre.length + i);
  return transpose(shaped, [...b, ...pa, ...qa, ...rest]);
}

/**
 * GELU with the tanh approximation, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, computed as
 * the identical `x·sigmoid(2·√(2/π)·(x + 0.044715·x³))`: on wasm, sigmoid and x·x·x are
 * vectorised kernels and tanh and pow are not (the whole GELU runs about 10× faster), and the
 * sigmoid form does not cancel `1 + tanh` for negative inputs (max relative error 1e-6
 * against float64, vs 5e-5).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  // On wasm (no gradients recorded), one fused kernel instead of seven.
  const fused = fusedGeluTanh(x);
  if (fused) return fused;
  return tf.tidy(() => {
    const cube = tf.mul(tf.mul(x, x), x);
    return tf.mul(x, tf.sigmoid(tf.mul(2 * Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)))));
  });
}

/** Softmax over any tensor axes; uses tfjs's fused kernel when that is the last axis alone. */
export function softmaxAlong(x: tf.Tensor, axes: number[]): tf.Tensor {
  if (axes.length === 1 && axes[0] === x.rank - 1) return tf.softmax(x);
  return tf.tidy(() => {
    const shifted = tf.sub(x, tf.max(x, axes, true));
    const e = tf.exp(shifted);
    return tf.div(e, tf.sum(e, axes, true));
  });
}

/** Log-softmax over any tensor axes. */
export function logSoftmaxAlong(x: tf.Tensor, axes: number[]): tf.Tensor {
  if (axes.length === 1 && axes[0] === x.rank - 1) return tf.logSoftmax(x);
  return tf.tidy(() => {
    const shifted = tf.sub(x, tf.max(x, axes, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axes, true)));
  });
}

/** The dtype a number or boolean takes next to `like`. */
function numberDtype(v: number | boolean, like: Positional): tf.DataType {
  return typeof v === 'boolean' ? 'bool' : like.dtype === 'int32' && Number.isInteger(v) ? 'int32' : 'float32';
}

function asTensor(v: PositionalLike, like: Positional): tf.Tensor {
  if (v instanceof Positional) return v.tensor;
  return tf.scalar(v as number, numberDtype(v, like));
}

/** Inserts size-1 axes after the mapped axes so positional axes align from the right. */
function alignRanks(a: Positional, b: Positional): [tf.Tensor, tf.Tensor] {
  const pad = (p: Positional, r: number) =>
    p.rank === r
      ? p.tensor
      : tf.reshape(p.tensor, [...p.tensor.shape.slice(0, p.batchRank), ...new Array(r - p.rank).fill(1), ...p.shape]);
  const r = Math.max(a.rank, b.rank);
  return [pad(a, r), pad(b, r)];
}

/**
 * tfjs's batched matMul indexes each operand's flattened batch modulo its size, which is only
 * right when the batch shapes are equal or one of them has a single element; broadcast
 * explicitly otherwise.
 */
function broadcastBatch(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const count = (s: number[]) => s.reduce((p, q) => p * q, 1);
  if (ba.join() === bb.join() || count(ba) === 1 || count(bb) === 1) return [a, b];
  const batch = broadcastShapes(ba, bb);
  const widen = (t: tf.Tensor, own: number[]) => (own.join() === batch.join() ? t : tf.broadcastTo(t, [...batch, ...t.shape.slice(-2)]));
  return [widen(a, ba), widen(b, bb)];
}

function binary(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: Positional, b: PositionalLike): Positional {
  if (b instanceof Positional) {
    const [x, y] = alignRanks(a, b);
    return new Positional(op(x, y), a.batchRank);
  }
  return new Positional(op(a.tensor, asTensor(b, a)), a.batchRank);
}

/**
 * `where(cond, a, b)` on positional arrays, broadcasting like numpy. Number branches take
 * `scalarDtype` (default: as in arithmetic with the other operand).
 */
export function positionalWhere(cond: Positional, a: PositionalLike, b: PositionalLike, scalarDtype?: tf.DataType): Positional {
  const k = cond.batchRank;
  const all = [cond, a, b].filter((v): v is Positional => v instanceof Positional);
  const r = Math.max(...all.map((p) => p.rank));
  const pad = (p: Positional): tf.Tensor => tf.reshape(p.tensor, [...p.tensor.shape.slice(0, k), ...new Array(r - p.rank).fill(1), ...p.shape]);
  const padded = all.map(pad);
  const shape = broadcastShapes(...padded.map((t) => t.shape));
  const like = all.find((p) => p !== cond) ?? cond;
  // tf.where would tile every operand to the full shape, and tfjs's Tile kernel is slow
  // (wasm: ~15× a fill): scalars are filled, full-shape operands passed as they are.
  const full = (v: PositionalLike): tf.Tensor => {
    if (v instanceof Positional) {
      const t = padded[all.indexOf(v)];
      return t.shape.join() === shape.join() ? t : tf.broadcastTo(t, shape);
    }
    return tf.fill(shape, typeof v === 'boolean' ? Number(v) : v, scalarDtype ?? numberDtype(v, like));
  };
  return new Positional(whereOfOneShape(full(cond), full(a), full(b)), k);
}

/**
 * tf.where of three operands of one shape. Flattened first: webgpu's Where kernel stops at
 * rank 4, and a flat where is the same elementwise choice.
 * @example whereOfOneShape(mask, x, tf.zerosLike(x))
 */
export function whereOfOneShape(cond: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (cond.rank <= 4) return tf.where(cond, a, b);
  return tf.tidy(() => tf.reshape(tf.where(tf.reshape(cond, [-1]), tf.reshape(a, [-1]), tf.reshape(b, [-1])), cond.shape));
}

/**
 * Numpy broadcasting of several shapes; throws listing them when they do not broadcast.
 * @example nx.broadcastShapes([2, 1], [3]) // [2, 3]
 */
export function broadcastShapes(...shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - r + i] ?? 1;
      if (d !== 1) {
        if (size !== 1 && size !== d) throw new NamedAxisError(`Cannot broadcast shapes ${shapes.map((x) => `[${x}]`).join(', ')}.`);
        size = d;
      }
    }
    out.push(size);
  }
  return out;
}
