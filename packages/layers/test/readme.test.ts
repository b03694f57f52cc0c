/**
 * The README's examples, run as written. Each ```ts block of ../README.md appears here
 * between `// README:begin` and `// README:end` (imports aside, which are checked against the
 * packages' exports), followed by assertions of the results its comments state; the first
 * test fails when a block and its copy here differ, so the README cannot drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  ApplyCausalAttentionMask, Attention, CollectSideOutputs, Elementwise, From, KnockOutAttentionHeads, Layer, Linear, NamedEinsum,
  Parameter, ParameterConflictError, RenameAxes, RewireComputationPaths, Sequential, Softmax, Tell, Trainer,
  UnhandledSideInputError, WithConstantSideInputs, WithSideInputsFromInput, bindParameters, checkInputAxes, childrenOf,
  countParameters, disposeGrads, disposeTree, field, flattenWithPaths, formatTree, freeze, getAtPath, index, keyPathToString,
  mapLeaves, parameterSlots, parameters, parseKeyPath, parseTree, pathOf, requireNamed, select, setAtPath, structureEquals,
  staticField, trainStep, treeEquals, typeNameOf, unbindParameters, unhandledSideInputs, valueAndGrad, walk, type SideInputs,
} from '@penjing/layers';

import { bodyOf, fenced, readmeImportProblems, regions } from '../../../tests/support/readme-blocks.js';
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const SELF = readFileSync(fileURLToPath(import.meta.url), 'utf8');


beforeAll(async () => {
  await nx.ready();
});

/** The opening example's model (built the same way; the example itself runs below). */
function makeMlp() {
  return new Sequential({ sublayers: [
    Linear.fromConfig({ name: 'mlp/in', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 } }),
    new Elementwise({ fn: 'gelu' }),
    Linear.fromConfig({ name: 'mlp/out', seed: 1, inputAxes: { neurons: 32 }, outputAxes: { embedding: 8 } }),
  ] });
}

/** The attention block of "Side inputs and their handlers" (that example runs below too). */
function attentionFixture() {
  // README:begin
  const D = { embedding: 8 };
  const H = { heads: 2, projection: 4 };
  const attention = new Attention({
    inputToQuery: Linear.fromConfig({ name: 'attn/query', seed: 0, inputAxes: D, outputAxes: H }),
    inputToKey: new Sequential({ sublayers: [
      Linear.fromConfig({ name: 'attn/key', seed: 0, inputAxes: D, outputAxes: H }),
      new RenameAxes({ old: 'seq', new: 'kv_seq' }),
    ] }),
    inputToValue: new Sequential({ sublayers: [
      Linear.fromConfig({ name: 'attn/value', seed: 0, inputAxes: D, outputAxes: H }),
      new RenameAxes({ old: 'seq', new: 'kv_seq' }),
    ] }),
    queryKeyToAttn: new Sequential({ sublayers: [
      new NamedEinsum({ inputAxes: [['seq', 'heads', 'projection'], ['kv_seq', 'heads', 'projection']], outputAxes: ['heads', 'seq', 'kv_seq'] }),
      new ApplyCausalAttentionMask(),
      new Softmax({ axes: 'kv_seq' }),
    ] }),
    attnValueToOutput: new Sequential({ sublayers: [
      new NamedEinsum({ inputAxes: [['heads', 'seq', 'kv_seq'], ['kv_seq', 'heads', 'projection']], outputAxes: ['heads', 'seq', 'projection'] }),
      Linear.fromConfig({ name: 'attn/output', seed: 0, inputAxes: H, outputAxes: D }),
    ] }),
  });
  unhandledSideInputs(attention);
  // [{ path: '.queryKeyToAttn.sublayers[1]', layer: 'ApplyCausalAttentionMask', name: 'tokenPositions' }]
  const x = nx.randomNormal({ batch: 2, seq: 5, embedding: 8 }, { seed: 1 });
  try {
    attention.call(x);   // refused before anything is computed
  } catch (e) {
    e instanceof UnhandledSideInputError;  // true; its message names the path, the layer and the input
  }
  const positions = function positions(input: nx.NamedArray) {
    return nx.arange('seq', input.namedShape.seq);
  };
  const model = new WithSideInputsFromInput({ body: attention, sideInputs: { tokenPositions: positions } });
  const y = model.call(x);                                           // { batch: 2, seq: 5, embedding: 8 }
  attention.call(x, { tokenPositions: nx.arange('seq', 5) });        // the same: passed by the caller
  new WithConstantSideInputs({ body: attention, values: { tokenPositions: nx.arange('seq', 5) } }).call(x);  // the same again
  // README:end
  return { attention, x, model, y };
}

