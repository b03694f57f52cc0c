/**
 * Activation patching over a `worlds` axis (Penzai's `RewireComputationPaths`): the clean
 * and corrupted prompts, and one extra world per head to patch, run as one batched forward
 * pass. In world `b<i>h<j>`, block i's head j output is taken from the clean world and
 * everything else is computed from the corrupted prompt, so the world's loss says how much
 * of the clean behaviour that single head carries.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Attention, From, keyPathToString, NamedEinsum, RewireComputationPaths, select, disposeTree, type Layer, type Selection } from '@penjing/layers';
import type { TransformerMetadata } from '@penjing/transformer';
import { tokenLosses } from './losses.js';

/**
 * Selects, in each attention layer, the einsum that mixes values by the attention weights:
 * its output `{…, seq, <heads>, projection}` holds every head's output before the output
 * projection sums the heads (TransformerLens's `hook_z`).
 *
 * @example headOutputSites(model).insertAfter(new Tell({ tag: 'z' }))
 */
export function headOutputSites<R>(model: R): Selection<NamedEinsum, R> {
  return select(model)
    .atInstancesOf(Attention)
    .refine((a) => select(a).atInstancesOf(NamedEinsum).where((_, p) => keyPathToString(p).startsWith('.attnValueToOutput')));
}

/**
 * Stacks token arrays of the same shape along a new `worlds` axis, in the order given.
 *
 * @example stackWorlds({ clean, corrupted }); // {worlds: 2, seq: 33}
 */
export function stackWorlds(worlds: Readonly<Record<string, NamedArray>>): NamedArray {
  const list = Object.values(worlds);
  if (!list.length) throw new Error('stackWorlds: give at least one world.');
  return nx.stack(list, 'worlds');
}

/** What `patchHeadsFromClean` returns (the caller owns `losses` and `recovery`). */
export interface HeadPatching {
  /** Mean loss of the measured tokens in the clean and the corrupted run. */
  readonly clean: number;
  readonly corrupted: number;
  /** `{blocks, <heads>}`: the mean loss with that one head patched from the clean run. */
  readonly losses: NamedArray;
  /** `{blocks, <heads>}`: (corrupted − patched) / (corrupted − clean); 1 = the head alone restores the clean loss. */
  readonly recovery: NamedArray;
}

/** Options of `patchHeadsFromClean`. */
export interface HeadPatchingOptions {
  /** Which next-token losses to average (positions along `seq` of `tokenLosses`, i.e. token t+1); default all. */
  readonly positions?: readonly number[];
}

/**
 * Patches each head's output, one at a time, from the clean run into the corrupted run, all
 * in one forward pass over a `worlds` axis of size 2 + blocks × heads. The losses are those
 * of each world's own tokens, so the clean and corrupted prompts should agree on the
 * measured positions (e.g. the same second half after different first halves).
 *
 * @example
 * const p = patchHeadsFromClean(model, clean, corrupted, { positions: range(16, 32) });
 * rankHeads(p.recovery)[0]; // the head that carries the copy
 */
export function patchHeadsFromClean<M extends Layer<NamedArray, NamedArray> & { readonly metadata: TransformerMetadata }>(
  model: M,
  clean: NamedArray,
  corrupted: NamedArray,
  options: HeadPatchingOptions = {},
): HeadPatching {
  if (formatNamedShape(clean.namedShape) !== formatNamedShape(corrupted.namedShape)) {
    throw new Error(`patchHeadsFromClean: the clean ${formatNamedShape(clean.namedShape)} and corrupted ${formatNamedShape(corrupted.namedShape)} tokens must have the same shape.`);
  }
  const headAxes = { ...model.metadata.commonHeadAxes, ...model.metadata.queryOnlyHeadAxes };
  const headNames = Object.keys(headAxes);
  const perBlock = Object.values(headAxes).reduce((p, s) => p * s, 1);
  const sites = headOutputSites(model);
  const blocks = sites.count();
  const worlds = ['clean', 'corrupted'];
  for (let b = 0; b < blocks; b++) for (let h = 0; h < perBlock; h++) worlds.push(`b${b}h${h}`);

  // [take head h from clean, keep the rest of this world], each laid out on the head axes.
  const weights = (h: number) =>
    tf
      .tidy(() => {
        const take = tf.oneHot(tf.tensor1d([h], 'int32'), perBlock).asType('float32').reshape(Object.values(headAxes));
        return [take, tf.sub(1, take)];
      })
      .map((t) => new NamedArray(t, headNames));
  const rewires = Array.from({ length: blocks }, (_, b) => {
    const taking: Record<string, From | From[]> = {};
    for (const w of worlds) {
      const m = /^b(\d+)h(\d+)$/.exec(w);
      if (m && Number(m[1]) === b) {
        const [take, keep] = weights(Number(m[2]));
        taking[w] = [new From({ source: w, weight: keep }), new From({ source: 'clean', weight: take })];
      } else {
        taking[w] = new From({ source: w });
      }
    }
    return new RewireComputationPaths({ worldOrdering: worlds, taking });
  });
  const patched = sites.insertAfter(rewires[0], { andSelect: true }).setSequence(rewires);
  const tokens = nx.stack([clean, ...worlds.slice(1).map(() => corrupted)], 'worlds');
  try {
    const perWorld = tf.tidy(() => {
      const losses = tokenLosses(patched, tokens);
      const picked = options.positions ? losses.index({ seq: nx.fromArray([...options.positions], ['seq'], 'int32') }) : losses;
      const rest = picked.names.filter((n) => n !== 'worlds');
      return ((picked.mean as (...n: string[]) => NamedArray)(...rest).data.dataSync() as Float32Array).slice();
    });
    const [c, k] = [perWorld[0], perWorld[1]];
    const shape = [blocks, ...Object.values(headAxes)];
    const losses = new NamedArray(tf.tensor(perWorld.slice(2), shape, 'float32'), ['blocks', ...headNames]);
    const recovery = new NamedArray(tf.tensor(perWorld.slice(2).map((l) => (k - l) / (k - c)), shape, 'float32'), ['blocks', ...headNames]);
    return { clean: c, corrupted: k, losses, recovery };
  } finally {
    tokens.dispose();
    disposeTree(patched, { except: [model] });
  }
}
