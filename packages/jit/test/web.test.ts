/**
 * The web route of jit — onnxruntime-web on wasm, weights given from memory, no files — in
 * Node: the same logits and greedy tokens as eager tfjs, the eager error for bad token ids, no
 * leaks. tests/browser/jit.test.ts runs the same route in headless Chromium.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { generate } from '@penjing/transformer';
import { jit, releaseCompiledGeneration, useOnnxRuntime } from '@penjing/jit';
import { expectClose, tinyConfig, tokens } from './helpers.js';

let model: GemmaTransformer;

beforeAll(async () => {
  await nx.ready();
  model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m', { slidingWindowSize: 3, attentionTypes: ['local', 'global'] }), { seed: 6 });
  ort.env.wasm.numThreads = 1;
  useOnnxRuntime(ort);
});
afterAll(async () => {
  await releaseCompiledGeneration(model);
});

it('jit(model) on onnxruntime-web (wasm, in-memory weights) equals eager, reports wasm, errors as eager and leaks nothing', async () => {
  const t = tokens([[2, 5, 7, 9, 11, 13], [2, 3, 4, 0, 0, 0]]);
  const before = tf.memory().numTensors;
  const fast = jit(model, { onCompile: () => {} });
  const [got, want] = [await fast.call(t), model.call(t)];
  expectClose(got, want);
  tf.dispose([got.data, want.data]);
  expect(fast.reports.map((r) => r.provider)).toEqual(['wasm']);
  const bad = tokens([[2, 300, 4]]);
  await expect(fast.call(bad)).rejects.toThrow(/token id 300 \(element 1\) is outside the vocabulary \[0, 120\)/);
  bad.dispose();
  await fast.dispose();
  await expect(fast.call(t)).rejects.toThrow(/disposed/);
  expect(tf.memory().numTensors).toBe(before);
  t.dispose();
});

it('generate({ jit: true }) on onnxruntime-web gives the tokens of eager greedy decoding', async () => {
  const prompts = [[2, 17, 40, 99, 5], [2, 8]];
  const eager = await generate(model, prompts, { maxNewTokens: 6, stopIds: [] });
  const before = tf.memory().numTensors;
  const compiled = await generate(model, prompts, { maxNewTokens: 6, stopIds: [], jit: true });
  expect(compiled.map((r) => r.tokens)).toEqual(eager.map((r) => r.tokens));
  expect(tf.memory().numTensors).toBe(before);
});

it('WebGPU asked for where ORT Web cannot start it (its Node build) falls back to wasm with a warning; bad provider lists are refused', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    useOnnxRuntime(ort, { executionProviders: ['webgpu'] });
    const fast = jit(model, { onCompile: () => {} });
    const t = tokens([[2, 5, 7]]);
    const [got, want] = [await fast.call(t), model.call(t)];
    expectClose(got, want);
    tf.dispose([got.data, want.data, t.data]);
    expect(fast.reports.map((r) => r.provider)).toEqual(['wasm']);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/could not create a WebGPU session \(.*\); running on wasm instead/));
    await fast.dispose();
  } finally {
    warn.mockRestore();
    useOnnxRuntime(ort);
  }
  expect(() => useOnnxRuntime(ort, { executionProviders: ['cuda' as 'wasm'] })).toThrow(/executionProviders must be a non-empty list of 'webgpu' and 'wasm' \(got \["cuda"\]\)/);
  expect(() => useOnnxRuntime(ort, { executionProviders: [] })).toThrow(/non-empty list/);
});