/** Largest absolute difference of two arrays with the same axes. */
const maxDiff = (a: nx.NamedArray, b: nx.NamedArray) => tf.tidy(() => tf.max(tf.abs(tf.sub(a.orderLike(b).data, b.data))).dataSync()[0]!);

describe('the README and this file hold the same examples', () => {
  it('every ts block of the README is a region here, and every region is a README block', () => {
    const blocks = fenced(README, 'ts').map(bodyOf);
    const here = regions(SELF);
    expect(blocks.length).toBeGreaterThan(8);
    for (const b of blocks) expect(here, `README block not found in readme.test.ts:\n${b}`).toContain(b);
    for (const r of here) expect(blocks, `region of readme.test.ts not in the README:\n${r}`).toContain(r);
  });

  it('every name the README imports is exported by its module', async () => {
    const { count, problems } = await readmeImportProblems(README);
    expect(count).toBeGreaterThan(8);
    expect(problems).toEqual([]);
  });
});

describe('README examples', () => {
  it('opening example', async () => {
    const logged: string[] = [];
    const console = { log: (s: string) => logged.push(s) };
    // README:begin
    await nx.ready();
    const mlp = new Sequential({ sublayers: [
      Linear.fromConfig({ name: 'mlp/in', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 } }),
      new Elementwise({ fn: 'gelu' }),
      Linear.fromConfig({ name: 'mlp/out', seed: 1, inputAxes: { neurons: 32 }, outputAxes: { embedding: 8 } }),
    ] });
    const y = mlp.call(nx.randomNormal({ seq: 4, embedding: 8 }, { seed: 2 }));
    const patched = select(mlp).atInstancesOf(Elementwise).set(new Elementwise({ fn: 'relu' }));
    console.log(formatTree(patched));
    // README:end
    expect(y.namedShape).toEqual({ seq: 4, embedding: 8 });
    expect(logged[0]).toContain("Elementwise({fn: 'relu'})");
    expect(formatTree(mlp)).toContain("Elementwise({fn: 'gelu'})");
    expect(structureEquals(mlp, makeMlp())).toBe(true);
    expect(maxDiff(mlp.call(nx.ones({ embedding: 8 })), makeMlp().call(nx.ones({ embedding: 8 })))).toBe(0);
  });

  it('trees and key paths', () => {
    const mlp = makeMlp();
    let message = '';
    // README:begin
    childrenOf(mlp).map(([entry]) => entry);            // [{ kind: 'field', name: 'sublayers' }]
    keyPathToString([field('sublayers'), index(0), field('weights')]);  // '.sublayers[0].weights'
    const path = parseKeyPath('.sublayers[0].weights');
    (getAtPath(mlp, path) as Parameter).label;          // 'mlp/in.weights'
    const layers: string[] = [];
    walk(mlp, (node, p) => {
      if (node instanceof Layer) layers.push(`${keyPathToString(p) || '(root)'} ${typeNameOf(node)}`);
    });
    layers;  // ['(root) Sequential', '.sublayers[0] Linear', '.sublayers[1] Elementwise', '.sublayers[2] Linear']
    flattenWithPaths(mlp, (node) => node instanceof Parameter)
      .filter(([, leaf]) => leaf instanceof Parameter)
      .map(([p]) => keyPathToString(p));                // ['.sublayers[0].weights', '.sublayers[2].weights']
    const halved = mapLeaves(mlp, (leaf) => (leaf instanceof nx.NamedArray ? leaf.mul(0.5) : leaf));
    structureEquals(halved, mlp);                       // true: same structure, other values
    const relu = setAtPath(mlp, parseKeyPath('.sublayers[1]'), new Elementwise({ fn: 'relu' })) as typeof mlp;
    relu.sublayers[0] === mlp.sublayers[0];             // true: unchanged subtrees are shared
    keyPathToString(pathOf(mlp, mlp.sublayers[2])!);    // '.sublayers[2]'
    try {
      getAtPath(mlp, parseKeyPath('.sublayers[5]'));
    } catch (e) {
      (e as Error).message;
      // "getAtPath: no child [5] at step 1 of the path '.sublayers[5]': the Array at '.sublayers' has children [[0], [1], [2]]."
    }
    // README:end
    try {
      getAtPath(mlp, parseKeyPath('.sublayers[5]'));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(childrenOf(mlp).map(([entry]) => entry)).toEqual([{ kind: 'field', name: 'sublayers' }]);
    expect(keyPathToString([field('sublayers'), index(0), field('weights')])).toBe('.sublayers[0].weights');
    expect((getAtPath(mlp, path) as Parameter).label).toBe('mlp/in.weights');
    expect(layers).toEqual(['(root) Sequential', '.sublayers[0] Linear', '.sublayers[1] Elementwise', '.sublayers[2] Linear']);
    expect(flattenWithPaths(mlp, (node) => node instanceof Parameter).filter(([, leaf]) => leaf instanceof Parameter).map(([p]) => keyPathToString(p)))
      .toEqual(['.sublayers[0].weights', '.sublayers[2].weights']);
    expect(structureEquals(halved, mlp)).toBe(true);
    const w = (t: unknown) => (getAtPath(t, path) as Parameter).value;
    expect(maxDiff(w(halved), w(mlp).mul(0.5))).toBe(0);
    expect(relu.sublayers[0]).toBe(mlp.sublayers[0]);
    expect((relu.sublayers[1] as Elementwise).fn).toBe('relu');
    expect((mlp.sublayers[1] as Elementwise).fn).toBe('gelu');
    expect(keyPathToString(pathOf(mlp, mlp.sublayers[2])!)).toBe('.sublayers[2]');
    expect(message).toBe("getAtPath: no child [5] at step 1 of the path '.sublayers[5]': the Array at '.sublayers' has children [[0], [1], [2]].");
  });

  it('printing and rebuilding', () => {
    const mlp = makeMlp();
    // README:begin
    formatTree(mlp);
    // Sequential({
    //   sublayers: [
    //     Linear({
    //       weights: Parameter({
    //         label: 'mlp/in.weights',
    //         value: <NamedArray float32 {embedding: 8, neurons: 32}>,
    //       }),
    //       inAxisNames: ['embedding'],
    //       outAxisNames: ['neurons'],
    //     }),
    //     Elementwise({fn: 'gelu'}),
    //     Linear({
    //       weights: Parameter({
    //         label: 'mlp/out.weights',
    //         value: <NamedArray float32 {neurons: 32, embedding: 8}>,
    //       }),
    //       inAxisNames: ['neurons'],
    //       outAxisNames: ['embedding'],
    //     }),
    //   ],
    // })
    // README:end
    const shown = README.split('formatTree(mlp);\n')[1]!.split('\n```')[0]!.split('\n').map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
    expect(formatTree(mlp)).toBe(shown);

    // README:begin
    const classes = [Sequential, Linear, Elementwise, Parameter];
    const text = formatTree(mlp, { roundTrip: true });    // the weights written out as nx.fromArray(…)
    const back = parseTree(text, { classes }) as typeof mlp;
    structureEquals(back, mlp);                           // true, and the weights are equal
    const arrays: unknown[] = [];
    const viaTable = parseTree(formatTree(mlp, { roundTrip: true, arrays }), { classes, arrays });
    treeEquals(viaTable, mlp);                            // true: the very same arrays
    // README:end
    expect(text).toContain('nx.fromArray(');
    expect(structureEquals(back, mlp)).toBe(true);
    expect(maxDiff(back.call(nx.ones({ embedding: 8 })), mlp.call(nx.ones({ embedding: 8 })))).toBe(0);
    expect(treeEquals(viaTable, mlp)).toBe(true);
  });

  it('parameters', () => {
    const mlp = makeMlp();
    // README:begin
    parameters(mlp).map((info) => info.label);         // ['mlp/in.weights', 'mlp/out.weights']
    countParameters(mlp);                               // 512
    const { tree: slots, values } = unbindParameters(mlp);
    parameterSlots(slots).map((s) => s.namedShape);     // [{ embedding: 8, neurons: 32 }, { neurons: 32, embedding: 8 }]
    const rebound = bindParameters(slots, values);      // computes what mlp computes
    const frozen = freeze(select(mlp).atInstancesOf(Linear).pickNth(0));
    countParameters(frozen, { trainableOnly: true });   // 256
    const tied = new Parameter({ label: 'tied.weights', value: nx.ones({ a: 2, b: 2 }) });
    countParameters([tied, tied]);                      // 4: one Parameter in two places is one weight
    let conflict: unknown;
    try {
      parameters([tied, new Parameter({ label: 'tied.weights', value: nx.ones({ a: 2, b: 2 }) })]);
    } catch (e) {
      conflict = e;
    }
    conflict instanceof ParameterConflictError;         // true: two objects, one label
    disposeTree(frozen, { except: [mlp] });             // 0: frozen holds no tensor that mlp does not
    // README:end
    expect(parameters(mlp).map((info) => info.label)).toEqual(['mlp/in.weights', 'mlp/out.weights']);
    expect(countParameters(mlp)).toBe(512);
    expect(parameterSlots(slots).map((s) => s.namedShape)).toEqual([{ embedding: 8, neurons: 32 }, { neurons: 32, embedding: 8 }]);
    expect(maxDiff(rebound.call(nx.ones({ embedding: 8 })), mlp.call(nx.ones({ embedding: 8 })))).toBe(0);
    expect(countParameters(frozen, { trainableOnly: true })).toBe(256);
    expect(countParameters([tied, tied])).toBe(4);
    expect(conflict).toBeInstanceOf(ParameterConflictError);
    expect(disposeTree(frozen, { except: [mlp] })).toBe(0);
    expect(mlp.call(nx.ones({ embedding: 8 })).namedShape).toEqual({ embedding: 8 }); // mlp still usable
  });

  it('writing a custom layer', () => {
    // README:begin
    /** Adds `scale · position` to every element: a toy positional signal that reads `tokenPositions`. */
    class AddPositions extends Layer.define('AddPositions', { scale: staticField<number>() })<nx.NamedArray, nx.NamedArray> {
      override sideInputRequests(): readonly string[] {
        return ['tokenPositions'];
      }
      protected override forward(input: nx.NamedArray, side: SideInputs): nx.NamedArray {
        const x = requireNamed(input, 'AddPositions');
        checkInputAxes(x, { seq: undefined }, 'AddPositions');
        const positions = side.tokenPositions as nx.NamedArray;
        return x.add(positions.astype('float32').mul(this.scale));
      }
    }

    const layer = new AddPositions({ scale: 0.5 });
    layer.call(nx.zeros({ seq: 3 }), { tokenPositions: nx.arange('seq', 3) }).arraySync('seq');  // [0, 0.5, 1]
    formatTree(layer);                   // 'AddPositions({scale: 0.5})'
    layer.replace({ scale: 2 }).scale;   // 2: a new layer; `layer` is unchanged
    const messages: string[] = [];
    try {
      layer.call(nx.zeros({ seq: 3 }));               // no tokenPositions
    } catch (e) {
      messages.push((e as Error).message);
    }
    try {
      new Sequential({ sublayers: [layer] }).call(nx.zeros({ embedding: 2 }), { tokenPositions: nx.arange('seq', 3) });
    } catch (e) {
      messages.push((e as Error).message);
    }
    messages;
    // ["This tree has side-input requests that no enclosing handler answers:\n  (root) (AddPositions) needs 'tokenPositions'\n…",
    //  "At .sublayers[0] (AddPositions): AddPositions expected input axes {seq: *} (other axes pass through) but got {embedding: 2}: missing axis 'seq'."]
    // README:end
    expect(layer.call(nx.zeros({ seq: 3 }), { tokenPositions: nx.arange('seq', 3) }).arraySync('seq')).toEqual([0, 0.5, 1]);
    expect(formatTree(layer)).toBe('AddPositions({scale: 0.5})');
    expect(layer.replace({ scale: 2 }).scale).toBe(2);
    expect(layer.scale).toBe(0.5);
    expect(Object.isFrozen(layer)).toBe(true);
    expect(messages[0]).toMatch(/^This tree has side-input requests that no enclosing handler answers:\n {2}\(root\) \(AddPositions\) needs 'tokenPositions'\n/);
    expect(messages[1]).toBe(
      "At .sublayers[0] (AddPositions): AddPositions expected input axes {seq: *} (other axes pass through) but got {embedding: 2}: missing axis 'seq'.",
    );
  });

  it('side inputs and their handlers', () => {
    const { attention, x, model, y } = attentionFixture();
    expect(unhandledSideInputs(attention)).toEqual([{ path: '.queryKeyToAttn.sublayers[1]', layer: 'ApplyCausalAttentionMask', name: 'tokenPositions' }]);
    let refused: unknown;
    try {
      attention.call(x);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(UnhandledSideInputError);
    expect((refused as Error).message).toContain(".queryKeyToAttn.sublayers[1] (ApplyCausalAttentionMask) needs 'tokenPositions'");
    expect(y.namedShape).toEqual({ batch: 2, seq: 5, embedding: 8 });
    expect(maxDiff(attention.call(x, { tokenPositions: nx.arange('seq', 5) }), y)).toBe(0);
    expect(maxDiff(new WithConstantSideInputs({ body: attention, values: { tokenPositions: nx.arange('seq', 5) } }).call(x), y)).toBe(0);
    // Causal: the first position's output depends on the first input only.
    const changed = x.at({ seq: 4 }).set(nx.zeros({ batch: 2, embedding: 8 }));
    expect(maxDiff(model.call(changed).index({ seq: 0 }), y.index({ seq: 0 }))).toBe(0);
    expect(maxDiff(model.call(changed).index({ seq: 4 }), y.index({ seq: 4 }))).toBeGreaterThan(0);
  });

  it('side outputs', () => {
    const { x, model } = attentionFixture();
    // README:begin
    const probed = select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'pattern' }));
    const { output, sideOutputs } = new CollectSideOutputs({ body: probed }).call(x);
    sideOutputs.pattern[0].namedShape;                 // { batch: 2, heads: 2, seq: 5, kv_seq: 5 }
    sideOutputs.pattern[0].sum('kv_seq');              // all ones: each query's weights sum to 1
    output;                                            // the same values as model.call(x)
    new CollectSideOutputs({ body: probed, tags: ['other'] }).call(x).sideOutputs;  // {}: 'pattern' is not kept here
    let refused: unknown;
    try {
      probed.call(x);
    } catch (e) {
      refused = e;
    }
    refused instanceof UnhandledSideInputError;        // true: a Tell needs a CollectSideOutputs around it
    // README:end
    expect(sideOutputs.pattern).toHaveLength(1);
    expect(sideOutputs.pattern![0]!.namedShape).toEqual({ batch: 2, heads: 2, seq: 5, kv_seq: 5 });
    expect(maxDiff(sideOutputs.pattern![0]!.sum('kv_seq'), nx.ones({ batch: 2, heads: 2, seq: 5 }))).toBeLessThan(1e-6);
    expect(maxDiff(output, model.call(x))).toBe(0);
    expect(new CollectSideOutputs({ body: probed, tags: ['other'] }).call(x).sideOutputs).toEqual({});
    expect(refused).toBeInstanceOf(UnhandledSideInputError);
  });

  it('selectors', () => {
    const { attention, model } = attentionFixture();
    // README:begin
    const linears = select(model).atInstancesOf(Linear);
    linears.count();                                    // 4
    linears.getKeypaths().map(keyPathToString).slice(0, 2);
    // ['.body.inputToQuery', '.body.inputToKey.sublayers[0]']
    const query = select(attention).atInstancesOf(Linear).pickNth(0).get();  // typed Linear
    query.weights.label;                                // 'attn/query.weights'
    select(attention).at((a) => a.inputToKey).get().typeName();  // 'Sequential'
    linears.getSequence()[0] === query;                 // true: selections hand out the tree's own nodes
    const bidirectional = select(model).atInstancesOf(ApplyCausalAttentionMask).removeFromParent();
    const probed = linears.apply((l) => new Sequential({ sublayers: [l, new Tell({ tag: l.weights.label })] }));
    select(probed).atInstancesOf(Tell).count();         // 4
    select(probed).atInstancesOf(Softmax).get() === select(model).atInstancesOf(Softmax).get();  // true: shared
    // README:end
    expect(linears.count()).toBe(4);
    expect(linears.getKeypaths().map(keyPathToString).slice(0, 2)).toEqual(['.body.inputToQuery', '.body.inputToKey.sublayers[0]']);
    expect(query.weights.label).toBe('attn/query.weights');
    expect(select(attention).at((a) => a.inputToKey).get().typeName()).toBe('Sequential');
    expect(linears.getSequence()[0]).toBe(query);
    expect(select(bidirectional).atInstancesOf(ApplyCausalAttentionMask).count()).toBe(0);
    expect(select(model).atInstancesOf(ApplyCausalAttentionMask).count()).toBe(1);
    expect(unhandledSideInputs(bidirectional, [])).toEqual([]);
    expect(select(probed).atInstancesOf(Tell).count()).toBe(4);
    expect(select(probed).atInstancesOf(Softmax).get()).toBe(select(model).atInstancesOf(Softmax).get());
  });

  it('interpretability layers', () => {
    const { x, model } = attentionFixture();
    // README:begin
    const knockOut = new KnockOutAttentionHeads({ headMask: nx.fromArray([1, 0], ['heads']) });
    const weights = nx.fromArray([[[0.5, 0.5], [0.2, 0.8]], [[0.6, 0.4], [0.3, 0.7]]], ['heads', 'seq', 'kv_seq']);
    knockOut.call(weights).arraySync('heads', 'seq', 'kv_seq');  // [[[0.5, 0.5], [0.2, 0.8]], [[1, 0], [1, 0]]]
    const ablated = select(model).atInstancesOf(Softmax).insertAfter(knockOut);  // head 1 of model ablated

    const patch = new RewireComputationPaths({
      worldOrdering: ['clean', 'corrupted'],
      taking: {
        clean: new From({ source: 'clean' }),
        corrupted: [  // head 0 from the clean run, head 1 its own
          new From({ source: 'clean', weight: nx.fromArray([1, 0], ['heads']) }),
          new From({ source: 'corrupted', weight: nx.fromArray([0, 1], ['heads']) }),
        ],
      },
    });
    patch.call(nx.fromArray([[1, 2], [10, 20]], ['worlds', 'heads'])).arraySync('worlds', 'heads');  // [[1, 2], [1, 20]]
    const x2 = nx.randomNormal({ batch: 2, seq: 5, embedding: 8 }, { seed: 2 });
    const patched = select(model).atInstancesOf(NamedEinsum).pickNth(1).insertAfter(patch);  // after the heads' outputs
    const both = patched.call(nx.stack([x, x2], 'worlds'));  // {worlds: 2, batch: 2, seq: 5, embedding: 8}
    // world 'clean' is model.call(x); world 'corrupted' is x2's run with head 0's output taken from x's
    // README:end
    const close = (a: unknown, b: unknown) => {
      const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
      const [fa, fb] = [flat(a), flat(b)];
      expect(fa).toHaveLength(fb.length);
      fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i]!, 6));
    };
    close(knockOut.call(weights).arraySync('heads', 'seq', 'kv_seq'), [[[0.5, 0.5], [0.2, 0.8]], [[1, 0], [1, 0]]]);
    expect(maxDiff(ablated.call(x), model.call(x))).toBeGreaterThan(0);
    expect(patch.call(nx.fromArray([[1, 2], [10, 20]], ['worlds', 'heads'])).arraySync('worlds', 'heads')).toEqual([[1, 2], [1, 20]]);
    expect(both.namedShape).toEqual({ worlds: 2, batch: 2, seq: 5, embedding: 8 });
    expect(maxDiff(both.index({ worlds: 0 }), model.call(x))).toBeLessThan(1e-6);
    // An independent route for the corrupted world: the heads' outputs of both runs, mixed by hand.
    const heads = (input: nx.NamedArray) => {
      const tap = select(model).atInstancesOf(NamedEinsum).pickNth(1).insertAfter(new Tell({ tag: 'z' }));
      return new CollectSideOutputs({ body: tap }).call(input).sideOutputs.z![0]!;
    };
    const [z1, z2] = [heads(x), heads(x2)];
    const oneHot = nx.fromArray([1, 0], ['heads']);
    const mixed = z1.mul(oneHot).add(z2.mul(oneHot.mul(-1).add(1)));
    const output = select(model).atInstancesOf(Linear).pickNth(3).get();
    expect(maxDiff(both.index({ worlds: 1 }), output.call(mixed))).toBeLessThan(1e-5);
    expect(maxDiff(both.index({ worlds: 1 }), model.call(x2))).toBeGreaterThan(1e-3);
  });

  it('gradients and training', () => {
    const mlp = makeMlp();
    // README:begin
    type Batch = { x: nx.NamedArray };
    const batch: Batch = { x: nx.randomNormal({ batch: 16, embedding: 8 }, { seed: 3 }) };
    // Teach mlp the identity: a scalar NamedArray (or a rank-0 tensor) is a loss.
    const loss = (m: typeof mlp, b: Batch) => m.call(b.x).sub(b.x).square().mean('batch', 'embedding');

    // Gradients of the chosen trainable parameters, keyed by label (the caller disposes them):
    const wrt = select(mlp).atInstancesOf(Linear).pickNth(1);
    const { value, grads } = valueAndGrad((m: typeof mlp) => loss(m, batch))(mlp, { wrt });
    Object.keys(grads);                          // ['mlp/out.weights']
    grads['mlp/out.weights'].namedShape;         // { neurons: 32, embedding: 8 }
    disposeGrads(grads);

    // One step, as a pure function (the old tree is untouched):
    const { tree: next, loss: before } = trainStep(mlp, batch, { loss, optimizer: tf.train.adam(1e-2), wrt });
    next.sublayers[0] === mlp.sublayers[0];      // true: the untrained Linear is shared

    // Many steps; memory stays flat:
    const steps: number[] = [];
    const trainer = new Trainer(mlp, { loss, optimizer: tf.train.adam(1e-2), onStep: ({ step }) => steps.push(step) });
    const losses = trainer.fit(batch, 100);      // a batch, or a function of the step index
    losses[99] < losses[0] / 10;                 // true
    const trained = trainer.tree;
    trainer.dispose();                           // frees the optimizer's moments
    // README:end
    expect(value).toBeGreaterThan(0);
    expect(Object.keys(grads)).toEqual(['mlp/out.weights']);
    expect(before).toBeCloseTo(value, 5);
    expect(next.sublayers[0]).toBe(mlp.sublayers[0]);
    expect(next.sublayers[2]).not.toBe(mlp.sublayers[2]);
    expect(steps).toHaveLength(100);
    expect(losses[99]! < losses[0]! / 10).toBe(true);
    expect(loss(trained, batch).item()).toBeLessThan(losses[0]! / 10);
    expect(() => loss(mlp, batch)).toThrow(/stale/); // the input tree is marked stale after a step
    expect(loss(trainer.untrained(), batch).item()).toBeCloseTo(losses[0]!, 5); // and untouched
  });
});
