/**
 * Views of tfjs-backend-wasm's heap for JavaScript kernels: one Float32Array and one
 * Int32Array over the whole heap, remade only when the heap grows (a grown heap has a new
 * buffer), and each tensor's element offset in them. Making a typed-array view per tensor
 * per kernel costs more than a decode step's small kernels do.
 */
import type * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's `BackendWasm` (tfjs 4.x) JavaScript kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** Whole-heap views. */
export interface HeapViews {
  readonly f32: Float32Array;
  readonly i32: Int32Array;
}

let views: HeapViews | undefined;

/**
 * The heap's views, current for its present size. Take them after allocating (an allocation
 * may grow the heap).
 * @example const { f32 } = heapViews(backend); f32[offsetOf(backend, x.dataId, x.size)]
 */
export function heapViews(backend: WasmBackend): HeapViews {
  const buffer = backend.wasm.HEAPU8.buffer;
  if (!views || views.f32.buffer !== buffer) views = { f32: new Float32Array(buffer), i32: new Int32Array(buffer) };
  return views;
}

/**
 * A tensor's first element's index in the 4-byte heap views, checked to lie within them with
 * its `size` elements (a view older than the heap would drop writes silently).
 * @example const xo = offsetOf(backend, x.dataId, x.size);
 */
export function offsetOf(backend: WasmBackend, dataId: object, size: number): number {
  const info = backend.dataIdMap.get(dataId);
  if (!info) throw new Error('wasm kernel: a tensor has no data on the wasm backend (disposed?).');
  const offset = info.memoryOffset >>> 2;
  if (offset + size > heapViews(backend).f32.length) throw new Error('wasm kernel: a tensor lies beyond the heap views (the heap grew unseen).');
  return offset;
}
