/**
 * Attribution patching (Nanda 2023): the first-order estimate of what patching an activation
 * from the clean run into the corrupted run does to a metric, for every unit at once —
 * `(a_clean − a_corrupted) · ∂metric/∂a` at the corrupted run, from one backward pass. The
 * gradient is taken by adding a zero array at each site (an `AddToActivation` layer) and
 * differentiating with respect to it; summing the products over the axes a unit does not
 * keep gives per-head, per-position or per-feature scores.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, requireNamed, type Layer as AnyLayer } from '@penjing/layers';
import { runWithCache } from './cache.js';
import type { Metric } from './metrics.js';
import { insertAtSite } from './sites.js';
import { spliceSae } from './splice.js';
import type { SparseAutoencoder } from './sae.js';

/** Adds a fixed array to the activation passing through (zero for gradients, a vector for steering). */
export class AddToActivation extends Layer.define('AddToActivation', { delta: child<NamedArray>() })<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    return requireNamed(input, 'AddToActivation').add(this.delta);
  }
}

/** Options of `attributionPatching`. */
export interface AttributionOptions {
  /** Site names (TransformerLens spelling), e.g. every `blocks.{l}.attn.hook_z`. */
  readonly sites: readonly string[];
  /** Axes of the activation each score keeps (e.g. the head axes, and `seq` for per-position); others are summed. */
  readonly keep: readonly string[];
  /** What to attribute (a scalar after summing); see lossMetric / logitDiffMetric. */
  readonly metric: Metric;
}

/**
 * Attribution scores `{layer: sites, …keep}`: the estimated change of the metric when each
 * unit is patched from the clean into the corrupted run. Costs two forward passes and one
 * forward-and-backward pass whatever the number of units.
 *
 * @example
 * const heads = attributionPatching(model, clean, corrupted, {
 *   sites: [0, 1].map((l) => `blocks.${l}.attn.hook_z`), keep: ['heads'], metric: lossMetric(range(16, 32)),
 * }); // {layer: 2, heads: 4}
 */
export function attributionPatching<M extends AnyLayer<NamedArray, NamedArray>>(model: M, clean: NamedArray, corrupted: NamedArray, options: AttributionOptions): NamedArray {
  if (formatNamedShape(clean.namedShape) !== formatNamedShape(corrupted.namedShape)) {
    throw new Error(`attributionPatching: the clean ${formatNamedShape(clean.namedShape)} and corrupted ${formatNamedShape(corrupted.namedShape)} tokens must have the same shape.`);
  }
  const names = [...options.sites];
  const a = runWithCache(model, clean, { names });
  const b = runWithCache(model, corrupted, { names });
  try {
    const grads = gradientsAtSites(model, corrupted, names, b.cache, options.metric);
    try {
      const data = tf.tidy(() => stackScores(names.map((n, i) => a.cache[n]!.sub(b.cache[n]!).mul(grads[i]!)), options.keep).data);
      return new NamedArray(data, ['layer', ...options.keep]);
    } finally {
      tf.dispose(grads.map((g) => g.data));
    }
  } finally {
    tf.dispose([a.logits.data, b.logits.data, ...Object.values(a.cache).map((x) => x.data), ...Object.values(b.cache).map((x) => x.data)]);
  }
}

/** Sums each product over the axes not kept and stacks them on `layer`. */
function stackScores(products: NamedArray[], keep: readonly string[]): NamedArray {
  const reduced = products.map((p, i) => {
    const missing = keep.filter((k) => !p.names.includes(k));
    if (missing.length) throw new Error(`attributionPatching: site ${i} has axes [${p.names.join(', ')}], not the kept axes [${missing.join(', ')}].`);
    const drop = p.names.filter((n) => !keep.includes(n));
    const r = drop.length ? (p.sum as (...n: string[]) => NamedArray)(...drop) : p;
    return (r.orderAs as (...n: string[]) => NamedArray)(...keep);
  });
  return new NamedArray(tf.stack(reduced.map((r) => r.data)), ['layer', ...keep]);
}

/** ∂metric/∂activation at each site on `tokens`, laid out like the cached activations. */
export function gradientsAtSites<M extends AnyLayer<NamedArray, NamedArray>>(model: M, tokens: NamedArray, names: readonly string[], like: Readonly<Record<string, NamedArray>>, metric: Metric): NamedArray[] {
  const zeros = names.map((n) => tf.zerosLike(like[n]!.data));
  try {
    const f = (...deltas: tf.Tensor[]) => {
      let patched = model;
      names.forEach((n, i) => (patched = insertAtSite(patched, n, new AddToActivation({ delta: new NamedArray(deltas[i]!, like[n]!.axes) }))));
      const m = metric(patched.call(tokens), tokens);
      return m.names.length ? tf.sum(m.data) : (m.data as tf.Scalar);
    };
    const { value, grads } = tf.valueAndGrads(f as (...x: tf.Tensor[]) => tf.Scalar)(zeros);
    value.dispose();
    return grads.map((g, i) => new NamedArray(g, like[names[i]!]!.axes));
  } finally {
    tf.dispose(zeros);
  }
}

/**
 * Attribution scores of an SAE's features at its site, `{…keep}` with `keep` ⊆ {batch, seq, features}:
 * `(f_clean − f_corrupted) · ∂metric/∂f`, the SAE spliced with its error term (so the model is unchanged).
 *
 * @example attributeFeatures(model, sae, 'blocks.1.hook_resid_post', clean, corrupted, lossMetric(), ['features'])
 */
export function attributeFeatures<M extends AnyLayer<NamedArray, NamedArray>>(
  model: M, sae: SparseAutoencoder, site: string, clean: NamedArray, corrupted: NamedArray, metric: Metric, keep: readonly string[] = ['features'],
): NamedArray {
  const { logits: l1, cache: c1 } = runWithCache(model, clean, { names: [site] });
  const { logits: l2, cache: c2 } = runWithCache(model, corrupted, { names: [site] });
  const fc = sae.encode(c1[site]!);
  const fk = sae.encode(c2[site]!);
  tf.dispose([l1.data, l2.data, c1[site]!.data, c2[site]!.data]);
  const zero = tf.zerosLike(fk.data);
  try {
    const f = (delta: tf.Tensor) => {
      const spliced = spliceSae(model, sae, { site, edit: new AddToActivation({ delta: new NamedArray(delta, fk.axes) }) });
      const m = metric(spliced.call(corrupted), corrupted);
      return m.names.length ? tf.sum(m.data) : (m.data as tf.Scalar);
    };
    const { value, grad } = tf.valueAndGrad(f as (x: tf.Tensor) => tf.Scalar)(zero);
    value.dispose();
    const g = new NamedArray(grad, fk.axes);
    const out = tf.tidy(() => {
      const p = fc.sub(fk).mul(g);
      const drop = p.names.filter((n) => !keep.includes(n));
      const r = drop.length ? (p.sum as (...n: string[]) => NamedArray)(...drop) : p;
      return (r.orderAs as (...n: string[]) => NamedArray)(...keep).data;
    });
    grad.dispose();
    return new NamedArray(out, [...keep]);
  } finally {
    tf.dispose([zero, fc.data, fk.data]);
  }
}
