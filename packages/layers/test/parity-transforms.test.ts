// Penzai/JAX parity: jvp (double reverse mode), gradients at arbitrary selected leaves keyed
// by key path (unused ones zero), and adamw. Expected values by hand.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter, Sequential, adamw, applyUpdates, disposeGrads, disposeTree, freezeParams, jvp, parameters, select, valueAndGrad } from '../src/index.js';
import { Scale } from './tree-fixtures.js';

beforeAll(async () => {
  await nx.ready();
});

const close = (got: number[], want: number[], digits = 5) => got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, digits));

describe('jvp', () => {
  it('J·t of f(x, y) = x·y + sin(x) matches the hand derivative (y + cos x)·tx + x·ty', () => {
    const xv = [0.5, -1, 2];
    const yv = [3, 0.25, -2];
    const tx = [1, 2, -1];
    const ty = [0.5, 0, 4];
    const [x, y, a, b] = [xv, yv, tx, ty].map((v) => nx.fromArray(v, ['a']));
    const before = tf.memory().numTensors;
    const [out, tan] = jvp((p, q) => p.mul(q).add(p.sin()), [x!, y!], [a!, b!]);
    expect(tf.memory().numTensors - before).toBe(2);
    close(out.arraySync('a') as number[], xv.map((v, i) => v * yv[i]! + Math.sin(v)));
    close(tan.arraySync('a') as number[], xv.map((v, i) => (yv[i]! + Math.cos(v)) * tx[i]! + v * ty[i]!), 4);
    [x, y, a, b, out, tan].forEach((v) => v!.dispose());
  });

  it('through a contraction (a matrix-vector product): J·t = W·t, tangents in any layout', () => {
    const W = nx.fromArray([[1, 2], [3, 4], [5, 6]], ['out', 'in']);
    const x = nx.fromArray([1, -1], ['in']);
    const t = nx.fromArray([2, 1], ['in']);
    const [, tan] = jvp((v) => nx.contract(['in'], v.tanh(), W), [x], [t]);
    // d tanh(x) = (1 − tanh²x)·t; then W·that
    const d = [1, -1].map((v, i) => (1 - Math.tanh(v) ** 2) * [2, 1][i]!);
    close(tan.arraySync('out') as number[], [0, 1, 2].map((r) => (r * 2 + 1) * d[0]! + (r * 2 + 2) * d[1]!), 4);
    [W, x, t, tan].forEach((v) => v.dispose());
  });

  it('misuse: tangent count or shape mismatch, int primals', () => {
    const x = nx.fromArray([1, 2], ['a']);
    const bad = nx.fromArray([1, 2, 3], ['a']);
    const ints = nx.fromArray([1, 2], ['a'], 'int32');
    expect(() => jvp((v) => v, [x], [])).toThrow(/1 primal\(s\) but 0 tangent/);
    expect(() => jvp((v) => v, [x], [bad])).toThrow(/tangent 0 has named shape \{a: 3\}/);
    expect(() => jvp((v) => v, [ints], [ints])).toThrow(/only float32/);
    [x, bad, ints].forEach((v) => v.dispose());
  });
});

describe('valueAndGrad at selected leaves', () => {
  it('gradients keyed by key path; a selected leaf the loss does not use gets zeros', () => {
    const model = freezeParams(new Sequential({ sublayers: [new Scale({ by: new Parameter({ label: 'w', value: nx.fromArray([2, 3], ['a']) }) })] }));
    const tree = { model, unused: nx.fromArray([7, 7, 7], ['b']) };
    const x = nx.fromArray([1, 4], ['a']);
    const loss = (t: typeof tree) => (t.model.call(x) as nx.NamedArray).square().sum('a');
    const wrt = select(tree).atInstancesOf(nx.NamedArray);
    const { value, grads } = valueAndGrad(loss)(tree, { wrt });
    // loss = Σ (w x)²: d/dw = 2 w x², value = 4 + 144
    expect(value).toBeCloseTo(148, 4);
    expect(Object.keys(grads).sort()).toEqual(['["model"].sublayers[0].by.value', '["unused"]'].sort());
    close(grads['["model"].sublayers[0].by.value']!.arraySync('a') as number[], [4, 96]);
    expect(grads['["unused"]']!.arraySync('b')).toEqual([0, 0, 0]);
    disposeGrads(grads);
    expect(() => valueAndGrad(loss)(tree, { wrt: select({ i: nx.fromArray([1], ['a'], 'int32') }).atInstancesOf(nx.NamedArray) })).toThrow(/does not exist in the tree|only float32/);
    disposeTree([tree, x]);
  });
});

describe('adamw', () => {
  it('one step: w ← w(1 − lr·λ) − lr·g/(|g| + ε), as optax/PyTorch compute it', () => {
    const model = new Sequential({ sublayers: [new Scale({ by: new Parameter({ label: 'w', value: nx.fromArray([1, -2], ['a']) }) })] });
    const x = nx.fromArray([3, 0.5], ['a']);
    const { grads } = valueAndGrad((m: typeof model) => (m.call(x) as nx.NamedArray).sum('a'))(model); // g = x
    const opt = adamw(0.1, { weightDecay: 0.5 });
    const next = applyUpdates(model, grads, opt);
    const want = [1, -2].map((w, i) => w * (1 - 0.1 * 0.5) - (0.1 * [3, 0.5][i]!) / (Math.abs([3, 0.5][i]!) + 1e-8));
    close(parameters(next)[0]!.parameter.value.arraySync('a') as number[], want, 4);
    expect(() => adamw(0.1, { weightDecay: -1 })).toThrow(/weightDecay must be a non-negative/);
    expect(() => adamw(0)).toThrow(/learningRate must be a positive/);
    disposeGrads(grads);
    opt.dispose();
    disposeTree(next, { except: [model] });
    disposeTree([model, x]);
  });
});
