import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  Parameter,
  ParameterSlot,
  TreeParseError,
  disposeTree,
  formatTree,
  parseTree,
  select,
  structureEquals,
  tensorsIn,
  treeEquals,
} from '@penjing/layers';
import { Act, Bias, Chain, Dense, Model, Pair, Probe, Scale, mlp, tanh } from './tree-fixtures.js';

beforeAll(async () => {
  await nx.ready();
});

const classes = [Chain, Dense, Bias, Act, Scale, Probe, Pair, Model, Parameter, ParameterSlot];

describe('formatTree', () => {
  it('prints constructor-style text with summarised arrays', () => {
    const w = new Parameter({ label: 'mlp/in.weights', value: nx.zeros({ embedding: 8, neurons: 32 }) });
    const d = new Dense({ weights: w, inAxis: 'embedding', outAxis: 'neurons' });
    expect(formatTree(d, { width: 200 })).toBe(
      "Dense({weights: Parameter({label: 'mlp/in.weights', value: <NamedArray float32 {embedding: 8, neurons: 32}>}), inAxis: 'embedding', outAxis: 'neurons'})",
    );
    w.value.data.dispose();
  });

  it('breaks long nodes over indented lines', () => {
    const tree = new Chain({ sublayers: [new Probe({ tag: 'a'.repeat(30) }), new Act({ fn: tanh }), new Probe({ tag: 'b' })] });
    expect(formatTree(tree, { width: 51 })).toBe(
      [
        'Chain({',
        '  sublayers: [',
        "    Probe({tag: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}),",
        '    Act({fn: tanh}),',
        "    Probe({tag: 'b'}),",
        '  ],',
        '})',
      ].join('\n'),
    );
  });

  it('marks shared subtrees and shows frozen parameters, slots and records', () => {
    const p = new Parameter({ label: 's', value: nx.ones({ a: 2 }), trainable: false });
    const tree = new Pair({ left: new Scale({ by: p }), right: { 'odd key': new Scale({ by: p }), slot: new ParameterSlot({ label: 'x', namedShape: { a: 2 } }) } });
    expect(formatTree(tree, { width: 300 })).toBe(
      "Pair({left: Scale({by: Parameter({label: 's', value: <NamedArray float32 {a: 2}>, trainable: false})}), " +
        "right: {'odd key': Scale({by: shared('.left.by')}), slot: ParameterSlot({label: 'x', namedShape: {a: 2}})}})",
    );
    p.value.data.dispose();
  });

  it('escapes strings and prints special numbers', () => {
    const tree = [`it's "q"\n`, -0, NaN, -Infinity, null, undefined, true];
    expect(formatTree(tree)).toBe(`['it\\'s "q"\\n', -0, NaN, -Infinity, null, undefined, true]`);
  });

  it('roundTrip prints array data', () => {
    const x = nx.fromArray([[1, 2], [3, 4]], ['a', 'b']);
    expect(formatTree({ x }, { roundTrip: true })).toBe("{x: nx.fromArray([[1, 2], [3, 4]], ['a', 'b'], 'float32')}");
    x.data.dispose();
  });
});

