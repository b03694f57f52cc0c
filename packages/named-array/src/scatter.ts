import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import { NamedArray } from './named-array.js';
import type { UpdateOp } from './update.js';

/** True for the index values that make `.at(...)` a scatter: int arrays and int NamedArrays. */
export function isIndexArray(v: unknown): v is readonly number[] | NamedArray<string> {
  return v instanceof NamedArray || Array.isArray(v);
}

const TMP = '\u0000scatter:';

/**
 * `.at({axis: indices}).set/add(v)` with an index array (JAX's scatter, Penzai's `.at[...]`):
 * the positions `x.index({axis: indices})` reads are written. `v` is laid out like that read:
 * the index's names (shared names index row by row) and its positional axes first. Negative
 * indices count from the end; out-of-range ones are dropped (JAX's default). With repeated
 * indices `add` adds every value and `set` writes their mean (JAX leaves which one wins
 * unspecified). Built from one-hot masks, so it is differentiable on every backend.
 * @example x.at({ seq: nx.fromArray([0, 2], ['k'], 'int32') }).add(nx.ones({ k: 2 }))
 */
export function scatterAt(x: NamedArray<string>, spec: Record<string, unknown>, value: NamedArray<string> | number | boolean, op: UpdateOp): NamedArray<string> {
  const what = `at(...).${op}`;
  const keys = Object.keys(spec);
  if (keys.length !== 1) {
    throw new NamedAxisError(`${what}: an index array can be used for one axis at a time; got ${formatNames(keys)}. Chain .at() calls, or index the other axes with nmap.`);
  }
  if (op === 'mul') throw new NamedAxisError(`${what}: mul is not supported with index arrays; use add or set.`);
  if (x.positionalShape.length) throw new NamedAxisError(`${what}: scattering into an array with positional axes [${x.positionalShape}] is not supported; tag them first.`);
  const name = keys[0]!;
  const n = x.namedShape[name];
  if (n === undefined) throw new NamedAxisError(`${what}: no axis named '${name}' in ${formatNamedShape(x.namedShape)}.`);
  const raw = spec[name];
  if (raw instanceof NamedArray && raw.dtype !== 'int32') throw new NamedAxisError(`${what}: the index array for '${name}' must be int32; got ${raw.dtype}. Use .astype('int32').`);
  if (!(raw instanceof NamedArray) && !(raw as readonly number[]).every((i) => Number.isInteger(i))) {
    throw new NamedAxisError(`${what}: the index list for '${name}' must hold integers; got [${raw as number[]}].`);
  }
  const t = tf.tidy(() => {
    const idx = raw instanceof NamedArray ? raw : new NamedArray(tf.tensor1d(raw as number[], 'int32'), [0]);
    return scatterTensor(x, name, n, idx, value, op, what);
  });
  return new NamedArray(t, x.axes);
}

/** The scatter's result data, in x's layout (runs inside a tidy). */
function scatterTensor(x: NamedArray<string>, name: string, n: number, idx: NamedArray<string>, value: NamedArray<string> | number | boolean, op: UpdateOp, what: string): tf.Tensor {
  const q = idx.positionalShape.length;
  const tmp = Array.from({ length: q }, (_, i) => `${TMP}${i}`);
  for (const m of idx.names.filter((k) => x.axes.includes(k))) {
    if (m === name) throw new NamedAxisError(`${what}: the index array for '${name}' must not itself have axis '${name}'.`);
    if (idx.namedShape[m] !== x.namedShape[m]) {
      throw new NamedAxisError(`${what}: axis '${m}' has size ${x.namedShape[m]} in the array but ${idx.namedShape[m]} in the index for '${name}' ${formatNamedShape(idx.namedShape)}.`);
    }
  }
  const extra = [...idx.names.filter((m) => !x.axes.includes(m)), ...tmp];
  const named = q ? (idx.tag as (...ns: string[]) => NamedArray<string>)(...tmp) : idx;
  // Negative indices count from the end; what is still out of range one-hots to zeros (dropped).
  const wrapped = named.add(named.less(0).astype('int32').mul(n));
  const hot = oneHotAlong(wrapped, name, n);
  let v: NamedArray<string> | number = Number(value);
  if (value instanceof NamedArray) {
    if (value.positionalShape.length !== q || value.positionalShape.some((s, i) => s !== idx.positionalShape[i])) {
      throw new NamedAxisError(`${what}: the value's positional shape [${value.positionalShape}] must match the index's [${idx.positionalShape}] (x.index({${name}: ...}) has it in front).`);
    }
    if (value.axes.includes(name)) throw new NamedAxisError(`${what}: the value must not have axis '${name}' (the index array replaces it); value is ${formatNamedShape(value.namedShape)}.`);
    const stray = value.names.filter((m) => !x.axes.includes(m) && !idx.names.includes(m));
    if (stray.length) throw new NamedAxisError(`${what}: the value has axes ${formatNames(stray)} that neither the array ${formatNamedShape(x.namedShape)} nor the index has.`);
    v = (q ? (value.tag as (...ns: string[]) => NamedArray<string>)(...tmp) : value).astype('float32');
  }
  const contrib = hot.mul(v as NamedArray<string>);
  const summed = extra.length ? contrib.sum(...extra) : contrib;
  const xf = x.astype('float32');
  let out: NamedArray<string>;
  if (op === 'add') {
    out = xf.add(summed);
  } else {
    const count = extra.length ? hot.sum(...extra) : hot;
    const hit = count.greater(0).astype('float32');
    const mean = summed.div(count.maximum(1));
    out = xf.mul(hit.neg().add(1)).add(mean.mul(hit));
  }
  return out.astype(x.dtype).orderLike(x).data;
}

function oneHotAlong(idx: NamedArray<string>, name: string, n: number): NamedArray<string> {
  return new NamedArray(tf.cast(tf.oneHot(idx.data, n), 'float32'), [...idx.axes, name]);
}
