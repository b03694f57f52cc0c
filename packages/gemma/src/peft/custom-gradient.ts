import * as tf from '@tensorflow/tfjs';

/**
 * `tf.customGrad` with typed inputs. tfjs types a body's arguments as one list mixing tensors
 * and the save function (`...(Tensor | GradSaveFunc)[]`); at run time it passes the inputs in
 * order and then `save`, which is the signature stated here, so bodies name their inputs.
 * @example
 * const double = customGradient((x: tf.Tensor, save: tf.GradSaveFunc) => ({ value: tf.mul(x, 2), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, 2)] }));
 * double(tf.ones([3])); // [2, 2, 2], with gradient 2
 */
export function customGradient<A extends tf.Tensor[], T extends tf.Tensor>(
  body: (...args: [...A, tf.GradSaveFunc]) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] },
): (...inputs: A) => T {
  const f = tf.customGrad<T>((...args) => body(...(args as [...A, tf.GradSaveFunc])));
  return (...inputs) => f(...inputs);
}
