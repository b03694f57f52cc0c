/**
 * The interpretability helpers: data, losses, head scores (hand-built patterns), attention
 * capture, knock-out, the logit lens and activation patching on small random models, checked
 * against hand-computed values and independent routes (finite differences, a hand-placed
 * overwrite layer), plus memory.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { CollectSideOutputs, KnockOutAttentionHeads, Layer, Parameter, Tell, disposeTree, select, valueAndGrad, disposeGrads } from '@penjing/layers';
import { GemmaTransformer, LABELS, gemmaPreset, type GemmaConfig } from '@penjing/gemma';
import {
  captureAttention, halfLosses, headOutputSites, inductionScores, knockOutHeads, logitLens, logitLensLosses, meanTokenLoss,
  patchHeadsFromClean, previousTokenScores, rankHeads, repeatedRandomTokens, residualStream, seededRandom, tokenLabels,
  tokenLosses, tokenLossesFromLogits,
} from '@penjing/interp';

beforeAll(async () => {
  await nx.ready();
});

function tinyConfig(over: Partial<GemmaConfig> = {}): GemmaConfig {
  return gemmaPreset('gemma3_270m', {
    numLayers: 2, vocabSize: 16, embedDim: 8, hiddenDim: 16, numHeads: 2, numKvHeads: 2, headDim: 4, queryPreAttnScalar: 4,
    attentionTypes: ['global', 'global'], slidingWindowSize: null, eosTokenIds: [1], ...over,
  });
}

const ids = (rows: number[][]) => nx.fromArray(rows, ['batch', 'seq'], 'int32');

function leakCheck<T>(fn: () => T, dispose: (r: T) => void): void {
  fn(); // warm-up: backends cache some constants on first use
  const before = tf.memory().numTensors;
  const r = fn();
  dispose(r);
  expect(tf.memory().numTensors).toBe(before);
}

describe('repeated random tokens', () => {
  it('is seeded, in range, and repeats its first half', () => {
    const a = repeatedRandomTokens({ batch: 3, length: 5, vocabSize: 10, firstId: 4, bosId: 2, seed: 7 });
    const b = repeatedRandomTokens({ batch: 3, length: 5, vocabSize: 10, firstId: 4, bosId: 2, seed: 7 });
    expect(a.ids).toEqual(b.ids);
    expect(a.tokens.namedShape).toEqual({ batch: 3, seq: 11 });
    expect(a.tokens.arraySync('batch', 'seq')).toEqual(a.ids);
    for (const row of a.ids) {
      expect(row[0]).toBe(2);
      expect(row.slice(1, 6)).toEqual(row.slice(6));
      for (const t of row.slice(1)) expect(t >= 4 && t < 10).toBe(true);
    }
    a.tokens.dispose();
    b.tokens.dispose();
  });

  it('draws uniform numbers in [0, 1)', () => {
    const r = seededRandom(3);
    const xs = Array.from({ length: 2000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.03);
  });

  it('labels tokens', () => {
    expect(tokenLabels([2, 4, 9], ['<pad>', '<eos>', '<bos>', '<unk>', 'ba'])).toEqual(['<bos>', 'ba', '#9']);
  });
});

describe('losses', () => {
  it('picks −log softmax of the next token (hand-computed)', () => {
    // One sequence [1, 0, 2] over a vocabulary of 3; logits at positions 0 and 1 predict tokens 0 and 2.
    const logits = nx.fromArray([[[1, 2, 3], [0, 0, Math.log(2)], [5, 5, 5]]], ['batch', 'seq', 'vocabulary']);
    const tokens = ids([[1, 0, 2]]);
    const losses = tokenLossesFromLogits(logits, tokens);
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(losses.namedShape).toEqual({ batch: 1, seq: 2 });
    const got = losses.arraySync('batch', 'seq') as number[][];
    expect(got[0][0]).toBeCloseTo(lse - 1, 5);
    expect(got[0][1]).toBeCloseTo(Math.log(4) - Math.log(2), 5);
    tf.dispose([logits.data, tokens.data, losses.data]);
  });

  it('splits repeated sequences into halves', () => {
    const losses = nx.fromArray([[1, 2, 3, 4], [3, 4, 5, 6]], ['batch', 'seq']);
    expect(halfLosses(losses, 2)).toEqual({ first: 2.5, second: 4.5 });
    expect(() => halfLosses(losses, 3)).toThrow(/expected seq = 2·3 = 6/);
    losses.dispose();
  });

  it('sends gradients into the embedding table (finite differences)', () => {
    const model = GemmaTransformer.fromConfig(tinyConfig(), { seed: 3 });
    const tokens = ids([[2, 5, 9, 5, 9]]);
    const { grads } = valueAndGrad((m: GemmaTransformer) => meanTokenLoss(m, tokens))(model, { wrt: [LABELS.embeddings] });
    const g = grads[LABELS.embeddings].arraySync('vocabulary' as never, 'embedding' as never) as number[][];
    disposeGrads(grads);
    const table = (select(model).atInstancesOf(Parameter).getSequence() as Parameter[]).find((p) => p.label === LABELS.embeddings)!;
    const lossWith = (delta: number, row: number, col: number) =>
      tf.tidy(() => {
        const bumped = table.value.at({ vocabulary: row, embedding: col } as never).add(delta);
        const m = select(model).atInstancesOf(Parameter).where((p) => p.label === LABELS.embeddings).apply((p) => p.replace({ value: bumped }));
        return meanTokenLoss(m as GemmaTransformer, tokens).item();
      });
    // Token 5 is an input (looked up) and a target; 12 is neither, so only the tied decoding reaches it.
    for (const [row, col] of [[5, 0], [5, 3], [9, 7], [12, 2]]) {
      const eps = 1e-2;
      const numeric = (lossWith(eps, row, col) - lossWith(-eps, row, col)) / (2 * eps);
      expect(g[row][col]).toBeCloseTo(numeric, 2);
    }
    expect(Math.abs(g[5][0]) + Math.abs(g[5][3])).toBeGreaterThan(1e-4);
    tokens.dispose();
    disposeTree(model);
  });
});

/** A `{blocks: 1, batch: 1, heads: 2, seq, kv_seq}` pattern: head 0 a perfect induction head, head 1 a previous-token head. */
function handPattern(L: number): NamedArray {
  const T = 2 * L + 1;
  const heads = [0, 1].map((h) =>
    Array.from({ length: T }, (_, q) =>
      Array.from({ length: T }, (_, k) => {
        if (h === 0) return q > L ? Number(k === q - L + 1) : Number(k === 0);
        return q === 0 ? Number(k === 0) : Number(k === q - 1);
      }),
    ),
  );
  return nx.fromArray([[heads]], ['blocks', 'batch', 'heads', 'seq', 'kv_seq']);
}

