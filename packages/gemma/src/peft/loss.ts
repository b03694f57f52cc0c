/**
 * Next-token cross-entropy for language-model fine-tuning, as one fused op with its own
 * gradient, softmax(logits) − onehot(target), for two reasons:
 * - wasm: tfjs's gather has no gradient there, and its float one-hot kernel is wrong
 *   (`tf.oneHot(…, 'float32')` writes integer bits), so the target's logit is read with a
 *   flat 1-D gather in the forward pass only and the one-hot is a float scatter;
 * - memory: with a 262k vocabulary one `[tokens, vocabulary]` float array is 134 MB at 128
 *   tokens; the composed form (log-softmax, one-hot, product, each kept for backprop) holds
 *   several, the fused one keeps only the logits and frees each temporary as it goes.
 * Every position predicts the next token; the last one has no target and weight 0, which
 * avoids slicing (copying) the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { LayerError } from '@penjing/layers';
import { decodeNextTokenCrossEntropy, splitDecode } from './decode-split.js';
import { checkRows, nextTokenTargets } from './targets.js';
import { customGradient } from './custom-gradient.js';

/** One training batch: tokens, and which of them count as targets. */
export interface LoraBatch {
  /** int32 `{batch…, seq}`. */
  readonly tokens: NamedArray;
  /**
   * `{batch…, seq}` (bool or 0/1): position t is 1 when token t should be predicted (from
   * the tokens before it). Default: every token except padding (`padTokenId`) and the first.
   */
  readonly lossMask?: NamedArray;
}

/** A model that maps tokens `{batch…, seq}` to logits `{batch…, seq, vocabulary}`. */
export interface LogitsModel {
  call(tokens: NamedArray, side?: Record<string, unknown>): NamedArray;
  readonly config?: { readonly padTokenId?: number };
}

/**
 * Σ_n w_n·(logsumexp(x_n) − x_n[t_n]) for logits x laid out `[N, V]` or, with `vocabFirst`,
 * `[V, N]` (what a decode that puts the table on the left of its matMul produces; reading it
 * in place saves a 134 MB transpose and its gradient). Differentiable in x; targets and
 * weights get zero gradients. They are inputs rather than closed over so that the tape
 * keeps them alive until the backward pass.
 */
function fusedCrossEntropy(x: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D, vocabFirst: boolean): tf.Scalar {
  const [n, v] = vocabFirst ? [x.shape[1], x.shape[0]] : x.shape;
  const axis = vocabFirst ? 0 : 1;
  const column = (t: tf.Tensor) => tf.reshape(t, vocabFirst ? [1, n] : [n, 1]);
  const body = (logits: tf.Tensor, tgt: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const lse = tf.tidy(() => {
      const max = tf.max(logits, axis, true);
      const shifted = tf.sub(logits, max);
      const sumExp = tf.sum(tf.exp(shifted), axis, true);
      shifted.dispose();
      return tf.reshape(tf.add(tf.log(sumExp), max), [n]);
    });
    save([logits, lse, tgt, w]);
    const value = tf.tidy(() => {
      const rows = tf.range(0, n, 1, 'int32');
      const flat = vocabFirst ? tf.add(tf.mul(tgt, tf.scalar(n, 'int32')), rows) : tf.add(tf.mul(rows, tf.scalar(v, 'int32')), tgt);
      const picked = tf.gather(tf.reshape(logits, [n * v]), flat);
      return tf.sum(tf.mul(w, tf.sub(lse, picked)));
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, l, t, wt] = saved;
        // Temporaries are [N, V]; freeing each once used keeps at most two alive.
        const shifted = tf.sub(xs, column(l));
        const p = tf.exp(shifted);
        shifted.dispose();
        const rows = tf.range(0, n, 1, 'int32');
        const oneHot = tf.scatterND(tf.stack(vocabFirst ? [t, rows] : [rows, t], 1), tf.ones([n]), xs.shape);
        const diff = tf.sub(p, oneHot);
        p.dispose();
        oneHot.dispose();
        const g = tf.mul(diff, column(tf.mul(wt, dy)));
        diff.dispose();
        return [g, tf.zerosLike(t), tf.zerosLike(wt)];
      },
    };
  };
  return customGradient(body)(x, targets, weights) as tf.Scalar;
}

/**
 * Mean cross-entropy of `logits` at each position against the next token, over the
 * positions the mask keeps (a scalar NamedArray; 0 when the mask keeps nothing). The mask
 * marks target tokens: `lossMask[t] = 1` counts the prediction of token t from position t−1.
 * Without a mask every token after the first counts, except `padTokenId` tokens.
 *
 * @example
 * const loss = nextTokenCrossEntropy(model.call(tokens), tokens, mask).item();
 */
export function nextTokenCrossEntropy(logits: NamedArray, tokens: NamedArray, lossMask?: NamedArray, padTokenId?: number): NamedArray<never> {
  const who = 'nextTokenCrossEntropy';
  if (!logits.names.includes('vocabulary') || logits.positionalShape.length) {
    throw new LayerError(`${who}: logits must have a named 'vocabulary' axis and no positional axes; got ${formatNamedShape(logits.namedShape)}.`);
  }
  checkRows(logits, ['vocabulary'], tokens, who, 'logits');
  const V = (logits.namedShape as Record<string, number>).vocabulary;
  const loss = tf.tidy(() => {
    const { rowAxes, n, targets, weights } = nextTokenTargets(tokens, lossMask, padTokenId, who);
    const vocabFirst = logits.axes[0] === 'vocabulary';
    const order = vocabFirst ? ['vocabulary', ...rowAxes, 'seq'] : [...rowAxes, 'seq', 'vocabulary'];
    const x = tf.reshape((logits.unwrap as (...n: string[]) => tf.Tensor)(...order), vocabFirst ? [V, n] : [n, V]) as tf.Tensor2D;
    return fusedCrossEntropy(x, targets, weights, vocabFirst);
  });
  return new NamedArray(loss, []) as NamedArray<never>;
}

/**
 * The next-token loss of a model on a batch (the model is called on the whole sequence;
 * padding is masked by the model's `padTokenId` when no mask is given). A `GemmaTransformer`
 * with the standard decode (tied table, optional soft-cap) is run up to its final norm and
 * decoded a chunk of positions at a time (`decodeNextTokenCrossEntropy`), so the full
 * logits are never built; any other model is called whole.
 *
 * @example
 * const { value } = valueAndGrad((m: GemmaTransformer) => nextTokenLoss(m, batch))(lora, { wrt });
 */
export function nextTokenLoss(model: LogitsModel, batch: LoraBatch): NamedArray<never> {
  const split = splitDecode(model);
  const t = tf.tidy(() => {
    const pad = model.config?.padTokenId;
    if (!split) return nextTokenCrossEntropy(model.call(batch.tokens), batch.tokens, batch.lossMask, pad).data;
    const hidden = split.hidden.call(batch.tokens, { returnLastOnly: false });
    return decodeNextTokenCrossEntropy(hidden, split.table, batch.tokens, batch.lossMask, pad, { softCap: split.softCap }).data;
  });
  return new NamedArray(t, []) as NamedArray<never>;
}