describe('parseTree: print then rebuild', () => {
  function sample() {
    const tie = new Parameter({ label: 'tie', value: nx.fromArray([0.5, -1.25], ['a']) });
    return new Model({
      name: "model 'one'",
      body: new Chain({
        sublayers: [
          ...mlp({ hidden: 3 }).sublayers,
          new Scale({ by: tie }),
          new Probe({ tag: 'x' }),
          new Scale({ by: tie }),
        ],
      }),
      extras: {
        slot: new ParameterSlot({ label: 'later', namedShape: { vocabulary: 4 } }),
        frozen: new Parameter({ label: 'frozen', value: nx.fromArray([[1], [2]], ['p', 'q'], 'int32'), trainable: false }),
        nums: [1, -2.5, 1e-7, NaN],
        flags: [true, false, null],
        nested: { 'a b': [[]], empty: {} },
      },
    });
  }

  it('rebuilds a tree equal in structure, metadata and values, with ties kept', async () => {
    const tree = sample();
    const text = formatTree(tree, { roundTrip: true });
    const back = parseTree(text, { classes, values: { tanh } }) as Model;
    expect(back).toBeInstanceOf(Model);
    expect(structureEquals(back, tree)).toBe(true);
    const a = tensorsIn(tree);
    const b = tensorsIn(back);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(b[i].dtype).toBe(a[i].dtype);
      expect(await b[i].array()).toEqual(await a[i].array());
    }
    const [s0, , s2] = back.body.sublayers.slice(5) as [Scale, Probe, Scale];
    expect(s0.by).toBe(s2.by);
    expect((back.body.sublayers[2] as Act).fn).toBe(tanh);
    expect(formatTree(back, { roundTrip: true })).toBe(text);
    disposeTree([tree, back]);
  });

  it('with an array table the rebuilt tree holds the very same arrays', () => {
    const tree = sample();
    const arrays: unknown[] = [];
    const text = formatTree(tree, { roundTrip: true, arrays });
    expect(text).toContain('arrays[0]');
    const back = parseTree(text, { classes, values: { tanh }, arrays });
    expect(treeEquals(back, tree)).toBe(true);
    disposeTree(tree);
  });

  it('round-trips arrays with positional axes', () => {
    const x = nx.wrap(tf.tensor([[1, 2, 3], [4, 5, 6]])).tagPrefix('a');
    const text = formatTree([x], { roundTrip: true });
    const [y] = parseTree(text, { classes }) as [nx.NamedArray];
    expect(y.namedShape).toEqual({ a: 2 });
    expect(y.positionalShape).toEqual([3]);
    expect(y.tag('b').unwrap('a', 'b').arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    tf.dispose([x.data, y.data]);
  });

  it('printing reads no extra tensors into existence; parsing makes only the returned ones', () => {
    const x = nx.wrap(tf.ones([2, 3])).tagPrefix('a');
    const y = nx.fromArray([[1, 2]], ['p', 'q']);
    const before = tf.memory().numTensors;
    const text = formatTree({ x, y }, { roundTrip: true });
    formatTree({ x, y });
    expect(tf.memory().numTensors).toBe(before);
    const back = parseTree(text, { classes });
    expect(tf.memory().numTensors).toBe(before + 2);
    disposeTree([back, x, y]);
  });

  it('explains what it cannot read', () => {
    const w = new Parameter({ label: 'w', value: nx.zeros({ a: 1 }) });
    expect(() => parseTree(formatTree(new Scale({ by: w })), { classes })).toThrow(/printed as a summary.*roundTrip: true/);
    expect(() => parseTree('Unknown({})', { classes })).toThrow(/unknown class 'Unknown'/);
    expect(() => parseTree('Act({fn: relu})', { classes })).toThrow(/unknown name 'relu'/);
    expect(() => parseTree("[shared('.x')]", { classes })).toThrow(TreeParseError);
    expect(() => parseTree('[1, 2', { classes })).toThrow(/expected ','|unexpected end/);
    w.value.data.dispose();
  });

  it("keeps a key named '__proto__' as data (the property test's rare counterexample)", () => {
    const tree = new Probe({ tag: JSON.parse('{"__proto__": {"a": 1}, "b": [2]}') as string });
    const back = parseTree(formatTree(tree), { classes }) as Probe;
    expect(Object.getPrototypeOf(back.tag)).toBe(Object.prototype);
    expect(Object.keys(back.tag)).toEqual(['__proto__', 'b']);
    expect(back).toEqual(tree);
    expect(treeEquals(back, tree)).toBe(true);
  });

  it('round-trips random nested data (property)', () => {
    type J = number | string | boolean | null | J[] | { [k: string]: J };
    const leaf = fc.oneof(fc.double({ noNaN: false }), fc.string(), fc.boolean(), fc.constant(null));
    const arb: fc.Arbitrary<J> = fc.letrec<{ j: J }>((tie) => ({
      j: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('j'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('j'), { maxKeys: 3 })),
    })).j;
    fc.assert(
      fc.property(arb, (j) => {
        const tree = new Probe({ tag: j as unknown as string });
        const back = parseTree(formatTree(tree, { width: 30 }), { classes });
        expect(back).toEqual(tree);
        expect(treeEquals(back, tree)).toBe(true);
      }),
    );
  });
});

describe('structure and value equality', () => {
  it('structureEquals compares types, keys, metadata and array shapes, not values', () => {
    const a = mlp({ seed: 1 });
    const b = mlp({ seed: 2 });
    expect(structureEquals(a, b)).toBe(true);
    expect(structureEquals(a, mlp({ hidden: 4 }))).toBe(false);
    expect(structureEquals(a, select(a).atInstancesOf(Act).set(new Probe({ tag: 'x' })))).toBe(false);
    expect(structureEquals(a, select(a).atInstancesOf(Dense).pickNth(0).apply((d) => d.replace({ outAxis: 'other' })))).toBe(false);
    expect(structureEquals([1, { x: 'a' }], [1, { x: 'a' }])).toBe(true);
    expect(structureEquals([1, { x: 'a' }], [1, { y: 'a' }])).toBe(false);
    disposeTree([a, b]);
  });

  it('treeEquals compares leaves by identity', () => {
    const z = nx.zeros({ a: 1 });
    expect(treeEquals(new Pair({ left: z, right: [1] }), new Pair({ left: z, right: [1] }))).toBe(true);
    expect(treeEquals(new Pair({ left: z, right: [1] }), new Pair({ left: nx.zeros({ a: 1 }), right: [1] }))).toBe(false);
    expect(treeEquals(new Probe({ tag: 'a' }), new Pair({ left: 'a', right: undefined }))).toBe(false);
    expect(treeEquals([1, 2], { 0: 1, 1: 2 })).toBe(false);
    z.data.dispose();
  });
});
