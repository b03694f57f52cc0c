/**
 * Sequence-length buckets: token inputs are right-padded with the model's pad id (which its
 * positions and masks already ignore) up to a bucket length, so a sweep over lengths reuses a
 * few graphs; outputs are cut back to the real length.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { PositionsFromTokens, isArrayLeaf, mapLeaves, select, type Layer, type SideInputs } from '@penjing/layers';

/** How to pad one model's inputs. */
export interface PadPlan {
  readonly padId: number;
  readonly seqAxis: string;
  readonly lengths: readonly number[] | null;
}

/** A padded input and how to undo it. */
export interface Padded {
  readonly input: NamedArray;
  readonly length: number;
  readonly bucket: number;
  readonly seqAxis: string;
  dispose(): void;
}

const DEFAULT_STEPS = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192];

/**
 * The bucket for a length: the smallest listed length ≥ n (default steps of ~1.5×), or n itself beyond the list.
 * @example bucketLength(100) // 128
 */
export function bucketLength(n: number, lengths: readonly number[] | null = null): number {
  for (const l of lengths ?? DEFAULT_STEPS) if (l >= n) return l;
  return n;
}

/** Whether (and how) a model's token inputs can be padded. @internal */
export function padPlan(model: Layer, mode: 'auto' | false | readonly number[]): PadPlan | null {
  if (mode === false) return null;
  const makers = select(model).atInstancesOf(PositionsFromTokens).getSequence() as PositionsFromTokens[];
  const p = makers.find((m) => m.padId !== null);
  if (!p || makers.some((m) => m.padId !== p.padId)) return null;
  return { padId: p.padId!, seqAxis: p.seqAxis, lengths: Array.isArray(mode) ? [...mode].sort((a, b) => a - b) : null };
}

/** Pads int32 token inputs along `seq`; null when the call does not qualify (arrays in side inputs, other inputs). @internal */
export function padInput(plan: PadPlan, input: unknown, side: SideInputs): Padded | null {
  if (!(input instanceof NamedArray) || input.dtype !== 'int32' || !input.names.includes(plan.seqAxis)) return null;
  let arrays = false;
  mapLeaves(side, (leaf) => (isArrayLeaf(leaf) ? (arrays = true) : leaf), isArrayLeaf);
  if (arrays) return null;
  // Outputs at pad positions depend on how many keys there are, so inputs that already hold
  // padding compile at their exact length: compiled results then equal eager ones everywhere.
  if ((input.data.dataSync() as Int32Array).includes(plan.padId)) return null;
  const length = (input.namedShape as Record<string, number>)[plan.seqAxis]!;
  const bucket = bucketLength(length, plan.lengths);
  if (bucket === length) return null;
  const axis = input.axes.indexOf(plan.seqAxis);
  const padded = tf.tidy(() => {
    const pads = input.data.shape.map((_, i) => [0, i === axis ? bucket - length : 0] as [number, number]);
    return tf.pad(input.data, pads, plan.padId);
  });
  return { input: new NamedArray(padded, input.axes), length, bucket, seqAxis: plan.seqAxis, dispose: () => padded.dispose() };
}

/** Cuts every output axis named `seq` or `kv_seq` of the bucket's size back to the real length. @internal */
export function unpadResult(out: unknown, p: Padded): unknown {
  return mapLeaves(out, (leaf) => {
    if (!(leaf instanceof NamedArray)) return leaf;
    const axes = leaf.axes.map((a, i) => ((a === p.seqAxis || a === 'kv_seq') && leaf.data.shape[i] === p.bucket ? i : -1)).filter((i) => i >= 0);
    if (!axes.length) return leaf;
    const cut = tf.slice(leaf.data, leaf.data.shape.map(() => 0), leaf.data.shape.map((d, i) => (axes.includes(i) ? p.length : d)));
    leaf.data.dispose();
    return new NamedArray(cut, leaf.axes);
  }, isArrayLeaf);
}
