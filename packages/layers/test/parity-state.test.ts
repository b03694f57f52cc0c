// Penzai parity: StateVariable, unbind/bind, statelessCall, freezeVariables/freezeParams, and
// stale trees after a Trainer step. Expected values are counted or computed by hand.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Layer, Parameter, ParameterValue, StaleTreeError, StateVariable, StateVariableSlot, StateVariableValue, Trainer, disposeTree,
  freezeParams, freezeVariables, parameters, select, statelessCall, unbindStateVars, valueAndGrad,
} from '../src/index.js';
import { Chain, Scale } from './tree-fixtures.js';

beforeAll(async () => {
  await nx.ready();
});

/** Counts its calls and keeps a running sum of its inputs (a tensor state). */
class Tally extends Layer<nx.NamedArray, nx.NamedArray> {
  declare readonly calls: StateVariable<number>;
  declare readonly total: StateVariable<nx.NamedArray>;
  constructor(f: { calls: StateVariable<number>; total: StateVariable<nx.NamedArray> }) {
    super(f);
  }
  protected override forward(x: nx.NamedArray): nx.NamedArray {
    this.calls.value += 1;
    this.total.value = this.total.value.add(x);
    return x.mul(2);
  }
}

const tally = () => new Tally({ calls: new StateVariable({ value: 0, label: 'calls' }), total: new StateVariable({ value: nx.zeros({ a: 2 }), label: 'total' }) });

describe('StateVariable', () => {
  it('a layer updates its state in place during calls; tensor state survives the call', () => {
    const t = tally();
    const x = nx.fromArray([1, 2], ['a']);
    const y1 = t.call(x);
    const y2 = t.call(x);
    expect(t.calls.value).toBe(2);
    expect(t.total.value.arraySync('a')).toEqual([2, 4]);
    [x, y1, y2, t.total.value].forEach((v) => v.dispose());
  });

  it('unbindStateVars and statelessCall make the tree a pure function of its state', () => {
    const t = tally();
    const { tree, values } = unbindStateVars(t);
    expect(select(tree).atInstancesOf(StateVariableSlot).count()).toBe(2);
    expect(values.calls).toBe(0);
    const x = nx.fromArray([3, 4], ['a']);
    const before = tf.memory().numTensors;
    const r1 = statelessCall(tree, values, x);
    const r2 = statelessCall(tree, r1.values, x);
    expect(r2.values.calls).toBe(2);
    expect((r2.values.total as nx.NamedArray).arraySync('a')).toEqual([6, 8]);
    expect(values.calls).toBe(0); // the input state is untouched
    expect(r1.output.arraySync('a')).toEqual([6, 8]);
    // outputs, and the one new total per call, are all that remain
    expect(tf.memory().numTensors - before).toBe(4);
    [r1.output, r2.output, r1.values.total, r2.values.total, x, values.total].forEach((v) => (v as nx.NamedArray).dispose());
  });

  it('misuse: unbound slots, missing or extra values, clashing labels', () => {
    const { tree, values } = unbindStateVars(tally());
    const x = nx.fromArray([1, 1], ['a']);
    expect(() => tree.call(x)).toThrow(/State variable 'calls' is unbound: run the tree with statelessCall/);
    expect(() => statelessCall(tree, { calls: 0 }, x)).toThrow(/no value for state variable 'total'/);
    expect(() => statelessCall(tree, { ...values, extra: 1 }, x)).toThrow(/values for 'extra', which the tree has no slot for/);
    const clash = new Chain({ sublayers: [tally(), tally()] });
    expect(() => unbindStateVars(clash)).toThrow(/Two different StateVariables share the label 'calls'/);
    expect(() => new StateVariable({ value: 1, label: '' })).toThrow(/non-empty string/);
    x.dispose();
    (values.total as nx.NamedArray).dispose();
  });
});

