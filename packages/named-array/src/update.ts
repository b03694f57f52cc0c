import * as tf from '@tensorflow/tfjs';
import { NamedAxisError, formatNamedShape, formatNames } from './errors.js';
import { NamedArray } from './named-array.js';
import { alignNames, fromBatched, toBatched } from './nmap.js';
import { Positional, positionalWhere } from './positional.js';
import { clampInt } from './gather.js';
import { checkKeys, clampedStart, gatherNamed, isDynamic, isSlice, normInt, normSlice } from './indexing.js';
import type { DynamicSlice } from './types.js';
import { isIndexArray, scatterAt } from './scatter.js';

export type UpdateOp = 'set' | 'add' | 'mul';

/** Functional update at a dict index; see `NamedArray.at`. */
export function updateAt(x: NamedArray<string>, spec: Record<string, unknown>, value: NamedArray<string> | number | boolean, op: UpdateOp): NamedArray<string> {
  const what = `at(...).${op}`;
  checkKeys(x, spec, what);
  if (Object.values(spec).some(isIndexArray)) return scatterAt(x, spec, value, op);
  for (const [k, v] of Object.entries(spec)) {
    if (!(typeof v === 'number' || isSlice(v) || isDynamic(v))) {
      throw new NamedAxisError(`${what}: axis '${k}' must be indexed by an int, a step-1 nx.slice or nx.dynamicSlice.`);
    }
    if (isSlice(v) && (v.step ?? 1) !== 1) throw new NamedAxisError(`${what}: slices with step ${v.step} are not supported for updates on axis '${k}'.`);
  }
  if (value instanceof NamedArray) {
    const extra = (value.names as string[]).filter((nm) => !x.axes.includes(nm));
    if (extra.length) throw new NamedAxisError(`${what}: the value has axes ${formatNames(extra)} that the array ${formatNamedShape(x.namedShape)} lacks.`);
  }
  // The region becomes a mask over x and the value is laid out at x's full size, so static
  // and run-time starts share one (differentiable) rule: where(mask, value, x).
  const owned: NamedArray<string>[] = [];
  const own = <T extends NamedArray<string>>(a: T) => (owned.push(a), a);
  try {
    let val: NamedArray<string> | number | boolean = value;
    const masks: NamedArray<string>[] = [];
    for (const [k, v] of Object.entries(spec)) {
      const n = x.namedShape[k];
      let start: number | NamedArray<string>;
      let size: number;
      if (typeof v === 'number') {
        start = normInt(k, v, n);
        size = 1;
        if (val instanceof NamedArray && val.axes.includes(k)) {
          throw new NamedAxisError(`at({${k}: ${v}}).${op}: the value must not have axis '${k}' (an int index removes it); value is ${formatNamedShape(val.namedShape)}.`);
        }
      } else if (isSlice(v)) {
        const s = normSlice(v, n);
        start = s.start;
        size = s.length;
      } else {
        start = clampedStart(k, v as DynamicSlice, n);
        if (start instanceof NamedArray) own(start);
        size = (v as DynamicSlice).size;
      }
      const pos = own(new NamedArray(tf.range(0, n, 1, 'int32'), [k]));
      const rel = own(pos.sub(start));
      masks.push(own(own(rel.greaterEqual(0)).logicalAnd(own(rel.less(size)))));
      if (val instanceof NamedArray && val.axes.includes(k)) {
        if (val.namedShape[k] !== size) {
          throw new NamedAxisError(`${what}: the value has size ${val.namedShape[k]} along '${k}' but the indexed region has size ${size} (array ${formatNamedShape(x.namedShape)}).`);
        }
        const src = own(new NamedArray(clampInt(rel.data, 0, Math.max(size - 1, 0)), rel.axes));
        val = own(gatherNamed(val, k, src));
      }
    }
    const mask = masks.reduce((a, b) => own(a.logicalAnd(b)));
    return blend(x, mask, val, op);
  } finally {
    for (const o of owned) o.dispose();
  }
}

/** `where(mask, x op value, x)` laid out in x's own axis order, keeping x's dtype. */
function blend(x: NamedArray<string>, mask: NamedArray<string>, value: NamedArray<string> | number | boolean, op: UpdateOp): NamedArray<string> {
  const arrays = value instanceof NamedArray ? [x, mask, value] : [x, mask];
  const al = alignNames(arrays, `at(...).${op}`);
  const t = tf.tidy(() => {
    const xb = toBatched(x, al);
    const v = value instanceof NamedArray ? toBatched(value, al) : (value as number);
    let upd: Positional | number = v;
    if (op === 'add') upd = xb.add(v);
    else if (op === 'mul') upd = xb.mul(v);
    const cast = upd instanceof Positional ? (upd.dtype === x.dtype ? upd : upd.astype(x.dtype)) : new Positional(tf.scalar(upd as number, x.dtype), al.names.length);
    return fromBatched(positionalWhere(toBatched(mask, al), cast, xb), al).data;
  });
  return new NamedArray(t, [...al.names, ...t.shape.slice(al.names.length).map((_, i) => i)]);
}
