import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import type { Axis, NamedShape } from './types.js';
import { checkAxes } from './axes.js';

export { checkAxes } from './axes.js';
export type { AtUpdater } from './types.js';

/**
 * An immutable tensor whose axes are named or positional.
 *
 * `axes[i]` describes data axis `i`: a string is a name; a number `k` marks it as the k-th
 * positional axis. Keeping positional order separate from data order is what lets `untag`
 * and `nmap` avoid transposing data until something really needs a given layout.
 *
 * @example
 * const tokens = nx.wrap(tf.tensor2d(ids, [2, 12], 'int32')).tag('batch', 'seq');
 * tokens.namedShape;               // { batch: 2, seq: 12 }
 */
export class NamedArray<N extends string = string> {
  /** @internal Use `wrap` or the constructors. */
  constructor(
    /** The underlying tensor; shared (not copied) by `tag`, `untag` and other relabelings. */
    readonly data: tf.Tensor,
    /** Per data axis: a name, or the index of a positional axis. */
    readonly axes: readonly Axis[],
  ) {}

  /** Sizes of the named axes, in data order. @example x.namedShape // {batch: 2, seq: 12} */
  get namedShape(): NamedShape<N> {
    const out: Record<string, number> = {};
    this.axes.forEach((a, i) => {
      if (typeof a === 'string') out[a] = this.data.shape[i];
    });
    return out as NamedShape<N>;
  }

  /** Axis names in data order. @example x.names // ['batch', 'seq'] */
  get names(): N[] {
    return this.axes.filter((a): a is N => typeof a === 'string');
  }

  /** Sizes of the positional axes, in positional order. @example x.untag('seq').positionalShape // [12] */
  get positionalShape(): number[] {
    const out: number[] = [];
    this.axes.forEach((a, i) => {
      if (typeof a === 'number') out[a] = this.data.shape[i];
    });
    return out;
  }

  /** The element type. @example tokens.dtype // 'int32' */
  get dtype(): tf.DataType {
    return this.data.dtype;
  }

  /** Total number of elements. @example nx.zeros({ a: 2, b: 3 }).size // 6 */
  get size(): number {
    return this.data.size;
  }

  /** The data axis that holds a named axis; throws naming the available axes. @example x.dataAxisOf('seq') // 1 */
  dataAxisOf(name: string): number {
    const i = this.axes.indexOf(name);
    if (i < 0) {
      throw new NamedAxisError(`No axis named '${name}' in an array with named shape ${formatNamedShape(this.namedShape)}.`);
    }
    return i;
  }

  /**
   * Checks internal consistency (unique names, positional indices 0..P-1, rank).
   * @example x.checkValid();
   */
  checkValid(): this {
    checkAxes(this.axes, this.data.shape);
    return this;
  }

  /** The single value of a one-element array. @example loss.item() */
  item(): number {
    if (this.size !== 1) {
      throw new NamedAxisError(`item() needs a one-element array; this one has named shape ${formatNamedShape(this.namedShape)} and positional shape [${this.positionalShape}].`);
    }
    return this.data.dataSync()[0] as number;
  }

  /** Frees the tensor (shared with any relabeled views of this array). @example x.dispose() */
  dispose(): void {
    this.data.dispose();
  }

  /** A one-line summary. @example String(x) // 'NamedArray(float32, {batch: 2, seq: 12})' */
  toString(): string {
    const pos = this.positionalShape;
    return `NamedArray(${this.dtype}, ${formatNamedShape(this.namedShape)}${pos.length ? `, positional [${pos.join(', ')}]` : ''})`;
  }

  /** Node's console and REPL print the summary line instead of the raw tensor object. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Deno's console (and a notebook cell's last expression) print the summary line too. */
  [Symbol.for('Deno.customInspect')](): string {
    return this.toString();
  }
}
