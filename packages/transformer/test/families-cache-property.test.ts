/**
 * Property: for random models of every family, random token rows (id 0 included) and random
 * ways of cutting them into prefill and decode calls, the KV-cached logits equal the full
 * forward pass's at every position (max|Δ| / max|full| < 1e-5), sliding windows included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { TransformerLM, initCache, toCachingModel } from '@penjing/transformer';
import { TINY_CONFIGS } from './families-helpers.js';

beforeAll(async () => {
  await nx.ready();
});

const models = new Map<string, TransformerLM>();
const modelOf = (type: string) => {
  if (!models.has(type)) models.set(type, TransformerLM.fromConfig(TINY_CONFIGS[type]!, { seed: 9 }));
  return models.get(type)!;
};

describe('KV-cached decoding equals the full forward', () => {
  it('for every family, any token row and any cut into calls', () => {
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(TINY_CONFIGS)),
        fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 2, maxLength: 9 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 9 }),
        fc.constantFrom<'full' | 'window'>('full', 'window'),
        (type, row, cuts, windowCache) => {
          const model = modelOf(type);
          const tokens = nx.fromArray([row], ['batch', 'seq'], 'int32');
          const full = tf.tidy(() => model.call(tokens).unwrap('batch', 'seq', 'vocabulary').arraySync()) as number[][][];
          const lm = toCachingModel(model);
          let cache = initCache(lm, { batchSize: 1, cacheLength: row.length, slidingWindowCache: windowCache });
          let start = 0;
          let maxDiff = 0;
          let maxRef = 0;
          for (let i = 0; start < row.length; i++) {
            const end = Math.min(row.length, start + (cuts[i % cuts.length] ?? 1));
            const part = tokens.index({ seq: nx.slice(start, end) });
            const out = lm.step(part, cache);
            cache.dispose();
            cache = out.cache;
            const got = tf.tidy(() => out.logits.unwrap('batch', 'seq', 'vocabulary').arraySync()) as number[][][];
            got[0]!.forEach((logits, k) => logits.forEach((v, j) => {
              const ref = full[0]![start + k]![j]!;
              maxDiff = Math.max(maxDiff, Math.abs(v - ref));
              maxRef = Math.max(maxRef, Math.abs(ref));
            }));
            part.dispose();
            out.logits.dispose();
            start = end;
          }
          cache.dispose();
          tokens.dispose();
          return maxDiff / maxRef < 1e-5;
        },
      ),
      { numRuns: 30, seed: 42 },
    );
    for (const m of models.values()) disposeTree(m);
    expect(tf.memory().numTensors).toBe(before);
  });
});
