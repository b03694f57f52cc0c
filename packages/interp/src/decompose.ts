/**
 * Residual decomposition and direct logit attribution, as TransformerLens does them: the final
 * residual stream is the sum of the embedding and every block's attention and MLP outputs
 * (for every family: parallel blocks too); each component is pushed through the final norm
 * with the norm's scale frozen at its value on the full residual (so the components' logits
 * add up to the model's), through the norm's weight and the unembedding. Norm biases and a
 * final soft-cap are left out, as TransformerLens leaves them out (they are not linear in a
 * component).
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { AddBias, LayerNorm, RMSLayerNorm, RMSStandardize, Sequential, Standardize, TanhSoftCap, type Layer } from '@penjing/layers';
import { runWithCache } from './cache.js';
import { unembedding } from './lens.js';
import { siteNames } from './sites.js';

/** What `residualDecomposition` returns; the caller owns both arrays. */
export interface ResidualDecomposition {
  /** `{component, batch…, seq, embedding}`: embed, then `L{l}_attn`, `L{l}_mlp` per block; they sum to the final residual. */
  readonly components: NamedArray;
  /** The component names, in order. */
  readonly labels: readonly string[];
  /** The final residual stream (input of the final norm). */
  readonly residual: NamedArray;
}

/**
 * Splits the final residual stream into the embedding and each block's attention and MLP outputs.
 * @example residualDecomposition(model, tokens).labels // ['embed', 'L0_attn', 'L0_mlp', 'L1_attn', 'L1_mlp']
 */
export function residualDecomposition(model: Layer<NamedArray, NamedArray>, tokens: NamedArray): ResidualDecomposition {
  const blocks = siteNames(model).filter((n) => n.endsWith('.hook_resid_post')).length;
  const names = ['blocks.0.hook_resid_pre', `blocks.${blocks - 1}.hook_resid_post`];
  const labels = ['embed'];
  for (let l = 0; l < blocks; l++) {
    names.push(`blocks.${l}.hook_attn_out`, `blocks.${l}.hook_mlp_out`);
    labels.push(`L${l}_attn`, `L${l}_mlp`);
  }
  const { logits, cache } = runWithCache(model, tokens, { names });
  const residual = cache[names[1]!]!;
  const parts = [names[0]!, ...names.slice(2)].map((n) => cache[n]!);
  let axes: NamedArray['axes'] = [];
  const data = tf.tidy(() => {
    const stacked = nx.stack(parts.map((p) => p.orderLike(residual)), 'component');
    axes = stacked.axes;
    return stacked.data;
  });
  tf.dispose([logits.data, ...parts.map((p) => p.data)]);
  return { components: new NamedArray(data, axes), labels, residual };
}

/**
 * Applies the model's final norm to `components` with the scale frozen at its value on `residual`
 * (TransformerLens's `apply_ln_to_stack`), then the norm's weight (no bias).
 * @example applyFrozenFinalNorm(model, components, residual) // {component, batch, seq, embedding}
 */
export function applyFrozenFinalNorm(model: unknown, components: NamedArray, residual: NamedArray): NamedArray {
  const [norm] = unembedding(model).sublayers;
  if (!(norm instanceof RMSLayerNorm || norm instanceof LayerNorm)) throw new Error(`applyFrozenFinalNorm: the layer after the last block is ${norm?.constructor.name ?? 'missing'}, not a LayerNorm or RMSLayerNorm.`);
  const [standardize, ...rest] = (norm as Sequential).sublayers;
  const s = standardize as RMSStandardize | Standardize;
  const across = [...s.across];
  const mean = (x: NamedArray) => (x.mean as (...n: string[]) => NamedArray)(...across);
  let axes: NamedArray['axes'] = [];
  const data = tf.tidy(() => {
    const centred = s instanceof Standardize ? (x: NamedArray) => x.sub(mean(x)) : (x: NamedArray) => x;
    const scale = mean(centred(residual).square()).add(s.epsilon).rsqrt();
    let y = centred(components).mul(scale);
    for (const layer of rest) if (!(layer instanceof AddBias)) y = layer.call(y) as NamedArray;
    axes = y.axes;
    return y.data;
  });
  return new NamedArray(data, axes);
}

/**
 * Direct logit attribution `{component, batch…, seq, vocabulary}`: each residual component's
 * contribution to the logits through the frozen final norm and the unembedding. Over
 * components they sum to the model's logits (before any soft-cap, and without norm biases).
 *
 * @example
 * const { attribution, labels } = directLogitAttribution(model, tokens);
 * attribution.index({ seq: -1, vocabulary: answer }) // {component, batch}: who wrote the answer
 */
export function directLogitAttribution(model: Layer<NamedArray, NamedArray>, tokens: NamedArray): { attribution: NamedArray; labels: readonly string[] } {
  const { components, labels, residual } = residualDecomposition(model, tokens);
  try {
    const normed = applyFrozenFinalNorm(model, components, residual);
    const decode = unembedding(model).sublayers.slice(1).filter((l) => !(l instanceof TanhSoftCap));
    let axes: NamedArray['axes'] = [];
    const data = tf.tidy(() => {
      let y = normed;
      for (const layer of decode) y = layer.call(y) as NamedArray;
      axes = y.axes;
      return y.data;
    });
    normed.dispose();
    return { attribution: new NamedArray(data, axes), labels };
  } finally {
    tf.dispose([components.data, residual.data]);
  }
}
