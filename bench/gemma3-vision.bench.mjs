// Gemma 3 4B's vision path on this machine, eager tfjs: a SigLIP tower with the real 4B shapes
// (896×896 images, 14-pixel patches → 4096 patches, width 1152, MLP 4304, 16 heads) and the
// projector to 256 soft tokens of width 2560, randomly initialised. The full tower has 27
// layers (~417M parameters, 1.7 GB in f32); VISION_LAYERS=n builds only n of them (default 2)
// and the per-layer time extrapolates to 27. Prints figures; asserts nothing.
//
//   npm run build && VISION_LAYERS=2 node bench/gemma3-vision.bench.mjs
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree, parameters } from '@penjing/layers';
import { buildImageEncoder } from '@penjing/gemma';

const GEMMA3_4B_VISION = {
  imageSize: 896, patchSize: 14, numChannels: 3, hiddenSize: 1152, intermediateSize: 4304, numLayers: 27, numHeads: 16,
  layerNormEps: 1e-6, mmTokensPerImage: 256, imageTokenId: 262144, boiTokenId: 255999, eoiTokenId: 256000,
};
const TEXT_WIDTH = 2560;
const layers = Number(process.env.VISION_LAYERS ?? 2);
// 896 is the real size; eager tfjs-wasm fails on its 16 × 4096 × 4096 attention logits (1 GiB in
// one batchMatMul: "remainder by zero"), so the default is 448 (1024 patches), which it can run.
const size = Number(process.env.IMAGE_SIZE ?? 448);
const patches = (size / 14) ** 2;

await nx.ready();
console.log(`backend ${tf.getBackend()}; ${layers} of 27 SigLIP layers at Gemma 3 4B widths, one ${size}×${size} image (${patches} patches)`);
const time = (f) => {
  const t0 = performance.now();
  const out = f();
  out.dataSync();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
};
let t0 = performance.now();
const encoder = buildImageEncoder({ ...GEMMA3_4B_VISION, imageSize: size, numLayers: layers }, TEXT_WIDTH, 0);
const params = parameters(encoder).reduce((n, p) => n + p.parameter.value.size, 0);
console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(params / 1e6).toFixed(1)}M parameters`);
const image = nx.wrap(tf.randomUniform([1, 1, size, size, 3], -1, 1)).tag('batch', 'image', 'height', 'width', 'channel');
const [tower, projector] = encoder.sublayers;
const [patchify, patchLinear, patchBias, position] = tower.sublayers;
const embedMs = time(() => tf.tidy(() => position.call(patchBias.call(patchLinear.call(patchify.call(image)))).data.clone()));
const fullMs = time(() => encoder.call(image).data);
const second = time(() => encoder.call(image).data);
const perLayer = (second - embedMs) / layers;
console.log(`patch embedding ${embedMs.toFixed(0)} ms; whole encoder (${layers} layers + projector): first call ${(fullMs / 1000).toFixed(2)} s, second ${(second / 1000).toFixed(2)} s`);
console.log(`≈ ${(perLayer / 1000).toFixed(2)} s per encoder layer → full 27-layer tower + projector at this image size ≈ ${((embedMs + 27 * perLayer) / 1000).toFixed(1)} s per image`);
const layerParams = 4 * 1152 * 1152 + 2 * 1152 * 4304;
const gflop = (2 * patches * layerParams + 2 * 2 * patches * patches * 1152) / 1e9;
console.log(`one layer is ${gflop.toFixed(1)} GFLOP → ${(gflop / (perLayer / 1000)).toFixed(1)} GFLOP/s; tf.memory ${(tf.memory().numBytes / 2 ** 30).toFixed(2)} GiB held`);
image.dispose();
disposeTree(encoder);
