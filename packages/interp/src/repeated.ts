/**
 * The induction-heads task: sequences `<bos> x₁ … x_L x₁ … x_L` of random tokens repeated
 * once. The first half is unpredictable (about ln(#tokens) nats per token); the second half
 * can be copied from the first by a model with induction heads, so the gap between the two
 * halves' losses measures in-context copying. A small seeded generator makes every batch
 * reproducible across runs and machines (Math.random is not seedable).
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';

/**
 * A seeded generator of uniform numbers in [0, 1) (mulberry32: 32-bit state, fast, and
 * good enough for sampling tokens; not for cryptography).
 *
 * @example
 * const rand = seededRandom(0);
 * rand(); // 0.26642920868471265, the same on every run
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Options of `repeatedRandomTokens`. */
export interface RepeatedTokensOptions {
  /** Sequences in the batch. */
  readonly batch: number;
  /** L: tokens in each half; a sequence has 2L + 1 tokens with its `<bos>`. */
  readonly length: number;
  /** Random tokens are drawn uniformly from ids `firstId … vocabSize − 1`. */
  readonly vocabSize: number;
  /** The smallest id drawn (ids below it are special tokens: pad, eos, bos, …). */
  readonly firstId: number;
  /** The id put first in every sequence. */
  readonly bosId: number;
  /** Seed of the generator; or pass `random` to continue an existing stream. */
  readonly seed?: number;
  readonly random?: () => number;
}

/** A batch of repeated sequences: the ids as numbers and as an int32 NamedArray `{batch, seq}`. */
export interface RepeatedTokens {
  readonly ids: number[][];
  readonly tokens: NamedArray<'batch' | 'seq'>;
}

/**
 * Draws a batch of `<bos> x₁ … x_L x₁ … x_L` sequences (tokens drawn independently, so a
 * half may repeat a token).
 *
 * @example
 * const { tokens, ids } = repeatedRandomTokens({ batch: 8, length: 16, vocabSize: 64, firstId: 4, bosId: 2, seed: 1 });
 * tokens.namedShape; // { batch: 8, seq: 33 }
 */
export function repeatedRandomTokens(o: RepeatedTokensOptions): RepeatedTokens {
  if (!Number.isInteger(o.length) || o.length < 1) throw new RangeError(`repeatedRandomTokens: length must be a positive integer; got ${o.length}.`);
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new RangeError(`repeatedRandomTokens: batch must be a positive integer; got ${o.batch}.`);
  const choices = o.vocabSize - o.firstId;
  if (choices < 2) {
    throw new RangeError(`repeatedRandomTokens: ids ${o.firstId}…${o.vocabSize - 1} leave ${Math.max(choices, 0)} tokens to draw from; need at least 2 (raise vocabSize or lower firstId).`);
  }
  const rand = o.random ?? seededRandom(o.seed ?? 0);
  const ids = Array.from({ length: o.batch }, () => {
    const half = Array.from({ length: o.length }, () => o.firstId + Math.floor(rand() * choices));
    return [o.bosId, ...half, ...half];
  });
  const tokens = new NamedArray(tf.tensor2d(ids.flat(), [o.batch, 2 * o.length + 1], 'int32'), ['batch', 'seq']) as NamedArray<'batch' | 'seq'>;
  return { ids, tokens };
}

/**
 * Readable labels for token ids, from a list indexed by id (e.g. examples/tiny-gemma's
 * tokens.json); unknown ids show as `#<id>`.
 *
 * @example tokenLabels([2, 4, 5], ['<pad>', '<eos>', '<bos>', '<unk>', 'ba', 'be']); // ['<bos>', 'ba', 'be']
 */
export function tokenLabels(ids: readonly number[], vocabulary: readonly string[]): string[] {
  return ids.map((id) => vocabulary[id] ?? `#${id}`);
}