describe('head scores', () => {
  it('scores hand-built heads exactly', () => {
    const p = handPattern(4);
    const ind = inductionScores(p, 4);
    const prev = previousTokenScores(p);
    expect(ind.namedShape).toEqual({ blocks: 1, heads: 2 });
    expect(ind.arraySync('blocks', 'heads')).toEqual([[1, 0]]);
    // The previous-token head attends q−1 at all 8 positions q ≥ 1; the induction head only at q = 1 (it rests on <bos> = 0).
    expect(prev.arraySync('blocks', 'heads')).toEqual([[1 / 8, 1]]);
    expect(rankHeads(ind).map((h) => [h.block, h.head])).toEqual([[0, 0], [0, 1]]);
    tf.dispose([p.data, ind.data, prev.data]);
  });

  it('averages uniform causal attention to the mean of 1/(q+1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), (L) => {
        const T = 2 * L + 1;
        const rows = Array.from({ length: T }, (_, q) => Array.from({ length: T }, (_, k) => (k <= q ? 1 / (q + 1) : 0)));
        const p = nx.fromArray([rows], ['heads', 'seq', 'kv_seq']);
        const s = inductionScores(p, L);
        let want = 0;
        for (let q = L + 1; q <= 2 * L; q++) want += 1 / (q + 1) / L;
        expect((s.arraySync('heads') as number[])[0]).toBeCloseTo(want, 5);
        tf.dispose([p.data, s.data]);
      }),
      { numRuns: 5 },
    );
  });

  it('ranks blocks × heads', () => {
    const s = nx.fromArray([[0.1, 0.7], [0.9, 0.2]], ['blocks', 'heads']);
    expect(rankHeads(s).map((h) => `${h.block}.${h.head}`)).toEqual(['1.0', '0.1', '1.1', '0.0']);
    s.dispose();
  });
});

