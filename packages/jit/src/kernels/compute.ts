/** Reductions, softmax, cumulative sums, arg-max/min, top-k, one-hot and matrix products. */
import * as tf from '@tensorflow/tfjs';
import { ONNX_DTYPE } from '../onnx/builder.js';
import type { ShapeRule } from '../trace/backend.js';
import type { TraceDtype } from '../trace/graph.js';
import { defineKernel, type EmitArgs } from './registry.js';

const axesOf = (axis: unknown, shape: readonly number[]) => tf.util.parseAxisParam(axis as number[], [...shape]).map((a) => (a < 0 ? a + shape.length : a));

const reduceRule = (dtype?: (d: TraceDtype) => TraceDtype): ShapeRule => (ins, attrs) => {
  const x = ins[0]!;
  const axes = axesOf(attrs.axis ?? attrs.reductionIndices, x.shape);
  const shape = attrs.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  return [{ shape, dtype: dtype ? dtype(x.dtype) : x.dtype }];
};

function reduce(onnxOp: string, axesAsInput: boolean) {
  return ({ b, ins, inNames, outNames, attrs }: EmitArgs) => {
    const axes = axesOf(attrs.axis ?? attrs.reductionIndices, ins[0]!.shape);
    const keepdims = attrs.keepDims ? 1 : 0;
    if (axes.length === 0) return void b.node('Identity', inNames, outNames);
    if (axesAsInput) b.node(onnxOp, [inNames[0]!, b.int64(axes)], outNames, { keepdims });
    else b.node(onnxOp, inNames, outNames, { axes, keepdims });
  };
}
// Opset 17: ReduceSum takes axes as an input, the others as an attribute.
defineKernel('Sum', { shape: reduceRule((d) => (d === 'bool' ? 'int32' : d)), emit: reduce('ReduceSum', true) });
defineKernel('Mean', { shape: reduceRule(), emit: reduce('ReduceMean', false) });
defineKernel('Max', { shape: reduceRule(), emit: reduce('ReduceMax', false) });
defineKernel('Min', { shape: reduceRule(), emit: reduce('ReduceMin', false) });
defineKernel('Prod', { shape: reduceRule(), emit: reduce('ReduceProd', false) });
defineKernel('Any', {
  shape: reduceRule(),
  emit: (a) => {
    const cast = a.b.op('Cast', [a.inNames[0]!], { to: ONNX_DTYPE.int32 });
    const r = a.b.tmp('any');
    reduce('ReduceMax', false)({ ...a, inNames: [cast], outNames: [r] });
    a.b.node('Cast', [r], a.outNames, { to: ONNX_DTYPE.bool });
  },
});
defineKernel('All', {
  shape: reduceRule(),
  emit: (a) => {
    const cast = a.b.op('Cast', [a.inNames[0]!], { to: ONNX_DTYPE.int32 });
    const r = a.b.tmp('all');
    reduce('ReduceMin', false)({ ...a, inNames: [cast], outNames: [r] });
    a.b.node('Cast', [r], a.outNames, { to: ONNX_DTYPE.bool });
  },
});

const argRule: ShapeRule = (ins, attrs) => {
  const axis = axesOf(attrs.axis, ins[0]!.shape)[0]!;
  return [{ shape: ins[0]!.shape.filter((_, i) => i !== axis), dtype: 'int32' }];
};
for (const [k, o] of [['ArgMax', 'ArgMax'], ['ArgMin', 'ArgMin']] as const) {
  defineKernel(k, {
    shape: argRule,
    emit: ({ b, ins, inNames, outNames, attrs }) => {
      const axis = axesOf(attrs.axis, ins[0]!.shape)[0]!;
      // select_last_index 0: the first extreme wins, as in tfjs.
      b.node('Cast', [b.op(o, inNames, { axis, keepdims: 0 })], outNames, { to: ONNX_DTYPE.int32 });
    },
  });
}

defineKernel('Softmax', {
  shape: (ins) => [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }],
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const dim = attrs.dim === -1 || attrs.dim === undefined ? ins[0]!.shape.length - 1 : attrs.dim;
    b.node('Softmax', inNames, outNames, { axis: dim });
  },
});
defineKernel('Cumsum', {
  shape: (ins) => [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }],
  emit: ({ b, inNames, outNames, attrs }) => {
    const axis = b.constant(new Int32Array([attrs.axis]), [], 'int32');
    b.node('CumSum', [inNames[0]!, axis], outNames, { exclusive: attrs.exclusive ? 1 : 0, reverse: attrs.reverse ? 1 : 0 });
  },
});

