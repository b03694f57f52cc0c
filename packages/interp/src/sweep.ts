/**
 * Activation-patching sweeps: for every site and every unit (an index along the chosen axes
 * of the site's activation — heads, positions, both), the metric of the corrupted run with
 * that one unit taken from the clean run. Runs are batched along a `worlds` axis, many
 * units per forward pass, with a `PatchFromClean` layer at the site whose one-hot mask picks
 * each world's unit; the result is a NamedArray `{layer, …over}` the viewer draws as a heatmap.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, requireNamed, type Layer as AnyLayer } from '@penjing/layers';
import { runWithCache } from './cache.js';
import { WORLDS_AXIS, type Metric } from './metrics.js';
import { insertAtSite } from './sites.js';

/** `x + mask · (clean − x)`: takes the masked part of the activation from the clean run (mask `{worlds, …}`). */
export class PatchFromClean extends Layer.define('PatchFromClean', { clean: child<NamedArray>(), mask: child<NamedArray>() })<NamedArray, NamedArray> {
  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, 'PatchFromClean');
    return x.add(this.mask.mul(this.clean.sub(x)));
  }
}

/** Options of `patchingSweep`. */
export interface SweepOptions {
  /** Site names, one per row of the result (e.g. `blocks.{l}.attn.hook_z` for every l). */
  readonly sites: readonly string[];
  /** Axes of the activation that index a unit (e.g. ['heads'], ['seq'], ['heads', 'seq']). */
  readonly over: readonly string[];
  readonly metric: Metric;
  /** Patched runs per forward pass (default 32). */
  readonly worldsPerPass?: number;
  /** Called after each pass with the number of runs done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What `patchingSweep` returns; the caller owns `values`. */
export interface Sweep {
  readonly clean: number;
  readonly corrupted: number;
  /** `{layer, …over}`: the metric with that unit patched from the clean run. */
  readonly values: NamedArray;
}

/**
 * Patches every unit of every site, one at a time, from the clean into the corrupted run.
 *
 * @example
 * const s = patchingSweep(model, clean, corrupted, { sites: ['blocks.0.attn.hook_z', 'blocks.1.attn.hook_z'], over: ['heads', 'seq'], metric: lossMetric() });
 * view(s.values); // a heatmap per layer: heads × seq
 */
export function patchingSweep<M extends AnyLayer<NamedArray, NamedArray>>(model: M, clean: NamedArray, corrupted: NamedArray, options: SweepOptions): Sweep {
  if (formatNamedShape(clean.namedShape) !== formatNamedShape(corrupted.namedShape)) {
    throw new Error(`patchingSweep: the clean ${formatNamedShape(clean.namedShape)} and corrupted ${formatNamedShape(corrupted.namedShape)} tokens must have the same shape.`);
  }
  const per = Math.max(1, options.worldsPerPass ?? 32);
  const a = runWithCache(model, clean, { names: [...options.sites] });
  const ownsTokens: tf.Tensor[] = [];
  try {
    const metricOf = (tokens: NamedArray, m: AnyLayer<NamedArray, NamedArray>) => tf.tidy(() => options.metric(m.call(tokens), tokens).data.dataSync() as Float32Array).slice();
    const cleanValue = metricOf(clean, model)[0]!;
    const corruptedValue = metricOf(corrupted, model)[0]!;
    const act0 = a.cache[options.sites[0]!]!;
    const missing = options.over.filter((n) => !act0.names.includes(n));
    if (missing.length) throw new Error(`patchingSweep: the activation at '${options.sites[0]}' has axes ${formatNamedShape(act0.namedShape)}; it has no [${missing.join(', ')}] to sweep over.`);
    const sizes = options.over.map((n) => (act0.namedShape as Record<string, number>)[n]!);
    const units = sizes.reduce((p, s) => p * s, 1);
    const total = options.sites.length * units;
    const out = new Float32Array(total);
    for (let start = 0; start < total; start += per) {
      const count = Math.min(per, total - start);
      // Group this pass's runs by site: each site gets a mask that is one-hot only on its own worlds.
      let patched: M = model;
      const held: tf.Tensor[] = [];
      options.sites.forEach((site, s) => {
        const ids = new Int32Array(count).fill(-1);
        let any = false;
        for (let w = 0; w < count; w++) {
          const run = start + w;
          if (Math.floor(run / units) === s) (ids[w] = run % units), (any = true);
        }
        if (!any) return;
        const mask = tf.tidy(() => tf.oneHot(tf.tensor1d(ids, 'int32'), units).asType('float32').reshape([count, ...sizes]));
        held.push(mask);
        patched = insertAtSite(patched, site, new PatchFromClean({ clean: a.cache[site]!, mask: new NamedArray(mask, [WORLDS_AXIS, ...options.over]) }));
      });
      const tokens = nx.stack(Array.from({ length: count }, () => corrupted), WORLDS_AXIS);
      ownsTokens.push(tokens.data);
      out.set(metricOf(tokens, patched), start);
      tf.dispose([tokens.data, ...held]);
      ownsTokens.pop();
      options.onProgress?.(start + count, total);
    }
    return { clean: cleanValue, corrupted: corruptedValue, values: new NamedArray(tf.tensor(out, [options.sites.length, ...sizes], 'float32'), ['layer', ...options.over]) };
  } finally {
    tf.dispose([...ownsTokens, a.logits.data, ...Object.values(a.cache).map((x) => x.data)]);
  }
}
