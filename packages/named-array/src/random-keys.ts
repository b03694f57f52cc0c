import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape } from './errors.js';
import { NamedArray } from './named-array.js';
import { checkNewNames } from './axes.js';

/**
 * Named random keys, after JAX's and Penzai's: a key is an int32 NamedArray whose last
 * positional axis holds two 32-bit words; a batch of keys carries named axes
 * (`randomSplit(key, { batch: 4 })`), and sampling from it draws one independent slice per key.
 * Keys are derived with a 32-bit integer hash (splitmix-style finaliser), so the same key
 * gives the same values on every backend.
 */

const GOLDEN = 0x9e3779b9;

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A new key word pair from a parent pair and a counter. */
function derive(a: number, b: number, i: number): [number, number] {
  const x = mix32((a ^ mix32((i + 1) * GOLDEN)) >>> 0);
  const y = mix32((b + mix32(x ^ (i * 2 + 1))) >>> 0);
  return [x | 0, y | 0];
}

/**
 * A random key from an integer seed (JAX's `random.key(seed)`).
 * @example const key = nx.randomKey(0); // int32, positional shape [2]
 */
export function randomKey(seed: number): NamedArray<never> {
  if (!Number.isSafeInteger(seed)) throw new NamedAxisError(`randomKey: the seed must be an integer; got ${seed}.`);
  const hi = Math.floor(seed / 2 ** 32);
  const [a, b] = derive(mix32(seed >>> 0), mix32(hi >>> 0), 0);
  return new NamedArray(tf.tensor1d([a, b], 'int32'), [0]);
}

/** Reads the key words of a key array: `[named layout of keys…][2]`. */
function keyWords(key: NamedArray<string>, what: string): { words: Int32Array; names: string[]; sizes: number[] } {
  const pos = key.positionalShape;
  if (key.dtype !== 'int32' || pos.length !== 1 || pos[0] !== 2) {
    throw new NamedAxisError(`${what}: expected a random key (int32 with positional shape [2], from nx.randomKey or nx.randomSplit); got ${key.toString()}.`);
  }
  const names = key.names as string[];
  const t = key.untagPrefix(...names).positionalTensor();
  const words = t.dataSync() as Int32Array;
  if (t !== key.data) t.dispose();
  return { words, names, sizes: names.map((n) => key.namedShape[n]!) };
}

/**
 * Splits a key (or a batch of keys) into independent keys along new named axes (Penzai's
 * `nx.random_split`).
 * @example const keys = nx.randomSplit(nx.randomKey(0), { batch: 4 }); // {batch: 4}, positional [2]
 */
export function randomSplit<N extends string, const S extends Record<string, number>>(key: NamedArray<N>, shape: S): NamedArray<N | (keyof S & string)> {
  const { words, names, sizes } = keyWords(key as NamedArray<string>, 'randomSplit');
  const newNames = Object.keys(shape);
  checkNewNames(newNames, names, 'randomSplit');
  const newSizes = newNames.map((n) => shape[n]!);
  newSizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) throw new NamedAxisError(`randomSplit: axis '${newNames[i]}' must have a positive integer size; got ${s} in ${formatNamedShape(shape)}.`);
  });
  const count = newSizes.reduce((p, s) => p * s, 1);
  const parents = words.length / 2;
  const out = new Int32Array(parents * count * 2);
  for (let p = 0; p < parents; p++) {
    for (let i = 0; i < count; i++) {
      const [a, b] = derive(words[2 * p]!, words[2 * p + 1]!, i);
      out[2 * (p * count + i)] = a;
      out[2 * (p * count + i) + 1] = b;
    }
  }
  return new NamedArray(tf.tensor(out, [...sizes, ...newSizes, 2], 'int32'), [...names, ...newNames, 0]) as NamedArray<N | (keyof S & string)>;
}

/**
 * Draws values of `shape` for each key of a key array: the result has the keys' named axes
 * and the new ones, each slice from its own key (used by randomNormal/randomUniform with `key`).
 */
export function sampleWithKeys(key: NamedArray<string>, shape: Readonly<Record<string, number>>, what: string, draw: (dims: number[], seed: number) => tf.Tensor): NamedArray<string> {
  const { words, names, sizes } = keyWords(key, what);
  const newNames = Object.keys(shape);
  checkNewNames(newNames, names, what);
  const dims = newNames.map((n) => shape[n]!);
  const t = tf.tidy(() => {
    const slices: tf.Tensor[] = [];
    for (let p = 0; p < words.length / 2; p++) {
      // tfjs seeds are doubles; a nonzero 31-bit value keeps them exact (0 means "unseeded" to tfjs).
      const seed = (mix32((words[2 * p]! ^ mix32(words[2 * p + 1]!)) >>> 0) % 0x7ffffffe) + 1;
      slices.push(draw(dims, seed));
    }
    return sizes.length ? tf.reshape(tf.stack(slices), [...sizes, ...dims]) : slices[0]!;
  });
  return new NamedArray(t, [...names, ...newNames]);
}

/**
 * A new key from a key and an integer (JAX's `fold_in`): distinct integers give independent keys.
 * @example const k3 = nx.randomFoldIn(nx.randomKey(0), 3);
 */
export function randomFoldIn<N extends string>(key: NamedArray<N>, data: number): NamedArray<N> {
  if (!Number.isSafeInteger(data) || data < 0) throw new NamedAxisError(`randomFoldIn: data must be a non-negative integer; got ${data}.`);
  const { words, names, sizes } = keyWords(key as NamedArray<string>, 'randomFoldIn');
  const out = new Int32Array(words.length);
  for (let p = 0; p < words.length / 2; p++) {
    const [a, b] = derive(words[2 * p]! ^ 0x5bd1e995, words[2 * p + 1]!, data);
    out[2 * p] = a;
    out[2 * p + 1] = b;
  }
  return new NamedArray(tf.tensor(out, [...sizes, 2], 'int32'), [...names, 0]) as NamedArray<N>;
}
