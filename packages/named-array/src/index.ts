/**
 * @penjing/named-array — named-axis arrays on TensorFlow.js, after Penzai's `pz.nx`.
 *
 * @example
 * import * as nx from '@penjing/named-array';
 * await nx.ready();
 * const x = nx.randomNormal({ batch: 2, seq: 4, vocabulary: 10 }, { seed: 0 });
 * const probs = x.softmax('vocabulary');
 */
import './gradients.js';
// Installs the NamedArray methods that use the operations (see methods.ts).
import './methods.js';
export { NamedArray, checkAxes } from './named-array.js';
export type { AtUpdater } from './types.js';
export { Positional, broadcastShapes, whereOfOneShape } from './positional.js';
export type { PositionalLike } from './positional.js';
export { nmap, alignNames } from './nmap.js';
export type { NmapResult, Alignment } from './nmap.js';
// Lifted operations, by kind (the helpers that lift them stay internal).
export { add, sub, mul, div, pow, mod, floorDiv, maximum, minimum } from './ops.js';
export { equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalNot, where } from './ops.js';
export { neg, abs, exp, log, sqrt, rsqrt, square, tanh, sin, cos, sigmoid, relu, gelu, silu, astype, broadcastTo } from './ops.js';
export { sum, mean, max, min, prod, std, variance, argmax, argmin, softmax, logSoftmax, cumsum } from './ops.js';
export { stopGradient } from './gradients.js';
export { contract, einsum } from './contract.js';
export { einsumTensors, planContraction, type ContractionPlan } from './planner.js';
export { slice, dynamicSlice, gatherNamed } from './indexing.js';
export type { DynamicSlice } from './indexing.js';
export {
  wrap, isNamedArray, zeros, ones, full, scalar, fromArray, arange, randomNormal, randomUniform, stack, concatenate, unstack, split, oneHot,
} from './constructors.js';
export type { RandomOptions } from './constructors.js';
export { randomKey, randomSplit, randomFoldIn } from './random-keys.js';
export { ready, ensureReady, backendName, backendThreads } from './backend.js';
export { wasmThreadStats } from './wasm-threads.js';
export { setAutoFree, autoFreeStats } from './auto-free.js';
export { setGemvLayout } from './gemv-layout.js';
export { fusedRmsNorm, fusedRotary } from './wasm-fused.js';
export { writeSlotsInPlace } from './wasm-in-place.js';
export type { ThreadStats } from './wasm-threads.js';
export { checkMemory, memoryBudget, MemoryBudgetError, setHeapLimit, WASM_HEAP_BYTES } from './memory-budget.js';
export type { BackendName, ReadyOptions } from './backend.js';
export { NamedAxisError, formatNamedShape } from './errors.js';
export type {
  Axis, NamedShape, NamesOf, AxisSlice, IndexValue, IndexSpec, IndexResult, CoversAll, DisjointFrom, AtSpec, AtValue,
  EinsumOutput, EinsumOperands, Words,
} from './types.js';
