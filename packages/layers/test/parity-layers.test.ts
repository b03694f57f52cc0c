// Penzai parity for layers: Linear's axis records, Dropout with a RandomStream side input,
// MLP.fromConfig and Checkpointed. Expected values by hand or JS loops.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Checkpointed, Dropout, Identity, Linear, MLP, Parameter, ParameterSlot, RandomStream, Sequential, UnhandledSideInputError, disposeGrads, disposeTree,
  parameters, select, valueAndGrad,
} from '../src/index.js';
import { Act, Chain, Scale } from './tree-fixtures.js';

beforeAll(async () => {
  await nx.ready();
});

describe('Linear axis records', () => {
  it('inputAxes, outputAxes and parallelAxes read the weights (or a slot\'s declared shape)', () => {
    const lin = Linear.fromConfig({ name: 'q', seed: 0, inputAxes: { embedding: 4 }, outputAxes: { projection: 3 }, parallelAxes: { heads: 2 } }) as Linear;
    expect(lin.inputAxes).toEqual({ embedding: 4 });
    expect(lin.outputAxes).toEqual({ projection: 3 });
    expect(lin.parallelAxes).toEqual({ heads: 2 });
    const slot = new Linear({ weights: new ParameterSlot({ label: 's', namedShape: { a: 2, b: 5 } }), inAxisNames: ['a'], outAxisNames: ['b'] });
    expect(slot.outputAxes).toEqual({ b: 5 });
    const bare = new Linear({ weights: new ParameterSlot({ label: 's' }), inAxisNames: ['a'], outAxisNames: ['b'] });
    expect(() => bare.inputAxes).toThrow(/unbound slot with no declared shape/);
    disposeTree(lin);
  });
});

describe('Dropout', () => {
  it('zeroes about `rate` of the elements, scales the rest by 1/(1−rate), replays with the same key', () => {
    const x = nx.ones({ batch: 50, features: 40 });
    const drop = new Dropout({ rate: 0.25 });
    const y = drop.call(x, { randomStream: new RandomStream(nx.randomKey(3)) });
    const v = (y.arraySync('batch', 'features') as number[][]).flat();
    const zeros = v.filter((e) => e === 0).length / v.length;
    expect(zeros).toBeGreaterThan(0.2);
    expect(zeros).toBeLessThan(0.3);
    expect(v.filter((e) => e !== 0).every((e) => Math.abs(e - 1 / 0.75) < 1e-6)).toBe(true);
    const again = drop.call(x, { randomStream: new RandomStream(3) });
    expect(again.arraySync('batch', 'features')).toEqual(y.arraySync('batch', 'features'));
    const stream = new RandomStream(3);
    const a = drop.call(x, { randomStream: stream });
    const b = drop.call(x, { randomStream: stream });
    expect(stream.count).toBe(2);
    expect(a.arraySync('batch', 'features')).not.toEqual(b.arraySync('batch', 'features'));
    [x, y, again, a, b].forEach((t) => t.dispose());
  });

  it('misuse: no stream, a wrong stream, a bad rate', () => {
    const x = nx.ones({ a: 2 });
    const before = tf.memory().numTensors;
    expect(() => new Dropout({ rate: 0.1 }).call(x)).toThrow(UnhandledSideInputError);
    expect(() => new Dropout({ rate: 0.1 }).call(x, { randomStream: 7 })).toThrow(/must be a RandomStream/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new Dropout({ rate: 1 })).toThrow(/rate must be in \[0, 1\)/);
    expect(() => new RandomStream(nx.scalar(1) as never)).toThrow(/needs one random key/);
    x.dispose();
  });
});

