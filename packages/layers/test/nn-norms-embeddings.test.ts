import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  AddBias, EmbeddingDecode, EmbeddingLookup, EmbeddingTable, LayerNorm, Linear, Parameter, ParameterSlot, RMSLayerNorm,
  RMSStandardize, Sequential, Standardize, flattenWithPaths, keyPathToString,
} from '@penjing/layers';
import { arr, expectArray, expectNoLeak, param } from './nn-helpers.js';

beforeAll(async () => {
  await nx.ready();
});

describe('norms', () => {
  it('Standardize: (x − mean) / sqrt(var + ε) over the named axis', () => {
    // mean 2.5, variance 1.25 -> ±1.5/1.1180340, ±0.5/1.1180340
    const x = arr([[1, 2, 3, 4], [2, 2, 2, 2]], ['seq', 'embedding']);
    expectNoLeak(() => new Standardize({ across: 'embedding' }).call(x), (y) =>
      expectArray(y, ['seq', 'embedding'], [[-1.3416402, -0.4472134, 0.4472134, 1.3416402], [0, 0, 0, 0]]),
    );
  });
  it('RMSStandardize: x · rsqrt(mean(x²) + ε)', () => {
    // mean square of [3, 4] = 12.5; rsqrt = 0.2828427
    const x = arr([[3, 4], [0, 0]], ['seq', 'embedding']);
    expectArray(new RMSStandardize({ across: 'embedding' }).call(x), ['seq', 'embedding'], [[0.8485281, 1.1313708], [0, 0]]);
    // A large ε dominates: [3, 4] · rsqrt(12.5 + 87.5) = [0.3, 0.4]
    expectArray(new RMSStandardize({ across: 'embedding', epsilon: 87.5 }).call(x), ['seq', 'embedding'], [[0.3, 0.4], [0, 0]]);
    expect(() => new RMSStandardize({ across: 'embedding' }).call(arr([1], ['neurons']))).toThrow(/missing axis 'embedding'/);
  });
  it('RMSLayerNorm = RMSStandardize then a per-element scale labelled <name>/scale.weights', () => {
    const n = RMSLayerNorm.fromConfig({ name: 'transformer/final_norm', seed: 0, acrossAxes: { embedding: 2 } });
    expect(n).toBeInstanceOf(Sequential);
    const [std, scale] = n.sublayers as [RMSStandardize, Linear];
    expect(std.epsilon).toBe(1e-6);
    expect(scale.weights.label).toBe('transformer/final_norm/scale.weights');
    expect(scale.weights.value.arraySync('embedding')).toEqual([1, 1]);
    const bound = n.replace({ sublayers: [std, scale.replace({ weights: param('s', [2, 0.5], ['embedding']) })] });
    const x = arr([[3, 4]], ['seq', 'embedding']);
    expectNoLeak(() => bound.call(x), (y) => expectArray(y, ['seq', 'embedding'], [[1.6970563, 0.5656854]]));
    const slots = RMSLayerNorm.fromConfig({ name: 'n', seed: null, acrossAxes: { embedding: 4 } });
    expect((slots.sublayers[1] as Linear).weights).toBeInstanceOf(ParameterSlot);
    expect(((slots.sublayers[1] as Linear).weights as ParameterSlot).namedShape).toEqual({ embedding: 4 });
  });
  it('LayerNorm = Standardize, scale, shift', () => {
    const n = LayerNorm.fromConfig({ name: 'ln', seed: 0, acrossAxes: { embedding: 4 } });
    const [std, scale, shift] = n.sublayers as [Standardize, Linear, AddBias];
    expect(scale.weights.label).toBe('ln/scale.weights');
    expect(shift.bias.label).toBe('ln/shift.bias');
    const bound = n.replace({
      sublayers: [std, scale.replace({ weights: param('s', [1, 2, 1, 2], ['embedding']) }), shift.replace({ bias: param('b', [0, 0, 1, 1], ['embedding']) })],
    });
    expectArray(bound.call(arr([1, 2, 3, 4], ['embedding'])), ['embedding'], [-1.3416402, -0.8944268, 1.4472134, 3.6832804]);
  });
});

