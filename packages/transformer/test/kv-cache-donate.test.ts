// Donated caches (`step(…, { donateCache: true })`, what generate() does with its own cache):
// the step writes the new keys and values into the old cache's buffers on wasm. The logits and
// caches must equal the copying steps' exactly, a cache the user holds must never change (also
// while generate runs on the same model), buffers shared with another holder must be copied,
// and nothing may leak.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GemmaTransformer } from '@penjing/gemma';
import { KVCache, KVCacheEntry, generate, initCache, toCachingModel, type KVCachingTransformerLM } from '@penjing/transformer';
import { tinyGenerationModel } from './greedy-reference.js';

let model: GemmaTransformer;
let lm: KVCachingTransformerLM;

beforeAll(async () => {
  await nx.ready();
  model = await tinyGenerationModel();
  lm = toCachingModel(model);
});

const row = (ids: number[]) => nx.wrap(tf.tensor2d([ids], [1, ids.length], 'int32'), 'batch', 'seq');

/** Every value of a cache, entry by entry (in data order, which both runs share). */
function snapshot(cache: KVCache): number[][] {
  return [cache.kvTokenPositions, ...cache.layers.flatMap((e) => [e.keys, e.values])].map((a) => Array.from(a.data.dataSync()));
}

/** Runs a prompt then single tokens, returning every step's logits and the last cache's values. */
function run(donate: boolean, start?: KVCache): { logits: number[][]; cache: number[][] } {
  let cache = start ?? initCache(lm, { batchSize: 1, cacheLength: 16 });
  const logits: number[][] = [];
  for (const ids of [[2, 17, 40], [5], [99], [7]]) {
    const t = row(ids);
    const out = lm.step(t, cache, { returnLastOnly: true, donateCache: donate });
    t.dispose();
    if (cache !== start) cache.dispose();
    logits.push(Array.from(out.logits.data.dataSync()));
    out.logits.dispose();
    cache = out.cache;
  }
  const values = snapshot(cache);
  cache.dispose();
  return { logits, cache: values };
}

describe('donated KV caches', () => {
  it('runs on wasm, where steps write in place', () => expect(tf.getBackend()).toBe('wasm'));

  it('give exactly the logits and caches of copying steps, without leaks', () => {
    const before = tf.memory().numTensors;
    const copying = run(false);
    const donated = run(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(donated.logits).toEqual(copying.logits);
    expect(donated.cache).toEqual(copying.cache);
  });

  it('extend the buffers in place: the next cache shares them', () => {
    const cache = initCache(lm, { batchSize: 1, cacheLength: 8 });
    const t = row([2, 17]);
    const out = lm.step(t, cache, { donateCache: true });
    expect(out.cache.layers[0]!.keys.data.dataId).toBe(cache.layers[0]!.keys.data.dataId);
    expect(out.cache.layers[0]!.values.data.dataId).toBe(cache.layers[0]!.values.data.dataId);
    const kept = snapshot(out.cache);
    cache.dispose(); // the donor may be disposed; the next cache keeps the buffers
    expect(snapshot(out.cache)).toEqual(kept);
    tf.dispose([t.data, out.logits.data]);
    out.cache.dispose();
  });

  it('never change a cache the user holds, also while generate runs on the same model', async () => {
    let held = initCache(lm, { batchSize: 1, cacheLength: 16 });
    const t = row([2, 17, 40]);
    const out = lm.step(t, held, { returnLastOnly: true });
    held.dispose();
    held = out.cache;
    const values = snapshot(held);
    const r = await generate(model, [2, 17, 40], { maxNewTokens: 6, stopIds: [] });
    expect(r.tokens).toHaveLength(6);
    expect(snapshot(held)).toEqual(values);
    // The held cache still continues as it did before (a copying step from it).
    const next = row([5]);
    const a = lm.step(next, held, { returnLastOnly: true });
    expect(snapshot(held)).toEqual(values);
    const b = lm.step(next, held, { returnLastOnly: true });
    expect(Array.from(a.logits.data.dataSync())).toEqual(Array.from(b.logits.data.dataSync()));
    tf.dispose([t.data, out.logits.data, next.data, a.logits.data, b.logits.data]);
    a.cache.dispose();
    b.cache.dispose();
    held.dispose();
  });

  it('copy buffers shared with another holder: a view, or one tensor in two entries', () => {
    const cache = initCache(lm, { batchSize: 1, cacheLength: 8 });
    const view = tf.reshape(cache.layers[0]!.keys.data, [-1]); // someone else holds entry 0's keys
    // Entry 1 reuses entry 0's values tensor (a cache assembled by hand).
    const shared = cache.layers[0]!.values;
    const entries = cache.layers.map((e, i) => (i === 1 ? new KVCacheEntry({ keys: e.keys, values: shared }) : e));
    const handMade = new KVCache({ endIndex: 0, kvTokenPositions: cache.kvTokenPositions, layers: entries });
    const viewBefore = Array.from(view.dataSync());
    const sharedBefore = Array.from(shared.data.dataSync());
    const t = row([2, 17]);
    const out = lm.step(t, handMade, { donateCache: true });
    expect(Array.from(view.dataSync())).toEqual(viewBefore);
    expect(Array.from(shared.data.dataSync())).toEqual(sharedBefore);
    expect(out.cache.layers[0]!.keys.data.dataId).not.toBe(view.dataId);
    expect(out.cache.layers[0]!.values.data.dataId).not.toBe(shared.data.dataId);
    // The copies hold the new tokens.
    const written = (a: NamedArray) => Array.from(a.data.dataSync()).some((v) => v !== 0);
    expect(written(out.cache.layers[0]!.keys)).toBe(true);
    expect(written(out.cache.layers[1]!.values)).toBe(true);
    tf.dispose([view, t.data, out.logits.data]);
    cache.dispose();
    out.cache.dispose();
  });
});