describe('MLP.fromConfig', () => {
  it('Affine layers with activations between, labelled per layer; computes relu(x·W0 + b0)·W1 + b1', () => {
    const mlp = MLP.fromConfig({ name: 'mlp', seed: 0, featureSizes: [2, 3, 1] });
    expect(parameters(mlp).map((p) => p.label)).toEqual(['mlp/Affine_0/Linear.weights', 'mlp/Affine_0/AddBias.bias', 'mlp/Affine_1/Linear.weights', 'mlp/Affine_1/AddBias.bias']);
    const [w0, b0, w1, b1] = parameters(mlp).map((p) => p.parameter.value);
    const W0 = w0!.arraySync('features', 'features_out') as number[][];
    const B0 = b0!.arraySync('features') as number[];
    const W1 = w1!.arraySync('features', 'features_out') as number[][];
    const B1 = b1!.arraySync('features') as number[];
    const input = [0.5, -1];
    const h = [0, 1, 2].map((j) => Math.max(0, input[0]! * W0[0]![j]! + input[1]! * W0[1]![j]! + B0[j]!));
    const want = h.reduce((s, hj, j) => s + hj * W1[j]![0]!, B1[0]!);
    const x = nx.fromArray([input], ['batch', 'features']);
    const y = mlp.call(x) as nx.NamedArray;
    expect(y.namedShape).toEqual({ batch: 1, features: 1 });
    expect(y.arraySync('batch', 'features')).toEqual([[expect.closeTo(want, 5)]]);
    const withDrop = MLP.fromConfig({ name: 'd', seed: 0, featureSizes: [2, 3, 1], dropoutRate: 0.5 });
    expect(select(withDrop).atInstancesOf(Dropout).count()).toBe(1);
    expect(() => MLP.fromConfig({ name: 'bad', seed: 0, featureSizes: [2] })).toThrow(/at least two positive integer sizes/);
    disposeTree([mlp, withDrop, x, y]);
  });
});

describe('Checkpointed', () => {
  it('gives the same value and hand-derived gradients as the plain body, input and parameters', () => {
    // body: y = tanh(w·x); loss = Σ y  →  d/dw = x(1 − tanh²(wx)), d/dx = w(1 − tanh²(wx))
    const w = new Parameter({ label: 'w', value: nx.fromArray([0.5, -2], ['a']) });
    const body = new Chain({ sublayers: [new Scale({ by: w }), new Act({ fn: (v) => v.tanh() })] });
    const model = new Sequential({ sublayers: [new Checkpointed({ body }), new Identity()] });
    const xv = [1.5, 0.25];
    const x = nx.fromArray(xv, ['a']);
    const before = tf.memory().numTensors;
    const { value, grads } = valueAndGrad((m: typeof model) => (m.call(x) as nx.NamedArray).sum('a'))(model);
    expect(value).toBeCloseTo(Math.tanh(0.75) + Math.tanh(-0.5), 5);
    const gw = grads['w']!.arraySync('a') as number[];
    [0.5, -2].forEach((wv, i) => expect(gw[i]).toBeCloseTo(xv[i]! * (1 - Math.tanh(wv * xv[i]!) ** 2), 5));
    disposeGrads(grads);
    expect(tf.memory().numTensors).toBe(before);
    const gx = tf.grad((t: tf.Tensor) => (model.call(nx.wrap(t, 'a')) as nx.NamedArray).sum('a').data)(tf.tensor1d(xv));
    (gx.arraySync() as number[]).forEach((g, i) => expect(g).toBeCloseTo([0.5, -2][i]! * (1 - Math.tanh([0.5, -2][i]! * xv[i]!) ** 2), 5));
    gx.dispose();
    disposeTree([model, x]);
  });

  it('recomputes the body in the backward pass (two forward runs per gradient, one per plain call)', () => {
    let runs = 0;
    const counted = new Act({ fn: (v) => { runs++; return v.square(); } });
    const model = new Checkpointed({ body: new Chain({ sublayers: [new Scale({ by: new Parameter({ label: 'w', value: nx.fromArray([3], ['a']) }) }), counted] }) });
    const x = nx.fromArray([2], ['a']);
    const y = model.call(x);
    expect(runs).toBe(1);
    const { grads } = valueAndGrad((m: typeof model) => m.call(x).sum('a'))(model);
    expect(runs).toBe(3);
    expect(grads['w']!.item()).toBeCloseTo(2 * 3 * 2 * 2, 5); // d/dw (w x)² = 2 w x²
    disposeGrads(grads);
    disposeTree([model, x, y]);
  });
});

describe('selectProjections', () => {
  it('selects Linears that contract an input axis, not norm scales', async () => {
    const { RMSLayerNorm, selectProjections, isProjection, Linear: L } = await import('../src/index.js');
    const proj = L.fromConfig({ name: 'q', seed: 0, inputAxes: { embedding: 4 }, outputAxes: { projection: 2 } });
    const norm = RMSLayerNorm.fromConfig({ name: 'qnorm', seed: 0, acrossAxes: { projection: 2 } });
    const tree = new Sequential({ sublayers: [proj, norm] });
    expect(select(tree).atInstancesOf(L).count()).toBe(2);
    expect(selectProjections(tree).getSequence()).toEqual([proj]);
    expect(isProjection(norm)).toBe(false);
    disposeTree(tree);
  });
});
