import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { GemmaTransformer, gemmaPreset, type GemmaConfig } from '@penjing/gemma';
import {
  ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, Attention, CollectSideOutputs, Softmax, Tell, select,
} from '@penjing/layers';
import { KVCache, KVCachingAttention, initCache, toCachingModel, type KVCachingTransformerLM } from '@penjing/transformer';
import { writeSlots } from '../src/generation/kv-cache.js';

beforeAll(async () => {
  await nx.ready();
});

const small = { embedDim: 32, hiddenDim: 48, headDim: 8, vocabSize: 97, maxPositionEmbeddings: 512, eosTokenIds: [1] } as const;

/** Tiny configs of each family: MQA, MHA and GQA, windows shorter than the 50-token sequence, soft-caps. */
const CONFIGS: Record<string, GemmaConfig> = {
  gemma1_mqa: gemmaPreset('gemma1_2b', { ...small, numLayers: 2, numHeads: 4, numKvHeads: 1 }),
  gemma1_mha: gemmaPreset('gemma1_7b', { ...small, numLayers: 2, numHeads: 2, numKvHeads: 2 }),
  gemma2_gqa: gemmaPreset('gemma2_2b', { ...small, numLayers: 2, numHeads: 4, numKvHeads: 2, slidingWindowSize: 6, attnLogitsSoftCap: 5, finalLogitSoftCap: 3 }),
  gemma3_mqa: gemmaPreset('gemma3_270m', {
    ...small, numLayers: 3, numHeads: 2, numKvHeads: 1, slidingWindowSize: 7, attentionTypes: ['local', 'global', 'local'],
    ropeScaleFactor: 8, eosTokenIds: [1, 106], vocabSize: 131,
  }),
  gemma3_gqa: gemmaPreset('gemma3_4b', {
    ...small, numLayers: 2, numHeads: 4, numKvHeads: 2, slidingWindowSize: 4, attentionTypes: ['local', 'global'], vocabSize: 131, eosTokenIds: [1, 106],
  }),
};

function tokens(ids: number[][]): NamedArray {
  return nx.wrap(tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32'), 'batch', 'seq');
}

function randomIds(n: number, vocab: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 3 + (s % (vocab - 3));
  });
}

/** The values of `a` laid out in the given axis order (no tensor is left behind). */
function read(a: NamedArray, ...names: string[]): Float32Array {
  return tf.tidy(() => a.unwrap(...(names as never[])).dataSync() as Float32Array);
}

/** max |a − b| / max |b| over every element. */
function relError(a: Float32Array | number[], b: Float32Array | number[]): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/** Greedy decode with the cache; returns the 50 ids and each step's cached logits. */
function cachedGreedy(lm: KVCachingTransformerLM, prompt: number[], steps: number, cacheLength: number, window = false) {
  let cache: KVCache = initCache(lm, { batchSize: 1, cacheLength, slidingWindowCache: window ? 'window' : 'full' });
  const ids = [...prompt];
  const rows: Float32Array[] = [];
  const t0 = tokens([prompt]);
  let out = lm.step(t0, cache);
  t0.dispose();
  cache.dispose();
  cache = out.cache;
  const prefill = read(out.logits, 'batch', 'seq', 'vocabulary');
  const vocab = out.logits.namedShape.vocabulary as number;
  for (let p = 0; p < prompt.length; p++) rows.push(prefill.slice(p * vocab, (p + 1) * vocab));
  out.logits.dispose();
  for (let s = 0; s < steps; s++) {
    const last = rows[rows.length - 1]!;
    const next = last.indexOf(Math.max(...last));
    ids.push(next);
    if (s === steps - 1) break;
    const t = tokens([[next]]);
    out = lm.step(t, cache);
    t.dispose();
    cache.dispose();
    cache = out.cache;
    rows.push(read(out.logits, 'batch', 'seq', 'vocabulary'));
    out.logits.dispose();
  }
  cache.dispose();
  return { ids, rows, vocab };
}

