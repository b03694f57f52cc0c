import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import { NamedArray, retype } from './named-array.js';

/**
 * Reductions, with Penzai's meaning: a method called with no axis names is numpy's method
 * lifted over the named axes, so it reduces the POSITIONAL axes and keeps every named one
 * (`x.untag('seq').sum()` sums over seq for each batch row). Reducing named axes takes their
 * names (`x.sum('seq')`, or `x.sum(...x.names)` for all of them).
 */

/** Data axes of the given names; throws naming the missing ones. */
export function reduceAxes(a: NamedArray<string>, names: readonly string[], what: string): number[] {
  const missing = names.filter((n) => !a.axes.includes(n));
  if (missing.length) {
    throw new NamedAxisError(`${what}: no axes named ${formatNames(missing)} in an array with named shape ${formatNamedShape(a.namedShape)}.`);
  }
  return names.map((n) => a.axes.indexOf(n));
}

/**
 * The data axes a reduction acts on: the named ones given, or else every positional axis.
 * With no names and no positional axes Penzai returns the array unchanged; that is almost
 * always code written for the old "reduce every named axis" meaning, so it is an error here.
 */
export function reductionAxes(a: NamedArray<string>, names: readonly string[], what: string): number[] {
  if (names.length) return reduceAxes(a, names, what);
  if (a.names.length && !a.positionalShape.length) {
    throw new NamedAxisError(
      `${what}() with no axis names reduces the positional axes (as in Penzai), but this array has none ` +
        `(named shape ${formatNamedShape(a.namedShape)}), so nothing would be reduced. Name the axes to reduce: ` +
        `x.${what}(${a.names.map((n) => `'${n}'`).join(', ')}) or x.${what}(...x.names).`,
    );
  }
  return a.axes.flatMap((ax, i) => (typeof ax === 'number' ? [i] : []));
}

function reducer(op: (t: tf.Tensor, axes: number[]) => tf.Tensor, what: string) {
  return <N extends string, const M extends readonly N[]>(a: NamedArray<N>, ...names: M): NamedArray<Exclude<N, M[number]>> => {
    const dims = reductionAxes(a as NamedArray<string>, names, what);
    if (!dims.length) return retype<Exclude<N, M[number]>>(a as NamedArray<string>);
    return new NamedArray(op(a.data, dims), a.axes.filter((_, i) => !dims.includes(i)).map(renumber(a.axes, dims)));
  };
}

/** Renumbers the positional axes that survive a reduction (0..k-1 in their order). */
function renumber(axes: readonly (string | number)[], removed: readonly number[]) {
  const gone = removed.map((i) => axes[i]).filter((x): x is number => typeof x === 'number');
  return (ax: string | number) => (typeof ax === 'number' ? ax - gone.filter((g) => g < ax).length : ax);
}

/** Sums over named axes, or over the positional axes when none are named. @example x.sum('seq'); x.untag('seq').sum() */
export const sum = reducer((t, d) => tf.sum(t, d), 'sum');
/** Mean over named axes, or over the positional axes when none are named. @example x.mean('embedding') */
export const mean = reducer((t, d) => tf.mean(t, d), 'mean');
/** Maximum over named axes, or over the positional axes when none are named. @example x.max('vocabulary') */
export const max = reducer((t, d) => tf.max(t, d), 'max');
/** Minimum over named axes, or over the positional axes when none are named. @example x.min('seq') */
export const min = reducer((t, d) => tf.min(t, d), 'min');
/** Product over named axes, or over the positional axes when none are named. @example x.prod('seq') */
export const prod = reducer((t, d) => tf.prod(t, d), 'prod');
/**
 * Population variance (numpy's `var`, ddof 0) over named axes, or the positional axes when none are named.
 * @example x.var('embedding')
 */
export const variance = reducer((t, d) => tf.tidy(() => tf.moments(t, d).variance), 'var');
/** Population standard deviation (numpy's `std`, ddof 0). @example x.std('embedding') */
export const std = reducer((t, d) => tf.tidy(() => tf.sqrt(tf.moments(t, d).variance)), 'std');
