import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Layer, LayerError, tensorsIn, type SideInputs } from '../core/layer.js';
import { child } from '../tree/fields.js';

/**
 * Runs `body` without keeping its intermediate tensors for the backward pass and recomputes
 * them there (gradient checkpointing; Penzai's `Checkpointed`, JAX's `remat`): the memory of
 * the body's activations is traded for one more forward pass. Gradients reach the input and
 * every float tensor the body holds (its parameters).
 * @example const block = new Checkpointed({ body: transformerBlock });
 */
export class Checkpointed extends Layer.define('Checkpointed', { body: child<Layer<NamedArray, NamedArray>>() })<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    if (!(x instanceof NamedArray)) throw new LayerError(`Checkpointed expects a NamedArray input; got ${typeof x}.`);
    const held = [...new Set(tensorsIn(this.body))].filter((t) => t.dtype === 'float32');
    let axes: NamedArray['axes'] = [];
    const run = (xt: tf.Tensor): tf.Tensor => {
      const out = this.body.call(new NamedArray(xt, x.axes), side);
      if (!(out instanceof NamedArray)) throw new LayerError(`Checkpointed: the body must return a NamedArray; got ${typeof out}.`);
      axes = out.axes;
      return out.data;
    };
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const xt = args[0] as tf.Tensor;
      save([xt]);
      return {
        value: run(xt),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const dyt = Array.isArray(dy) ? dy[0]! : dy;
          const xs = [saved[0]!, ...held];
          const differentiable = xs.map((t) => t.dtype === 'float32');
          // The recomputation reads the very parameter tensors listed in `held`, so the tape links them.
          // tfjs drops the engine's tape when a gradient computation at depth 0 ends, also this
          // nested one inside the outer backward pass, which still needs it: keep and restore it.
          const state = tf.engine().state;
          const outer = state.activeTape;
          let grads: tf.Tensor[];
          try {
            grads = tf.engine().gradients(() => tf.sum(tf.mul(run(saved[0]!), dyt)), xs.filter((_, i) => differentiable[i]), undefined, true).grads;
          } finally {
            state.activeTape = outer;
          }
          let k = 0;
          return xs.map((t, i) => (differentiable[i] ? (grads[k++] ?? tf.zerosLike(t)) : tf.zerosLike(t)));
        },
      };
    });
    const y = f(x.data, ...held) as tf.Tensor;
    return new NamedArray(y, axes);
  }
}