describe('KV cache exactness', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    for (const window of [false, true]) {
      it(`${name}${window ? ' (window-only local caches)' : ''}: every decoding step matches the full forward pass`, () => {
        const model = GemmaTransformer.fromConfig(config, { seed: 3 });
        const lm = toCachingModel(model);
        const before = tf.memory().numTensors;
        const prompt = randomIds(10, config.vocabSize, 7);
        const { ids, rows, vocab } = cachedGreedy(lm, prompt, 40, 56, window);
        expect(tf.memory().numTensors).toBe(before);
        expect(ids).toHaveLength(50);
        const full = model.call(tokens([ids]));
        const ref = read(full, 'batch', 'seq', 'vocabulary');
        full.dispose();
        let worst = 0;
        rows.forEach((row, p) => (worst = Math.max(worst, relError(row, ref.slice(p * vocab, (p + 1) * vocab)))));
        console.log(`${name}${window ? ' window' : ''}: max|Δ|/max|logits| = ${worst.toExponential(2)}`);
        expect(rows).toHaveLength(49);
        expect(worst).toBeLessThan(1e-5);
      });
    }
  }
});

describe('chunking and padding (property)', () => {
  it('any split of a left-padded prompt into calls gives the unpadded full pass\'s logits, leaving no tensor behind', () => {
    const models = new Map<string, GemmaTransformer>();
    const modelFor = (name: string) => {
      if (!models.has(name)) models.set(name, GemmaTransformer.fromConfig(CONFIGS[name]!, { seed: 4 }));
      return models.get(name)!;
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(CONFIGS)),
        fc.array(fc.integer({ min: 3, max: 96 }), { minLength: 1, maxLength: 14 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        (name, ids, sizes, pads, window) => {
          const model = modelFor(name);
          const lm = toCachingModel(model);
          const t = tokens([ids]);
          const full = model.call(t);
          const want = read(full, 'batch', 'seq', 'vocabulary');
          t.dispose();
          full.dispose();
          const vocab = want.length / ids.length;
          const before = tf.memory().numTensors;
          const row = [...new Array(pads).fill(0), ...ids];
          let cache = initCache(lm, { batchSize: 1, cacheLength: row.length + 1, slidingWindowCache: window ? 'window' : 'full' });
          const got: Float32Array[] = [];
          for (let start = 0, i = 0; start < row.length; i++) {
            const size = Math.min(sizes[i % sizes.length]!, row.length - start);
            const part = tokens([row.slice(start, start + size)]);
            const mask = nx.wrap(tf.tensor2d([row.slice(start, start + size).map((_, j) => start + j >= pads)], [1, size], 'bool'), 'batch', 'seq');
            const out = lm.step(part, cache, { tokenMask: mask });
            const data = read(out.logits, 'batch', 'seq', 'vocabulary');
            for (let j = 0; j < size; j++) if (start + j >= pads) got.push(data.slice(j * vocab, (j + 1) * vocab));
            for (const a of [part, mask, out.logits]) a.dispose();
            cache.dispose();
            cache = out.cache;
            start += size;
          }
          cache.dispose();
          expect(tf.memory().numTensors).toBe(before);
          got.forEach((g, p) => expect(relError(g, want.slice(p * vocab, (p + 1) * vocab))).toBeLessThan(1e-5));
        },
      ),
      { numRuns: 25, seed: 20240601 },
    );
  });
});

describe('the exactness check can fail', () => {
  it('a window shorter than the sequence changes late logits (so the windowed runs above test windowing)', () => {
    const ids = randomIds(50, 97, 7);
    const late = (windowSize: number) => {
      const model = GemmaTransformer.fromConfig({ ...CONFIGS.gemma2_gqa!, slidingWindowSize: windowSize }, { seed: 3 });
      const t = tokens([ids]);
      const logits = model.call(t);
      const data = read(logits, 'batch', 'seq', 'vocabulary');
      t.dispose();
      logits.dispose();
      return data.slice(49 * 97);
    };
    expect(relError(late(6), late(1000))).toBeGreaterThan(1e-3);
  });
});

