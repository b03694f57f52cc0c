/**
 * Per-token losses of a language model: the number every induction-heads experiment reads
 * (Penzai's notebooks show them as token scores). The loss at position t is
 * −log p(token t+1 | tokens ≤ t), picked out of the log-softmax with a dict-indexing gather,
 * which is differentiable on every backend, so the same function trains the model.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { LayerError } from '@penjing/layers';

/** A model mapping int tokens `{batch…, seq}` to logits `{batch…, seq, vocabulary}`. */
export interface LanguageModel {
  call(tokens: NamedArray, side?: Record<string, unknown>): NamedArray;
}

/**
 * Next-token losses from logits: `{batch…, seq: T−1}`, where entry t is the loss of token
 * t + 1 given the tokens up to t (in nats).
 *
 * @example
 * const losses = tokenLossesFromLogits(model.call(tokens), tokens); // {batch, seq: T-1}
 */
export function tokenLossesFromLogits(logits: NamedArray, tokens: NamedArray): NamedArray {
  const who = 'tokenLossesFromLogits';
  if (!logits.names.includes('seq') || !logits.names.includes('vocabulary')) {
    throw new LayerError(`${who}: logits need axes 'seq' and 'vocabulary'; got ${formatNamedShape(logits.namedShape)}.`);
  }
  if (tokens.dtype !== 'int32' || !tokens.names.includes('seq')) {
    throw new LayerError(`${who}: tokens must be int32 with a 'seq' axis; got ${tokens.dtype} ${formatNamedShape(tokens.namedShape)}.`);
  }
  const T = (tokens.namedShape as Record<string, number>).seq;
  if (T < 2) throw new LayerError(`${who}: a sequence of ${T} token has nothing to predict; give at least 2 tokens.`);
  // Axes the logits have beyond the tokens' (e.g. a logit lens's `layer`) come first.
  const axes = [...logits.names.filter((n) => n !== 'vocabulary' && !tokens.names.includes(n)), ...tokens.names];
  const t = tf.tidy(() => {
    const logProbs = logits.index({ seq: nx.slice(0, T - 1) }).logSoftmax('vocabulary');
    const targets = tokens.index({ seq: nx.slice(1, T) });
    const picked = logProbs.index({ vocabulary: targets });
    return (picked.neg().orderAs as (...n: string[]) => NamedArray)(...axes).data;
  });
  return new NamedArray(t, axes);
}

/**
 * Runs the model and returns its next-token losses `{batch…, seq: T−1}` (see
 * `tokenLossesFromLogits`).
 *
 * @example
 * const losses = tokenLosses(model, tokens);
 * losses.mean('batch').data.arraySync(); // one loss per predicted token
 */
export function tokenLosses(model: LanguageModel, tokens: NamedArray): NamedArray {
  let axes: NamedArray['axes'] = [];
  const t = tf.tidy(() => {
    const losses = tokenLossesFromLogits(model.call(tokens), tokens);
    axes = losses.axes;
    return losses.data;
  });
  return new NamedArray(t, axes);
}

/**
 * The mean next-token loss over every token and batch element: a scalar NamedArray, the
 * training objective (differentiable, including through the embedding lookup).
 *
 * @example
 * const { value } = valueAndGrad((m: GemmaTransformer) => meanTokenLoss(m, tokens))(model);
 */
export function meanTokenLoss(model: LanguageModel, tokens: NamedArray): NamedArray<never> {
  const t = tf.tidy(() => tf.mean(tokenLosses(model, tokens).data));
  return new NamedArray(t, []) as NamedArray<never>;
}

/** Mean losses on the two halves of repeated sequences. */
export interface HalfLosses {
  /** Mean loss of tokens x₁ … x_L (unpredictable: about ln of the number of tokens drawn from). */
  readonly first: number;
  /** Mean loss of the repeat x₁ … x_L (low when the model copies in context). */
  readonly second: number;
}

/**
 * Splits next-token losses of `<bos> x₁…x_L x₁…x_L` sequences (as `tokenLosses` returns
 * them, `seq` = 2L) into the mean loss of each half, averaged over every other axis.
 *
 * @example
 * const { first, second } = halfLosses(tokenLosses(model, tokens), 16); // e.g. 4.1 and 0.02
 */
export function halfLosses(losses: NamedArray, length: number): HalfLosses {
  const n = (losses.namedShape as Record<string, number>).seq;
  if (n !== 2 * length) {
    throw new LayerError(`halfLosses: expected seq = 2·${length} = ${2 * length} losses (a <bos> and two halves of ${length} tokens); got ${n}. Pass the length of one half.`);
  }
  const [first, second] = tf.tidy(() => {
    const half = (a: number) => tf.mean(losses.index({ seq: nx.slice(a, a + length) }).data);
    return [half(0), half(length)].map((t) => (t.dataSync() as Float32Array)[0]);
  });
  return { first, second };
}
