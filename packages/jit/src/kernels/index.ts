/** Registers every compiled kernel (import for its effect). */
import './elementwise.js';
import './structure.js';
import './compute.js';
export { compiledKernels, kernelDef } from './registry.js';
