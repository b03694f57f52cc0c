import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  AddBias, Affine, ApplyCausalAttentionMask, ApplyExplicitAttentionMask, CollectSideOutputs, Elementwise, From, KnockOutAttentionHeads,
  Layer, Linear, LinearInPlace, Parameter, ParameterSlot, RewireComputationPaths, Sequential, Softmax, Tell, UnhandledSideInputError,
  WithConstantSideInputs, bindParameters, constantInitializer, disposeGrads, parameterSlots, parameters, select, unbindParameters,
  formatTree, parseTree, unhandledSideInputs, valueAndGrad,
} from '@penjing/layers';
import * as layers from '@penjing/layers';
import { arr, expectArray, expectNoLeak, param } from './nn-helpers.js';
import { TINY, tinyBody, tinyTransformer } from './scenarios-helpers.js';

beforeAll(async () => {
  await nx.ready();
});

/** A two-layer MLP with hand-set weights: h = relu(x W1 + 1), y = h W2 + 5. */
function mlp(): Sequential {
  const a = Affine.fromConfig({ name: 'mlp/0', seed: 0, inputAxes: { in: 2 }, outputAxes: { hidden: 2 }, biasInitializer: constantInitializer(1) });
  const b = Affine.fromConfig({ name: 'mlp/1', seed: 0, inputAxes: { hidden: 2 }, outputAxes: { out: 1 }, biasInitializer: constantInitializer(5) });
  const withW = (af: Affine, w: Parameter) => af.replace({ sublayers: [(af.sublayers[0] as Linear).replace({ weights: w }), af.sublayers[1]] });
  return new Sequential({
    sublayers: [withW(a, param('w1', [[1, -1], [2, 0]], ['in', 'hidden'])), new Elementwise({ fn: 'relu' }), withW(b, param('w2', [[1], [1]], ['hidden', 'out']))],
  });
}

const maxAbsDiff = (a: nx.NamedArray, b: nx.NamedArray) => {
  const d = a.sub(b).abs();
  return d.max(...d.names).item();
};