describe('toCachingModel', () => {
  it('swaps every Attention for a KVCachingAttention, retargets the masks, and keeps inserted layers', () => {
    const model = GemmaTransformer.fromConfig(CONFIGS.gemma3_mqa!, { seed: 0 });
    const patched = select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'pattern' }));
    const lm = toCachingModel(patched);
    expect(lm.numCacheLayers).toBe(3);
    expect(select(lm.body).atInstancesOf(Attention).count()).toBe(0);
    expect(select(lm.body).atInstancesOf(KVCachingAttention).getSequence().map((a) => a.cacheIndex)).toEqual([0, 1, 2]);
    expect(select(lm.body).atInstancesOf(Tell).count()).toBe(3);
    const masks = select(lm.body).atInstancesOf([ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask]).getSequence();
    expect(masks.map((m) => m.kvPositionsInputName)).toEqual(['kvTokenPositions', 'kvTokenPositions', 'kvTokenPositions']);
    // The patched model itself is unchanged.
    expect(select(patched).atInstancesOf(Attention).count()).toBe(3);
    expect(select(patched).atInstancesOf([ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask]).getSequence().map((m) => m.kvPositionsInputName)).toEqual(['tokenPositions', 'tokenPositions', 'tokenPositions']);
    // The inserted probes still report, now over the cache slots.
    const cache = initCache(lm, { batchSize: 1, cacheLength: 16 });
    const t = tokens([[2, 5, 9, 4]]);
    const { output, sideOutputs } = new CollectSideOutputs({ body: lm }).call({ tokens: t, cache });
    expect(sideOutputs.pattern).toHaveLength(3);
    expect(sideOutputs.pattern![1]!.namedShape).toMatchObject({ batch: 1, seq: 4, kv_seq: 16 });
    // A probability row sums to one over the cache slots, with nothing on empty slots.
    const row = tf.tidy(() => sideOutputs.pattern![1]!.index({ query_heads: 0, batch: 0, seq: 3 }).data.dataSync());
    expect(row.slice(0, 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Array.from(row.slice(4))).toEqual(new Array(12).fill(0));
    for (const a of sideOutputs.pattern!) a.dispose();
    output.logits.dispose();
    output.cache.dispose();
    cache.dispose();
    t.dispose();
  });

  it('accepts a TransformerLM (positions from the caller) as well as a GemmaTransformer', () => {
    const model = GemmaTransformer.fromConfig(CONFIGS.gemma2_gqa!, { seed: 2 });
    const ids = [2, 30, 31, 32, 33];
    const fromLm = toCachingModel(model.toTransformerLM());
    const cache = initCache(fromLm, { batchSize: 1, cacheLength: 8 });
    const t = tokens([ids]);
    const out = fromLm.step(t, cache);
    const full = model.call(t);
    expect(relError(read(out.logits, 'batch', 'seq', 'vocabulary'), read(full, 'batch', 'seq', 'vocabulary'))).toBeLessThan(1e-5);
    for (const a of [cache, out.cache]) a.dispose();
    for (const a of [t, out.logits, full]) a.dispose();
  });

  it('refuses a model that is already caching or has no attention', () => {
    const lm = toCachingModel(GemmaTransformer.fromConfig(CONFIGS.gemma1_mqa!, { seed: 0 }));
    expect(toCachingModel(lm)).toBe(lm);
    expect(() => toCachingModel(lm.body)).toThrow(/already contains 2 KVCachingAttention/);
    expect(() => toCachingModel(new Softmax({ axes: 'kv_seq' }))).toThrow(/no Attention layer/);
  });
});

