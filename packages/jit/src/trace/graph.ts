/**
 * What one trace records: the values a forward pass made (graph inputs, parameters,
 * constants, kernel outputs) and the tfjs kernels that made them, in order.
 */
import type * as tf from '@tensorflow/tfjs';

/** The dtypes a compiled graph carries. */
export type TraceDtype = 'float32' | 'int32' | 'bool';

/** Where a value comes from. */
export type ValueOrigin =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'param'; readonly label: string; /** A reshaped view of the parameter's bytes. */ readonly view?: boolean }
  | { readonly kind: 'const'; readonly values: Float32Array | Int32Array | Uint8Array }
  | { readonly kind: 'op' };

/** One value of the trace (a tfjs tensor's data id maps to one of these). */
export interface TraceValue {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: TraceDtype;
  readonly origin: ValueOrigin;
}

/** One recorded kernel call. */
export interface TraceOp {
  readonly kernel: string;
  readonly inputs: readonly number[];
  /** The kernel's names for its inputs (tfjs passes inputs by name), in the order of `inputs`. */
  readonly inputNames: readonly string[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly number[];
  /** Key path of the innermost layer running when the kernel ran ('' at the root). */
  readonly path: string;
}

/** Raised when a tree cannot be compiled; the message names the layer path and the reason. */
export class JitError extends Error {
  override readonly name = 'JitError';
}

/** The recorded program: values, kernels, and which values are the outputs. */
export interface TraceGraph {
  readonly values: readonly TraceValue[];
  readonly ops: readonly TraceOp[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** Parameter labels to their values' sources, in first-use order. */
  readonly params: ReadonlyMap<string, ParamSource>;
}

/** How a parameter's values are read when the graph is compiled. */
export type ParamSource =
  | { readonly kind: 'tensor'; readonly tensor: tf.Tensor }
  | { readonly kind: 'lazy'; readonly read: () => Promise<Float32Array | Int32Array>; readonly describe: string };

/** Elements in a shape. @example sizeOf([2, 3]) // 6 */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Normalises a tfjs dtype to one the compiler handles, or says why not. @example traceDtype('int32', 'Embed') // 'int32' */
export function traceDtype(dtype: string, where: string): TraceDtype {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new JitError(`${where}: dtype '${dtype}' cannot be compiled (float32, int32 and bool can).`);
}
