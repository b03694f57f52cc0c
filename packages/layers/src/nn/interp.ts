import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError } from '../core/layer.js';
import { Struct } from '../tree/struct.js';
import { child, staticField } from '../tree/fields.js';
import { nameList } from './checks.js';
import { checkInputAxes, requireNamed } from './checks.js';

/**
 * Ablates attention heads by redirecting them to the first key position (the `<BOS>` token),
 * a common "resting" behaviour of heads. Insert it right after the attention Softmax.
 * `out = bos + headMask · (attn − bos)` where `bos` is one-hot at `kv_seq` index 0: 1 keeps a
 * head, 0 knocks it out, values in between interpolate (and are differentiable).
 *
 * @example new KnockOutAttentionHeads({ headMask: nx.fromArray([1, 0, 1, 1], ['heads']) })
 */
export class KnockOutAttentionHeads extends Layer.define('KnockOutAttentionHeads', {
  headMask: child<NamedArray>(),
  kvSeqAxis: staticField<string>().default('kv_seq'),
})<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const who = 'KnockOutAttentionHeads';
    const x = requireNamed(input, who);
    checkInputAxes(x, { [this.kvSeqAxis]: undefined, ...(this.headMask.namedShape as Record<string, number>) }, `${who} (head mask ${formatNamedShape(this.headMask.namedShape)})`);
    const n = (x.namedShape as Record<string, number>)[this.kvSeqAxis];
    const bos = new NamedArray(tf.oneHot(tf.scalar(0, 'int32'), n).asType(x.dtype), [this.kvSeqAxis]);
    return bos.add(this.headMask.mul(x.sub(bos))).orderLike(x);
  }
}

/**
 * One connection into a world for `RewireComputationPaths`: read world `source`, scaled by
 * `weight` (a number, or a NamedArray whose axes give per-head/per-position weights).
 * @example new From({ source: 'clean' })
 */
export class From extends Struct.define('From', {
  source: staticField<string>(),
  weight: child<number | NamedArray>().default(1),
}) {
}

/**
 * Rewires an activation across parallel runs stacked on a `worlds` axis (activation and path
 * patching in one batched forward pass). World `dest` becomes the weighted sum of the worlds
 * listed in `taking[dest]` (a `From` or a list; an empty list zeroes it). `taking` must name
 * every world in `worldOrdering`, which gives the order of the input's worlds axis.
 *
 * @example
 * new RewireComputationPaths({
 *   worldOrdering: ['clean', 'corrupted'],
 *   taking: { clean: new From({ source: 'clean' }), corrupted: new From({ source: 'clean' }) },
 * })
 */
export class RewireComputationPaths extends Layer.define('RewireComputationPaths', {
  worldsAxis: staticField<string>().default('worlds'),
  worldOrdering: staticField<readonly string[]>().from(nameList),
  taking: child<Readonly<Record<string, From | readonly From[]>>>(),
})<NamedArray, NamedArray> {
  constructor(f: { worldsAxis?: string; worldOrdering: readonly string[]; taking: Readonly<Record<string, From | readonly From[]>> }) {
    const keys = Object.keys(f.taking);
    const missing = f.worldOrdering.filter((w) => !keys.includes(w));
    const extra = keys.filter((k) => !f.worldOrdering.includes(k));
    const sources = Object.values(f.taking).flatMap((t) => (t instanceof From ? [t] : [...t])).map((c) => c.source);
    const unknown = sources.filter((s) => !f.worldOrdering.includes(s));
    if (missing.length || extra.length || unknown.length) {
      throw new RangeError(
        `RewireComputationPaths: 'taking' must have one entry per world in [${f.worldOrdering.join(', ')}] and read only those worlds; ` +
          `missing [${missing.join(', ')}], unknown destinations [${extra.join(', ')}], unknown sources [${[...new Set(unknown)].join(', ')}].`,
      );
    }
    const taking = Object.fromEntries(f.worldOrdering.map((w) => [w, f.taking[w] instanceof From ? f.taking[w] : Object.freeze([...(f.taking[w] as readonly From[])])]));
    super({ ...f, taking: Object.freeze(taking) });
  }

  protected override forward(input: NamedArray): NamedArray {
    const who = `RewireComputationPaths over '${this.worldsAxis}'`;
    const x = requireNamed(input, who);
    checkInputAxes(x, { [this.worldsAxis]: this.worldOrdering.length }, `${who} (worlds [${this.worldOrdering.join(', ')}])`);
    const perWorld = this.worldOrdering.map((dest) => {
      const t = this.taking[dest];
      const conns = t instanceof From ? [t] : t;
      let acc: NamedArray | undefined;
      for (const c of conns) {
        if (c.weight instanceof NamedArray) {
          const stray = c.weight.names.filter((n) => !x.names.includes(n) || n === this.worldsAxis);
          if (stray.length) throw new LayerError(`${who}: the weight from '${c.source}' into '${dest}' has axes [${stray.join(', ')}] the activation ${formatNamedShape(x.namedShape)} lacks (or the worlds axis).`);
        }
        const src = x.index({ [this.worldsAxis]: this.worldOrdering.indexOf(c.source) });
        const term = c.weight === 1 ? src : src.mul(c.weight);
        acc = acc ? acc.add(term) : term;
      }
      if (acc) return acc;
      const like = x.index({ [this.worldsAxis]: 0 });
      return new NamedArray(tf.zerosLike(like.data), like.axes);
    });
    const aligned = perWorld.map((w) => (w.names.length === perWorld[0].names.length ? w.orderLike(perWorld[0]) : w));
    return nx.stack(aligned, this.worldsAxis).orderLike(x);
  }
}
