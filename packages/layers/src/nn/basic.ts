import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError } from '../core/layer.js';
import { child, staticField } from '../tree/fields.js';
import { checkInputAxes, nameList, requireNamed } from './checks.js';
import { describe } from '../tree/tree.js';

/**
 * Standard elementwise functions, named so printed trees can be rebuilt from their text.
 * @example ELEMENTWISE_FUNCTIONS.gelu(x)
 */
export const ELEMENTWISE_FUNCTIONS = {
  relu: (x: NamedArray) => x.relu(),
  /** GELU, tanh approximation (Gemma's `gelu_pytorch_tanh`, JAX's default). */
  gelu: (x: NamedArray) => x.gelu(),
  /** GELU with the exact erf form. */
  geluExact: (x: NamedArray) =>
    new NamedArray(tf.tidy(() => tf.mul(tf.mul(x.data, 0.5), tf.add(1, tf.erf(tf.mul(x.data, Math.SQRT1_2))))), x.axes),
  silu: (x: NamedArray) => x.silu(),
  sigmoid: (x: NamedArray) => x.sigmoid(),
  tanh: (x: NamedArray) => x.tanh(),
  exp: (x: NamedArray) => x.exp(),
  square: (x: NamedArray) => x.square(),
  abs: (x: NamedArray) => x.abs(),
  neg: (x: NamedArray) => x.neg(),
  softplus: (x: NamedArray) => new NamedArray(tf.softplus(x.data), x.axes),
} as const satisfies Record<string, (x: NamedArray) => NamedArray>;

/** The name of a standard elementwise function. */
export type ElementwiseName = keyof typeof ELEMENTWISE_FUNCTIONS;

/**
 * Applies a function to every element: a standard one by name (`'gelu'`, `'relu'`, ...) or
 * any `(x: NamedArray) => NamedArray` (give it a name: the viewer prints `fn.name`).
 *
 * @example new Elementwise({ fn: 'gelu' }).call(x)
 */
export class Elementwise extends Layer.define('Elementwise', {
  fn: staticField<ElementwiseName | ((x: NamedArray) => NamedArray)>().from((fn: ElementwiseName | ((x: NamedArray) => NamedArray)) => {
    if (typeof fn === 'string' && !(fn in ELEMENTWISE_FUNCTIONS)) {
      throw new RangeError(`Elementwise: unknown function '${fn}'; use one of ${Object.keys(ELEMENTWISE_FUNCTIONS).join(', ')} or pass a function.`);
    }
    return fn;
  }),
})<NamedArray, NamedArray> {
  protected override forward(x: NamedArray): NamedArray {
    const fn = typeof this.fn === 'string' ? ELEMENTWISE_FUNCTIONS[this.fn] : this.fn;
    // Positional axes are fine here (the function acts per element), but not other values.
    if (!(x instanceof NamedArray)) {
      throw new LayerError(`Elementwise(${typeof this.fn === 'string' ? `'${this.fn}'` : this.fn.name || 'fn'}) expects a NamedArray input but got ${describe(x)}.`);
    }
    return fn(x);
  }
}

/**
 * Softmax over one or more named axes (`Softmax({ axes: 'kv_seq' })` in attention).
 * @example new Softmax({ axes: 'kv_seq' }).call(scores)
 */
export class Softmax extends Layer.define('Softmax', { axes: staticField<readonly string[]>().from(nameList) })<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, 'Softmax');
    checkInputAxes(x, Object.fromEntries(this.axes.map((a) => [a, undefined])), `Softmax over [${this.axes.join(', ')}]`);
    return x.softmax(...this.axes);
  }
}

/**
 * Casts to a dtype (tfjs computes in float32; `int32` and `bool` are the other choices).
 * @example new CastToDType({ dtype: 'float32' })
 */
export class CastToDType extends Layer.define('CastToDType', { dtype: staticField<tf.DataType>() })<NamedArray, NamedArray> {
  protected override forward(x: NamedArray): NamedArray {
    return requireNamed(x, 'CastToDType').astype(this.dtype);
  }
}

/**
 * Soft-caps values to (−c, c): `tanh(x / c) · c` (Gemma 2's logit and attention caps).
 * @example new TanhSoftCap({ softCap: 30 })
 */
export class TanhSoftCap extends Layer.define('TanhSoftCap', {
  softCap: staticField<number>().from((c: number) => {
    if (!(c > 0)) throw new RangeError(`TanhSoftCap: softCap must be positive; got ${c}.`);
    return c;
  }),
})<NamedArray, NamedArray> {
  protected override forward(x: NamedArray): NamedArray {
    return requireNamed(x, 'TanhSoftCap').div(this.softCap).tanh().mul(this.softCap);
  }
}

/**
 * Renames axes (no data moves): `old[i]` becomes `new[i]`.
 * @example new RenameAxes({ old: 'seq', new: 'kv_seq' })
 */
export class RenameAxes extends Layer.define('RenameAxes', {
  old: staticField<readonly string[]>().from(nameList),
  new: staticField<readonly string[]>().from(nameList),
})<NamedArray, NamedArray> {
  constructor(f: { old: string | readonly string[]; new: string | readonly string[] }) {
    const [o, n] = [nameList(f.old), nameList(f.new)];
    if (o.length !== n.length) throw new RangeError(`RenameAxes: ${o.length} old names [${o.join(', ')}] but ${n.length} new names [${n.join(', ')}].`);
    super(f);
  }
  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, 'RenameAxes');
    const who = `RenameAxes [${this.old.join(', ')}] -> [${this.new.join(', ')}]`;
    checkInputAxes(x, Object.fromEntries(this.old.map((a) => [a, undefined])), who, this.new.filter((n) => !this.old.includes(n)));
    return x.untag(...this.old).tag(...this.new);
  }
}

/**
 * Multiplies by a constant: a number or a NamedArray that broadcasts by name.
 * @example new ConstantRescale({ by: Math.sqrt(embeddingDim) })
 */
export class ConstantRescale extends Layer.define('ConstantRescale', { by: child<number | NamedArray>() })<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, 'ConstantRescale');
    if (this.by instanceof NamedArray) {
      const extra = this.by.names.filter((n) => !x.names.includes(n));
      if (extra.length) throw new LayerError(`ConstantRescale: the factor has axes ${formatNamedShape(this.by.namedShape)} that the input ${formatNamedShape(x.namedShape)} lacks (${extra.join(', ')}).`);
      return x.mul(this.by);
    }
    return x.mul(this.by);
  }
}
