/**
 * The decode step's [embedding, vocabulary] copy of the tied table (named-array's
 * gemv-layout) is optional memory: a prefill that fits only without it still runs (the copy
 * is dropped, said once, and made again by the next decode step), and on a heap too small
 * for it decoding takes the ordinary route. Small shapes (the table is just large enough to
 * get a copy) under a lowered heap limit.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, initCache, toCachingModel } from '@penjing/gemma';
import { forwardBytes } from '@penjing/transformer';
import { tiny } from './tiny-configs.js';

beforeAll(async () => {
  await nx.ready();
});

afterEach(() => {
  nx.setHeapLimit(null);
  vi.restoreAllMocks();
});

const VOCAB = 8192;
const EMBED = 512; // VOCAB × EMBED = 4M elements: the smallest matrix that gets a copy
const COPY_BYTES = 4 * VOCAB * EMBED;

const ids = (n: number, from = 3) => nx.wrap(tf.tensor2d([Array.from({ length: n }, (_, i) => from + ((i * 37) % 4000))], [1, n], 'int32'), 'batch', 'seq');

/** A heap limit that leaves `budget` bytes free now. */
const limitLeaving = (budget: number) => (budget + tf.memory().numBytes) / 0.85;

describe('the cached vocabulary layout under a tight heap', () => {
  it('a prefill needing the room runs after the copy was made: the copy is dropped (said once) and remade by the next decode step', () => {
    expect(tf.getBackend()).toBe('wasm');
    const model = GemmaTransformer.fromConfig(tiny('gemma3_270m', { vocabSize: VOCAB, embedDim: EMBED, numLayers: 1, hiddenDim: 64, numHeads: 2, numKvHeads: 1, headDim: 16, queryPreAttnScalar: 16 }), { seed: 0 });
    const lm = toCachingModel(model);
    const prompt = ids(40);
    const expected = model.call(prompt); // before any copy exists, no limit
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});

    // Two one-row products with the table: the second makes the copy.
    let cache = initCache(lm, { batchSize: 1, cacheLength: 8 });
    for (let i = 0; i < 3; i++) {
      const t = ids(1, 5 + i);
      const before = tf.memory().numBytes;
      const out = lm.step(t, cache, { returnLastOnly: true });
      if (i === 1) expect(tf.memory().numBytes - before).toBeGreaterThanOrEqual(COPY_BYTES); // the copy
      tf.dispose([t.data, out.logits.data]);
      cache.dispose();
      cache = out.cache;
    }

    // A heap where the prefill fits only once the copy is gone.
    const needed = forwardBytes(model.metadata, { batch: 1, seq: 40, kvSeq: 40, lastOnly: false });
    nx.setHeapLimit(limitLeaving(needed - COPY_BYTES / 2));
    expect(nx.memoryBudget()).toBeLessThan(needed);
    const before = tf.memory().numBytes;
    const got = model.call(prompt);
    expect(tf.memory().numBytes - before).toBeLessThanOrEqual(4 * 40 * VOCAB - COPY_BYTES); // the logits in, the copy out
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/dropped the cached matrix-vector layout of 1 large matrix \(17 MB\)/);
    const [e, g] = [expected.data.dataSync(), got.data.dataSync()];
    expect(g.length).toBe(e.length);
    expect(g.every((v, i) => v === e[i])).toBe(true);

    // The next decode step makes the copy again, once there is room.
    nx.setHeapLimit(null);
    const t = ids(1, 9);
    const step0 = tf.memory().numBytes;
    const out = lm.step(t, cache, { returnLastOnly: true });
    expect(tf.memory().numBytes - step0).toBeGreaterThanOrEqual(COPY_BYTES);
    tf.dispose([t.data, out.logits.data, prompt.data, expected.data, got.data]);
    cache.dispose();
    out.cache.dispose();
    expect(warn).toHaveBeenCalledTimes(1); // said once
  });

  it('on a heap that cannot hold the copy, decode steps take the ordinary route (said once) and give the same logits', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma3_270m', { vocabSize: VOCAB, embedDim: EMBED, numLayers: 1, hiddenDim: 64, numHeads: 2, numKvHeads: 1, headDim: 16, queryPreAttnScalar: 16 }), { seed: 1 });
    const lm = toCachingModel(model);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const run = () => {
      let cache = initCache(lm, { batchSize: 1, cacheLength: 8 });
      const logits: number[][] = [];
      for (let i = 0; i < 4; i++) {
        const t = ids(1, 5 + i);
        const out = lm.step(t, cache, { returnLastOnly: true });
        logits.push([...out.logits.data.dataSync()]);
        tf.dispose([t.data, out.logits.data]);
        cache.dispose();
        cache = out.cache;
      }
      cache.dispose();
      return logits;
    };
    nx.setHeapLimit(limitLeaving(COPY_BYTES)); // room for one copy, not for it and XNNPACK's
    const before = tf.memory().numTensors;
    const tight = run();
    expect(tf.memory().numTensors).toBe(before); // no copy kept
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/not making a matrix-vector layout of a 8192 × 512 matrix/);
    nx.setHeapLimit(null);
    const roomy = run(); // the copy is made on the second step
    expect(tf.memory().numTensors).toBe(before + 1);
    for (let s = 0; s < 4; s++) {
      const worst = Math.max(...tight[s].map((v, i) => Math.abs(v - roomy[s][i]) / Math.max(1, Math.abs(roomy[s][i]))));
      expect(worst).toBeLessThan(1e-5);
    }
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
