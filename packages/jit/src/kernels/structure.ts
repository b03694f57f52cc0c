/** Kernels that move data without arithmetic: reshape, transpose, slice, concat, gather, pack, split, tile, pad. */
import * as tf from '@tensorflow/tfjs';
import type { ShapeRule } from '../trace/backend.js';
import { JitError } from '../trace/graph.js';
import { defineKernel } from './registry.js';

const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

const reshapeRule: ShapeRule = (ins, attrs) => [{ shape: tf.util.inferFromImplicitShape([...attrs.shape], tf.util.sizeFromShape([...ins[0]!.shape])), dtype: ins[0]!.dtype }];
defineKernel('Reshape', {
  shape: reshapeRule,
  emit: ({ b, outs, inNames, outNames }) => void b.node('Reshape', [inNames[0]!, b.int64(outs[0]!.shape)], outNames),
});

defineKernel('Transpose', {
  shape: (ins, attrs) => [{ shape: (attrs.perm as number[]).map((p) => ins[0]!.shape[p]!), dtype: ins[0]!.dtype }],
  emit: ({ b, inNames, outNames, attrs }) => void b.node('Transpose', inNames, outNames, { perm: attrs.perm }),
});

defineKernel('Slice', {
  shape: (ins, attrs) => {
    const [, size] = tf.slice_util.parseSliceParams({ shape: [...ins[0]!.shape], rank: ins[0]!.shape.length } as tf.Tensor, attrs.begin, attrs.size);
    return [{ shape: size, dtype: ins[0]!.dtype }];
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const [begin, size] = tf.slice_util.parseSliceParams({ shape: [...ins[0]!.shape], rank: ins[0]!.shape.length } as tf.Tensor, attrs.begin, attrs.size);
    const axes = begin.map((_, i) => i);
    b.node('Slice', [inNames[0]!, b.int64(begin), b.int64(begin.map((s, i) => s + size[i]!)), b.int64(axes)], outNames);
  },
});

defineKernel('StridedSlice', {
  shape: (ins, attrs) => {
    const info = stridedInfo(ins[0]!.shape, attrs);
    return [{ shape: info.finalShape, dtype: ins[0]!.dtype }];
  },
  emit: ({ b, ins, outs, inNames, outNames, attrs }) => {
    const info = stridedInfo(ins[0]!.shape, attrs);
    const rank = ins[0]!.shape.length;
    const axes = Array.from({ length: rank }, (_, i) => i);
    const ends = info.begin.map((s: number, i: number) => info.end[i]);
    const sliced = b.op('Slice', [inNames[0]!, b.int64(info.begin), b.int64(ends.map((e: number, i: number) => (e < 0 && info.strides[i] < 0 ? -(2 ** 31) : e))), b.int64(axes), b.int64(info.strides)]);
    b.node('Reshape', [sliced, b.int64(outs[0]!.shape)], outNames);
  },
});

function stridedInfo(shape: readonly number[], attrs: Readonly<Record<string, any>>) {
  return tf.slice_util.sliceInfo(
    [...shape], attrs.begin, attrs.end, attrs.strides, attrs.beginMask, attrs.endMask, attrs.ellipsisMask, attrs.newAxisMask, attrs.shrinkAxisMask,
  ) as unknown as { finalShape: number[]; begin: number[]; end: number[]; strides: number[] };
}

defineKernel('Concat', {
  shape: (ins, attrs) => {
    const axis = axisOf(tf.util.parseAxisParam(attrs.axis, [...ins[0]!.shape])[0]!, ins[0]!.shape.length);
    return [{ shape: tf.backend_util.computeOutShape(ins.map((v) => [...v.shape]), axis), dtype: ins[0]!.dtype }];
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const axis = tf.util.parseAxisParam(attrs.axis, [...ins[0]!.shape])[0]!;
    const nonEmpty = inNames.filter((_, i) => tf.util.sizeFromShape([...ins[i]!.shape]) > 0);
    b.node(nonEmpty.length === 1 ? 'Identity' : 'Concat', nonEmpty, outNames, nonEmpty.length === 1 ? {} : { axis });
  },
});