describe('writeSlots', () => {
  it('equals the general masked update nx offers (at(...).set)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (length, start, n) => {
        fc.pre(start + n <= length);
        const cache = nx.randomNormal({ batch: 2, kv_seq: length, projection: 3 }, { seed: length });
        const update = nx.randomNormal({ projection: 3, kv_seq: n, batch: 2 }, { seed: start });
        const fast = writeSlots(cache, 'kv_seq', start, update);
        const general = cache.at({ kv_seq: nx.dynamicSlice(start, n) }).set(update);
        expect(fast.names).toEqual(cache.names);
        expect(read(fast, 'batch', 'kv_seq', 'projection')).toEqual(read(general, 'batch', 'kv_seq', 'projection'));
        for (const a of [cache, update, fast, general]) a.dispose();
      }),
      { numRuns: 30 },
    );
    const c = nx.zeros({ kv_seq: 4 });
    expect(() => writeSlots(c, 'kv_seq', 3, nx.ones({ kv_seq: 2 }))).toThrow(/slots \[3, 5\) do not fit in axis 'kv_seq' of size 4/);
  });
});

describe('initCache', () => {
  it('shapes entries after the head layout: MQA none, MHA heads, GQA head_groups', () => {
    const shape = (c: GemmaConfig) => {
      const cache = initCache(GemmaTransformer.fromConfig(c, { seed: 0 }), { batchSize: 2, cacheLength: 12 });
      const s = cache.layers.map((e) => e.keys.namedShape);
      cache.dispose();
      return s[0];
    };
    expect(shape(CONFIGS.gemma1_mqa!)).toEqual({ batch: 2, kv_seq: 12, projection: 8 });
    expect(shape(CONFIGS.gemma1_mha!)).toEqual({ batch: 2, kv_seq: 12, heads: 2, projection: 8 });
    expect(shape(CONFIGS.gemma2_gqa!)).toEqual({ batch: 2, kv_seq: 12, head_groups: 2, projection: 8 });
  });

  it('keeps only the window for sliding-window layers when asked, and reports the bytes saved', () => {
    const model = GemmaTransformer.fromConfig(CONFIGS.gemma3_mqa!, { seed: 0 });
    const full = initCache(model, { batchAxes: { batch: 1 }, cacheLength: 40 });
    const windowed = initCache(model, { batchSize: 1, cacheLength: 40, slidingWindowCache: 'window' });
    expect(windowed.layers.map((e) => e.length)).toEqual([7, 40, 7]);
    expect(windowed.layers.map((e) => e.windowed)).toEqual([true, false, true]);
    expect(full.layers.map((e) => e.length)).toEqual([40, 40, 40]);
    // keys+values: 2 × 8 floats per slot; positions: one int per slot.
    expect(full.bytes).toBe(3 * 2 * 40 * 8 * 4 + 40 * 4);
    expect(windowed.bytes).toBe((2 * 7 + 40) * 2 * 8 * 4 + (40 + 7 + 7) * 4);
    expect(windowed.endIndex).toBe(0);
    expect(Array.from(windowed.kvTokenPositions.data.dataSync())).toEqual(new Array(40).fill(-1));
    full.dispose();
    windowed.dispose();
  });

  it('checks its options', () => {
    const model = GemmaTransformer.fromConfig(CONFIGS.gemma1_mqa!, { seed: 0 });
    expect(() => initCache(model, { cacheLength: 0 })).toThrow(/cacheLength must be a positive integer/);
    expect(() => initCache(model, { cacheLength: 4, batchSize: 1, batchAxes: { batch: 1 } })).toThrow(/not both/);
    expect(() => initCache(model, { cacheLength: 4, batchAxes: { kv_seq: 1 } })).toThrow(/cannot be a batch axis/);
  });
});

