import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNames } from './errors.js';
import type { Axis } from './types.js';

/** Data axes of the positional axes, in positional order. */
export function positionsInOrder(axes: readonly Axis[]): number[] {
  const out: number[] = [];
  axes.forEach((a, i) => {
    if (typeof a === 'number') out[a] = i;
  });
  return out;
}

/** True when a permutation leaves every axis in place. */
export function isIdentity(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

/** A string such as '0' or '12', which would read as a positional index (Penzai forbids int names). */
function isIntLike(name: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(name);
}

/** Checks names about to be added to an array that already has `existing`. */
export function checkNewNames(names: readonly unknown[], existing: readonly string[], op: string): void {
  for (const n of names) {
    if (typeof n !== 'string') {
      throw new NamedAxisError(
        `Axis names must be strings; ${op}() got ${JSON.stringify(n)} (${typeof n}). ` +
          `Integers denote positional axes; use a string name such as 'axis${typeof n === 'number' ? n : 0}'.`,
      );
    }
    if (n === '__proto__') {
      // As a key of a plain object (namedShape, nmap specs) it would set the prototype instead.
      throw new NamedAxisError(`Axis name '__proto__' in ${op}() is reserved by JavaScript objects (it cannot be a key of namedShape); use another name, e.g. 'proto'.`);
    }
    if (isIntLike(n)) {
      throw new NamedAxisError(
        `Axis name '${n}' in ${op}() looks like an integer; integers denote positional axes, so names may not be integer-like. ` +
          `Use a name such as 'axis${n}'.`,
      );
    }
  }
  const list = names as readonly string[];
  const dup = list.filter((n, i) => list.indexOf(n) !== i || existing.includes(n));
  if (dup.length) {
    throw new NamedAxisError(
      `Repeated axis names are not allowed; repeated: ${formatNames([...new Set(dup)])} ` +
        `(${op}() was given ${formatNames(list)}; the array already has ${formatNames(existing)}).`,
    );
  }
}

/**
 * Validates an axis list against a data shape: unique valid names, positional indices 0..P-1.
 * @example nx.checkAxes(['batch', 0], [2, 5]); // ok: 'batch' is named, data axis 1 is positional 0
 */
export function checkAxes(axes: readonly Axis[], shape: readonly number[]): void {
  if (axes.length !== shape.length) {
    throw new NamedAxisError(`Axis list ${JSON.stringify(axes)} has ${axes.length} entries but the data has rank ${shape.length} (shape [${shape}]).`);
  }
  checkNewNames(axes.filter((a) => typeof a !== 'number'), [], 'checkValid');
  const pos = axes.filter((a): a is number => typeof a === 'number').sort((a, b) => a - b);
  if (!pos.every((p, i) => p === i)) {
    throw new NamedAxisError(`Positional axis indices must be 0..${pos.length - 1}, each once; got ${JSON.stringify(axes)}.`);
  }
}

/**
 * `tf.transpose`, except that an empty tensor (which wasm's Transpose divides by zero on) is
 * rebuilt empty, and a permutation that only moves size-1 axes is a reshape (the data order
 * is unchanged: no copy).
 */
export function transpose(t: tf.Tensor, perm: readonly number[]): tf.Tensor {
  if (t.size === 0) return tf.zeros(perm.map((p) => t.shape[p]), t.dtype);
  if (movesOnlyUnitAxes(t.shape, perm)) return tf.reshape(t, perm.map((p) => t.shape[p]));
  return tf.transpose(t, [...perm]);
}

/**
 * Whether permuting `shape` by `perm` keeps the axes longer than 1 in their order, so the
 * permuted array has the same data order (a decode step's `[1, 4, 1, 256]` → `[1, 1, 4, 256]`).
 * @example movesOnlyUnitAxes([1, 4, 1, 256], [0, 2, 1, 3]) // true
 */
export function movesOnlyUnitAxes(shape: readonly number[], perm: readonly number[]): boolean {
  let last = -1;
  for (const p of perm) {
    if (shape[p] === 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}
