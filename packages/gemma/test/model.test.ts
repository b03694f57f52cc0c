/**
 * GemmaTransformer and TransformerLM: construction from presets and custom configs, the
 * tree's structure (head axes, norms, masks, tying), call options, errors and memory.
 * Numerical agreement with an independent implementation is in numerics.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyRoPE, Attention, ConstantRescale, EmbeddingDecode,
  EmbeddingLookup, Linear, Parameter, ParameterSlot, RMSLayerNorm, TanhSoftCap, WithSideInputsFromInput, countParameters,
  disposeTree, parameterSlots, parameters, select, unhandledSideInputs,
} from '@penjing/layers';
import {
  GEMMA_PRESET_NAMES, GemmaTransformer, LABELS, TransformerBlock, TransformerLM, gemmaPreset, headAxes, type GemmaConfig,
  type GemmaPresetName,
} from '@penjing/gemma';
import { tiny } from './tiny-configs.js';

beforeAll(async () => {
  await nx.ready();
});


function tokens(ids: number[][]): nx.NamedArray {
  return nx.wrap(tf.tensor2d(ids.flat(), [ids.length, ids[0].length], 'int32')).tag('batch', 'seq');
}

const instances = <T>(tree: unknown, cls: abstract new (...a: never[]) => T): T[] => select(tree).atInstancesOf(cls as never).getSequence() as T[];

describe('presets build with the published sizes', () => {
  it.each(GEMMA_PRESET_NAMES)('%s (structure only)', (name) => {
    const c = gemmaPreset(name);
    const model = GemmaTransformer.fromConfig(c, { seed: null });
    const { embedDim: D, hiddenDim: F, numHeads: N, numKvHeads: K, headDim: H, numLayers: L, vocabSize: V } = c;
    const perLayer = D * N * H * 2 + 2 * D * K * H + 3 * D * F + (c.usePostAttnNorm ? 4 : 2) * D + (c.useQkNorm ? 2 * H : 0);
    expect(countParameters(model)).toBe(V * D + L * perLayer + D);
    expect(parameters(model)).toHaveLength(0);
    expect(instances(model, TransformerBlock)).toHaveLength(L);
  });

  it('matches the parameter counts Hugging Face reports', () => {
    // gemma-2b, gemma-2-2b and gemma-3-270m as listed on their model cards.
    expect(countParameters(GemmaTransformer.fromConfig('gemma1_2b', { seed: null }))).toBe(2_506_172_416);
    expect(countParameters(GemmaTransformer.fromConfig('gemma2_2b', { seed: null }))).toBe(2_614_341_888);
    expect(countParameters(GemmaTransformer.fromConfig('gemma3_270m', { seed: null }))).toBe(268_098_176);
  });
});

describe('structure', () => {
  it('uses Penzai head axes for MHA, MQA and GQA', () => {
    for (const [K, q, kv] of [
      [4, { embedding: 16, heads: 4, projection: 8 }, { embedding: 16, heads: 4, projection: 8 }],
      [1, { embedding: 16, query_heads: 4, projection: 8 }, { embedding: 16, projection: 8 }],
      [2, { embedding: 16, head_groups: 2, query_heads: 2, projection: 8 }, { embedding: 16, head_groups: 2, projection: 8 }],
    ] as const) {
      const model = GemmaTransformer.fromConfig(tiny('gemma2_2b', { numKvHeads: K }), { seed: null });
      const slots = new Map(parameterSlots(model).map((s) => [s.label, s.namedShape]));
      expect(slots.get(LABELS.block(0).query)).toEqual(q);
      expect(slots.get(LABELS.block(1).key)).toEqual(kv);
      expect(slots.get(LABELS.block(1).value)).toEqual(kv);
      expect(Object.keys(slots.get(LABELS.block(0).output)!)).toEqual([...Object.keys(q).slice(1), 'embedding']);
    }
    expect(headAxes({ numHeads: 8, numKvHeads: 8 })).toEqual({ common: { heads: 8 }, queryOnly: {} });
  });

  it('has the norms, masks, RoPE settings and caps each family asks for', () => {
    const g1 = GemmaTransformer.fromConfig(tiny('gemma1_2b'), { seed: null });
    const g2 = GemmaTransformer.fromConfig(tiny('gemma2_2b', { slidingWindowSize: 3 }), { seed: null });
    const g3 = GemmaTransformer.fromConfig(tiny('gemma3_4b', { numLayers: 3, attentionTypes: ['local', 'global', 'local'], slidingWindowSize: 5 }), { seed: null });
    // RMSLayerNorms per block: 2 (Gemma 1), 4 (Gemma 2), 4 + q/k norms (Gemma 3); plus the final norm.
    expect(instances(g1, RMSLayerNorm)).toHaveLength(2 * 2 + 1);
    expect(instances(g2, RMSLayerNorm)).toHaveLength(2 * 4 + 1);
    expect(instances(g3, RMSLayerNorm)).toHaveLength(3 * 6 + 1);
    expect(instances(g1, ApplyCausalSlidingWindowAttentionMask)).toHaveLength(0);
    expect(instances(g2, ApplyCausalSlidingWindowAttentionMask).map((m) => m.slidingWindowSize)).toEqual([3]);
    expect(instances(g2, ApplyCausalAttentionMask)).toHaveLength(1);
    expect(instances(g2, TanhSoftCap).map((c) => c.softCap)).toEqual([50, 50, 30]);
    // Gemma 3: local layers 10k unscaled, the global layer 1M scaled by 8, for queries and keys alike.
    expect(instances(g3, ApplyRoPE).map((r) => [r.maxWavelength, r.scaleFactor])).toEqual([
      [10_000, 1], [10_000, 1], [1_000_000, 8], [1_000_000, 8], [10_000, 1], [10_000, 1],
    ]);
    expect(instances(g3, Attention)).toHaveLength(3);
  });

  it('ties the decoder to the embedding table, or has an lm_head', () => {
    const tied = GemmaTransformer.fromConfig(tiny('gemma3_1b'), { seed: 3 });
    const [lookup] = instances(tied, EmbeddingLookup);
    const [decode] = instances(tied, EmbeddingDecode);
    expect(decode.table).toBe(lookup.table);
    expect(parameters(tied).find((p) => p.label === LABELS.embeddings)!.paths).toHaveLength(2);
    const untied = GemmaTransformer.fromConfig(tiny('gemma2_2b', { tieEmbeddings: false }), { seed: 3 });
    expect(instances(untied, EmbeddingDecode)).toHaveLength(0);
    expect(parameters(untied).map((p) => p.label)).toContain(LABELS.lmHead);
    disposeTree(tied);
    disposeTree(untied);
  });

  it('scales embeddings by √D rounded to float32 and queries by queryPreAttnScalar^-½', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma2_27b', { embedDim: 40, queryPreAttnScalar: 10 }), { seed: null });
    const rescales = instances(model, ConstantRescale).map((r) => r.by);
    expect(rescales[0]).toBe(Math.fround(Math.sqrt(40)));
    expect(rescales[1]).toBe(Math.fround(10 ** -0.5));
  });

  it('derives positions from the tokens inside the model, so no side input is left unhandled', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma3_1b'), { seed: null });
    expect(model.body).toBeInstanceOf(WithSideInputsFromInput);
    expect(unhandledSideInputs(model)).toEqual([]);
    const names = unhandledSideInputs((model.body as WithSideInputsFromInput).body).map((u) => u.name);
    expect(new Set(names)).toEqual(new Set(['tokenPositions', 'returnLastOnly']));
  });

  it('labels every parameter under transformer/, uniquely', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma3_1b'), { seed: null });
    const labels = parameterSlots(model).map((s) => s.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.every((l) => l.startsWith('transformer/'))).toBe(true);
    expect(labels).toContain(LABELS.block(1).queryNorm);
  });
});

describe('calling', () => {
  it('maps tokens with any batch axes to logits over the vocabulary', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma2_2b'), { seed: 1 });
    const t = nx.wrap(tf.tensor3d([[[5, 6, 7]], [[8, 9, 10]]], [2, 1, 3], 'int32')).tag('worlds', 'batch', 'seq');
    const logits = model.call(t);
    expect(logits.namedShape).toEqual({ worlds: 2, batch: 1, seq: 3, vocabulary: 120 });
    // A batch element's logits do not depend on the others.
    const alone = model.call(tokens([[8, 9, 10]]));
    const a = logits.index({ worlds: 1 }).unwrap('batch', 'seq', 'vocabulary').arraySync();
    expect(a).toEqual(alone.unwrap('batch', 'seq', 'vocabulary').arraySync());
    for (const x of [t, logits, alone]) x.dispose();
    disposeTree(model);
  });

  it('returns the last real token only with returnLastOnly, for left and right padding', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma3_1b'), { seed: 2 });
    const t = tokens([[5, 6, 7, 0, 0], [0, 0, 8, 9, 10]]);
    const full = model.call(t);
    const last = model.call(t, { returnLastOnly: true });
    expect(last.namedShape).toEqual({ batch: 2, vocabulary: 120 });
    const f = full.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][];
    const l = last.unwrap('batch', 'vocabulary').arraySync() as number[][];
    expect(l[0]).toEqual(f[0][2]);
    expect(l[1]).toEqual(f[1][4]);
    const byDefault = model.replace({ returnLastOnly: true }).call(t);
    expect(byDefault.namedShape).toEqual({ batch: 2, vocabulary: 120 });
    for (const x of [t, full, last, byDefault]) x.dispose();
    disposeTree(model);
  });

  it('gives a padded sequence the logits of the unpadded one (property)', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma2_2b', { slidingWindowSize: 2 }), { seed: 4 });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 119 }), { minLength: 1, maxLength: 6 }),
        fc.nat(3),
        fc.boolean(),
        (ids, pad, left) => {
          const padded = left ? [...Array(pad).fill(0), ...ids] : [...ids, ...Array(pad).fill(0)];
          const a = model.call(tokens([ids]));
          const b = model.call(tokens([padded]));
          const av = a.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][];
          const bv = b.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][];
          a.dispose();
          b.dispose();
          const real = bv[0].slice(left ? pad : 0, left ? pad + ids.length : ids.length);
          real.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - av[0][i][j])).toBeLessThan(1e-4)));
        },
      ),
      { numRuns: 15 },
    );
    disposeTree(model);
  });

  it('as a TransformerLM, takes positions from the caller and shares the parameters', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma1_7b', { numKvHeads: 4 }), { seed: 5 });
    const lm = model.toTransformerLM();
    expect(lm).toBeInstanceOf(TransformerLM);
    expect(parameters(lm).map((p) => p.parameter)).toEqual(parameters(model).map((p) => p.parameter));
    const t = tokens([[3, 4, 5, 6]]);
    const viaModel = model.call(t).unwrap('batch', 'seq', 'vocabulary').arraySync();
    const viaLm = lm.call(t).unwrap('batch', 'seq', 'vocabulary').arraySync();
    expect(viaLm).toEqual(viaModel);
    // Shifting every position changes RoPE angles but not relative offsets: same logits, up to rounding.
    const shifted = lm.call(t, { tokenPositions: nx.arange('seq', 10, 14).broadcastTo({ namedShape: { batch: 1 } }) });
    const s = shifted.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][];
    (viaModel as number[][][])[0].forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - s[0][i][j])).toBeLessThan(1e-3)));
    expect(lm.metadata).toMatchObject({ commonHeadAxes: { heads: 4 }, queryOnlyHeadAxes: {}, projectionDim: 8, vocabularySize: 120 });
    t.dispose();
    disposeTree(model);
  });

  it('is deterministic in its seed', () => {
    const t = tokens([[1, 2, 3]]);
    const run = (seed: number) => {
      const m = GemmaTransformer.fromConfig(tiny('gemma3_270m'), { seed });
      const out = m.call(t).unwrap('batch', 'seq', 'vocabulary').arraySync();
      disposeTree(m);
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    t.dispose();
  });

  it('leaves no tensors behind over 100 calls', () => {
    const model = GemmaTransformer.fromConfig(tiny('gemma2_2b', { slidingWindowSize: 2 }), { seed: 6 });
    const t = tokens([[5, 6, 7, 0], [1, 2, 3, 4]]);
    model.call(t).dispose(); // first call may cache kernels
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) model.call(t, { returnLastOnly: i % 2 === 0 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    disposeTree(model);
  });

  it('frees everything it allocated when disposed', () => {
    const before = tf.memory().numTensors;
    const model = GemmaTransformer.fromConfig(tiny('gemma3_4b'), { seed: 0 });
    disposeTree(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('errors', () => {
  const model = () => GemmaTransformer.fromConfig(tiny('gemma1_2b'), { seed: null });

  it('rejects tokens that are not int32 NamedArrays with a seq axis, naming the fix', () => {
    const m = model();
    expect(() => m.call(nx.wrap(tf.tensor2d([[1, 2]], [1, 2], 'float32')).tag('batch', 'seq'))).toThrow(/int32 NamedArray with a 'seq' axis.*float32/);
    expect(() => m.call(nx.wrap(tf.tensor2d([[1, 2]], [1, 2], 'int32')).tag('batch', 'time'))).toThrow(/'seq' axis/);
    expect(() => m.call(tf.tensor1d([1], 'int32') as never)).toThrow(/NamedArray/);
  });

  it('rejects token ids outside the vocabulary', () => {
    expect(() => model().call(tokens([[1, 120]]))).toThrow(/token id 120 .*outside the vocabulary \[0, 120\)/);
  });

  it('names the unbound slot when a structure-only model is called', () => {
    expect(() => model().call(tokens([[1, 2]]))).toThrow(/transformer\/embedder\.embeddings/);
  });

  it('rejects an invalid config, listing the problems', () => {
    expect(() => GemmaTransformer.fromConfig(tiny('gemma2_2b', { numKvHeads: 3 }))).toThrow(/numKvHeads/);
    expect(() => GemmaTransformer.fromConfig('gemma9_1b' as GemmaPresetName)).toThrow(/Unknown Gemma preset/);
  });

  it('points at the layer when the body is called without positions', () => {
    const body = (GemmaTransformer.fromConfig(tiny('gemma1_2b'), { seed: 0 }).body as WithSideInputsFromInput).body;
    expect(() => body.call(tokens([[1, 2]]))).toThrow(/needs 'tokenPositions'/);
  });
});

it('keeps Parameter, ParameterSlot and Linear where selectors expect them', () => {
  const m = GemmaTransformer.fromConfig(tiny('gemma1_2b'), { seed: null });
  expect(instances(m, ParameterSlot).length).toBeGreaterThan(0);
  expect(instances(m, Parameter)).toHaveLength(0);
  expect(instances(m, Linear).length).toBe(2 * 7 + 2 * 2 + 1); // q k v o gate up down + 2 norms per block, final norm
});
