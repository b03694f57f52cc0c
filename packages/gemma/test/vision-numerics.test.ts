/**
 * Gemma 3 with images against the independent float64 torch reference
 * (scripts/gemma3_vision_reference.py): one text-only row, one row with one image and one with
 * two, loaded from both Hugging Face layouts; max|Δ| / max|ref| must stay below 1e-5.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer, visionConfigOf } from '@penjing/gemma';

const FIXTURES = join(__dirname, '../../../tests/fixtures/gemma3-vision');

interface Reference {
  tokens: number[][];
  images_shape: [number, number, number, number, number];
  images: number[];
  shape: [number, number, number];
  logits: number[];
}
const ref: Reference = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));

/** max |got − ref| / max |ref| over the given rows. */
function relativeError(got: Float32Array | Int32Array | Uint8Array, rows: readonly number[]): number {
  const [, t, v] = ref.shape;
  let maxDiff = 0;
  let maxRef = 0;
  for (const b of rows) {
    for (let i = b * t * v; i < (b + 1) * t * v; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref.logits[i]));
      maxRef = Math.max(maxRef, Math.abs(ref.logits[i]));
    }
  }
  return maxDiff / maxRef;
}

const inputs = () => ({
  tokens: nx.wrap(tf.tensor2d(ref.tokens.flat(), [ref.shape[0], ref.shape[1]], 'int32')).tag('batch', 'seq'),
  images: nx.wrap(tf.tensor(ref.images, ref.images_shape, 'float32')).tag('batch', 'image', 'height', 'width', 'channel'),
});

beforeAll(async () => {
  await nx.ready();
});

describe('Gemma 3 with images matches the float64 torch reference', () => {
  it.each(['wrapper', 'resaved'])('%s layout', async (layout) => {
    const model = await GemmaTransformer.fromPretrained(join(FIXTURES, layout), { quiet: true });
    expect(visionConfigOf(model)?.mmTokensPerImage).toBe(4);
    const { tokens, images } = inputs();
    const before = tf.memory().numTensors;
    const logits = model.call(tokens, { images });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(logits.namedShape).toEqual({ batch: 3, seq: 20, vocabulary: 64 });
    const got = logits.unwrap('batch', 'seq', 'vocabulary').dataSync();
    const errors = [0, 1, 2].map((b) => relativeError(got, [b]));
    const all = relativeError(got, [0, 1, 2]);
    console.log(`${layout}: max|Δ|/max|ref| text-only ${errors[0].toExponential(2)}, one image ${errors[1].toExponential(2)}, two images ${errors[2].toExponential(2)}, all ${all.toExponential(2)}`);
    expect(all).toBeLessThan(1e-5);
    logits.dispose();
    // The text-only row gives the same logits without any images.
    const textOnly = model.call(tokens.index({ batch: nx.slice(0, 1) }));
    expect(relativeError(textOnly.unwrap('batch', 'seq', 'vocabulary').dataSync(), [0])).toBeLessThan(1e-5);
    textOnly.dispose();
    tokens.dispose();
    images.dispose();
    disposeTree(model);
  });
});
