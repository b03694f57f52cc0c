/**
 * The NamedArray methods that relabel, compute, index and update. They are declared on the
 * class (by interface merging) and installed on its prototype here, so that the class module
 * does not import the operations and the operations (which build NamedArrays) do not import
 * back: the modules form a one-way chain, named-array <- relabel/ops/indexing/update <- methods.
 * The package entry imports this module, so every NamedArray has them.
 *
 * @example
 * nx.wrap(tf.zeros([2, 3])).tag('batch', 'seq').softmax('seq');
 */
import type * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import type { AtSpec, AtUpdater, CoversAll, DisjointFrom, IndexResult, IndexSpec, NameOf, OnlyNamesOf } from './types.js';
import { NamedArray, retype } from './named-array.js';
import { orderAxes, positionalData, tagPrefixAxes, untagPrefixAxes, unwrapAxes } from './relabel.js';
import * as ops from './ops.js';
import { indexArray } from './indexing.js';
import { updateAt, type UpdateOp } from './update.js';
import { broadcastArgs } from './broadcast-args.js';

declare module './named-array.js' {
  interface NamedArray<N extends string = string> {
    /**
     * Names the positional axes, in positional order; needs exactly one name per positional axis.
     * @example nx.wrap(tf.zeros([2, 3])).tag('batch', 'seq');
     */
    tag<const M extends readonly string[]>(...names: M & DisjointFrom<N, M>): NamedArray<N | M[number]>;

    /**
     * Names the first `names.length` positional axes; the rest stay positional.
     * @example nx.wrap(tf.zeros([2, 3, 4])).tagPrefix('batch').positionalShape; // [3, 4]
     */
    tagPrefix<const M extends readonly string[]>(...names: M & DisjointFrom<N, M>): NamedArray<N | M[number]>;

    /**
     * Turns named axes into positional ones, in the given order. Allowed only when the array has
     * no positional axes (as in Penzai); no data moves.
     * @example x.untag('seq').positionalShape; // [12]
     */
    untag<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;

    /**
     * Makes named axes positional, placed before any existing positional axes.
     * @example x.untag('seq').untagPrefix('batch').positionalShape; // [2, 12]
     */
    untagPrefix<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;

    /**
     * Returns the tensor with exactly the given axes in this order (all named axes must be listed;
     * positional axes, if any, follow). The tensor may be this array's own data when no
     * transpose is needed: do not dispose it separately from the array.
     * @example logits.unwrap('batch', 'seq', 'vocabulary'); // tf.Tensor [2, 12, V]
     */
    unwrap<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M> & CoversAll<N, M>): tf.Tensor;

    /**
     * The data with positional axes in positional order; only valid when no named axes remain.
     * @example nx.wrap(t).untag().positionalTensor();
     */
    positionalTensor(): tf.Tensor;

