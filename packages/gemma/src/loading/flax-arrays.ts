/**
 * Flax parameter records as the loaders see them: arrays in any of the forms gm.nn and
 * checkpoint readers give (tensors, positional NamedArrays, `{shape, data}`), flattened to
 * `/`-joined names with the checkpoint prefixes normalised, and a checked accessor that
 * records which arrays were used and names the original key in every error.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { CheckpointError } from '@penjing/io';

/** One array: a tensor, a NamedArray with positional axes only, or `{shape, data}` (as the safetensors reader returns). */
export type FlaxArray = tf.Tensor | NamedArray | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/** Flax parameters: flat (`'transformer/layer_0/attn/q_einsum/w'`), semi-flat (`{'transformer/layer_0/attn/q_einsum': {w}}`) or nested. */
export interface FlaxParams {
  readonly [key: string]: FlaxArray | FlaxParams;
}

export const SOURCE = 'Flax parameters';

function isArrayLike(v: unknown): v is FlaxArray {
  return v instanceof tf.Tensor || v instanceof NamedArray || (typeof v === 'object' && v !== null && 'shape' in v && 'data' in v);
}

/** Flattens to `key → array` with `/`-joined keys, and normalises the prefixes. */
export function flatten(params: FlaxParams): Map<string, { original: string; array: FlaxArray }> {
  const out = new Map<string, { original: string; array: FlaxArray }>();
  const visit = (node: FlaxParams | FlaxArray, path: string) => {
    if (isArrayLike(node)) {
      let key = path.replace(/^rlx_networks\/policy_network\//, '').replace(/^params\//, '').replace(/^transformer\//, '');
      // gm.nn nests the vision tower as `vision_encoder`; flat checkpoints name it `SigLiPFromPatches_0`.
      key = key.replace(/^vision_encoder\//, 'SigLiPFromPatches_0/');
      // In memory (gm.nn), the MLP einsums (and possibly the image projection) are bare arrays without a `w` leaf.
      if (/\/mlp\/(gating_einsum|linear)$|^embedder\/mm_input_projection$/.test(key)) key += '/w';
      if (out.has(key)) throw new CheckpointError(SOURCE, `two entries normalise to the same name "${key}"`, { tensor: path });
      out.set(key, { original: path, array: node });
      return;
    }
    if (typeof node !== 'object' || node === null) {
      throw new CheckpointError(SOURCE, `entry is ${node === null ? 'null' : typeof node}, not an array`, { tensor: path });
    }
    for (const [k, v] of Object.entries(node)) visit(v, path ? `${path}/${k}` : k);
  };
  visit(params, '');
  return out;
}

export function shapeOf(a: FlaxArray): number[] {
  if (a instanceof NamedArray) return a.positionalShape;
  return [...a.shape];
}

export function toTensor(name: string, a: FlaxArray): tf.Tensor {
  if (a instanceof tf.Tensor) return a.dtype === 'float32' ? a.clone() : tf.cast(a, 'float32');
  if (a instanceof NamedArray) {
    if (a.names.length) throw new CheckpointError(SOURCE, `is a NamedArray with named axes; Flax arrays are positional`, { tensor: name });
    return tf.tidy(() => tf.cast(a.positionalTensor(), 'float32').clone());
  }
  const size = a.shape.reduce((x, y) => x * y, 1);
  if (a.data.length !== size) {
    throw new CheckpointError(SOURCE, `has ${a.data.length} values but shape [${a.shape.join(', ')}]`, { tensor: name });
  }
  return tf.tensor(a.data as Float32Array, [...a.shape], 'float32');
}

/** Where an array's name is shown in errors: the text model's under `transformer/`, the tower's as is. */
export const displayName = (key: string): string => (key.startsWith('SigLiPFromPatches_0/') ? key : `transformer/${key}`);

/** A checked view of a flattened record: `need` returns an array of the expected shape, or throws naming it. */
export class FlaxRecord {
  readonly used = new Set<string>();
  constructor(readonly flat: Map<string, { original: string; array: FlaxArray }>) {}

  has(key: string): boolean {
    return this.flat.has(key);
  }

  /** The array at `key`, whose shape must match `shape` (null: any size); `from` says what the config implies. */
  need(key: string, shape: readonly (number | null)[], from: string): { name: string; array: FlaxArray; shape: number[] } {
    const e = this.flat.get(key);
    if (!e) {
      throw new CheckpointError(SOURCE, `missing array "${displayName(key)}"; the config needs it`, {
        fix: 'Check that the parameters belong to this config (layer count, norms, qk-norm).',
      });
    }
    const s = shapeOf(e.array);
    if (s.length !== shape.length || s.some((d, i) => shape[i] !== null && d !== shape[i])) {
      throw new CheckpointError(SOURCE, `shape [${s.join(', ')}] disagrees with the config, which implies [${shape.map((d) => d ?? '*').join(', ')}] (${from})`, {
        tensor: e.original,
        fix: 'Pass the config these parameters were trained with.',
      });
    }
    this.used.add(key);
    return { name: e.original, array: e.array, shape: s };
  }
}
