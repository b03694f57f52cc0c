/**
 * Writing slots of a tensor in place, on tfjs-backend-wasm, for an owner that gives the old
 * array up (a generation loop's KV cache): a decode step otherwise copies every cache entry
 * (1 MB each for a Gemma 3 270M layer at 1,024 slots) to change one row of it.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from './named-array.js';
import { heapViews, offsetOf, type WasmBackend } from './wasm-heap.js';

/** What an in-place write needs of tfjs-backend-wasm's `BackendWasm` (tfjs 4.x). */
interface WasmInternals extends WasmBackend {
  wasm: WasmBackend['wasm'] & { tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void } };
}

function wasmInternals(): WasmInternals | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as tf.KernelBackend & Partial<WasmInternals>;
  const ok = typeof b.dataIdMap?.get === 'function' && b.wasm?.HEAPU8 instanceof Uint8Array &&
    typeof b.wasm?.tfjs?.disposeData === 'function' && typeof b.wasm?.tfjs?.registerTensor === 'function';
  return ok ? (b as WasmInternals) : null;
}

/**
 * `array` with slots `[start, start + n)` along `axis` replaced by `value`, written into
 * `array`'s own buffer: the result is a new NamedArray over the same memory, and `array`'s
 * values change with it. Only for an owner that gives `array` up (it may still dispose it,
 * which frees nothing the result needs). Returns `null`, writing nothing, where this cannot be
 * done safely — then copy instead: not on wasm, gradients being recorded, dtypes that differ
 * or are not float32/int32, a value not shaped like `array` but for `axis`, or a buffer that
 * another tensor shares (a reshaped view).
 *
 * The wasm backend keeps per-tensor state derived from a tensor's values (XNNPACK's packed
 * weights of a matrix product's right operand); it is dropped before the write.
 *
 * @example
 * const next = writeSlotsInPlace(cacheKeys, 'kv_seq', 5, newKeys); // null: copy instead
 */
export function writeSlotsInPlace(array: NamedArray, axis: string, start: number, value: NamedArray): NamedArray | null {
  const b = wasmInternals();
  const data = array.data;
  if (!b || tf.engine().state.gradientDepth > 0 || value.dtype !== data.dtype || (data.dtype !== 'float32' && data.dtype !== 'int32')) return null;
  if (array.positionalShape.length || value.positionalShape.length || value.names.length !== array.names.length) return null;
  if (!value.names.every((n) => array.names.includes(n))) return null;
  const p = array.dataAxisOf(axis);
  const info = b.dataIdMap.get(data.dataId);
  if (!info || tf.backend().refCount(data.dataId) !== 1) return null;
  const n = (value.namedShape as Record<string, number>)[axis]!;
  const length = data.shape[p]!;
  if (!Number.isInteger(start) || start < 0 || start + n > length) return null;
  const sizes = value.namedShape as Record<string, number>;
  if (!array.axes.every((a, i) => a === axis || sizes[a as string] === data.shape[i])) return null;
  const update = value.orderLike(array);
  try {
    // Drop what the backend derived from the old values (packed matmul weights), then write
    // (32-bit copies serve float32 and int32 alike).
    b.wasm.tfjs.disposeData(info.id);
    b.wasm.tfjs.registerTensor(info.id, data.size, info.memoryOffset);
    const h = heapViews(b).i32;
    const [dst, src] = [offsetOf(b, data.dataId, data.size), offsetOf(b, update.data.dataId, update.size)];
    const inner = data.shape.slice(p + 1).reduce((s, k) => s * k, 1);
    const outer = data.size / (length * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const from = src + (o * n + j) * inner;
        const to = dst + (o * length + start + j) * inner;
        if (inner === 1) h[to] = h[from]!;
        else h.copyWithin(to, from, from + inner);
      }
    }
  } finally {
    if (update.data !== value.data) update.data.dispose();
  }
  // A new tensor over the same buffer (Reshape shares it and counts the reference).
  return new NamedArray(tf.reshape(data, data.shape), array.axes);
}
