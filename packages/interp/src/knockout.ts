/**
 * Head ablation: a copy of the model in which chosen heads attend only to `<bos>` (Penzai's
 * `KnockOutAttentionHeads`, placed right after the attention softmax of their block), the
 * usual "resting" behaviour of a head, so the ablation removes what the head reads without
 * pushing the residual stream off its normal range the way zeroing would.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { KnockOutAttentionHeads } from '@penjing/layers';
import type { TransformerMetadata } from '@penjing/transformer';
import { attentionSoftmaxes } from './capture.js';

/** A head: its block and its number (g·(N/K) + q for grouped heads). */
export interface HeadRef {
  readonly block: number;
  readonly head: number;
}

/**
 * A `{<heads>}` mask of ones with zeros at the given head numbers, laid out on the model's
 * head axes (`heads`; `query_heads`; or `head_groups` × `query_heads`).
 *
 * @example headMask(model.metadata, [2]); // {heads: 4} = [1, 1, 0, 1]
 */
export function headMask(metadata: TransformerMetadata, knockedOut: readonly number[]): NamedArray {
  const axes = { ...metadata.commonHeadAxes, ...metadata.queryOnlyHeadAxes };
  const names = Object.keys(axes);
  const sizes = Object.values(axes);
  const n = sizes.reduce((p, s) => p * s, 1);
  const values = new Float32Array(n).fill(1);
  for (const h of knockedOut) {
    if (!Number.isInteger(h) || h < 0 || h >= n) throw new RangeError(`headMask: head ${h} does not exist; the model has heads 0…${n - 1}.`);
    values[h] = 0;
  }
  return new NamedArray(tf.tensor(values, sizes, 'float32'), names);
}

/**
 * A copy of `model` with the listed heads knocked out (redirected to `<bos>`). The original
 * is untouched; the copy shares its parameters and owns only the masks (free them with
 * `disposeTree(copy, { except: [model] })`).
 *
 * @example
 * const ablated = knockOutHeads(model, [{ block: 1, head: 2 }]);
 * halfLosses(tokenLosses(ablated, tokens), 16).second; // rises if head 1.2 copies
 */
export function knockOutHeads<M extends { readonly metadata: TransformerMetadata }>(model: M, heads: readonly HeadRef[]): M {
  const softmaxes = attentionSoftmaxes(model);
  const blocks = softmaxes.count();
  const perBlock = Object.values({ ...model.metadata.commonHeadAxes, ...model.metadata.queryOnlyHeadAxes }).reduce((p, s) => p * s, 1);
  const byBlock = new Map<number, number[]>();
  // Checked before any mask is made, so a bad reference leaves nothing to free.
  for (const { block, head } of heads) {
    if (!Number.isInteger(block) || block < 0 || block >= blocks) {
      throw new RangeError(`knockOutHeads: block ${block} does not exist; the model has blocks 0…${blocks - 1}.`);
    }
    if (!Number.isInteger(head) || head < 0 || head >= perBlock) {
      throw new RangeError(`knockOutHeads: head ${head} does not exist; each block has heads 0…${perBlock - 1}.`);
    }
    byBlock.set(block, [...(byBlock.get(block) ?? []), head]);
  }
  if (!byBlock.size) return model;
  const order = [...byBlock.keys()].sort((a, b) => a - b);
  const layers = order.map((b) => new KnockOutAttentionHeads({ headMask: headMask(model.metadata, byBlock.get(b)!) }));
  return softmaxes.pickNth(order).insertAfter(layers[0], { andSelect: true }).setSequence(layers);
}