describe('capture, knock-out, lens and patching on a random model', () => {
  const L = 4;
  let model: GemmaTransformer;
  let tokens: NamedArray;
  beforeAll(() => {
    model = GemmaTransformer.fromConfig(tinyConfig(), { seed: 11 });
    tokens = repeatedRandomTokens({ batch: 2, length: L, vocabSize: 16, firstId: 4, bosId: 2, seed: 5 }).tokens;
  });

  it('captures causal, normalised patterns for every block without changing the output', () => {
    const { logits, patterns } = captureAttention(model, tokens);
    expect(patterns.namedShape).toEqual({ blocks: 2, batch: 2, heads: 2, seq: 9, kv_seq: 9 });
    const p = patterns.arraySync('blocks', 'batch', 'heads', 'seq', 'kv_seq') as number[][][][][];
    for (const row of p.flat(3)) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    p.flat(3).forEach((row, i) => row.forEach((w, k) => k > i % 9 && expect(w).toBe(0)));
    const plain = model.call(tokens);
    expect(tf.max(tf.abs(tf.sub(plain.orderLike(logits).data, logits.data))).dataSync()[0]).toBe(0);
    tf.dispose([logits.data, patterns.data, plain.data]);
    leakCheck(() => captureAttention(model, tokens), (r) => tf.dispose([r.logits.data, r.patterns.data]));
  });

  it('knocks out heads: all-BOS attention leaves each position depending on its own token only', () => {
    const all = knockOutHeads(model, [0, 1].flatMap((block) => [0, 1].map((head) => ({ block, head }))));
    // Same token (7) at position 3 after different histories.
    const a = all.call(ids([[2, 4, 5, 7]]));
    const b = all.call(ids([[2, 9, 11, 7]]));
    const at3 = (x: NamedArray) => x.index({ seq: 3 } as never) as NamedArray;
    expect(tf.max(tf.abs(tf.sub(at3(a).data, at3(b).data))).dataSync()[0]).toBeLessThan(1e-5);
    // The original model still mixes in the history.
    const c = model.call(ids([[2, 4, 5, 7]]));
    const d = model.call(ids([[2, 9, 11, 7]]));
    expect(tf.max(tf.abs(tf.sub(at3(c).data, at3(d).data))).dataSync()[0]).toBeGreaterThan(1e-3);
    disposeTree(all, { except: [model] });
    tf.dispose([a.data, b.data, c.data, d.data]);
    expect(() => knockOutHeads(model, [{ block: 2, head: 0 }])).toThrow(/blocks 0…1/);
    expect(() => knockOutHeads(model, [{ block: 0, head: 2 }])).toThrow(/heads 0…1/);
  });

  it('leaves no tensor behind', () => {
    leakCheck(() => tokenLosses(model, tokens), (r) => r.dispose());
    leakCheck(() => meanTokenLoss(model, tokens), (r) => r.dispose());
    const losses = tokenLosses(model, tokens);
    leakCheck(() => halfLosses(losses, L), () => undefined);
    losses.dispose();
    leakCheck(() => residualStream(model, tokens), (r) => tf.dispose([r.logits.data, r.residuals.data]));
    const { logits, patterns } = captureAttention(model, tokens);
    leakCheck(() => [inductionScores(patterns, L), previousTokenScores(patterns)], (r) => r.forEach((x) => x.dispose()));
    const scores = inductionScores(patterns, L);
    leakCheck(() => rankHeads(scores), () => undefined);
    scores.dispose();
    leakCheck(() => knockOutHeads(model, [{ block: 1, head: 1 }]), (m) => disposeTree(m, { except: [model] }));
    tf.dispose([logits.data, patterns.data]);
  });

  it('knocking out nothing changes nothing', () => {
    const none = knockOutHeads(model, []);
    expect(none).toBe(model);
  });

  it('logit lens: the last layer is the model, layers stack the residual stream', () => {
    const lens = logitLens(model, tokens);
    expect(lens.namedShape).toEqual({ layer: 3, batch: 2, seq: 9, vocabulary: 16 });
    const last = lens.index({ layer: 2 } as never) as NamedArray;
    const own = model.call(tokens).logSoftmax('vocabulary' as never);
    expect(tf.max(tf.abs(tf.sub(own.orderLike(last).data, last.data))).dataSync()[0]).toBeLessThan(1e-5);
    const { logits, residuals } = residualStream(model, tokens);
    expect(residuals.namedShape).toEqual({ layer: 3, batch: 2, seq: 9, embedding: 8 });
    const losses = logitLensLosses(model, tokens);
    expect(losses.namedShape).toEqual({ layer: 3, batch: 2, seq: 8 });
    tf.dispose([lens.data, last.data, own.data, logits.data, residuals.data, losses.data]);
    leakCheck(() => logitLensLosses(model, tokens), (r) => r.dispose());
  });

  it('patching: worlds agree with separate runs and with a hand-placed overwrite', () => {
    const clean = ids([[2, 4, 5, 6, 4, 5, 6]]).index({ batch: 0 } as never) as NamedArray;
    const corrupted = ids([[2, 9, 10, 11, 4, 5, 6]]).index({ batch: 0 } as never) as NamedArray;
    const positions = [3, 4, 5];
    const r = patchHeadsFromClean(model, clean, corrupted, { positions });
    const meanAt = (l: NamedArray) => tf.tidy(() => tf.mean(tf.gather(l.data, [3, 4, 5])).dataSync()[0]);
    const cl = tokenLosses(model, clean);
    const co = tokenLosses(model, corrupted);
    expect(r.clean).toBeCloseTo(meanAt(cl), 4);
    expect(r.corrupted).toBeCloseTo(meanAt(co), 4);
    expect(r.losses.namedShape).toEqual({ blocks: 2, heads: 2 });

    // Independently: capture the clean head outputs of block 1, then overwrite head 0 in a corrupted run.
    const probed = headOutputSites(model).pickNth(1).insertAfter(new Tell({ tag: 'z' }));
    const { output, sideOutputs } = new CollectSideOutputs({ body: probed }).call(clean);
    const z = sideOutputs.z[0];
    class Overwrite extends Layer<NamedArray, NamedArray> {
      constructor() {
        super({});
      }
      protected override forward(x: NamedArray): NamedArray {
        const take = nx.fromArray([1, 0], ['heads']);
        return x.mul(take.mul(-1).add(1)).add(z.mul(take)).orderLike(x);
      }
    }
    const overwritten = headOutputSites(model).pickNth(1).insertAfter(new Overwrite());
    const manual = meanAt(tokenLosses(overwritten, corrupted));
    const worldLoss = (r.losses.arraySync('blocks', 'heads') as number[][])[1][0];
    expect(worldLoss).toBeCloseTo(manual, 4);
    const rec = (r.recovery.arraySync('blocks', 'heads') as number[][])[1][0];
    expect(rec).toBeCloseTo((r.corrupted - worldLoss) / (r.corrupted - r.clean), 4);

    // Same prompt in both worlds: every patch is a no-op.
    const same = patchHeadsFromClean(model, clean, clean, { positions });
    for (const l of (same.losses.arraySync('blocks', 'heads') as number[][]).flat()) expect(l).toBeCloseTo(same.clean, 5);
    tf.dispose([clean.data, corrupted.data, cl.data, co.data, r.losses.data, r.recovery.data, output.data, z.data, same.losses.data, same.recovery.data]);
    leakCheck(() => patchHeadsFromClean(model, tokens, tokens), (x) => tf.dispose([x.losses.data, x.recovery.data]));
  });
});

