/**
 * How much memory the active backend can still allocate, so that callers can refuse an
 * oversized computation before it starts. The wasm backend's heap is one WebAssembly memory
 * of at most 4 GiB; running out of it inside a kernel is not an exception but a corrupted
 * module ("memory access out of bounds", then "Aborted()" on every later call), so anything
 * that may need gigabytes is checked against this budget first.
 */
import * as tf from '@tensorflow/tfjs';

/** The wasm backend's largest heap: a 32-bit WebAssembly memory. */
export const WASM_HEAP_BYTES = 2 ** 32;
/** Share of the heap an estimate may fill: estimates are approximate and the allocator fragments. */
const USABLE = 0.85;

/** Raised when a computation would need more memory than the backend can give. */
export class MemoryBudgetError extends RangeError {
  override readonly name = 'MemoryBudgetError';
  constructor(readonly neededBytes: number, readonly availableBytes: number, message: string) {
    super(message);
  }
}

let heapLimit: number | null = null;

/**
 * Caps the heap size that {@link memoryBudget} assumes (on any backend), or with `null` goes
 * back to the backend's own (4 GiB on wasm, unlimited elsewhere): to leave room for other
 * work sharing the heap, or to try out a small heap.
 *
 * @example nx.setHeapLimit(2 ** 30); // plan as if the heap had 1 GiB
 */
export function setHeapLimit(bytes: number | null): void {
  if (bytes !== null && !(bytes > 0)) throw new RangeError(`setHeapLimit: expected a positive number of bytes or null; got ${bytes}.`);
  heapLimit = bytes;
}

/**
 * Bytes the active backend can still allocate: for wasm, the usable part of its 4 GiB heap
 * (or of a smaller {@link setHeapLimit}) minus what live tensors hold; `Infinity` for backends
 * whose failures are ordinary exceptions (cpu) or whose capacity is unknown (webgl, webgpu),
 * unless a heap limit is set.
 *
 * @example nx.memoryBudget() // 3.2e9 on wasm with a small model loaded
 */
export function memoryBudget(): number {
  const heap = tf.getBackend() === 'wasm' ? Math.min(WASM_HEAP_BYTES, heapLimit ?? Infinity) : heapLimit;
  if (heap === null) return Infinity;
  return Math.max(0, heap * USABLE - tf.memory().numBytes);
}

/** A cache of optional memory (it can be rebuilt): how many bytes it holds, and a way to free them. */
export interface Reclaimable {
  held(): number;
  release(): void;
}
const reclaimables: Reclaimable[] = [];

/**
 * Registers a cache that {@link checkMemory} empties when a computation would fit only
 * without it (the matrix-vector layouts of gemv-layout.ts).
 * @internal
 */
export function onMemoryPressure(cache: Reclaimable): void {
  reclaimables.push(cache);
}

const gb = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 3 : 1)} GiB`;

/**
 * Throws {@link MemoryBudgetError} when `bytes` (an estimate of what `what` will allocate) do
 * not fit in {@link memoryBudget}; `fix` tells the caller what to make smaller.
 *
 * @example nx.checkMemory(4 * batch * seq * seq * heads, 'attention over 8000 tokens', 'Use fewer tokens.');
 */
export function checkMemory(bytes: number, what: string, fix: string): void {
  const fits = (extra: number) => Number.isFinite(bytes) && bytes <= memoryBudget() + extra && bytes <= Number.MAX_SAFE_INTEGER;
  if (fits(0)) return;
  // Optional caches go first: a computation that fits without them runs.
  const held = reclaimables.reduce((sum, c) => sum + c.held(), 0);
  if (held > 0 && fits(held)) {
    for (const c of reclaimables) c.release();
    if (fits(0)) return;
  }
  const budget = memoryBudget();
  const have = Number.isFinite(budget) ? `the ${tf.getBackend()} backend has about ${gb(budget)} free` : 'no backend can allocate that much';
  throw new MemoryBudgetError(bytes, budget, `${what} needs about ${Number.isFinite(bytes) ? gb(bytes) : 'unboundedly much memory'}, but ${have}. ${fix} Nothing was allocated; the backend is still usable.`);
}