describe('KVCachingTransformerLM steps', () => {
  it('never mutates the cache it is given, so one prefix can be continued two ways', () => {
    const model = GemmaTransformer.fromConfig(CONFIGS.gemma2_gqa!, { seed: 1 });
    const lm = toCachingModel(model);
    const empty = initCache(lm, { batchSize: 1, cacheLength: 8 });
    const prompt = tokens([[2, 10, 11]]);
    const a = lm.step(prompt, empty);
    expect(empty.endIndex).toBe(0);
    expect(Array.from(empty.layers[0]!.keys.data.dataSync()).every((v) => v === 0)).toBe(true);
    expect(a.cache.endIndex).toBe(3);
    expect(Array.from(a.cache.kvTokenPositions.data.dataSync())).toEqual([0, 1, 2, -1, -1, -1, -1, -1]);
    const x = tokens([[20]]);
    const y = tokens([[30]]);
    const b1 = lm.step(x, a.cache);
    const b2 = lm.step(y, a.cache);
    const full = (ids: number[]) => {
      const t = tokens([ids]);
      const l = model.call(t);
      const d = tf.tidy(() => l.index({ batch: 0, seq: 3 }).data.dataSync() as Float32Array);
      t.dispose();
      l.dispose();
      return d;
    };
    expect(relError(b1.logits.data.dataSync() as Float32Array, full([2, 10, 11, 20]))).toBeLessThan(1e-5);
    expect(relError(b2.logits.data.dataSync() as Float32Array, full([2, 10, 11, 30]))).toBeLessThan(1e-5);
    for (const v of [empty, a.cache, b1.cache, b2.cache]) v.dispose();
    for (const v of [a.logits, b1.logits, b2.logits, prompt, x, y]) v.dispose();
  });

  it('works with several batch axes', () => {
    const model = GemmaTransformer.fromConfig(CONFIGS.gemma2_gqa!, { seed: 1 });
    const lm = toCachingModel(model);
    const ids = [[[2, 10, 11, 12], [2, 40, 41, 42]], [[2, 7, 8, 9], [2, 3, 4, 5]], [[2, 6, 6, 6], [2, 9, 9, 8]]];
    const all = nx.wrap(tf.tensor3d(ids, [3, 2, 4], 'int32'), 'sample', 'batch', 'seq');
    const empty = initCache(lm, { batchAxes: { sample: 3, batch: 2 }, cacheLength: 6 });
    const first = lm.step(all.index({ seq: nx.slice(0, 3) }), empty);
    const second = lm.step(all.index({ seq: nx.slice(3, 4) }), first.cache);
    const full = model.call(all);
    const want = read(full.index({ seq: 3 }), 'sample', 'batch', 'vocabulary');
    expect(relError(read(second.logits, 'sample', 'batch', 'seq', 'vocabulary'), want)).toBeLessThan(1e-5);
    expect(second.cache.layers[0]!.keys.namedShape).toMatchObject({ sample: 3, batch: 2, kv_seq: 6 });
  });

  it('says when the tokens do not fit, or the cache belongs to another model', () => {
    const lm = toCachingModel(GemmaTransformer.fromConfig(CONFIGS.gemma1_mqa!, { seed: 0 }));
    const other = toCachingModel(GemmaTransformer.fromConfig(CONFIGS.gemma3_mqa!, { seed: 0 }));
    const cache = initCache(lm, { batchSize: 1, cacheLength: 2 });
    const wrong = initCache(other, { batchSize: 1, cacheLength: 8 });
    const t = tokens([[2, 3, 4]]);
    expect(() => lm.step(t, cache)).toThrow(/3 new tokens do not fit in the cache: 0 of 2 slots are used.*larger cacheLength/);
    expect(() => lm.step(t, wrong)).toThrow(/the cache has 3 layer entries but this model has 2/);
    const two = initCache(lm, { batchSize: 2, cacheLength: 8 });
    expect(() => lm.step(t, two)).toThrow(/batch axes \{batch: 1\} differ from the cache's \{batch: 2\}/);
    for (const v of [cache, wrong, two]) v.dispose();
    t.dispose();
  });
});
