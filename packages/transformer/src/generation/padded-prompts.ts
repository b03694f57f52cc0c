/**
 * Padded prompt batches, as Penzai's tutorials make them: a `{batch, seq}` int32 NamedArray
 * (or rows of ids) padded on the right — or the left — with the pad id. Generation strips
 * the padding so every row continues from its own last token, exactly as it would alone.
 */
import { NamedArray } from '@penjing/named-array';
import { GenerationError, isPromptBatch, type Prompt } from './prompts.js';

/** What `generate` accepts: one prompt, a list of them, or a padded `{batch, seq}` token array. */
export type PromptInput = Prompt | readonly Prompt[] | NamedArray;

/**
 * The prompts of an input, one per row; a `{batch, seq}` array gives its rows (a `{seq}` array one prompt).
 * @example promptList(nx.fromArray([[2, 5, 0], [2, 5, 6]], ['batch', 'seq'], 'int32')) // [[2, 5, 0], [2, 5, 6]]
 */
export function promptList(input: PromptInput): Prompt[] {
  if (input instanceof NamedArray) {
    const names = [...input.names].sort().join(',');
    if (input.dtype !== 'int32' || input.positionalShape.length || (names !== 'batch,seq' && names !== 'seq')) {
      throw new GenerationError(
        `a token-array prompt must be int32 with axes {batch, seq} or {seq} and no positional axes; got ${input.toString()}. ` +
          `Tag it, e.g. nx.wrap(tf.tensor2d(ids, [rows, width], 'int32'), 'batch', 'seq').`,
      );
    }
    return input.names.includes('batch') ? (input.arraySync('batch', 'seq') as number[][]) : [input.arraySync('seq') as number[]];
  }
  return isPromptBatch(input) ? [...input] : [input as Prompt];
}

/** True when the input stands for several prompts (so `generate` returns a list). */
export function isBatchInput(input: PromptInput): boolean {
  return input instanceof NamedArray ? input.names.includes('batch') : isPromptBatch(input);
}

/**
 * Removes `padId` at both ends of each row of ids (the model masks pad tokens anyway, so this
 * changes nothing but where the row ends); fails naming the row when nothing else is left.
 * @example stripPadding([[2, 5, 0, 0], [0, 2, 7, 8]], 0) // [[2, 5], [2, 7, 8]]
 */
export function stripPadding(rows: readonly (readonly number[])[], padId: number): number[][] {
  return rows.map((r, i) => stripRow(r, padId, i));
}

/** `stripPadding` for row `i` alone. @example stripRow([0, 2, 5, 0], 0, 0) // [2, 5] */
export function stripRow(r: readonly number[], padId: number, i: number): number[] {
  let a = 0;
  let b = r.length;
  while (a < b && r[a] === padId) a++;
  while (b > a && r[b - 1] === padId) b--;
  if (a === b && r.length) throw new GenerationError(`prompt ${i} holds only padding (id ${padId}); every prompt needs at least one real token (e.g. <bos>).`);
  return r.slice(a, b);
}
