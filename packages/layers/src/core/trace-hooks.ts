/**
 * Two small hooks that let a compiler (`@penjing/jit`) trace a forward pass: it observes which
 * layer is running (to name layer paths in its graph and errors), and it takes over checks of
 * input values, which cannot run while values do not exist yet and run instead before every
 * compiled call.
 */
import type * as tf from '@tensorflow/tfjs';

/** Receives layer entries and exits while a trace runs. */
export interface LayerCallObserver {
  enter(layer: object): void;
  exit(): void;
}

/** Takes a value check: returns true when it will run the check itself (later, on real values). */
export type ValueCheckHandler = (tensor: tf.Tensor, check: (values: ArrayLike<number>) => void) => boolean;

/** @internal The active observer; set only by a tracing compiler. */
export let layerCallObserver: LayerCallObserver | null = null;
let valueCheckHandler: ValueCheckHandler | null = null;

/**
 * Installs (or, with nulls, removes) a compiler's hooks for the duration of a trace.
 * @example setTraceHooks(observer, handler); try { model.call(x) } finally { setTraceHooks(null, null) }
 */
export function setTraceHooks(observer: LayerCallObserver | null, handler: ValueCheckHandler | null): void {
  layerCallObserver = observer;
  valueCheckHandler = handler;
}

/**
 * Checks a tensor's values (e.g. token ids in range). Eagerly it reads them and runs `check`
 * at once; under a compiler's trace, the compiler runs `check` on the real values before each
 * compiled call. Use this instead of `dataSync()` for validation in a forward pass.
 *
 * @example
 * checkValues(tokens.data, (ids) => { for (const id of Array.from(ids)) if (id >= vocab) throw new LayerError(`token id ${id} ...`); });
 */
export function checkValues(tensor: tf.Tensor, check: (values: ArrayLike<number>) => void): void {
  if (valueCheckHandler?.(tensor, check)) return;
  check(tensor.dataSync() as ArrayLike<number>);
}

/**
 * Whether a compiler is tracing the current call: values do not exist, so a layer that would
 * read them (beyond `checkValues` on its inputs) must take a value-free route.
 *
 * @example const count = isTracing() ? -1 : tensor.dataSync()[0];
 */
export function isTracing(): boolean {
  return valueCheckHandler !== null;
}
