/**
 * Capturing attention patterns with side outputs, Penzai-style: the model is a value, so a
 * patched copy gets a `Tell` after every attention softmax, `CollectSideOutputs` runs it and
 * hands back what each `Tell` saw, and `nx.stack` puts the per-block patterns on a `blocks`
 * axis. The model passed in is never changed.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { Attention, CollectSideOutputs, select, Softmax, Tell, type Layer, type Selection } from '@penjing/layers';

/** The tag the attention probes emit under. */
export const ATTENTION_TAG = 'attention';

/**
 * Selects the softmax inside each attention layer (one per block, in block order); the
 * place to read or replace attention weights.
 *
 * @example attentionSoftmaxes(model).count(); // model.config.numLayers
 */
export function attentionSoftmaxes<R>(model: R): Selection<Softmax, R> {
  return select(model)
    .atInstancesOf(Attention)
    .refine((a) => select(a).atInstancesOf(Softmax));
}

/**
 * A copy of `model` with a `Tell({tag})` after every attention softmax. Run it inside
 * `CollectSideOutputs` to receive the patterns `{batch…, <heads>, seq, kv_seq}`, one per block.
 *
 * @example
 * const probed = withAttentionProbes(model);
 * const { output, sideOutputs } = new CollectSideOutputs({ body: probed }).call(tokens);
 * sideOutputs.attention.length; // number of blocks
 */
export function withAttentionProbes<R>(model: R, tag: string = ATTENTION_TAG): R {
  const sel = attentionSoftmaxes(model);
  if (sel.isEmpty()) throw new Error('withAttentionProbes: the model has no Softmax inside an Attention layer to probe.');
  return sel.insertAfter(new Tell({ tag }));
}

/** What `captureAttention` returns; the caller owns (and disposes) both arrays. */
export interface CapturedAttention {
  /** The model's output (logits `{batch…, seq, vocabulary}`). */
  readonly logits: NamedArray;
  /** Every block's attention weights: `{blocks, batch…, <heads>, seq, kv_seq}`. */
  readonly patterns: NamedArray;
}

/**
 * Runs the model once and returns its logits and every attention pattern, stacked along a
 * new `blocks` axis.
 *
 * @example
 * const { logits, patterns } = captureAttention(model, tokens);
 * patterns.namedShape; // { blocks: 2, batch: 1, heads: 4, seq: 33, kv_seq: 33 }
 */
export function captureAttention(model: Layer<NamedArray, NamedArray>, tokens: NamedArray): CapturedAttention {
  const tag = `${ATTENTION_TAG}:capture`;
  const { output, sideOutputs } = new CollectSideOutputs({ body: withAttentionProbes(model, tag), tags: [tag] }).call(tokens);
  const emitted = sideOutputs[tag] ?? [];
  try {
    let axes: NamedArray['axes'] = [];
    const data = tf.tidy(() => {
      // Align every block's layout to the first before stacking (blocks may order axes differently).
      const stacked = nx.stack(emitted.map((p) => p.orderLike(emitted[0])), 'blocks');
      axes = stacked.axes;
      return stacked.data;
    });
    return { logits: output, patterns: new NamedArray(data, axes) };
  } finally {
    tf.dispose(emitted.map((p) => p.data));
  }
}
