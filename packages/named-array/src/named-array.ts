/**
 * # Named arrays, and the "locally positional" style
 *
 * A `NamedArray` is a tensor whose axes have names. Once the axes are named, code refers to
 * them by name only: elementwise operations line arrays up by name (data order never
 * matters), reductions and contractions say which axes they remove, and an axis a function
 * does not mention is carried along untouched. That is what lets a layer written for
 * `{seq, embedding}` run unchanged on `{batch, worlds, seq, embedding}`.
 *
 * For the code inside an operation, Penzai's style is *locally positional*: `untag` the few
 * axes the operation works on, apply an ordinary positional function to them with `nmap`
 * (which vectorises it over every axis that is still named), and `tag` the result. No
 * function ever needs to know which other axes exist, or where they sit in memory.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import * as nx from '@penjing/named-array';
 * await nx.ready();
 *
 * // Name the axes once.
 * const scores = nx.wrap(tf.tensor2d([[1, 2, 3], [1, 1, 1]])).tag('batch', 'vocabulary');
 * scores.namedShape; //=> { batch: 2, vocabulary: 3 }
 *
 * // Elementwise operations align by name, whatever the data order.
 * const bias = nx.fromArray([10, 20, 30], ['vocabulary']);
 * scores.add(bias).unwrap('batch', 'vocabulary').arraySync(); //=> [[11, 22, 33], [11, 21, 31]]
 *
 * // Reductions name the axis they remove.
 * scores.sum('vocabulary').unwrap('batch').arraySync(); //=> [6, 3]
 *
 * // Locally positional: the function sees one positional axis (the vocabulary) and is
 * // vectorised over `batch` — and over any other named axis the input might have.
 * const normalise = nx.nmap((v: nx.Positional) => v.div(v.sum()));
 * const probs = normalise(scores.untag('vocabulary')).tag('vocabulary');
 * probs.unwrap('batch', 'vocabulary').arraySync()[1]; //=> [1 / 3, 1 / 3, 1 / 3]
 *
 * // A contraction names the summed axis; the others are kept.
 * const embed = nx.fromArray([[1, 0], [0, 1], [1, 1]], ['vocabulary', 'embedding']);
 * nx.contract(['vocabulary'], scores, embed).unwrap('batch', 'embedding').arraySync(); //=> [[4, 5], [2, 2]]
 *
 * // Misused names fail with the shapes involved.
 * let message = '';
 * try { scores.sum('vocab' as 'vocabulary'); } catch (e) { message = (e as Error).message; }
 * message.includes("'vocab'"); //=> true
 * ```
 */
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

  // The three views below are made once per array (an array never changes) and frozen: a
  // decode step reads them thousands of times in its checks and layouts.
  #namedShape: NamedShape<N> | undefined;
  #names: N[] | undefined;
  #positionalShape: number[] | undefined;

  /** Sizes of the named axes, in data order (frozen). @example x.namedShape // {batch: 2, seq: 12} */
  get namedShape(): NamedShape<N> {
    if (!this.#namedShape) {
      const out: Record<string, number> = {};
      this.axes.forEach((a, i) => {
        if (typeof a === 'string') out[a] = this.data.shape[i];
      });
      this.#namedShape = Object.freeze(out) as NamedShape<N>;
    }
    return this.#namedShape;
  }

  /** Axis names in data order (frozen). @example x.names // ['batch', 'seq'] */
  get names(): N[] {
    return (this.#names ??= Object.freeze(this.axes.filter((a): a is N => typeof a === 'string')) as N[]);
  }

  /** Sizes of the positional axes, in positional order (frozen). @example x.untag('seq').positionalShape // [12] */
  get positionalShape(): number[] {
    if (!this.#positionalShape) {
      const out: number[] = [];
      this.axes.forEach((a, i) => {
        if (typeof a === 'number') out[a] = this.data.shape[i];
      });
      this.#positionalShape = Object.freeze(out) as number[];
    }
    return this.#positionalShape;
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

  /**
   * A notebook cell whose value is an array shows its heatmap (text/html) once
   * `@penjing/viewer` is imported (it registers the renderer), else the summary line.
   */
  [Symbol.for('Jupyter.display')](): Record<string, string> {
    const render = (globalThis as Record<symbol, unknown>)[Symbol.for('penjing.displayNamedArray')];
    return typeof render === 'function' ? (render as (x: unknown) => Record<string, string>)(this) : { 'text/plain': this.toString() };
  }

  /** Deno's console (and a notebook cell's last expression) print the summary line too. */
  [Symbol.for('Deno.customInspect')](): string {
    return this.toString();
  }
}

/**
 * Axis names are tracked by the type alone; the operations in ops.ts, indexing.ts and
 * update.ts work on `NamedArray<string>`. These two functions are where the tracked and the
 * untracked views meet — the runtime object is the same, only its type is restated.
 * @example retype<'batch' | 'seq'>(ops.sum(loosen(x), 'embedding'))
 */
export function loosen<N extends string>(a: NamedArray<N>): NamedArray<string> {
  return a as unknown as NamedArray<string>;
}

/** See `loosen`: states the names an untracked result is known to have. @example retype<'seq'>(a) */
export function retype<M extends string>(a: NamedArray<string>): NamedArray<M> {
  return a as unknown as NamedArray<M>;
}
