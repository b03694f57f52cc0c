import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape } from '@penjing/named-array';

/**
 * Forward-mode derivative (JAX's `jvp`): the value of `f` at `primals` and its directional
 * derivative along `tangents`, `J·t`. tfjs has reverse mode only, so this uses double reverse
 * mode: `u ↦ Jᵀu` is linear, and its reverse derivative against `t` is `J·t`. Costs about
 * three backward passes; works for any differentiable `f` of NamedArrays.
 *
 * @example
 * const [y, dy] = jvp((x) => x.square(), [nx.fromArray([1, 2], ['a'])], [nx.fromArray([1, 0], ['a'])]); // dy = [2, 0]
 */
export function jvp(
  f: (...xs: NamedArray[]) => NamedArray,
  primals: readonly NamedArray[],
  tangents: readonly NamedArray[],
): [NamedArray, NamedArray] {
  if (primals.length !== tangents.length) throw new Error(`jvp: got ${primals.length} primal(s) but ${tangents.length} tangent(s); give one tangent per primal.`);
  primals.forEach((p, i) => {
    const t = tangents[i]!;
    const same = p.names.length === t.names.length && p.names.every((n) => t.namedShape[n] === p.namedShape[n]) && p.positionalShape.join() === t.positionalShape.join();
    if (!same) {
      throw new Error(`jvp: tangent ${i} has named shape ${formatNamedShape(t.namedShape)} (positional [${t.positionalShape}]) but primal ${i} has ${formatNamedShape(p.namedShape)} (positional [${p.positionalShape}]); they must match.`);
    }
    if (p.dtype !== 'float32') throw new Error(`jvp: primal ${i} is ${p.dtype}; only float32 inputs have derivatives.`);
  });
  const xs = primals.map((p) => p.data);
  const wrap = (ts: tf.Tensor[]) => ts.map((t, i) => new NamedArray(t, primals[i]!.axes));
  let axes: NamedArray['axes'] = [];
  const result = tf.tidy(() => {
    const out = f(...wrap(xs));
    axes = out.axes;
    const ts = tangents.map((t, i) => t.orderLike(primals[i]!).data);
    // g(u) = Σ_i <∂<f(x), u>/∂x_i, t_i> = <u, J t>, so ∂g/∂u = J t.
    const g = (u: tf.Tensor) => {
      const vjp = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(aligned(f(...wrap(ys)), axes), u)))(xs);
      return vjp.map((v, i) => tf.sum(tf.mul(v, ts[i]!))).reduce((a, b) => tf.add(a, b));
    };
    const tangentOut = tf.grad(g)(tf.zerosLike(out.data));
    return [out.data, tangentOut] as [tf.Tensor, tf.Tensor];
  });
  return [new NamedArray(result[0], axes), new NamedArray(result[1], axes)];
}

function aligned(y: NamedArray, axes: NamedArray['axes']): tf.Tensor {
  if (y.axes.length === axes.length && y.axes.every((a, i) => a === axes[i])) return y.data;
  throw new Error('jvp: f must return arrays with the same axis layout on every call.');
}
