// Matrix-vector products at memory bandwidth on wasm.
//
// tfjs-wasm sends an unbatched, flag-free matMul to XNNPACK with the right operand as the
// "weights": XNNPACK packs them once per tensor and keeps the packed copy, so `x · W` with a
// long-lived W[K, N] streams W at memory speed. When the big operand is stored the other way
// round (a tied embedding table is [vocabulary, embedding] and decoding contracts its last
// axis), contract's cheapest plan puts it on the left, and every decode step repacks the
// one-row activation and runs a GEMM with N = 1 (about 2 GFLOP/s). For a large matrix met
// with few rows we instead make its [K, N] layout once (a transposed copy, kept beside the
// source) and multiply with that: one more copy of the matrix in memory, ~4× faster steps.
//
// The copy lives as long as its source tensor: it is disposed with it (explicitly, or when
// the garbage collector frees an unreachable source). Never used while gradients are being
// recorded (the copy is outside the tape) or off wasm.
import * as tf from '@tensorflow/tfjs';
import { transpose } from './axes.js';
import { whenDisposed } from './auto-free.js';

/** Matrices at least this large (elements) get a cached matrix-vector layout. */
export const GEMV_LAYOUT_MIN_SIZE = 1 << 22;
/** At most this many rows on the small side (a decode step, a last-token prefill). */
export const GEMV_LAYOUT_MAX_ROWS = 32;

let enabled = true;
const layouts = new WeakMap<tf.Tensor, Map<string, tf.Tensor>>();
// A matrix is worth a copy only when it comes back: a tensor recomputed every call (a merged
// adapter, a patched weight) is seen once and takes the ordinary route.
const seenOnce = new WeakSet<tf.Tensor>();

function recordingGradients(): boolean {
  return tf.engine().state.activeTape != null;
}

/** Whether a product of a `rows`-row operand with `big` should use a cached layout of `big`. */
export function wantsGemvLayout(big: tf.Tensor, rows: number): boolean {
  if (!enabled || big.size < GEMV_LAYOUT_MIN_SIZE || rows > GEMV_LAYOUT_MAX_ROWS || tf.getBackend() !== 'wasm' || recordingGradients()) return false;
  if (layouts.has(big)) return true;
  if (seenOnce.has(big)) return true;
  seenOnce.add(big);
  return false;
}

/** `big` transposed by `perm` and reshaped to `shape`, made once per tensor and kept. */
export function cachedLayout(big: tf.Tensor, perm: readonly number[], shape: readonly number[]): tf.Tensor {
  const key = `${perm.join(',')}/${shape.join(',')}`;
  let forTensor = layouts.get(big);
  const hit = forTensor?.get(key);
  if (hit && !hit.isDisposed) return hit;
  if (!forTensor) {
    forTensor = new Map();
    layouts.set(big, forTensor);
    const entries = forTensor;
    whenDisposed(big, () => {
      for (const t of entries.values()) t.dispose();
      entries.clear();
    });
  }
  const made = tf.keep(tf.tidy(() => tf.reshape(transpose(big, perm), [...shape])));
  forTensor.set(key, made);
  return made;
}

/**
 * Turns the cached matrix-vector layouts on (the default) or off: off saves the extra copy of
 * each large matrix (e.g. 671 MB for a 262,144 × 640 vocabulary table) at the price of
 * slower few-row products. Copies already made stay until their source goes.
 *
 * @example nx.setGemvLayout(false); // tight wasm heap: no transposed copies
 */
export function setGemvLayout(on: boolean): void {
  enabled = on;
}
