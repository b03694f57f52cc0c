/**
 * Reading SAE features: the strongest features at each token, and the tokens (over a dataset)
 * where one feature fires hardest. Both take feature activations `{batch…, seq, features}`
 * (from `sae.encode` of a cached activation) and return plain records a notebook can print
 * or the viewer can draw (`view` of the activations gives the token × feature strip).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '@penjing/named-array';
import { FEATURES_AXIS } from './sae.js';

/** One active feature at one token. */
export interface FeatureHit {
  readonly feature: number;
  readonly value: number;
}

/**
 * The `k` largest feature activations at every token of one sequence `{seq, features}`:
 * one list per position, strongest first (inactive features left out).
 * @example topFeaturesPerToken(sae.encode(resid).index({ batch: 0 }), 3)[5] // [{feature: 17, value: 2.1}, …]
 */
export function topFeaturesPerToken(features: NamedArray, k: number): FeatureHit[][] {
  const extra = features.names.filter((n) => n !== 'seq' && n !== FEATURES_AXIS);
  if (extra.length || !features.names.includes('seq') || !features.names.includes(FEATURES_AXIS)) {
    throw new Error(`topFeaturesPerToken: give one sequence {seq, features}; got axes [${features.names.join(', ')}] (index the others away, e.g. .index({batch: 0})).`);
  }
  const width = (features.namedShape as Record<string, number>)[FEATURES_AXIS]!;
  const [values, indices] = tf.tidy(() => {
    const t = tf.topk(features.unwrap('seq', FEATURES_AXIS), Math.min(k, width));
    return [t.values.arraySync() as number[][], t.indices.arraySync() as number[][]];
  });
  return values.map((row, s) => row.map((value, j) => ({ feature: indices[s]![j]!, value })).filter((h) => h.value > 0));
}

/** Where a feature fires: the index of each named axis but `features`, and the activation. */
export interface TokenHit {
  readonly at: Readonly<Record<string, number>>;
  readonly value: number;
}

/**
 * The `k` tokens (over every batch row and position) where `feature` is most active, strongest first.
 * @example topTokensForFeature(sae.encode(cache['blocks.0.hook_resid_post']), 42, 10)[0].at // {batch: 3, seq: 17}
 */
export function topTokensForFeature(features: NamedArray, feature: number, k: number): TokenHit[] {
  const width = (features.namedShape as Record<string, number>)[FEATURES_AXIS];
  if (width === undefined) throw new Error(`topTokensForFeature: the activations have no '${FEATURES_AXIS}' axis (axes [${features.names.join(', ')}]).`);
  if (!Number.isInteger(feature) || feature < 0 || feature >= width) throw new RangeError(`topTokensForFeature: feature ${feature} is not in [0, ${width}).`);
  const axes = features.names.filter((n) => n !== FEATURES_AXIS);
  const sizes = axes.map((n) => (features.namedShape as Record<string, number>)[n]!);
  const flat = tf.tidy(() => features.index({ [FEATURES_AXIS]: feature }).unwrap(...axes).dataSync() as Float32Array).slice();
  const order = Array.from(flat.keys()).sort((a, b) => flat[b]! - flat[a]!).slice(0, k).filter((i) => flat[i]! > 0);
  return order.map((i) => {
    const at: Record<string, number> = {};
    let rest = i;
    for (let d = axes.length - 1; d >= 0; d--) (at[axes[d]!] = rest % sizes[d]!), (rest = Math.floor(rest / sizes[d]!));
    return { at, value: flat[i]! };
  });
}
