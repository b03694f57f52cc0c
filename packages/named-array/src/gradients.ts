import * as tf from '@tensorflow/tfjs';
import { NamedArray } from './named-array.js';

/**
 * Zero gradients for the comparison and logical kernels, registered once at import.
 *
 * tfjs refuses to differentiate any graph in which a differentiated value reaches a kernel
 * without a gradient, even when that kernel only feeds the condition of a `where`
 * ("gradient function not found for Greater"). JAX treats comparisons as piecewise constant
 * (zero gradient); registering the same here lets `nx.where(x.greater(0), x, 0)` and masks
 * computed from scores be differentiated. Kernels that already have a gradient are untouched.
 */
const zeroGradKernels: Record<string, readonly string[]> = {
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  Greater: ['a', 'b'],
  GreaterEqual: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalXor: ['a', 'b'],
  LogicalNot: ['x'],
  IsNan: ['x'],
  IsFinite: ['x'],
  IsInf: ['x'],
};

for (const [kernelName, inputs] of Object.entries(zeroGradKernels)) {
  if (tf.getGradient(kernelName) !== undefined) continue;
  tf.registerGradient({
    kernelName,
    inputsToSave: [...inputs],
    gradFunc: (_dy, saved) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i].shape)])),
  });
}

const identityWithoutGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * The same values, with no gradient flowing back through them (JAX's `stop_gradient`).
 * tfjs has none built in; this is an identity whose gradient is zero.
 *
 * @example
 * const target = nx.stopGradient(logits.softmax('vocabulary'));
 */
export function stopGradient<N extends string>(x: NamedArray<N>): NamedArray<N> {
  return new NamedArray(identityWithoutGradient(x.data), x.axes);
}

/** Swaps the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return tf.transpose(t, perm);
}

/**
 * `op(a)·op(b)` with optional transposes. On wasm, a matMul with a transpose flag runs a naive
 * kernel 8–30× slower than XNNPACK's plain one, so there the flags become physical transposes
 * of whichever side moves fewer elements (the inputs, or the product via (bᵀaᵀ)ᵀ).
 */
function product(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor {
  if (tf.getBackend() !== 'wasm' || (!ta && !tb)) return tf.matMul(a, b, ta, tb);
  const m = ta ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const n = tb ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const batch = Math.max(a.size / (a.shape[a.rank - 1] * a.shape[a.rank - 2]), b.size / (b.shape[b.rank - 1] * b.shape[b.rank - 2]));
  const direct = (ta ? a.size : 0) + (tb ? b.size : 0);
  const flipped = (ta ? 0 : a.size) + (tb ? 0 : b.size) + batch * m * n;
  return direct <= flipped
    ? tf.matMul(ta ? swapLast(a) : a, tb ? swapLast(b) : b)
    : swapLast(tf.matMul(tb ? b : swapLast(b), ta ? a : swapLast(a)));
}

/** Sums a gradient over the batch axes its input was broadcast along. */
function unbroadcast(grad: tf.Tensor, shape: number[]): tf.Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((s, i) => s === shape[i])) return grad;
  const lead = grad.rank - shape.length;
  const axes = grad.shape.map((s, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1));
  return tf.reshape(tf.sum(grad, axes, true), shape);
}

// tfjs's own BatchMatMul gradient multiplies with transpose flags, which makes every backward
// pass on wasm hit the slow kernel (a LoRA step on a 270M-shaped model ran 3.6× slower). This
// gradient computes the same products through `product`.
tf.registerGradient({
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const [ta, tb] = [attrs.transposeA === true, attrs.transposeB === true];
    const d = Array.isArray(dy) ? dy[0] : dy;
    return {
      a: () => unbroadcast(ta ? product(b, d, tb, true) : product(d, b, false, !tb), a.shape),
      b: () => unbroadcast(tb ? product(d, a, true, ta) : product(a, d, !ta, false), b.shape),
    };
  },
});