defineKernel('TopK', {
  shape: (ins, attrs) => {
    const s = [...ins[0]!.shape];
    s[s.length - 1] = attrs.k;
    return [{ shape: s, dtype: ins[0]!.dtype }, { shape: [...s], dtype: 'int32' }];
  },
  emit: ({ b, inNames, outNames, attrs }) => {
    const idx = b.tmp('topk_idx');
    b.node('TopK', [inNames[0]!, b.int64([attrs.k])], [outNames[0]!, idx], { axis: -1, largest: 1, sorted: 1 });
    b.node('Cast', [idx], [outNames[1]!], { to: ONNX_DTYPE.int32 });
  },
});

defineKernel('OneHot', {
  shape: (ins, attrs) => [{ shape: [...ins[0]!.shape, attrs.depth], dtype: attrs.dtype ?? 'int32' }],
  emit: ({ b, outs, inNames, outNames, attrs }) => {
    // ORT's CPU OneHot takes int64 indices with float values; the result is cast after.
    const indices = b.op('Cast', [inNames[0]!], { to: ONNX_DTYPE.int64 });
    const hot = b.op('OneHot', [indices, b.int64([attrs.depth]), b.constant(new Float32Array([attrs.offValue, attrs.onValue]), [2], 'float32')], { axis: -1 });
    b.node('Cast', [hot], outNames, { to: ONNX_DTYPE[outs[0]!.dtype] });
  },
});

defineKernel('BatchMatMul', {
  shape: (ins, attrs) => {
    const [a, c] = [ins[0]!.shape, ins[1]!.shape];
    const m = attrs.transposeA ? a[a.length - 1]! : a[a.length - 2]!;
    const n = attrs.transposeB ? c[c.length - 2]! : c[c.length - 1]!;
    const batch = tf.backend_util.assertAndGetBroadcastShape(a.slice(0, -2), c.slice(0, -2));
    return [{ shape: [...batch, m, n], dtype: ins[0]!.dtype }];
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const t = (name: string, rank: number, flag: boolean) => {
      if (!flag) return name;
      const perm = Array.from({ length: rank }, (_, i) => i);
      [perm[rank - 1], perm[rank - 2]] = [perm[rank - 2]!, perm[rank - 1]!];
      return b.op('Transpose', [name], { perm });
    };
    b.node('MatMul', [t(inNames[0]!, ins[0]!.shape.length, !!attrs.transposeA), t(inNames[1]!, ins[1]!.shape.length, !!attrs.transposeB)], outNames);
  },
});

// A 2-D weight applied to N-D activations (written by the trace simplifier): transposed
// weights are read in place by com.microsoft FusedMatMul.
defineKernel('_MatMul', {
  shape: () => {
    throw new Error('_MatMul is made by the simplifier, never traced.');
  },
  emit: ({ b, inNames, outNames, attrs }) => {
    if (attrs.transposeB) b.node('FusedMatMul', inNames, outNames, { transB: 1, alpha: { f: 1 } }, 'com.microsoft');
    else b.node('MatMul', inNames, outNames);
  },
});

// RMSLayerNorm recognised by the trace simplifier: ONNX Runtime's fused SimplifiedLayerNormalization.
defineKernel('_RMSNorm', {
  shape: () => {
    throw new Error('_RMSNorm is made by the simplifier, never traced.');
  },
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const d = ins[0]!.shape[ins[0]!.shape.length - 1]!;
    const scale = b.op('Reshape', [inNames[1]!, b.int64([d])]);
    b.node('SimplifiedLayerNormalization', [inNames[0]!, scale], outNames, { axis: -1, epsilon: { f: attrs.epsilon }, stash_type: 1 });
  },
});

// The tanh-approximated GELU recognised by the trace simplifier: ONNX Runtime's FastGelu.
defineKernel('_GeluTanh', {
  shape: () => {
    throw new Error('_GeluTanh is made by the simplifier, never traced.');
  },
  emit: ({ b, inNames, outNames }) => void b.node('FastGelu', inNames, outNames, {}, 'com.microsoft'),
});