describe('grouped and multi-query heads', () => {
  it.each([
    ['GQA', 2, { head_groups: 2, query_heads: 2 }],
    ['MQA', 1, { query_heads: 4 }],
  ] as const)('%s: head n = g·(N/K) + q is the one knocked out, scored and patched', (_name, K, axes) => {
    const model = GemmaTransformer.fromConfig(tinyConfig({ numHeads: 4, numKvHeads: K }), { seed: 2 });
    const tokens = repeatedRandomTokens({ batch: 1, length: 3, vocabSize: 16, firstId: 4, bosId: 2, seed: 1 }).tokens;
    const ablated = knockOutHeads(model, [{ block: 1, head: 3 }]);
    const probed = select(ablated).atInstancesOf(KnockOutAttentionHeads).insertAfter(new Tell({ tag: 'after' }));
    const { output, sideOutputs } = new CollectSideOutputs({ body: probed }).call(tokens);
    const after = sideOutputs.after[0];
    expect(after.namedShape).toEqual({ batch: 1, ...axes, seq: 7, kv_seq: 7 });
    // Flatten the head axes in GQA order: head 3 alone rests on <bos>.
    const names = Object.keys(axes);
    const flat = after.orderAs(...(['batch', ...names, 'seq', 'kv_seq'] as never[])).data.reshape([4, 7, 7]).arraySync() as number[][][];
    flat.forEach((head, n) => {
      const onBos = head.every((row) => row[0] === 1 && row.slice(1).every((w) => w === 0));
      expect(onBos).toBe(n === 3);
    });
    const { logits, patterns } = captureAttention(model, tokens);
    const scores = inductionScores(patterns, 3);
    expect(scores.namedShape).toEqual({ blocks: 2, ...axes });
    expect(rankHeads(scores)).toHaveLength(8);
    const same = patchHeadsFromClean(model, tokens, tokens);
    expect(same.recovery.namedShape).toEqual({ blocks: 2, ...axes });
    const clean = same.clean;
    for (const l of same.losses.data.dataSync()) expect(l).toBeCloseTo(clean, 5);
    tf.dispose([output.data, after.data, logits.data, patterns.data, scores.data, same.losses.data, same.recovery.data, tokens.data]);
    disposeTree(ablated, { except: [model] });
    disposeTree(model);
  });
});
