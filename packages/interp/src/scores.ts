/**
 * Scoring attention heads on repeated sequences with a named diagonal gather (as Penzai's
 * induction-heads notebook does): index `seq` and `kv_seq` with two index arrays that share
 * one new axis name, `pos`, and the gather walks the diagonal `kv_seq = seq − offset`.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';

/** Axis names that count as attention-head axes (Penzai's MHA, MQA and GQA names). */
export const HEAD_AXES: readonly string[] = ['heads', 'head_groups', 'query_heads'];

/** The head axes present in an array, in the order GQA numbers heads (groups before query heads). */
function headAxesOf(a: NamedArray): string[] {
  return ['heads', 'head_groups', 'query_heads'].filter((n) => a.names.includes(n));
}

function checkPattern(patterns: NamedArray, who: string, need: number): Record<string, number> {
  const shape = patterns.namedShape as Record<string, number>;
  if (!('seq' in shape) || !('kv_seq' in shape)) {
    throw new Error(`${who}: attention patterns need axes 'seq' and 'kv_seq'; got ${formatNamedShape(shape)}.`);
  }
  if (shape.seq < need || shape.kv_seq < need) {
    throw new Error(`${who}: needs at least ${need} query and key positions; the patterns have seq ${shape.seq}, kv_seq ${shape.kv_seq}.`);
  }
  return shape;
}

/**
 * The mean weight on the diagonal `kv_seq = seq − offset` for query positions
 * `from … to − 1`, averaged over every axis except `blocks` and the head axes.
 *
 * @example diagonalScores(patterns, 1, 1, 33); // previous-token scores {blocks, heads}
 */
export function diagonalScores(patterns: NamedArray, offset: number, from: number, to: number): NamedArray {
  const t = tf.tidy(() => {
    const q = nx.arange('pos', from, to);
    const k = q.sub(offset);
    // Both indices carry the axis 'pos', so the gather pairs them up: a diagonal, not a grid.
    const diag = patterns.index({ seq: q, kv_seq: k });
    const keep = ['blocks', ...headAxesOf(patterns)].filter((n) => diag.names.includes(n));
    const reduce = diag.names.filter((n) => !keep.includes(n));
    const mean = (diag.mean as (...n: string[]) => NamedArray)(...reduce).orderAs(...keep);
    return mean.data;
  });
  const keep = ['blocks', ...headAxesOf(patterns)].filter((n) => patterns.names.includes(n));
  return new NamedArray(t, keep);
}

/**
 * Induction scores of every head on `<bos> x₁…x_L x₁…x_L` sequences: the mean attention
 * from each repeated token (query positions L+1 … 2L) to the token just after its first
 * occurrence (key `q − L + 1`), the place an induction head looks to predict what comes
 * next. 1 is a perfect induction head; a uniform head scores about 1/q.
 *
 * @example
 * const scores = inductionScores(patterns, 16); // {blocks: 2, heads: 4}
 */
export function inductionScores(patterns: NamedArray, length: number): NamedArray {
  checkPattern(patterns, 'inductionScores', 2 * length + 1);
  return diagonalScores(patterns, length - 1, length + 1, 2 * length + 1);
}

/**
 * Previous-token scores: the mean attention from each position to the one before it (query
 * positions 1 … T−1), the signature of the heads induction heads build on.
 *
 * @example previousTokenScores(patterns); // {blocks: 2, heads: 4}
 */
export function previousTokenScores(patterns: NamedArray): NamedArray {
  const shape = checkPattern(patterns, 'previousTokenScores', 2);
  return diagonalScores(patterns, 1, 1, shape.seq);
}

/** One head and its score. */
export interface HeadScore {
  readonly block: number;
  /** The head's number: g·(N/K) + q for grouped heads. */
  readonly head: number;
  readonly score: number;
}

/**
 * The heads of a `{blocks, <heads>}` score array, best first.
 *
 * @example rankHeads(inductionScores(patterns, 16))[0]; // { block: 1, head: 2, score: 0.93 }
 */
export function rankHeads(scores: NamedArray): HeadScore[] {
  const heads = headAxesOf(scores);
  const extra = scores.names.filter((n) => n !== 'blocks' && !heads.includes(n));
  if (!scores.names.includes('blocks') || !heads.length || extra.length || scores.positionalShape.length) {
    throw new Error(`rankHeads: expects scores with axes 'blocks' and head axes (${HEAD_AXES.join(', ')}) only; got ${formatNamedShape(scores.namedShape)}.`);
  }
  const shape = scores.namedShape as Record<string, number>;
  const perBlock = heads.reduce((p, h) => p * shape[h], 1);
  const flat = tf.tidy(() => (scores.orderAs('blocks', ...heads).data.dataSync() as Float32Array).slice());
  const out: HeadScore[] = [];
  flat.forEach((score, i) => out.push({ block: Math.floor(i / perBlock), head: i % perBlock, score }));
  return out.sort((a, b) => b.score - a.score || a.block - b.block || a.head - b.head);
}