describe('freezeParams and freezeVariables', () => {
  const scaled = () => new Chain({ sublayers: [new Scale({ by: new Parameter({ label: 'w', value: nx.fromArray([2, 3], ['a']) }) })] });

  it('freezeParams leaves no Parameter; the model computes the same', () => {
    const m = scaled();
    const tied = new Chain({ sublayers: [m.sublayers[0]!, m.sublayers[0]!] });
    const frozen = freezeParams(tied);
    expect(parameters(frozen)).toHaveLength(0);
    expect(select(frozen).atInstancesOf(Parameter).count()).toBe(0);
    const pv = select(frozen).atInstancesOf(ParameterValue).getSequence();
    expect(pv).toHaveLength(2);
    expect(pv[0]).toBe(pv[1]); // a tie stays one object
    const x = nx.fromArray([1, 1], ['a']);
    const y = frozen.call(x) as nx.NamedArray;
    expect(y.arraySync('a')).toEqual([4, 9]);
    expect(() => valueAndGrad((t: typeof frozen) => (t.call(x) as nx.NamedArray).sum('a'))(frozen)).toThrow(/no trainable parameter/);
    disposeTree([m, x, y]);
  });

  it('freezeVariables snapshots state: readable, not writable', () => {
    const frozen = freezeVariables(new Chain({ sublayers: [tally()] }));
    const snap = select(frozen).atInstancesOf(StateVariableValue).getSequence();
    expect(snap.map((s) => s.label)).toEqual(['calls', 'total']);
    const x = nx.fromArray([1, 1], ['a']);
    expect(() => frozen.call(x)).toThrow(/read only|read-only|Cannot assign/);
    disposeTree([frozen, x]);
  });
});

describe('stale trees after a Trainer step', () => {
  it('calling or training the tree passed to a Trainer fails naming trainer.tree; untrained() still works', () => {
    const model = new Chain({ sublayers: [new Scale({ by: new Parameter({ label: 'w', value: nx.fromArray([1, 1], ['a']) }) })] });
    const x = nx.fromArray([1, 2], ['a']);
    const loss = (m: Chain) => (m.call(x) as nx.NamedArray).sub(3).square().sum('a');
    const trainer = new Trainer(model, { loss, optimizer: tf.train.sgd(0.01) });
    expect((model.call(x) as nx.NamedArray).arraySync('a')).toEqual([1, 2]); // fine before any step
    trainer.step(null);
    expect(() => model.call(x)).toThrow(StaleTreeError);
    expect(() => model.call(x)).toThrow(/Trainer started from it.*use trainer\.tree/);
    expect(() => valueAndGrad(loss)(model)).toThrow(/valueAndGrad: this tree is stale/);
    const afterFirst = trainer.tree;
    trainer.step(null);
    expect(() => afterFirst.call(x)).toThrow(/replaced it at step 2.*use trainer\.tree/);
    const old = trainer.untrained().call(x) as nx.NamedArray;
    expect(old.arraySync('a')).toEqual([1, 2]);
    // w ← w − 0.01·2(w·x − 3)·x, twice, by hand: [1, 1] → [1.04, 1.04] → [1.0792, 1.0624]
    const w1 = [1 - 0.01 * 2 * (1 - 3) * 1, 1 - 0.01 * 2 * (2 - 3) * 2];
    const w2 = [w1[0]! - 0.01 * 2 * (w1[0]! - 3), w1[1]! - 0.01 * 2 * (w1[1]! * 2 - 3) * 2];
    const got = parameters(trainer.tree)[0]!.parameter.value.arraySync('a') as number[];
    got.forEach((g, i) => expect(g).toBeCloseTo(w2[i]!, 5));
    trainer.dispose();
    disposeTree([trainer.tree, model, x, old]);
  });

  it('keepInitialUsable leaves the input tree callable', () => {
    const model = new Chain({ sublayers: [new Scale({ by: new Parameter({ label: 'w', value: nx.fromArray([1], ['a']) }) })] });
    const x = nx.fromArray([1], ['a']);
    const trainer = new Trainer(model, { loss: (m: Chain) => (m.call(x) as nx.NamedArray).sum('a'), optimizer: tf.train.sgd(0.1), keepInitialUsable: true });
    trainer.step(null);
    const y = model.call(x) as nx.NamedArray;
    expect(y.item()).toBe(1);
    trainer.dispose();
    disposeTree([trainer.tree, model, x, y]);
  });
});
