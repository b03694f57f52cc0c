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

/**
 * Bytes the active backend can still allocate: for wasm, the usable part of its 4 GiB heap
 * minus what live tensors hold; `Infinity` for backends whose failures are ordinary
 * exceptions (cpu) or whose capacity is unknown (webgl, webgpu).
 *
 * @example nx.memoryBudget() // 3.2e9 on wasm with a small model loaded
 */
export function memoryBudget(): number {
  if (tf.getBackend() !== 'wasm') return Infinity;
  return Math.max(0, WASM_HEAP_BYTES * USABLE - tf.memory().numBytes);
}

const gb = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 3 : 1)} GiB`;

/**
 * Throws {@link MemoryBudgetError} when `bytes` (an estimate of what `what` will allocate) do
 * not fit in {@link memoryBudget}; `fix` tells the caller what to make smaller.
 *
 * @example nx.checkMemory(4 * batch * seq * seq * heads, 'attention over 8000 tokens', 'Use fewer tokens.');
 */
export function checkMemory(bytes: number, what: string, fix: string): void {
  const budget = memoryBudget();
  if (Number.isFinite(bytes) && bytes <= budget && bytes <= Number.MAX_SAFE_INTEGER) return;
  const have = Number.isFinite(budget) ? `the ${tf.getBackend()} backend has about ${gb(budget)} free` : 'no backend can allocate that much';
  throw new MemoryBudgetError(bytes, budget, `${what} needs about ${Number.isFinite(bytes) ? gb(bytes) : 'unboundedly much memory'}, but ${have}. ${fix} Nothing was allocated; the backend is still usable.`);
}
