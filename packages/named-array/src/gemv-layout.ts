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
// The copy is made lazily, the second time a matrix meets a few-row product (a decode step;
// the first is usually the prompt's last-token product), and lives as long as its source
// tensor: it is disposed with it (explicitly, or when the garbage collector frees an
// unreachable source). It is optional memory: it is not made when the heap budget cannot hold
// it twice over (XNNPACK keeps a packed copy of its own, outside tfjs's count), and
// checkMemory drops it when a larger computation (a long prefill) would fit only without it;
// the next few-row product then makes it again. Each of these is said once. Never used while
// gradients are being recorded (the copy is outside the tape) or off wasm.
import * as tf from '@tensorflow/tfjs';
import { transpose } from './axes.js';
import { whenDisposed } from './auto-free.js';
import { memoryBudget, onMemoryPressure } from './memory-budget.js';

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

// Every copy made and not yet freed (weakly: a copy whose source was collected goes with it).
const live = new Set<WeakRef<tf.Tensor>>();
const said = new Set<string>();

function sayOnce(what: string, message: string): void {
  if (said.has(what)) return;
  said.add(what);
  console.warn(`penjing: ${message}`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

function liveCopies(): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const ref of live) {
    const t = ref.deref();
    if (t && !t.isDisposed) out.push(t);
    else live.delete(ref);
  }
  return out;
}

onMemoryPressure({
  held: () => liveCopies().reduce((sum, t) => sum + 4 * t.size, 0),
  release: () => {
    const copies = liveCopies();
    if (!copies.length) return;
    const bytes = copies.reduce((sum, t) => sum + 4 * t.size, 0);
    for (const t of copies) t.dispose();
    live.clear();
    sayOnce('dropped', `dropped the cached matrix-vector layout of ${copies.length} large matri${copies.length > 1 ? 'ces' : 'x'} (${mb(bytes)}) to make room for a larger computation; the next few-row product (decode step) makes it again.`);
  },
});

/**
 * `big` transposed by `perm` and reshaped to `shape`, made once per tensor and kept; undefined
 * when the heap budget cannot spare it (the caller then takes the ordinary route).
 */
export function cachedLayout(big: tf.Tensor, perm: readonly number[], shape: readonly number[]): tf.Tensor | undefined {
  const key = `${perm.join(',')}/${shape.join(',')}`;
  let forTensor = layouts.get(big);
  const hit = forTensor?.get(key);
  if (hit && !hit.isDisposed) return hit;
  const bytes = 4 * big.size;
  if (2 * bytes > memoryBudget()) {
    sayOnce('refused', `not making a matrix-vector layout of a ${big.shape.join(' × ')} matrix (${mb(bytes)}, twice that with XNNPACK's packed copy): the heap budget has ${mb(memoryBudget())} left. Few-row products with it take the slower route.`);
    return undefined;
  }
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
  live.add(new WeakRef(made));
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
