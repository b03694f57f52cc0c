/**
 * Path patching (Wang et al. 2022, "interpretability in the wild"): how much of the clean
 * behaviour flows from a sender unit to a set of receivers along paths that pass through no
 * other attention head. For each sender unit, a first corrupted run takes that unit from the
 * clean run and freezes every other head output (`hook_z` at every block) at its corrupted value,
 * and records the receivers' activations; a second corrupted run sets the receivers to those
 * values and reads the metric. Both passes batch every sender unit along the `worlds` axis.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { CollectSideOutputs, Layer, Tell, child, type Layer as AnyLayer } from '@penjing/layers';
import { runWithCache } from './cache.js';
import { WORLDS_AXIS, type Metric } from './metrics.js';
import { insertAtSite, siteNames } from './sites.js';
import { PatchFromClean, type Sweep } from './sweep.js';

/** Replaces the activation by a fixed value, broadcast by name over axes it lacks (e.g. `worlds`). */
export class ReplaceActivation extends Layer.define('ReplaceActivation', { value: child<NamedArray>() })<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const have = input.namedShape as Record<string, number>;
    const bad = Object.entries(this.value.namedShape as Record<string, number>).filter(([n, s]) => have[n] !== s);
    if (bad.length || input.names.length < this.value.names.length) {
      throw new Error(`ReplaceActivation: the activation is ${formatNamedShape(input.namedShape)} but the replacement is ${formatNamedShape(this.value.namedShape)}.`);
    }
    return this.value.broadcastLike(input);
  }
}

/** Options of `pathPatching`. */
export interface PathPatchingOptions {
  /** The sender site (a `blocks.{l}.attn.hook_z`) and the axes indexing its units (e.g. ['heads']). */
  readonly sender: { readonly site: string; readonly over: readonly string[] };
  /** Receiver sites, downstream of the sender (e.g. `blocks.1.attn.hook_k`, or the last `hook_resid_post`). */
  readonly receivers: readonly string[];
  readonly metric: Metric;
}

/**
 * The metric with each sender unit patched from the clean run along the paths to the receivers only.
 *
 * @example
 * const p = pathPatching(model, clean, corrupted, {
 *   sender: { site: 'blocks.0.attn.hook_z', over: ['heads'] }, receivers: ['blocks.1.attn.hook_k'], metric: lossMetric(),
 * });
 * p.values; // {heads}: K-composition into block 1
 */
export function pathPatching<M extends AnyLayer<NamedArray, NamedArray>>(model: M, clean: NamedArray, corrupted: NamedArray, options: PathPatchingOptions): Sweep {
  const heads = siteNames(model).filter((n) => n.endsWith('.attn.hook_z'));
  if (!heads.includes(options.sender.site)) throw new Error(`pathPatching: the sender must be one of ${heads.join(', ')}; got '${options.sender.site}'.`);
  const a = runWithCache(model, clean, { names: heads });
  const b = runWithCache(model, corrupted, { names: heads });
  const held: tf.Tensor[] = [a.logits.data, b.logits.data, ...Object.values(a.cache).map((x) => x.data), ...Object.values(b.cache).map((x) => x.data)];
  try {
    const act = a.cache[options.sender.site]!;
    const sizes = options.sender.over.map((n) => {
      const s = (act.namedShape as Record<string, number>)[n];
      if (s === undefined) throw new Error(`pathPatching: the sender activation ${formatNamedShape(act.namedShape)} has no axis '${n}'.`);
      return s;
    });
    const units = sizes.reduce((p, s) => p * s, 1);
    const tokens = nx.stack(Array.from({ length: units }, () => corrupted), WORLDS_AXIS);
    held.push(tokens.data);
    // Pass 1: every head frozen at its corrupted value, except each world's sender unit, taken from the clean run.
    const mask = tf.tidy(() => tf.oneHot(tf.range(0, units, 1, 'int32'), units).asType('float32').reshape([units, ...sizes]));
    const none = tf.zeros([units, ...sizes]);
    held.push(mask, none);
    let frozen: M = model;
    for (const site of heads) {
      const m = new NamedArray(site === options.sender.site ? mask : none, [WORLDS_AXIS, ...options.sender.over]);
      // Freeze at the corrupted value, then move the masked unit to the clean value. Each insertion lands
      // right after the site's layer, so the later-running PatchFromClean is inserted first.
      frozen = insertAtSite(frozen, site, new PatchFromClean({ clean: a.cache[site]!, mask: m }));
      frozen = insertAtSite(frozen, site, new ReplaceActivation({ value: b.cache[site]! }));
    }
    for (const r of options.receivers) frozen = insertAtSite(frozen, r, new Tell({ tag: `receiver:${r}` }));
    const run = new CollectSideOutputs({ body: frozen, tags: options.receivers.map((r) => `receiver:${r}`) }).call(tokens);
    held.push(run.output.data);
    const received = options.receivers.map((r) => run.sideOutputs[`receiver:${r}`]![0]!);
    held.push(...received.map((x) => x.data));
    // Pass 2: the plain corrupted run with the receivers set to what they received.
    let patched: M = model;
    options.receivers.forEach((r, i) => (patched = insertAtSite(patched, r, new ReplaceActivation({ value: received[i]! }))));
    const values = tf.tidy(() => options.metric(patched.call(tokens), tokens).data.dataSync() as Float32Array).slice();
    const metricOf = (t: NamedArray) => tf.tidy(() => options.metric(model.call(t), t).data.dataSync()[0]!);
    return {
      clean: metricOf(clean),
      corrupted: metricOf(corrupted),
      values: new NamedArray(tf.tensor(values, sizes, 'float32'), [...options.sender.over]),
    };
  } finally {
    tf.dispose(held);
  }
}
