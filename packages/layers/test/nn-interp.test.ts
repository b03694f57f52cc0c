import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { From, KnockOutAttentionHeads, RewireComputationPaths, Sequential } from '@penjing/layers';
import { arr, expectArray, expectNoLeak } from './nn-helpers.js';

beforeAll(async () => {
  await nx.ready();
});

describe('KnockOutAttentionHeads', () => {
  const attn = () => arr([[[0.2, 0.3, 0.5]], [[0.1, 0.1, 0.8]]], ['heads', 'seq', 'kv_seq']);
  it('redirects masked heads to the first position and keeps the others', () => {
    const a = attn();
    const k = new KnockOutAttentionHeads({ headMask: arr([1, 0], ['heads']) });
    expectNoLeak(() => k.call(a), (y) => {
      expect(y.names).toEqual(['heads', 'seq', 'kv_seq']);
      expectArray(y, ['heads', 'seq', 'kv_seq'], [[[0.2, 0.3, 0.5]], [[1, 0, 0]]]);
    });
  });
  it('interpolates for values between 0 and 1, and is differentiable in the mask', () => {
    // 0.5 · [0.1, 0.1, 0.8] + 0.5 · [1, 0, 0]
    const k = new KnockOutAttentionHeads({ headMask: arr([1, 0.5], ['heads']) });
    expectArray(k.call(attn()), ['heads', 'seq', 'kv_seq'], [[[0.2, 0.3, 0.5]], [[0.55, 0.05, 0.4]]]);
    // d/dmask Σ (out · w) with w = [1, 2, 3] on kv_seq: Σ (attn − bos) · w = attn·w − 1
    const a = attn();
    const g = tf.grad((m: tf.Tensor) => new KnockOutAttentionHeads({ headMask: nx.wrap(m, 'heads') }).call(a).mul(arr([1, 2, 3], ['kv_seq'])).sum(...a.names).data)(tf.tensor1d([1, 1]));
    const got = g.arraySync() as number[];
    [0.2 + 0.6 + 1.5 - 1, 0.1 + 0.2 + 2.4 - 1].forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
  });
  it('checks that the heads in the mask exist', () => {
    const k = new Sequential({ sublayers: [new KnockOutAttentionHeads({ headMask: arr([1, 0], ['query_heads']) })] });
    expect(() => k.call(attn())).toThrow(/At \.sublayers\[0\] \(KnockOutAttentionHeads\): KnockOutAttentionHeads \(head mask \{query_heads: 2\}\) expected input axes \{kv_seq: \*, query_heads: 2\}.*missing axis 'query_heads'/);
  });
});

describe('RewireComputationPaths', () => {
  const x = () => arr([[1, 2], [3, 4]], ['worlds', 'd']);
  const worldOrdering = ['clean', 'corrupted'];
  it('copies, mixes and zeroes worlds', () => {
    const a = x();
    const copy = new RewireComputationPaths({ worldOrdering, taking: { clean: new From({ source: 'clean' }), corrupted: new From({ source: 'clean' }) } });
    expectNoLeak(() => copy.call(a), (y) => expectArray(y, ['worlds', 'd'], [[1, 2], [1, 2]]));
    const mix = new RewireComputationPaths({
      worldOrdering,
      taking: { clean: [], corrupted: [new From({ source: 'clean', weight: 0.5 }), new From({ source: 'corrupted', weight: 0.5 })] },
    });
    expectArray(mix.call(x()), ['worlds', 'd'], [[0, 0], [2, 3]]);
    const identity = new RewireComputationPaths({ worldOrdering, taking: { clean: new From({ source: 'clean' }), corrupted: new From({ source: 'corrupted' }) } });
    expectArray(identity.call(x()), ['worlds', 'd'], [[1, 2], [3, 4]]);
  });
  it('takes per-axis weights from NamedArrays and keeps the input layout', () => {
    const r = new RewireComputationPaths({
      worldOrdering,
      taking: {
        clean: new From({ source: 'clean' }),
        corrupted: [new From({ source: 'clean', weight: arr([1, 0], ['d']) }), new From({ source: 'corrupted', weight: arr([0, 1], ['d']) })],
      },
    });
    const input = x().orderAs('d', 'worlds');
    const y = r.call(input);
    expect(y.names).toEqual(['d', 'worlds']);
    expectArray(y, ['worlds', 'd'], [[1, 2], [1, 4]]);
  });
  it('validates worlds and the worlds axis', () => {
    expect(() => new RewireComputationPaths({ worldOrdering, taking: { clean: [] } })).toThrow(/missing \[corrupted\]/);
    expect(() => new RewireComputationPaths({ worldOrdering, taking: { clean: [], corrupted: new From({ source: 'other' }) } })).toThrow(/unknown sources \[other\]/);
    const r = new RewireComputationPaths({ worldOrdering, taking: { clean: [], corrupted: [] } });
    expect(() => r.call(arr([1, 2, 3], ['worlds']))).toThrow(/axis 'worlds' has size 3, expected 2/);
  });
});