defineKernel('GatherV2', {
  shape: (ins, attrs) => {
    const [x, idx] = [ins[0]!, ins[1]!];
    const axis = axisOf(attrs.axis, x.shape.length);
    if ((attrs.batchDims ?? 0) !== 0) throw new JitError(`gather with batchDims ${attrs.batchDims} cannot be compiled yet.`);
    return [{ shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype }];
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => void b.node('Gather', inNames, outNames, { axis: axisOf(attrs.axis, ins[0]!.shape.length) }),
});

defineKernel('Pack', {
  shape: (ins, attrs) => {
    const s = [...ins[0]!.shape];
    s.splice(axisOf(attrs.axis, s.length + 1), 0, ins.length);
    return [{ shape: s, dtype: ins[0]!.dtype }];
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const axis = axisOf(attrs.axis, ins[0]!.shape.length + 1);
    const parts = inNames.map((n) => b.op('Unsqueeze', [n, b.int64([axis])]));
    b.node('Concat', parts, outNames, { axis });
  },
});

defineKernel('Unpack', {
  shape: (ins, attrs) => {
    const s = [...ins[0]!.shape];
    const axis = axisOf(attrs.axis, s.length);
    const n = s[axis]!;
    s.splice(axis, 1);
    return Array.from({ length: n }, () => ({ shape: [...s], dtype: ins[0]!.dtype }));
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const axis = axisOf(attrs.axis, ins[0]!.shape.length);
    const parts = outNames.map(() => b.tmp('part'));
    b.node('Split', [inNames[0]!, b.int64(outNames.map(() => 1))], parts, { axis });
    parts.forEach((p, i) => b.node('Squeeze', [p, b.int64([axis])], [outNames[i]!]));
  },
});

defineKernel('SplitV', {
  shape: (ins, attrs) => {
    const s = [...ins[0]!.shape];
    const axis = axisOf(tf.util.parseAxisParam(attrs.axis, s)[0]!, s.length);
    const sizes = tf.backend_util.prepareSplitSize({ shape: s } as tf.Tensor, attrs.numOrSizeSplits, axis);
    return sizes.map((n) => ({ shape: s.map((d, i) => (i === axis ? n : d)), dtype: ins[0]!.dtype }));
  },
  emit: ({ b, ins, outs, inNames, outNames, attrs }) => {
    const axis = axisOf(tf.util.parseAxisParam(attrs.axis, [...ins[0]!.shape])[0]!, ins[0]!.shape.length);
    b.node('Split', [inNames[0]!, b.int64(outs.map((o) => o.shape[axis]!))], outNames, { axis });
  },
});

defineKernel('Tile', {
  shape: (ins, attrs) => [{ shape: ins[0]!.shape.map((d, i) => d * attrs.reps[i]), dtype: ins[0]!.dtype }],
  emit: ({ b, inNames, outNames, attrs }) => void b.node('Tile', [inNames[0]!, b.int64(attrs.reps)], outNames),
});

defineKernel('PadV2', {
  shape: (ins, attrs) => [{ shape: ins[0]!.shape.map((d, i) => d + attrs.paddings[i][0] + attrs.paddings[i][1]), dtype: ins[0]!.dtype }],
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const p = attrs.paddings as [number, number][];
    b.node('Pad', [inNames[0]!, b.int64([...p.map((x) => x[0]), ...p.map((x) => x[1])]), b.scalar(attrs.constantValue ?? 0, ins[0]!.dtype)], outNames);
  },
});

defineKernel('Reverse', {
  shape: (ins) => [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }],
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const axes = tf.util.parseAxisParam(attrs.dims, [...ins[0]!.shape]);
    b.node('Slice', [inNames[0]!, b.int64(axes.map(() => -1)), b.int64(axes.map(() => -(2 ** 31))), b.int64(axes), b.int64(axes.map(() => -1))], outNames);
  },
});

const valueOnly = (what: string) => (): void => {
  throw new JitError(`${what} was not folded to a constant; its attributes must not depend on traced values.`);
};
// Fill and Range take no tensor inputs, so the trace always folds them to constants; their
// shape rules run only for that folding.
defineKernel('Fill', {
  shape: (_ins, attrs) => [{ shape: [...attrs.shape], dtype: attrs.dtype ?? 'float32' }],
  emit: valueOnly('Fill'),
});
defineKernel('Range', {
  shape: (_ins, attrs) => [{ shape: [Math.max(Math.ceil((attrs.stop - attrs.start) / attrs.step), 0)], dtype: attrs.dtype ?? 'float32' }],
  emit: valueOnly('Range'),
});
const likeRule: ShapeRule = (ins) => [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }];
defineKernel('ZerosLike', { shape: likeRule, emit: ({ b, ins, outs, outNames }) => void b.node('Expand', [b.scalar(0, ins[0]!.dtype), b.int64(outs[0]!.shape)], outNames) });
defineKernel('OnesLike', { shape: likeRule, emit: ({ b, ins, outs, outNames }) => void b.node('Expand', [b.scalar(1, ins[0]!.dtype), b.int64(outs[0]!.shape)], outNames) });

// `cache` with its last slot along `axis` replaced by `fresh` (size 1 along `axis`), made by
// newCacheRowsOnly from concat([slice(cache, 0..C−1), fresh]): one ScatterND, a memcpy of the
// cache and one row per leading index, where Slice then Concat copies the cache twice.
defineKernel('_SetLastSlot', {
  shape: () => {
    throw new JitError('_SetLastSlot is made by a graph rewrite, never traced.');
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const shape = ins[0]!.shape;
    const axis = attrs.axis as number;
    const lead = shape.slice(0, axis);
    const rows = tf.util.sizeFromShape([...lead]);
    // Indices [...lead, axis + 1]: every leading index, then the last slot.
    const indices: number[] = [];
    for (let r = 0; r < rows; r++) {
      let rest = r;
      const at = lead.map((_, i) => {
        const stride = tf.util.sizeFromShape(lead.slice(i + 1));
        const v = Math.floor(rest / stride);
        rest -= v * stride;
        return v;
      });
      indices.push(...at, shape[axis]! - 1);
    }
    const idx = b.op('Reshape', [b.int64(indices), b.int64([...lead, axis + 1])]);
    const updates = b.op('Reshape', [inNames[1]!, b.int64([...lead, ...shape.slice(axis + 1)])]);
    b.node('ScatterND', [inNames[0]!, idx, updates], outNames);
  },
});
