/**
 * The logit lens: decode the residual stream after every block with the model's own final
 * norm and unembedding, to see at which depth the prediction appears. The residuals are
 * captured with `Tell` probes (before the first block and after each one) and stacked on a
 * `layer` axis; the decoding layers are taken from the model tree itself, so a patched
 * model's head is used as it is.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { CollectSideOutputs, select, Sequential, Tell, type Layer } from '@penjing/layers';
import { SelectLastToken, TransformerBlock } from '@penjing/transformer';
import { tokenLossesFromLogits } from './losses.js';

const RESIDUAL_TAG = 'residual:lens';

/** The decoder Sequential: the one whose sublayers include the blocks. */
function decoderOf(model: unknown): Sequential {
  const found = select(model)
    .atInstancesOf(Sequential)
    .where((s) => !(s instanceof TransformerBlock) && s.sublayers.some((l) => l instanceof TransformerBlock))
    .getSequence();
  if (found.length !== 1) {
    throw new Error(`logitLens: expected one decoder Sequential containing the TransformerBlocks; found ${found.length}. Pass a GemmaTransformer or TransformerLM.`);
  }
  return found[0];
}

/**
 * The layers that turn the final residual stream into logits (final norm, unembedding,
 * soft-cap): everything in the decoder after the blocks and `SelectLastToken`.
 *
 * @example unembedding(model).call(residual); // {…, vocabulary}
 */
export function unembedding(model: unknown): Sequential {
  const decoder = decoderOf(model);
  const layers = decoder.sublayers;
  const lastBlock = layers.map((l) => l instanceof TransformerBlock).lastIndexOf(true);
  const start = layers[lastBlock + 1] instanceof SelectLastToken ? lastBlock + 2 : lastBlock + 1;
  return new Sequential({ sublayers: layers.slice(start) });
}

/** What `residualStream` returns; the caller owns both arrays. */
export interface ResidualStream {
  readonly logits: NamedArray;
  /** `{layer: blocks + 1, batch…, seq, embedding}`: layer 0 is the scaled embedding, layer i the output of block i − 1. */
  readonly residuals: NamedArray;
}

/**
 * Runs the model and returns the residual stream before the first block and after each.
 *
 * @example residualStream(model, tokens).residuals.namedShape; // {layer: 3, batch: 1, seq: 33, embedding: 64}
 */
export function residualStream(model: Layer<NamedArray, NamedArray>, tokens: NamedArray): ResidualStream {
  const probe = new Tell({ tag: RESIDUAL_TAG });
  const blocks = select(model).atInstancesOf(TransformerBlock);
  if (blocks.isEmpty()) throw new Error('residualStream: the model has no TransformerBlock.');
  const probed = select(blocks.pickNth(0).insertBefore(probe)).atInstancesOf(TransformerBlock).insertAfter(probe);
  const { output, sideOutputs } = new CollectSideOutputs({ body: probed, tags: [RESIDUAL_TAG] }).call(tokens);
  const emitted = sideOutputs[RESIDUAL_TAG] ?? [];
  let axes: NamedArray['axes'] = [];
  const data = tf.tidy(() => {
    const stacked = nx.stack(emitted.map((r) => r.orderLike(emitted[0])), 'layer');
    axes = stacked.axes;
    return stacked.data;
  });
  tf.dispose(emitted.map((r) => r.data));
  return { logits: output, residuals: new NamedArray(data, axes) };
}

/**
 * Logit-lens log-probabilities `{layer, batch…, seq, vocabulary}`: each layer's residual
 * stream decoded with the model's final norm and unembedding. The last layer equals the
 * model's own log-softmax output.
 *
 * @example
 * const lens = logitLens(model, tokens);
 * lens.index({ layer: -1 }); // the model's prediction
 */
export function logitLens(model: Layer<NamedArray, NamedArray>, tokens: NamedArray): NamedArray {
  const { logits, residuals } = residualStream(model, tokens);
  const head = unembedding(model);
  try {
    let axes: NamedArray['axes'] = [];
    const data = tf.tidy(() => {
      const lp = (head.call(residuals) as NamedArray).logSoftmax('vocabulary');
      axes = lp.axes;
      return lp.data;
    });
    return new NamedArray(data, axes);
  } finally {
    logits.dispose();
    residuals.dispose();
  }
}

/**
 * Next-token losses at every layer of the logit lens: `{layer, batch…, seq: T−1}`, entry t
 * being the loss of token t + 1 if the model stopped after that layer.
 *
 * @example halfLosses(logitLensLosses(model, tokens).index({ layer: 1 }), 16)
 */
export function logitLensLosses(model: Layer<NamedArray, NamedArray>, tokens: NamedArray): NamedArray {
  const lens = logitLens(model, tokens);
  try {
    return tokenLossesFromLogits(lens, tokens);
  } finally {
    lens.dispose();
  }
}