describe('scenarios from the Penzai notebooks', () => {
  it('removes every AddBias from an MLP, leaving the original untouched', () => {
    const model = mlp();
    const x = arr([1, 1], ['in']);
    // with biases: x W1 = [3, −1] → +1 → relu [4, 0] → 4 + 5 = 9; without: relu [3, −1] = [3, 0] → 3
    expectArray(model.call(x), ['out'], [9]);
    const noBias = select(model).atInstancesOf(AddBias).removeFromParent();
    expect(select(noBias).atInstancesOf(AddBias).count()).toBe(0);
    expect(select(model).atInstancesOf(AddBias).count()).toBe(2);
    expectArray(noBias.call(x), ['out'], [3]);
    expectArray(model.call(x), ['out'], [9]);
    // Unchanged subtrees are shared.
    expect((noBias.sublayers[1] as Elementwise)).toBe(model.sublayers[1]);
  });

  it('inserts a capturing layer and a printing layer after every Elementwise', () => {
    const printed: string[] = [];
    class PrintShape extends Layer<nx.NamedArray, nx.NamedArray> {
      constructor() { super({}); }
      protected override forward(x: nx.NamedArray) { printed.push(nx.formatNamedShape(x.namedShape)); return x; }
    }
    const model = select(mlp()).atInstancesOf(Elementwise).insertAfter(new Tell({ tag: 'activation' }));
    const printing = select(model).atInstancesOf(Elementwise).insertAfter(new PrintShape());
    const { output, sideOutputs } = new CollectSideOutputs({ body: printing }).call(arr([[1, 1], [0, 1]], ['batch', 'in']));
    // second row: x W1 = [2, 0] → +1 → [3, 1]; output 3 + 1 + 5 = 9
    expectArray(output, ['batch', 'out'], [[9], [9]]);
    expect(sideOutputs.activation).toHaveLength(1);
    expectArray(sideOutputs.activation[0], ['batch', 'hidden'], [[4, 0], [3, 1]]);
    expect(printed).toEqual(['{batch: 2, hidden: 2}']);
  });

  it('builds structure-only models whose slots bind by label to the same outputs', () => {
    const seeded = tinyTransformer(0);
    const slots = tinyTransformer(null);
    const labels = parameters(seeded).map((p) => p.label);
    expect(labels).toContain('transformer/embedder.embeddings');
    expect(labels).toContain('transformer/block_1/attention/query.weights');
    expect(labels).toContain('transformer/block_0/pre_attention_norm/scale.weights');
    expect(labels).toContain('transformer/final_norm/scale.weights');
    expect(labels).toContain('transformer/block_1/mlp/gating_linear.weights');
    expect(new Set(labels).size).toBe(labels.length);
    expect(parameterSlots(slots).map((s) => s.label).sort()).toEqual([...labels].sort());
    // The tied table is one slot label used in two places.
    expect(parameterSlots(slots).find((s) => s.label === 'transformer/embedder.embeddings')!.paths).toHaveLength(2);
    const bound = bindParameters(slots, Object.fromEntries(parameters(seeded).map((p) => [p.label, p.parameter.value])));
    const tokens = arr([[1, 5, 2, 7]], ['batch', 'seq'], 'int32');
    expect(maxAbsDiff(bound.call(tokens), seeded.call(tokens))).toBe(0);
  });

  it('a forward pass leaves no tensors behind and has the expected axes', () => {
    const model = tinyTransformer(1);
    const tokens = arr([[1, 5, 2, 7], [3, 3, 0, 9]], ['batch', 'seq'], 'int32');
    expectNoLeak(() => model.call(tokens), (logits) => expect(logits.namedShape).toEqual({ batch: 2, seq: 4, vocabulary: TINY.vocab }));
    const captured = new CollectSideOutputs({ body: select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'attn' })) });
    expectNoLeak(() => captured.call(tokens), (r) => expect(r.sideOutputs.attn).toHaveLength(2));
  });

  it('captures every attention pattern into one array stacked on a blocks axis', () => {
    const model = tinyTransformer(2);
    const tokens = arr([[1, 5, 2, 7, 7]], ['batch', 'seq'], 'int32');
    const instrumented = select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'attn' }));
    const { output, sideOutputs } = new CollectSideOutputs({ body: instrumented }).call(tokens);
    // Telling changes nothing.
    expect(maxAbsDiff(output, model.call(tokens))).toBe(0);
    const patterns = nx.stack(sideOutputs.attn, 'blocks');
    expect(patterns.namedShape).toEqual({ blocks: 2, batch: 1, heads: 2, seq: 5, kv_seq: 5 });
    const p = patterns.index({ batch: 0 }).arraySync('blocks', 'heads', 'seq', 'kv_seq') as number[][][][];
    for (const blk of p) for (const head of blk) {
      head.forEach((row, q) => {
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        row.forEach((v, k) => (k > q ? expect(v).toBe(0) : expect(v).toBeGreaterThan(0)));
      });
      expect(head[0][0]).toBeCloseTo(1, 6);
    }
    // The two blocks have different weights, hence different patterns.
    expect(JSON.stringify(p[0])).not.toBe(JSON.stringify(p[1]));
  });

  it('knocks out one head: only that head, the later computation and the positions that can change do', () => {
    const model = tinyTransformer(3);
    const tokens = arr([[4, 1, 8, 2]], ['batch', 'seq'], 'int32');
    const tell = (m: unknown) => new CollectSideOutputs({ body: select(m).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'attn' })) as Layer });
    const knocked = select(model)
      .atInstancesOf(Softmax)
      .pickNth(1)
      .insertAfter(new KnockOutAttentionHeads({ headMask: arr([1, 0], ['heads']) }));
    expect(select(knocked).atInstancesOf(KnockOutAttentionHeads).count()).toBe(1);
    const base = tell(model).call(tokens);
    // Capture after the knockout to see the rewritten pattern.
    const after = new CollectSideOutputs({ body: select(knocked).atInstancesOf(KnockOutAttentionHeads).insertAfter(new Tell({ tag: 'knocked' })) as Layer }).call(tokens);
    const before1 = base.sideOutputs.attn[1].index({ batch: 0 });
    const knocked1 = after.sideOutputs.knocked[0].index({ batch: 0 });
    // (bos + 1·(attn − bos) equals attn up to float rounding)
    expect(maxAbsDiff(knocked1.index({ heads: 0 }), before1.index({ heads: 0 }))).toBeLessThan(1e-6);
    expectArray(knocked1.index({ heads: 1 }), ['seq', 'kv_seq'], [[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]);
    // Block 0 runs before the knockout: its pattern is untouched.
    const knockedAttn = tell(knocked).call(tokens).sideOutputs.attn;
    expect(maxAbsDiff(knockedAttn[0], base.sideOutputs.attn[0])).toBe(0);
    const l0 = base.output.index({ batch: 0 });
    const l1 = after.output.index({ batch: 0 });
    // Position 0 only ever attends to itself, so knocking out to position 0 changes nothing there;
    // every later position reads other tokens through head 1 and changes.
    expect(maxAbsDiff(l1.index({ seq: 0 }), l0.index({ seq: 0 }))).toBeLessThan(1e-5);
    for (const s of [1, 2, 3]) expect(maxAbsDiff(l1.index({ seq: s }), l0.index({ seq: s }))).toBeGreaterThan(1e-4);
    // Keeping every head is a no-op.
    const kept = select(model).atInstancesOf(Softmax).insertAfter(new KnockOutAttentionHeads({ headMask: arr([1, 1], ['heads']) }));
    expect(maxAbsDiff(kept.call(tokens), model.call(tokens))).toBeLessThan(1e-6);
  });

  it('a tree with an unhandled side input fails before computing, naming the paths', () => {
    const body = tinyBody(0);
    const tokens = arr([[1, 2]], ['batch', 'seq'], 'int32');
    const missing = unhandledSideInputs(body);
    expect(missing.every((m) => m.name === 'tokenPositions')).toBe(true);
    expect(missing.map((m) => m.layer).sort()).toEqual(['ApplyCausalAttentionMask', 'ApplyCausalAttentionMask', 'ApplyRoPE', 'ApplyRoPE', 'ApplyRoPE', 'ApplyRoPE']);
    expect(() => body.call(tokens)).toThrow(UnhandledSideInputError);
    expect(() => body.call(tokens)).toThrow(/\.sublayers\[2\]\.sublayers\[0\]\.delta\.sublayers\[1\]\.inputToQuery\.sublayers\[1\] \(ApplyRoPE\) needs 'tokenPositions'/);
    // Passing the positions as a call argument works.
    const logits = body.call(tokens, { tokenPositions: arr([[0, 1]], ['batch', 'seq'], 'int32') });
    expect(maxAbsDiff(logits, tinyTransformer(0).call(tokens))).toBe(0);
  });

  it('an explicit mask equal to the causal mask gives identical outputs', () => {
    const model = tinyTransformer(4);
    const tokens = arr([[3, 1, 4, 1, 5]], ['batch', 'seq'], 'int32');
    const attnMask = nx.arange('seq', 5).greaterEqual(nx.arange('kv_seq', 5));
    const explicit = new WithConstantSideInputs({
      body: select(model).atInstancesOf(ApplyCausalAttentionMask).set(new ApplyExplicitAttentionMask()) as Layer,
      values: { attnMask },
    });
    expect(unhandledSideInputs(explicit)).toEqual([]);
    expect(maxAbsDiff(explicit.call(tokens), model.call(tokens))).toBe(0);
  });

  it('patches attention patterns from a clean world into a corrupted one along worlds', () => {
    const model = tinyTransformer(5);
    const clean = arr([[1, 2, 3, 4]], ['batch', 'seq'], 'int32');
    const corrupted = arr([[1, 9, 3, 4]], ['batch', 'seq'], 'int32');
    const worlds = nx.stack([clean, corrupted], 'worlds');
    const rewire = new RewireComputationPaths({ worldOrdering: ['clean', 'corrupted'], taking: { clean: new From({ source: 'clean' }), corrupted: new From({ source: 'clean' }) } });
    const patched = select(model).atInstancesOf(Softmax).insertAfter(rewire);
    const out = new CollectSideOutputs({ body: select(patched).atInstancesOf(RewireComputationPaths).insertAfter(new Tell({ tag: 'attn' })) as Layer }).call(worlds);
    for (const a of out.sideOutputs.attn) expect(maxAbsDiff(a.index({ worlds: 0 }), a.index({ worlds: 1 }))).toBe(0);
    // The clean world is exactly the unpatched model on the clean tokens.
    expect(maxAbsDiff(out.output.index({ worlds: 0 }), model.call(clean))).toBeLessThan(1e-5);
    // The corrupted world still differs (its values and MLPs see token 9).
    expect(maxAbsDiff(out.output.index({ worlds: 1 }), model.call(corrupted))).toBeGreaterThan(1e-4);
  });

  it('gradients of a language-model loss reach every parameter, the tied table included', () => {
    const model = tinyTransformer(6);
    const tokens = arr([[1, 5, 2, 7, 3]], ['batch', 'seq'], 'int32');
    const targets = nx.wrap(tf.oneHot(arr([[5, 2, 7, 3, 1]], ['batch', 'seq'], 'int32').unwrap('batch', 'seq'), TINY.vocab), 'batch', 'seq', 'vocabulary');
    const loss = (m: typeof model) => m.call(tokens).logSoftmax('vocabulary').mul(targets).sum('batch', 'seq', 'vocabulary').neg();
    const { value, grads } = valueAndGrad(loss)(model);
    expect(Object.keys(grads).sort()).toEqual(parameters(model).map((p) => p.label).sort());
    for (const [label, g] of Object.entries(grads)) {
      const v = g.data.dataSync();
      expect(v.every(Number.isFinite), label).toBe(true);
      expect(v.some((e) => e !== 0), label).toBe(true);
    }
    // Independent check by central finite differences on one entry of the final norm scale.
    const label = 'transformer/final_norm/scale.weights';
    const w = parameters(model).find((p) => p.label === label)!.parameter.value;
    const at = (delta: number) => {
      const shifted = w.add(arr([delta, 0, 0, 0, 0, 0, 0, 0], ['embedding']));
      const m = bindParameters(unbindParameters(model, { where: (p) => p.label === label }).tree, { [label]: shifted });
      return loss(m).item();
    };
    const h = 1e-2;
    const numeric = (at(h) - at(-h)) / (2 * h);
    expect(grads[label].data.dataSync()[0]).toBeCloseTo(numeric, 2);
    expect(value).toBeCloseTo(loss(model).item(), 5);
    disposeGrads(grads);
  });

  it('prints as constructor-style text that rebuilds the same model', () => {
    const model = tinyTransformer(7);
    const text = formatTree(model, { roundTrip: true });
    expect(text).toContain("Linear({");
    expect(text).toContain("label: 'transformer/block_0/attention/query.weights'");
    expect(text).toContain("fn: 'gelu'");
    const classes = Object.values(layers).filter((v): v is typeof layers.Struct => typeof v === 'function' && v.prototype instanceof layers.Struct);
    const again = parseTree(text, { classes }) as typeof model;
    const tokens = arr([[2, 4, 6]], ['batch', 'seq'], 'int32');
    expect(maxAbsDiff(again.call(tokens), model.call(tokens))).toBe(0);
    expect(formatTree(again, { roundTrip: true })).toBe(text);
  });

  it('slot builds of every parametrised layer carry labels and shapes', () => {
    const lin = Linear.fromConfig({ name: 'mix', seed: null, inputAxes: { embedding: 4 }, outputAxes: { embedding: 4 } }) as LinearInPlace;
    const slot = (lin.sublayers[0] as Linear).weights as ParameterSlot;
    expect(slot).toBeInstanceOf(ParameterSlot);
    expect(slot.namedShape).toEqual({ embedding: 4, embedding_out: 4 });
    const af = Affine.fromConfig({ name: 'a', seed: null, inputAxes: { x: 2 }, outputAxes: { y: 3 } });
    expect(parameterSlots(af).map((s) => [s.label, s.namedShape])).toEqual([['a/Linear.weights', { x: 2, y: 3 }], ['a/AddBias.bias', { y: 3 }]]);
  });
});
