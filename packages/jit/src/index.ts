/**
 * @penjing/jit — compile any Penjing layer tree to ONNX and run it on ONNX Runtime.
 */
export { jit, JittedModel, type JitOptions, type CompileProgress, type CompileReport } from './jit.js';
export { bucketLength } from './buckets.js';
export { JitError } from './trace/graph.js';
export { compiledKernels } from './kernels/index.js';
export { releaseCompiledGeneration } from './generation.js';
export { useOnnxRuntime } from './runtime/ort.js';
