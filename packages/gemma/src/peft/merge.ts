/**
 * Folding adapters back into their layers: W' = W + (alpha / rank) · A·B, contracted over the
 * rank axis into W's own axes and layout, then the adapter node is replaced by the layer.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Parameter, select, type ParameterLike } from '@penjing/layers';
import { LORA_RANK_AXIS, LowRankAdapter, withWeights, type AdaptableLayer } from './adapter.js';
import { Einsum } from './einsum-layer.js';
import { einsumMatMul } from './einsum.js';

function bound(p: ParameterLike, who: string): NamedArray {
  if (!(p instanceof Parameter)) throw new RangeError(`${who}: parameter '${p.label}' is an unbound slot; bind or load it before merging.`);
  return p.value;
}

/**
 * The weight-shaped update (alpha / rank) · A·B of an adapter, laid out like the wrapped
 * layer's weights. The caller owns the result.
 * @example const delta = loraDelta(adapter); // same named shape as adapter.pretrained.weights.value
 */
export function loraDelta(adapter: LowRankAdapter): NamedArray {
  const who = `LoRA adapter '${adapter.name}'`;
  const layer = adapter.pretrained;
  const f = adapter.factors();
  const w = bound(layer.weights, who);
  const a = bound(f.a, who);
  const b = bound(f.b, who);
  const scale = f.alpha / f.rank;
  if (layer instanceof Einsum) {
    const split = f.einsum!.split();
    const t = tf.tidy(() => tf.mul(einsumMatMul(split.mergeStr, a.positionalTensor(), b.positionalTensor()), scale));
    if (t.shape.join() !== w.positionalShape.join()) {
      t.dispose();
      throw new RangeError(`${who}: A·B has shape [${t.shape}] but the weight has [${w.positionalShape}].`);
    }
    return new NamedArray(t, t.shape.map((_, i) => i));
  }
  const data = tf.tidy(() => {
    const ab = nx.contract([LORA_RANK_AXIS], a, b).mul(scale);
    const ws = w.namedShape as Record<string, number>;
    const ds = ab.namedShape as Record<string, number>;
    const same = w.names.length === ab.names.length && w.names.every((n) => ws[n] === ds[n]);
    if (!same) throw new RangeError(`${who}: A·B has named shape ${formatNamedShape(ds)} but the weight has ${formatNamedShape(ws)}.`);
    return (ab.orderAs as (...n: string[]) => NamedArray)(...(w.names as string[])).data;
  });
  return new NamedArray(data, w.names);
}

/**
 * The wrapped layer with the adapter's update folded into its weights (a new Parameter with
 * the same label; trainable again if `loraify` froze it).
 * @example const merged = mergeAdapter(adapter);
 */
export function mergeAdapter(adapter: LowRankAdapter): AdaptableLayer {
  const layer = adapter.pretrained;
  const w = layer.weights as Parameter;
  const delta = loraDelta(adapter);
  const value = new NamedArray(tf.tidy(() => tf.add(w.value.data, delta.data)), w.value.axes);
  delta.data.dispose();
  const weights = w.replace({ value, trainable: adapter.unfreezeOnMerge ? true : w.trainable });
  return withWeights(layer, weights);
}

/**
 * Folds every LoRA adapter of a model into its base weights and removes the adapters: the
 * result has the original model's structure (and labels), with W + (alpha / rank)·A·B as
 * weights. Only the merged weights are new tensors; dispose the LoRA model (with the merged
 * one as `except`) when it is no longer needed.
 *
 * @example
 * const merged = mergeLora(trained);
 * structureEquals(merged, original); // true
 */
export function mergeLora<M>(model: M): M {
  const sel = select(model).atInstancesOf(LowRankAdapter);
  return sel.isEmpty() ? model : (sel.apply((a) => mergeAdapter(a as LowRankAdapter)) as M);
}