    /**
     * Lays the data out as the positional axes (in order) followed by the named axes in `names`
     * order; the names must be exactly this array's names.
     * @example x.orderAs('seq', 'batch').names; // ['seq', 'batch']
     */
    orderAs<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M> & CoversAll<N, M>): NamedArray<N>;

    /**
     * Orders the named axes like another array's.
     * @example a.orderLike(b);
     */
    orderLike(other: NamedArray<string>): NamedArray<N>;

    /**
     * Canonical layout: positional axes first, then names sorted alphabetically.
     * @example x.canonicalize();
     */
    canonicalize(): NamedArray<N>;

    /**
     * Broadcasts to a larger positional and/or named shape (missing names are added). Takes
     * Penzai's arguments, `(positionalShape, namedShape)`, or one `{ positionalShape, namedShape }`.
     * @example nx.scalar(1).broadcastTo({ namedShape: { seq: 4 } });
     * @example nx.wrap(tf.ones([1])).broadcastTo([3]); // positional shape [3]
     */
    broadcastTo<const S extends Record<string, number> = {}>(
      shape: readonly number[] | { positionalShape?: readonly number[]; namedShape?: S },
      namedShape?: S,
    ): NamedArray<N | (keyof S & string)>;

    /**
     * Broadcasts to another array's positional and named shape.
     * @example bias.broadcastLike(x);
     */
    broadcastLike<M extends string>(other: NamedArray<M>): NamedArray<N | M>;

    /**
     * Dict indexing by axis name (Penzai semantics): an int removes the axis, `nx.slice(...)`
     * keeps it, a new name mapped to `null` adds a size-1 axis, an int array adds a positional
     * axis in front, a NamedArray of ints gathers (shared names index together).
     * @example logProbs.index({ vocabulary: targets }); // gathers each target's log-prob
     */
    index<const I extends Record<string, unknown>>(spec: I & IndexSpec<N, I>): NamedArray<IndexResult<N, I>>;

    /**
     * Functional updates at a dict index: `.at({seq: nx.slice(2, 4)}).set(v)`, `.add(v)`, ...
     * Update values broadcast by name; `nx.dynamicSlice(start, size)` writes at a run-time position.
     * @example cache.at({ seq: nx.dynamicSlice(endIndex, 1) }).set(newKeys);
     */
    at(spec: AtSpec<N>): AtUpdater<N>;

    // Lifted elementwise operations (names align by name; see nmap).
    add<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    sub<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    mul<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    mod<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    floorDiv<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    div<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    pow<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    maximum<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    minimum<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    equal<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    notEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    less<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    lessEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    greater<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    greaterEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<N | M>;
    logicalAnd<M extends string = never>(o: NamedArray<M> | number | boolean): NamedArray<N | M>;
    logicalOr<M extends string = never>(o: NamedArray<M> | number | boolean): NamedArray<N | M>;
    neg(): NamedArray<N>;
    abs(): NamedArray<N>;
    exp(): NamedArray<N>;
    log(): NamedArray<N>;
    sqrt(): NamedArray<N>;
    rsqrt(): NamedArray<N>;
    square(): NamedArray<N>;
    tanh(): NamedArray<N>;
    sin(): NamedArray<N>;
    cos(): NamedArray<N>;
    sigmoid(): NamedArray<N>;
    relu(): NamedArray<N>;
    gelu(): NamedArray<N>;
    silu(): NamedArray<N>;
    logicalNot(): NamedArray<N>;
    astype(dtype: tf.DataType): NamedArray<N>;

    // Reductions over the named axes given, or (no names) over the positional axes, keeping
    // the named ones: Penzai's lifted numpy methods. x.sum(...x.names) reduces every named axis.
    sum<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    /** Population standard deviation (ddof 0) over the named axes given, or the positional axes. @example x.std('embedding') */
    std<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    /** Population variance (ddof 0) over the named axes given, or the positional axes. @example x.untag('seq').var() */
    var<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    mean<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    max<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    min<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    prod<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<Exclude<N, M[number]>>;
    argmax<const M extends string>(name: M & NameOf<N, M>): NamedArray<Exclude<N, M>>;
    argmin<const M extends string>(name: M & NameOf<N, M>): NamedArray<Exclude<N, M>>;
    softmax<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<N>;
    logSoftmax<const M extends readonly string[]>(...names: M & OnlyNamesOf<N, M>): NamedArray<N>;
    cumsum<const M extends string>(name: M & NameOf<N, M>): NamedArray<N>;

    /** Reads the data as a nested JS array in the order of `names` (all named axes). @example await x.array('batch', 'seq') */
    array(...names: N[]): Promise<unknown>;

    /** Synchronous `array()`; prefer the async form in browsers. @example x.arraySync('seq', 'batch') */
    arraySync(...names: N[]): unknown;

  }
}