describe('embeddings', () => {
  const table = () => new EmbeddingTable({ embeddings: param('emb.embeddings', [[0, 1], [2, 3], [4, 5]], ['vocabulary', 'embedding']) });

  it('EmbeddingLookup gathers rows by token id', () => {
    const lookup = new EmbeddingLookup({ table: table() });
    const tokens = arr([[2, 0], [1, 1]], ['batch', 'seq'], 'int32');
    expectNoLeak(() => lookup.call(tokens), (y) => expectArray(y, ['batch', 'seq', 'embedding'], [[[4, 5], [0, 1]], [[2, 3], [2, 3]]]));
    expect(() => lookup.call(arr([[0.5]], ['batch', 'seq']))).toThrow(/expects int32 token ids; got float32/);
  });
  it('EmbeddingDecode contracts the embedding axis with the table', () => {
    const decode = new EmbeddingDecode({ table: table() });
    // [1, 2] · rows [0, 1], [2, 3], [4, 5] = 2, 8, 14
    expectArray(decode.call(arr([[1, 2]], ['seq', 'embedding'])), ['seq', 'vocabulary'], [[2, 8, 14]]);
    expect(() => decode.call(arr([[1, 2, 3]], ['seq', 'embedding']))).toThrow(/EmbeddingDecode 'emb.embeddings' expected input axes \{embedding: 2\}.*has size 3/);
  });
  it('a tied table is one Parameter in two places', () => {
    const t = new EmbeddingTable({ embeddings: param('tied.embeddings', [[1, 0], [0, 1], [1, 1]], ['vocabulary', 'embedding']) });
    const model = new Sequential({ sublayers: [new EmbeddingLookup({ table: t }), new EmbeddingDecode({ table: t })] });
    const params = flattenWithPaths(model, (x) => x instanceof Parameter).filter(([, v]) => v instanceof Parameter);
    expect(params.map(([p]) => keyPathToString(p))).toEqual(['.sublayers[0].table.embeddings', '.sublayers[1].table.embeddings']);
    expect(params[0][1]).toBe(params[1][1]);
    // tokens [0, 2] -> [1, 0], [1, 1] -> logits [1, 0, 1], [1, 1, 2]
    expectArray(model.call(arr([0, 2], ['seq'], 'int32')), ['seq', 'vocabulary'], [[1, 0, 1], [1, 1, 2]]);
  });
  it('fromConfig labels the table and builds slots without a seed', () => {
    const t = EmbeddingTable.fromConfig({ name: 'transformer/embedder', seed: 0, vocabSize: 11, embeddingAxes: { embedding: 8 } });
    expect(t.embeddings.label).toBe('transformer/embedder.embeddings');
    expect(t.embeddings.value.namedShape).toEqual({ vocabulary: 11, embedding: 8 });
    // vocabulary-first, so lookups gather rows without a transpose
    expect(t.embeddings.value.names).toEqual(['vocabulary', 'embedding']);
    const s = EmbeddingTable.fromConfig({ name: 'e', seed: null, vocabSize: 11, embeddingAxes: { embedding: 8 } });
    expect((s.embeddings as ParameterSlot).namedShape).toEqual({ vocabulary: 11, embedding: 8 });
    expect(Object.keys((s.embeddings as ParameterSlot).namedShape!)).toEqual(['vocabulary', 'embedding']);
    expect(() => EmbeddingTable.fromConfig({ name: 'e', seed: 0, vocabSize: 3, embeddingAxes: { vocabulary: 2 } })).toThrow(/also an embedding axis/);
  });
  it('gradients reach the table through the lookup (repeated ids add up)', () => {
    const tokens = arr([[2, 0, 2]], ['batch', 'seq'], 'int32');
    const g = tf.grad((t: tf.Tensor) => {
      const tab = new EmbeddingTable({ embeddings: new Parameter({ label: 'g', value: nx.wrap(t, 'vocabulary', 'embedding') }) });
      const w = arr([1, 10], ['embedding']);
      return new EmbeddingLookup({ table: tab }).call(tokens).mul(w).sum('batch', 'seq', 'embedding').data;
    })(tf.tensor2d([[0, 1], [2, 3], [4, 5]]));
    expect(g.arraySync()).toEqual([[1, 10], [0, 0], [2, 20]]);
  });
});
