/**
 * Gemma 3 with images compiled by @penjing/jit: the tower, projector, merge and bidirectional
 * image blocks trace to one ONNX graph whose logits match the eager model's and the float64
 * torch reference; text-only calls share the jitted model; what eager calls refuse (image tokens
 * without images, more image tokens than the images give) compiled calls refuse with the same
 * error, before ONNX Runtime runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { jit } from '@penjing/jit';
import { GemmaTransformer } from '@penjing/gemma';
import { generate } from '@penjing/transformer';

const FIXTURES = join(__dirname, '../../../tests/fixtures/gemma3-vision');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as { tokens: number[][]; images_shape: number[]; images: number[]; logits: number[] };

beforeAll(async () => {
  await nx.ready();
});

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('jit(model).call(tokens, { images })', () => {
  it('compiles the vision path and matches eager and the reference', { timeout: 120_000 }, async () => {
    const model = await GemmaTransformer.fromPretrained(join(FIXTURES, 'wrapper'), { quiet: true });
    const tokens = nx.wrap(tf.tensor2d(ref.tokens.flat(), [3, 20], 'int32')).tag('batch', 'seq');
    const images = nx.wrap(tf.tensor(ref.images, ref.images_shape, 'float32')).tag('batch', 'image', 'height', 'width', 'channel');
    const fast = jit(model, { onCompile: () => {} });
    const eager = model.call(tokens, { images });
    const compiled = await fast.call(tokens, { images });
    expect(compiled.namedShape).toEqual({ batch: 3, seq: 20, vocabulary: 64 });
    const got = compiled.unwrap('batch', 'seq', 'vocabulary').dataSync();
    const refMax = Math.max(...ref.logits.map(Math.abs));
    const vsEager = maxAbs(got, eager.unwrap('batch', 'seq', 'vocabulary').dataSync()) / refMax;
    const vsRef = maxAbs(got, ref.logits) / refMax;
    console.log(`jit with images: max|jit − eager| / max|ref| ${vsEager.toExponential(2)}, against the float64 reference ${vsRef.toExponential(2)}`);
    expect(vsEager).toBeLessThan(1e-5);
    expect(vsRef).toBeLessThan(1e-5);
    // Text only, through the same jitted model.
    const text = tokens.index({ batch: nx.slice(0, 1) });
    const a = await fast.call(text);
    const b = model.call(text);
    expect(maxAbs(a.unwrap('batch', 'seq', 'vocabulary').dataSync(), b.unwrap('batch', 'seq', 'vocabulary').dataSync()) / refMax).toBeLessThan(1e-5);
    // Image tokens without images, or more of them than the images give: compiled calls refuse
    // as eager calls do (the check runs on the token ids before the session), leaking nothing.
    const withImageTokens = tokens.index({ batch: nx.slice(1, 2) });
    const oneImage = images.index({ batch: nx.slice(1, 2), image: nx.slice(0, 1) });
    const tooMany = tokens.index({ batch: nx.slice(2, 3) });
    expect(() => model.call(withImageTokens)).toThrow(/hold 4 image tokens but no images were given/);
    const before = tf.memory().numTensors;
    await expect(fast.call(withImageTokens)).rejects.toThrow(/hold 4 image tokens but no images were given/);
    expect(() => model.call(tooMany, { images: oneImage })).toThrow(/a row holds 8 image tokens but its 1 image slot\(s\) give 4 soft tokens/);
    await expect(fast.call(tooMany, { images: oneImage })).rejects.toThrow(/a row holds 8 image tokens but its 1 image slot\(s\) give 4 soft tokens/);
    expect(tf.memory().numTensors).toBe(before);
    for (const x of [tokens, images, eager, compiled, text, a, b, withImageTokens, oneImage, tooMany]) x.dispose();
    await fast.dispose();
    disposeTree(model);
  });

  it('generate(…, { images, jit: true }) gives the eager greedy tokens, and refuses bad image tokens before running', { timeout: 120_000 }, async () => {
    const model = await GemmaTransformer.fromPretrained(join(FIXTURES, 'wrapper'), { quiet: true });
    const images = nx.wrap(tf.tensor(ref.images, ref.images_shape, 'float32')).tag('batch', 'image', 'height', 'width', 'channel');
    const options = { images, maxNewTokens: 5, temperature: 0, stopIds: [] };
    const eager = await generate(model, ref.tokens, options);
    const before = tf.memory().numTensors;
    const compiled = await generate(model, ref.tokens, { ...options, jit: true });
    expect(compiled.map((r) => r.tokens)).toEqual(eager.map((r) => r.tokens));
    // The image tokens of rows 2 and 3 without images: the same error as eager, no NaN logits.
    await expect(generate(model, ref.tokens, { maxNewTokens: 2, temperature: 0, jit: true })).rejects.toThrow(/hold 12 image tokens but no images were given/);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    disposeTree(model);
  });

  it("runs with { weights: 'lazy' }: the tower's weights never enter tfjs", { timeout: 120_000 }, async () => {
    const before = tf.memory().numBytes;
    const lazy = await GemmaTransformer.fromPretrained(join(FIXTURES, 'wrapper'), { quiet: true, weights: 'lazy' });
    expect(tf.memory().numBytes).toBe(before);
    const tokens = nx.wrap(tf.tensor2d(ref.tokens.flat(), [3, 20], 'int32')).tag('batch', 'seq');
    const images = nx.wrap(tf.tensor(ref.images, ref.images_shape, 'float32')).tag('batch', 'image', 'height', 'width', 'channel');
    const fast = jit(lazy, { onCompile: () => {} });
    const logits = await fast.call(tokens, { images });
    expect(maxAbs(logits.unwrap('batch', 'seq', 'vocabulary').dataSync(), ref.logits) / Math.max(...ref.logits.map(Math.abs))).toBeLessThan(1e-5);
    for (const x of [tokens, images, logits]) x.dispose();
    await fast.dispose();
  });
});