const methods: ThisType<NamedArray<string>> = {
  tag<const M extends readonly string[]>(...names: M & DisjointFrom<string, M>): NamedArray<string | M[number]> {
    const p = this.positionalShape.length;
    if (names.length !== p) {
      throw new NamedAxisError(
        `tag() needs exactly one name per positional axis: expected ${p} name${p === 1 ? '' : 's'} for positional shape ` +
          `[${this.positionalShape.join(', ')}], but ${names.length} ${names.length === 1 ? 'was' : 'were'} given: ${formatNames(names)} ` +
          `(named shape ${formatNamedShape(this.namedShape)}). Use tagPrefix() to name only the first positional axes.`,
      );
    }
    return tagPrefixAxes(this as NamedArray<string>, names, 'tag') as NamedArray<string | M[number]>;
  },
  tagPrefix<const M extends readonly string[]>(...names: M & DisjointFrom<string, M>): NamedArray<string | M[number]> {
    return tagPrefixAxes(this as NamedArray<string>, names, 'tagPrefix') as NamedArray<string | M[number]>;
  },
  untag<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> {
    const p = this.positionalShape.length;
    if (p > 0 && names.length > 0) {
      throw new NamedAxisError(
        `untag(${formatNames(names)}) on an array that already has positional axes (positional shape [${this.positionalShape.join(', ')}], ` +
          `named shape ${formatNamedShape(this.namedShape)}). Tag them first, or use untagPrefix() to add positional axes in front of the existing ones.`,
      );
    }
    return untagPrefixAxes(this as NamedArray<string>, names, 'untag') as NamedArray<Exclude<string, M[number]>>;
  },
  untagPrefix<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> {
    return untagPrefixAxes(this as NamedArray<string>, names, 'untagPrefix') as NamedArray<Exclude<string, M[number]>>;
  },
  unwrap<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M> & CoversAll<string, M>): tf.Tensor {
    return unwrapAxes(this as NamedArray<string>, names);
  },
  positionalTensor(): tf.Tensor {
    return positionalData(this as NamedArray<string>);
  },
  orderAs<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M> & CoversAll<string, M>): NamedArray<string> {
    return orderAxes(this, names);
  },
  orderLike(other: NamedArray<string>): NamedArray<string> {
    return orderAxes(this, [...other.names.filter((n) => this.axes.includes(n)), ...this.names.filter((n) => !other.axes.includes(n))]);
  },
  canonicalize(): NamedArray<string> {
    return orderAxes(this, [...this.names].sort());
  },
  broadcastTo<const S extends Record<string, number> = {}>(
    shape: readonly number[] | { positionalShape?: readonly number[]; namedShape?: S },
    namedShape?: S,
  ): NamedArray<string | (keyof S & string)> {
    const { positional, named } = broadcastArgs(shape, namedShape, this.positionalShape);
    return ops.broadcastTo(this, positional, named) as NamedArray<string | (keyof S & string)>;
  },
  broadcastLike<M extends string>(other: NamedArray<M>): NamedArray<string | M> {
    return ops.broadcastTo(this, other.positionalShape, other.namedShape) as NamedArray<string | M>;
  },
  index<const I extends Record<string, unknown>>(spec: I & IndexSpec<string, I>): NamedArray<IndexResult<string, I>> {
    return indexArray(this, spec as Record<string, unknown>) as NamedArray<IndexResult<string, I>>;
  },
  at(spec: AtSpec<string>): AtUpdater<string> {
    const u = (op: UpdateOp) => (v: NamedArray<string> | number | boolean) => updateAt(this, spec as Record<string, unknown>, v, op) as NamedArray<string>;
    return { set: u('set'), add: u('add'), mul: u('mul'), get: () => indexArray(this, spec as Record<string, unknown>) };
  },
  add<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.add(this, o); },
  sub<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.sub(this, o); },
  mul<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.mul(this, o); },
  mod<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.mod(this, o); },
  floorDiv<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.floorDiv(this, o); },
  div<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.div(this, o); },
  pow<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.pow(this, o); },
  maximum<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.maximum(this, o); },
  minimum<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.minimum(this, o); },
  equal<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.equal(this, o); },
  notEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.notEqual(this, o); },
  less<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.less(this, o); },
  lessEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.lessEqual(this, o); },
  greater<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.greater(this, o); },
  greaterEqual<M extends string = never>(o: NamedArray<M> | number): NamedArray<string | M> { return ops.greaterEqual(this, o); },
  logicalAnd<M extends string = never>(o: NamedArray<M> | number | boolean): NamedArray<string | M> { return ops.logicalAnd(this, o); },
  logicalOr<M extends string = never>(o: NamedArray<M> | number | boolean): NamedArray<string | M> { return ops.logicalOr(this, o); },
  neg(): NamedArray<string> { return ops.neg(this); },
  abs(): NamedArray<string> { return ops.abs(this); },
  exp(): NamedArray<string> { return ops.exp(this); },
  log(): NamedArray<string> { return ops.log(this); },
  sqrt(): NamedArray<string> { return ops.sqrt(this); },
  rsqrt(): NamedArray<string> { return ops.rsqrt(this); },
  square(): NamedArray<string> { return ops.square(this); },
  tanh(): NamedArray<string> { return ops.tanh(this); },
  sin(): NamedArray<string> { return ops.sin(this); },
  cos(): NamedArray<string> { return ops.cos(this); },
  sigmoid(): NamedArray<string> { return ops.sigmoid(this); },
  relu(): NamedArray<string> { return ops.relu(this); },
  gelu(): NamedArray<string> { return ops.gelu(this); },
  silu(): NamedArray<string> { return ops.silu(this); },
  logicalNot(): NamedArray<string> { return ops.logicalNot(this); },
  astype(dtype: tf.DataType): NamedArray<string> { return ops.astype(this, dtype); },
  sum<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.sum(this as NamedArray<string>, ...(names as readonly string[]))); },
  mean<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.mean(this as NamedArray<string>, ...(names as readonly string[]))); },
  max<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.max(this as NamedArray<string>, ...(names as readonly string[]))); },
  min<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.min(this as NamedArray<string>, ...(names as readonly string[]))); },
  prod<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.prod(this as NamedArray<string>, ...(names as readonly string[]))); },
  std<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.std(this as NamedArray<string>, ...(names as readonly string[]))); },
  var<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<Exclude<string, M[number]>> { return retype<Exclude<string, M[number]>>(ops.variance(this as NamedArray<string>, ...(names as readonly string[]))); },
  argmax<const M extends string>(name: M & NameOf<string, M>): NamedArray<Exclude<string, M>> { return retype<Exclude<string, M>>(ops.argmax(this as NamedArray<string>, name as string)); },
  argmin<const M extends string>(name: M & NameOf<string, M>): NamedArray<Exclude<string, M>> { return retype<Exclude<string, M>>(ops.argmin(this as NamedArray<string>, name as string)); },
  softmax<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<string> { return retype<string>(ops.softmax(this as NamedArray<string>, ...(names as readonly string[]))); },
  logSoftmax<const M extends readonly string[]>(...names: M & OnlyNamesOf<string, M>): NamedArray<string> { return retype<string>(ops.logSoftmax(this as NamedArray<string>, ...(names as readonly string[]))); },
  cumsum<const M extends string>(name: M & NameOf<string, M>): NamedArray<string> { return retype<string>(ops.cumsum(this as NamedArray<string>, name as string)); },
  async array(...names: string[]): Promise<unknown> {
    const t = unwrapAxes(this as NamedArray<string>, names);
    const v = await t.array();
    if (t !== this.data) t.dispose();
    return v;
  },
  arraySync(...names: string[]): unknown {
    const t = unwrapAxes(this as NamedArray<string>, names);
    const v = t.arraySync();
    if (t !== this.data) t.dispose();
    return v;
  },
};

for (const name of Object.keys(methods) as (keyof typeof methods)[]) {
  Object.defineProperty(NamedArray.prototype, name, {
    value: methods[name], writable: true, configurable: true, enumerable: false,
  });
}
