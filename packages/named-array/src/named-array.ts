import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import type { AtSpec, AtUpdater, Axis, CoversAll, DisjointFrom, IndexResult, IndexSpec, NamedShape, NameOf, OnlyNamesOf } from './types.js';
import { checkAxes } from './axes.js';
import { orderAxes, positionalData, tagPrefixAxes, untagPrefixAxes, unwrapAxes } from './relabel.js';
import * as ops from './ops.js';
import { broadcastArgs } from './broadcast-args.js';
import { indexArray } from './indexing.js';
import { updateAt, type UpdateOp } from './update.js';

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

  /**
   * Names the positional axes, in positional order; needs exactly one name per positional axis.
   * @example nx.wrap(tf.zeros([2, 3])).tag('batch', 'seq');
   */
  tag<const M extends readonly string[]>(...names: M & DisjointFrom<N, M>): NamedArray<N | M[number]> {
    const p = this.positionalShape.length;
    if (names.length !== p) {
      throw new NamedAxisError(
        `tag() needs exactly one name per positional axis: expected ${p} name${p === 1 ? '' : 's'} for positional shape ` +
          `[${this.positionalShape.join(', ')}], but ${names.length} ${names.length === 1 ? 'was' : 'were'} given: ${formatNames(names)} ` +
          `(named shape ${formatNamedShape(this.namedShape)}). Use tagPrefix() to name only the first positional axes.`,
      );
    }
    return tagPrefixAxes(this as NamedArray<string>, names, 'tag') as NamedArray<N | M[number]>;
  }

  /**
   * Names the first `names.length` positional axes; the rest stay positional.
   * @example nx.wrap(tf.zeros([2, 3, 4])).tagPrefix('batch').positionalShape; // [3, 4]
   */
  tagPrefix<const M extends readonly string[]>(...names: M & DisjointFrom<N, M>): NamedArray<N | M[number]> {
    return tagPrefixAxes(this as NamedArray<string>, names, 'tagPrefix') as NamedArray<N | M[number]>;
  }

  /**
   * Turns named axes into positional ones, in the given order. Allowed only when the array has
   * no positional axes (as in Penzai); no data moves.
   * @example x.untag('seq').positionalShape; // [12]
   */
  untag<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> {
    const p = this.positionalShape.length;
    if (p > 0 && names.length > 0) {
      throw new NamedAxisError(
        `untag(${formatNames(names)}) on an array that already has positional axes (positional shape [${this.positionalShape.join(', ')}], ` +
          `named shape ${formatNamedShape(this.namedShape)}). Tag them first, or use untagPrefix() to add positional axes in front of the existing ones.`,
      );
    }
    return untagPrefixAxes(this as NamedArray<string>, names, 'untag') as NamedArray<Exclude<N, M[number]>>;
  }

  /**
   * Makes named axes positional, placed before any existing positional axes.
   * @example x.untag('seq').untagPrefix('batch').positionalShape; // [2, 12]
   */
  untagPrefix<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> {
    return untagPrefixAxes(this as NamedArray<string>, names, 'untagPrefix') as NamedArray<Exclude<N, M[number]>>;
  }

  /**
   * Returns the tensor with exactly the given axes in this order (all named axes must be listed;
   * positional axes, if any, follow). The tensor may be this array's own data when no
   * transpose is needed: do not dispose it separately from the array.
   * @example logits.unwrap('batch', 'seq', 'vocabulary'); // tf.Tensor [2, 12, V]
   */
  unwrap<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M> & CoversAll<N, M>): tf.Tensor {
    return unwrapAxes(this as NamedArray<string>, names);
  }

  /**
   * The data with positional axes in positional order; only valid when no named axes remain.
   * @example nx.wrap(t).untag().positionalTensor();
   */
  positionalTensor(): tf.Tensor {
    return positionalData(this as NamedArray<string>);
  }

  /**
   * Lays the data out as the positional axes (in order) followed by the named axes in `names`
   * order; the names must be exactly this array's names.
   * @example x.orderAs('seq', 'batch').names; // ['seq', 'batch']
   */
  orderAs<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M> & CoversAll<N, M>): NamedArray<N> {
    return orderAxes(this, names);
  }

  /**
   * Orders the named axes like another array's.
   * @example a.orderLike(b);
   */
  orderLike(other: NamedArray<string>): NamedArray<N> {
    return orderAxes(this, [...other.names.filter((n) => this.axes.includes(n)), ...this.names.filter((n) => !other.axes.includes(n))]);
  }

  /**
   * Canonical layout: positional axes first, then names sorted alphabetically.
   * @example x.canonicalize();
   */
  canonicalize(): NamedArray<N> {
    return orderAxes(this, [...this.names].sort());
  }

  /**
   * Broadcasts to a larger positional and/or named shape (missing names are added). Takes
   * Penzai's arguments, `(positionalShape, namedShape)`, or one `{ positionalShape, namedShape }`.
   * @example nx.scalar(1).broadcastTo({ namedShape: { seq: 4 } });
   * @example nx.wrap(tf.ones([1])).broadcastTo([3]); // positional shape [3]
   */
  broadcastTo<const S extends Record<string, number> = {}>(
    shape: readonly number[] | { positionalShape?: readonly number[]; namedShape?: S },
    namedShape?: S,
  ): NamedArray<N | (keyof S & string)> {
    const { positional, named } = broadcastArgs(shape, namedShape, this.positionalShape);
    return ops.broadcastTo(this as unknown as NamedArray<string>, positional, named) as NamedArray<N | (keyof S & string)>;
  }

  /**
   * Broadcasts to another array's positional and named shape.
   * @example bias.broadcastLike(x);
   */
  broadcastLike<M extends string>(other: NamedArray<M>): NamedArray<N | M> {
    return ops.broadcastTo(this as unknown as NamedArray<string>, other.positionalShape, other.namedShape) as NamedArray<N | M>;
  }

  /**
   * Dict indexing by axis name (Penzai semantics): an int removes the axis, `nx.slice(...)`
   * keeps it, a new name mapped to `null` adds a size-1 axis, an int array adds a positional
   * axis in front, a NamedArray of ints gathers (shared names index together).
   * @example logProbs.index({ vocabulary: targets }); // gathers each target's log-prob
   */
  index<const I extends Record<string, unknown>>(spec: I & IndexSpec<N, I>): NamedArray<IndexResult<N, I>> {
    return indexArray(this as unknown as NamedArray<string>, spec as Record<string, unknown>) as NamedArray<IndexResult<N, I>>;
  }

  /**
   * Functional updates at a dict index: `.at({seq: nx.slice(2, 4)}).set(v)`, `.add(v)`, ...
   * Update values broadcast by name; `nx.dynamicSlice(start, size)` writes at a run-time position.
   * @example cache.at({ seq: nx.dynamicSlice(endIndex, 1) }).set(newKeys);
   */
  at(spec: AtSpec<N>): AtUpdater<N> {
    const u = (op: UpdateOp) => (v: NamedArray<string> | number | boolean) => updateAt(this as unknown as NamedArray<string>, spec as Record<string, unknown>, v, op) as NamedArray<N>;
    return { set: u('set'), add: u('add'), mul: u('mul'), get: () => indexArray(this as unknown as NamedArray<string>, spec as Record<string, unknown>) };
  }

  // Lifted elementwise operations (names align by name; see nmap).
  add<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.add(this, o); }
  sub<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.sub(this, o); }
  mul<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.mul(this, o); }
  mod<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.mod(this, o); }
  floorDiv<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.floorDiv(this, o); }
  div<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.div(this, o); }
  pow<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.pow(this, o); }
  maximum<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.maximum(this, o); }
  minimum<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.minimum(this, o); }
  equal<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.equal(this, o); }
  notEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.notEqual(this, o); }
  less<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.less(this, o); }
  lessEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.lessEqual(this, o); }
  greater<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.greater(this, o); }
  greaterEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M> { return ops.greaterEqual(this, o); }
  logicalAnd<M extends string = never>(o: NamedArray<M> | number | boolean): NamedArray<N | M> { return ops.logicalAnd(this, o); }
  logicalOr<M extends string = never>(o: NamedArray<M> | number | boolean): NamedArray<N | M> { return ops.logicalOr(this, o); }
  neg(): NamedArray<N> { return ops.neg(this); }
  abs(): NamedArray<N> { return ops.abs(this); }
  exp(): NamedArray<N> { return ops.exp(this); }
  log(): NamedArray<N> { return ops.log(this); }
  sqrt(): NamedArray<N> { return ops.sqrt(this); }
  rsqrt(): NamedArray<N> { return ops.rsqrt(this); }
  square(): NamedArray<N> { return ops.square(this); }
  tanh(): NamedArray<N> { return ops.tanh(this); }
  sin(): NamedArray<N> { return ops.sin(this); }
  cos(): NamedArray<N> { return ops.cos(this); }
  sigmoid(): NamedArray<N> { return ops.sigmoid(this); }
  relu(): NamedArray<N> { return ops.relu(this); }
  gelu(): NamedArray<N> { return ops.gelu(this); }
  silu(): NamedArray<N> { return ops.silu(this); }
  logicalNot(): NamedArray<N> { return ops.logicalNot(this); }
  astype(dtype: tf.DataType): NamedArray<N> { return ops.astype(this, dtype); }

  // Reductions over the named axes given, or (no names) over the positional axes, keeping
  // the named ones: Penzai's lifted numpy methods. x.sum(...x.names) reduces every named axis.
  sum<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.sum(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  mean<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.mean(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  max<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.max(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  min<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.min(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  prod<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.prod(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  std<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.std(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  var<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>> { return ops.variance(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<Exclude<N, M[number]>>; }
  argmax<const M extends string>(name: M & NameOf<N, M>): NamedArray<Exclude<N, M>> { return ops.argmax(this as NamedArray<string>, name as string) as unknown as NamedArray<Exclude<N, M>>; }
  argmin<const M extends string>(name: M & NameOf<N, M>): NamedArray<Exclude<N, M>> { return ops.argmin(this as NamedArray<string>, name as string) as unknown as NamedArray<Exclude<N, M>>; }
  softmax<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<N> { return ops.softmax(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<N>; }
  logSoftmax<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<N> { return ops.logSoftmax(this as NamedArray<string>, ...(names as readonly string[])) as unknown as NamedArray<N>; }
  cumsum<const M extends string>(name: M & NameOf<N, M>): NamedArray<N> { return ops.cumsum(this as NamedArray<string>, name as string) as unknown as NamedArray<N>; }

  /** Reads the data as a nested JS array in the order of `names` (all named axes). @example await x.array('batch', 'seq') */
  async array(...names: N[]): Promise<unknown> {
    const t = unwrapAxes(this as NamedArray<string>, names);
    const v = await t.array();
    if (t !== this.data) t.dispose();
    return v;
  }

  /** Synchronous `array()`; prefer the async form in browsers. @example x.arraySync('seq', 'batch') */
  arraySync(...names: N[]): unknown {
    const t = unwrapAxes(this as NamedArray<string>, names);
    const v = t.arraySync();
    if (t !== this.data) t.dispose();
    return v;
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
