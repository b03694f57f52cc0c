/** Unary, binary, comparison, cast and select kernels. */
import * as tf from '@tensorflow/tfjs';
import { ONNX_DTYPE } from '../onnx/builder.js';
import type { ShapeRule } from '../trace/backend.js';
import type { TraceDtype } from '../trace/graph.js';
import { defineKernel, type Emitter } from './registry.js';

const same: ShapeRule = (ins) => [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }];
const broadcast = (dtype?: TraceDtype): ShapeRule => (ins) => [
  { shape: ins.slice(1).reduce((s, v) => tf.backend_util.assertAndGetBroadcastShape(s, [...v.shape]), [...ins[0]!.shape]), dtype: dtype ?? ins[0]!.dtype },
];

/** One ONNX op applied to the inputs in order. */
const direct = (opType: string): Emitter => ({ b, inNames, outNames }) => void b.node(opType, inNames, outNames);

const UNARY: Record<string, string> = {
  Exp: 'Exp', Log: 'Log', Sqrt: 'Sqrt', Sin: 'Sin', Cos: 'Cos', Tanh: 'Tanh', Sigmoid: 'Sigmoid', Neg: 'Neg', Abs: 'Abs',
  Relu: 'Relu', Erf: 'Erf', Floor: 'Floor', Ceil: 'Ceil', Sign: 'Sign', Reciprocal: 'Reciprocal', LogicalNot: 'Not', Softplus: 'Softplus',
};
for (const [k, o] of Object.entries(UNARY)) defineKernel(k, { shape: same, emit: direct(o) });

defineKernel('Identity', { shape: same, emit: direct('Identity') });
defineKernel('Rsqrt', { shape: same, emit: ({ b, inNames, outNames }) => void b.node('Reciprocal', [b.op('Sqrt', inNames)], outNames) });
defineKernel('Square', { shape: same, emit: ({ b, inNames, outNames }) => void b.node('Mul', [inNames[0]!, inNames[0]!], outNames) });
defineKernel('Relu6', { shape: same, emit: ({ b, ins, inNames, outNames }) => void b.node('Clip', [inNames[0]!, b.scalar(0, ins[0]!.dtype), b.scalar(6, ins[0]!.dtype)], outNames) });
defineKernel('Elu', { shape: same, emit: direct('Elu') });
defineKernel('Step', {
  shape: same,
  emit: ({ b, ins, inNames, outNames, attrs }) => {
    const d = ins[0]!.dtype;
    b.node('Where', [b.op('Greater', [inNames[0]!, b.scalar(0, d)]), b.scalar(1, d), b.scalar(attrs.alpha ?? 0, d)], outNames);
  },
});
defineKernel('ClipByValue', {
  shape: same,
  emit: ({ b, ins, inNames, outNames, attrs }) => void b.node('Clip', [inNames[0]!, b.scalar(attrs.clipValueMin, ins[0]!.dtype), b.scalar(attrs.clipValueMax, ins[0]!.dtype)], outNames),
});
defineKernel('LeakyRelu', { shape: same, emit: ({ b, inNames, outNames, attrs }) => void b.node('LeakyRelu', inNames, outNames, { alpha: { f: attrs.alpha } }) });

const BINARY: Record<string, string> = { Add: 'Add', Sub: 'Sub', Multiply: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min', Pow: 'Pow' };
for (const [k, o] of Object.entries(BINARY)) defineKernel(k, { shape: broadcast(), emit: direct(o) });
defineKernel('AddN', { shape: broadcast(), emit: direct('Sum') });
defineKernel('SquaredDifference', {
  shape: broadcast(),
  emit: ({ b, inNames, outNames }) => {
    const d = b.op('Sub', inNames);
    b.node('Mul', [d, d], outNames);
  },
});
defineKernel('FloorDiv', {
  shape: broadcast(),
  emit: ({ b, ins, inNames, outNames }) => {
    if (ins[0]!.dtype === 'float32') return void b.node('Floor', [b.op('Div', inNames)], outNames);
    // Integer floor division (ONNX Div truncates): through float32, exact for |x| < 2^24.
    const f = (n: string) => b.op('Cast', [n], { to: ONNX_DTYPE.float32 });
    b.node('Cast', [b.op('Floor', [b.op('Div', [f(inNames[0]!), f(inNames[1]!)])])], outNames, { to: ONNX_DTYPE.int32 });
  },
});
defineKernel('Mod', {
  shape: broadcast(),
  emit: ({ b, ins, inNames, outNames }) => void b.node('Mod', inNames, outNames, { fmod: ins[0]!.dtype === 'float32' ? 1 : 0 }),
});

const COMPARE: Record<string, string> = { Equal: 'Equal', Less: 'Less', LessEqual: 'LessOrEqual', Greater: 'Greater', GreaterEqual: 'GreaterOrEqual' };
for (const [k, o] of Object.entries(COMPARE)) defineKernel(k, { shape: broadcast('bool'), emit: direct(o) });
defineKernel('NotEqual', { shape: broadcast('bool'), emit: ({ b, inNames, outNames }) => void b.node('Not', [b.op('Equal', inNames)], outNames) });
defineKernel('LogicalAnd', { shape: broadcast('bool'), emit: direct('And') });
defineKernel('LogicalOr', { shape: broadcast('bool'), emit: direct('Or') });
defineKernel('IsNan', { shape: (ins) => [{ shape: [...ins[0]!.shape], dtype: 'bool' }], emit: direct('IsNaN') });

defineKernel('Cast', {
  shape: (ins, attrs) => [{ shape: [...ins[0]!.shape], dtype: attrs.dtype }],
  emit: ({ b, ins, outs, inNames, outNames }) => {
    const from = ins[0]!.dtype;
    const to = outs[0]!.dtype;
    if (from === to) return void b.node('Identity', inNames, outNames);
    // tfjs casts to bool as `x != 0`; ONNX Cast does the same.
    b.node('Cast', inNames, outNames, { to: ONNX_DTYPE[to] });
  },
});

defineKernel('Select', {
  shape: (ins) => [{ shape: tf.backend_util.assertAndGetBroadcastShape([...ins[1]!.shape], [...ins[2]!.shape]), dtype: ins[1]!.dtype }],
  emit: direct('Where'),
});
