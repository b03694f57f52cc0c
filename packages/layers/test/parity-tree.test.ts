// Penzai parity: struct.select(), selectAndSetByPath, tree-level orderLike, inlineGroups and
// callAndExtractSubmodel.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Identity, NamedGroup, Parameter, Sequential, callAndExtractSubmodel, disposeTree, inlineGroups, orderLike, select, selectAndSetByPath,
} from '../src/index.js';
import { Scale } from './tree-fixtures.js';

beforeAll(async () => {
  await nx.ready();
});

const p = (label: string, v: number[]) => new Parameter({ label, value: nx.fromArray(v, ['a']) });

describe('tree shortcuts', () => {
  it('struct.select() starts a selection at the node', () => {
    const seq = new Sequential({ sublayers: [new Identity(), new Scale({ by: p('w', [2]) })] });
    expect(seq.select().atInstancesOf(Scale).count()).toBe(1);
    expect(seq.select().root).toBe(seq);
    disposeTree(seq);
  });

  it('selectAndSetByPath replaces one node by path text or entries; a missing path fails naming it', () => {
    const seq = new Sequential({ sublayers: [new Identity(), new Identity()] });
    const id = new Identity();
    const s2 = new Scale({ by: p('w', [2]) });
    const out = selectAndSetByPath(seq, '.sublayers[1]', s2);
    expect(out.sublayers[1]).toBe(s2);
    expect(out.sublayers[0]).toBe(seq.sublayers[0]);
    expect(seq.sublayers[1]).not.toBe(s2);
    expect(() => selectAndSetByPath(seq, '.sublayers[5]', id)).toThrow(/sublayers/);
    disposeTree(s2);
  });

  it('orderLike lays out every array like the reference at the same place', () => {
    const ab = nx.wrap(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), 'a', 'b');
    const ba = nx.wrap(tf.tensor2d([[0, 0], [0, 0], [0, 0]]), 'b', 'a');
    const out = orderLike({ x: ab, k: 3, list: [ab] }, { x: ba, k: 'ignored', list: [ba] });
    expect(out.x.names).toEqual(['b', 'a']);
    expect(out.x.data.arraySync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(out.k).toBe(3);
    expect(() => orderLike({ x: ab }, { y: ba })).toThrow(/differ in structure at \(root\)/);
    expect(() => orderLike({ x: ab }, { x: nx.scalar(1) })).toThrow(/different names/);
    [ab, ba, out.x, out.list[0]!].forEach((v) => v.dispose());
  });

  it('inlineGroups flattens matching child groups into matching parents, bottom-up', () => {
    const a = new Identity();
    const b = new Identity();
    const c = new Identity();
    const tree = new Sequential({ sublayers: [new Sequential({ sublayers: [a, new Sequential({ sublayers: [b] })] }), new NamedGroup({ name: 'keep', sublayers: [c] })] });
    const all = inlineGroups(tree);
    expect(all.sublayers).toEqual([a, b, c]);
    const onlySeq = inlineGroups(tree, Sequential, (g) => !(g instanceof NamedGroup));
    expect(onlySeq.sublayers.length).toBe(3);
    expect(onlySeq.sublayers[2]).toBe(tree.sublayers[1]);
    expect(() => inlineGroups(tree, 3 as never)).toThrow(/filters are predicates/);
  });
});

describe('callAndExtractSubmodel', () => {
  it('captures the selected layer\'s input, side inputs and output; the submodel reproduces the output', () => {
    const model = new Sequential({ sublayers: [new Scale({ by: p('w1', [2, 3]) }), new Scale({ by: p('w2', [5, 7]) })] });
    const x = nx.fromArray([1, 1], ['a']);
    const before = tf.memory().numTensors;
    const r = callAndExtractSubmodel(select(model).atInstancesOf(Scale).pickNth(1), x, { note: 'hi' });
    expect(r.submodel).toBe(model.sublayers[1]);
    expect((r.savedArg as nx.NamedArray).arraySync('a')).toEqual([2, 3]);
    expect((r.savedOutput as nx.NamedArray).arraySync('a')).toEqual([10, 21]);
    expect(r.savedSideInputs).toEqual({ note: 'hi' });
    expect(tf.memory().numTensors - before).toBe(2); // the saved arg and output only
    const again = (r.submodel as Scale).call(r.savedArg as nx.NamedArray);
    expect(again.arraySync('a')).toEqual([10, 21]);
    [r.savedArg as nx.NamedArray, r.savedOutput as nx.NamedArray, again].forEach((v) => v.dispose());
    expect(() => callAndExtractSubmodel(select(model).atInstancesOf(Scale), x)).toThrow(/exactly one selected layer; 2 are selected/);
    expect(() => callAndExtractSubmodel(select(model).at((m) => m.sublayers) as never, x)).toThrow(/not a Layer/);
    disposeTree([model, x]);
  });
});

describe('printed trees', () => {
  it('String(tree) is formatTree text headed by the parseTree hint, and parseTree reads it back', async () => {
    const { PRINT_HINT, parseTree, treeEquals, Elementwise } = await import('../src/index.js');
    const tree = new Sequential({ sublayers: [new Identity(), new NamedGroup({ name: 'g', sublayers: [new Elementwise({ fn: 'relu' })] })] });
    const text = String(tree);
    expect(text.split('\n')[0]).toBe(PRINT_HINT);
    expect(text).toContain("NamedGroup({name: 'g'");
    const again = parseTree(text, { classes: [Sequential, Identity, NamedGroup, Elementwise] });
    expect(treeEquals(again, tree)).toBe(true);
  });
});
