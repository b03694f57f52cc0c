// Gemma 3 4B's vision path compiled with jit (ONNX Runtime): the SigLIP tower at the real 4B
// shapes (14-pixel patches, width 1152, MLP 4304, 16 heads) and the projector to 256 soft tokens
// of width 2560, randomly initialised, on one IMAGE_SIZE image (default 896, the real size, which
// eager tfjs-wasm cannot run); VISION_LAYERS=n builds n of the 27 layers (default 2) and the time
// extrapolates. Compare bench/gemma3-vision.bench.mjs (eager). Prints figures; asserts nothing.
//
//   npm run build && VISION_LAYERS=2 node bench/gemma3-vision-compiled.bench.mjs
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { buildImageEncoder } from '@penjing/gemma';
import { jit } from '@penjing/jit';
const layers = Number(process.env.VISION_LAYERS ?? 2);
const size = Number(process.env.IMAGE_SIZE ?? 896);
await nx.ready();
const V = { imageSize: size, patchSize: 14, numChannels: 3, hiddenSize: 1152, intermediateSize: 4304, numLayers: layers, numHeads: 16, layerNormEps: 1e-6, mmTokensPerImage: 256, imageTokenId: 262144, boiTokenId: 255999, eoiTokenId: 256000 };
const encoder = buildImageEncoder(V, 2560, 0);
const image = nx.wrap(tf.randomUniform([1, 1, size, size, 3], -1, 1)).tag('batch', 'image', 'height', 'width', 'channel');
const fast = jit(encoder, { onCompile: (r) => console.log(`compiled: ${r.kernels} kernels in ${(r.totalMs / 1000).toFixed(1)} s`) });
let t0 = performance.now();
let out = await fast.call(image);
console.log(`first call (compile + run) ${((performance.now() - t0) / 1000).toFixed(1)} s; out ${JSON.stringify(out.namedShape)}`);
out.dispose();
const runs = [];
for (let i = 0; i < 2; i++) { t0 = performance.now(); out = await fast.call(image); out.dispose(); runs.push((performance.now() - t0) / 1000); }
const per = Math.min(...runs);
console.log(`${layers} layers at ${size}×${size}: ${per.toFixed(2)} s per image (best of 2), so about ${(per / layers * 27).toFixed(0)} s for 27 layers (+ projector, included once)`);
await fast.dispose();
disposeTree(encoder);
