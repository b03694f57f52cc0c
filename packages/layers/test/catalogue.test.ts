// One table over the whole layer catalogue, checked to cover every exported Layer class:
// each layer runs on a valid input without leaking tensors, ignores side inputs it does not
// use, and fails on a wrong input with a LayerError that carries its path and type and names
// the expected and actual axes. Numerics are checked layer by layer in the nn-*.test.ts files.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import * as layers from '@penjing/layers';
import {
  AddBias, Affine, ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyExplicitAttentionMask, ApplyRoPE,
  ApplyRoPEToSubset, Attention, BranchAndAddTogether, BranchAndMultiplyTogether, CastToDType, CollectSideOutputs, ConstantRescale,
  Elementwise, EmbeddingDecode, EmbeddingLookup, EmbeddingTable, From, Identity, KnockOutAttentionHeads, Layer, LayerError, LayerNorm,
  Linear, NamedEinsum, NamedGroup, RMSLayerNorm, RMSStandardize, RenameAxes, Residual, RewireComputationPaths,
  Sequential, Softmax, Standardize, TanhSoftCap, Tell, WithConstantSideInputs, WithSideInputsFromInput, PositionsFromTokens,
  tensorsIn, type SideInputs, Dropout, RandomStream, MLP, Checkpointed,
} from '@penjing/layers';
import { arr, expectNoLeak, param } from './nn-helpers.js';

beforeAll(async () => {
  await nx.ready();
});

/** A valid call, and a wrong input with the message it must produce (after the path prefix). */
interface Case {
  layer: () => Layer;
  input: () => unknown;
  side?: () => SideInputs;
  bad: () => unknown;
  /** The failing layer's path and type inside `Sequential([Identity, layer])`. */
  at?: string;
  message: RegExp;
}

const h = () => arr([[1, -2, 0.5, 3], [0, 1, 2, -1]], ['seq', 'embedding']); // {seq: 2, embedding: 4}
const positional = () => nx.wrap(tf.tensor2d([[1, 2], [3, 4]])).tagPrefix('seq'); // {seq: 2}, positional [2]
const lin = (name = 'l') => new Linear({ weights: param(`${name}.weights`, [[1, 0], [0, 1], [1, 1], [2, 0]], ['embedding', 'neurons']), inAxisNames: ['embedding'], outAxisNames: ['neurons'] });
const table = () => new EmbeddingTable({ embeddings: param('emb.embeddings', [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 1, 2]], ['vocabulary', 'embedding']) });
const scores = () => arr([[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6], [0.7, 0.8]]], ['heads', 'seq', 'kv_seq']);
const positions = () => ({ tokenPositions: arr([0, 1], ['seq'], 'int32') });
/** Sums out an axis named `extra` when present: a branch whose output axes depend on the input. */
function sumOutExtra(x: nx.NamedArray): nx.NamedArray {
  return x.names.includes('extra') ? x.sum('extra') : x;
}
const withExtra = () => arr([[1, 2], [3, 4]], ['seq', 'extra']);
const axesError = (who: string, expected: string, got: string) => new RegExp(`${who} expected input axes \\{${expected}\\}.*but got \\{${got}\\}`);

function identityAttention(): Attention {
  const proj = (n: string) => new Linear({ weights: param(`${n}.weights`, [[[1, 0]], [[0, 1]], [[1, 1]], [[0, 0]]], ['embedding', 'heads', 'projection']), inAxisNames: ['embedding'], outAxisNames: ['heads', 'projection'] });
  const toKv = () => new RenameAxes({ old: 'seq', new: 'kv_seq' });
  return new Attention({
    inputToQuery: proj('q'),
    inputToKey: new Sequential({ sublayers: [proj('k'), toKv()] }),
    inputToValue: new Sequential({ sublayers: [proj('v'), toKv()] }),
    queryKeyToAttn: new Sequential({
      sublayers: [new NamedEinsum({ inputAxes: [['seq', 'heads', 'projection'], ['kv_seq', 'heads', 'projection']], outputAxes: ['heads', 'seq', 'kv_seq'] }), new ApplyCausalAttentionMask(), new Softmax({ axes: 'kv_seq' })],
    }),
    attnValueToOutput: new Sequential({
      sublayers: [
        new NamedEinsum({ inputAxes: [['heads', 'seq', 'kv_seq'], ['kv_seq', 'heads', 'projection']], outputAxes: ['heads', 'seq', 'projection'] }),
        new Linear({ weights: param('o.weights', [[[1, 0, 0, 1], [0, 1, 1, 0]]], ['heads', 'projection', 'embedding']), inAxisNames: ['heads', 'projection'], outAxisNames: ['embedding'] }),
      ],
    }),
  });
}

const cases: Record<string, Case> = {
  Sequential: { layer: () => new Sequential({ sublayers: [lin(), new Elementwise({ fn: 'relu' })] }), input: h, bad: () => arr([1], ['neurons']), at: '.sublayers[1].sublayers[0] (Linear)', message: axesError("Linear 'l.weights'", 'embedding: 4', 'neurons: 1') },
  NamedGroup: { layer: () => new NamedGroup({ name: 'g', sublayers: [new Softmax({ axes: 'embedding' })] }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].sublayers[0] (Softmax)', message: axesError('Softmax over \\[embedding\\]', 'embedding: \\*', 'seq: 1') },
  Identity: { layer: () => new Identity(), input: h, bad: () => undefined, message: /./ },
  Residual: { layer: () => new Residual({ delta: new Elementwise({ fn: sumOutExtra }) }), input: h, bad: withExtra, message: /Residual: the delta returned \{seq: 2\} but the input has \{seq: 2, extra: 2\}; a residual delta must keep the input's axes/ },
  BranchAndAddTogether: { layer: () => new BranchAndAddTogether({ branches: [new Identity(), new Elementwise({ fn: sumOutExtra })] }), input: h, bad: withExtra, message: /BranchAndAddTogether: the branches returned different axes: branch 0 \{seq: 2, extra: 2\}, branch 1 \{seq: 2\}/ },
  BranchAndMultiplyTogether: { layer: () => new BranchAndMultiplyTogether({ branches: [new Elementwise({ fn: sumOutExtra }), new Identity()] }), input: h, bad: withExtra, message: /BranchAndMultiplyTogether: the branches returned different axes: branch 0 \{seq: 2\}, branch 1 \{seq: 2, extra: 2\}/ },
  Elementwise: { layer: () => new Elementwise({ fn: 'gelu' }), input: h, bad: () => [1, 2], message: /Elementwise\('gelu'\) expects a NamedArray input but got an array of 2 values/ },
  Softmax: { layer: () => new Softmax({ axes: ['seq', 'embedding'] }), input: h, bad: () => arr([1], ['seq']), message: axesError('Softmax over \\[seq, embedding\\]', 'seq: \\*, embedding: \\*', 'seq: 1') },
  CastToDType: { layer: () => new CastToDType({ dtype: 'int32' }), input: h, bad: positional, message: /CastToDType expects only named axes but the input has positional axes \[2\] \(named shape \{seq: 2\}\); tag them first/ },
  TanhSoftCap: { layer: () => new TanhSoftCap({ softCap: 2 }), input: h, bad: positional, message: /TanhSoftCap expects only named axes but the input has positional axes \[2\]/ },
  RenameAxes: { layer: () => new RenameAxes({ old: 'embedding', new: 'features' }), input: h, bad: () => arr([[1]], ['embedding', 'features']), message: /RenameAxes \[embedding\] -> \[features\] expected input axes \{embedding: \*\} and none of \['features'\].*but got \{embedding: 1, features: 1\}: axis 'features' is already present/ },
  ConstantRescale: { layer: () => new ConstantRescale({ by: arr([1, 2, 3, 4], ['embedding']) }), input: h, bad: () => arr([1], ['seq']), message: /ConstantRescale: the factor has axes \{embedding: 4\} that the input \{seq: 1\} lacks/ },
  Linear: { layer: () => lin(), input: h, bad: () => arr([[1, 2, 3]], ['seq', 'embedding']), message: /Linear 'l.weights' expected input axes \{embedding: 4\} and none of \['neurons'\].*but got \{seq: 1, embedding: 3\}: axis 'embedding' has size 3, expected 4/ },
  LinearInPlace: {
    layer: () => Linear.fromConfig({ name: 'mix', seed: 0, inputAxes: { embedding: 4 }, outputAxes: { embedding: 4 } }),
    input: h,
    bad: () => arr([1, 2], ['embedding']),
    at: '.sublayers[1].sublayers[0] (Linear)',
    message: /Linear 'mix.weights' expected input axes \{embedding: 4\} and none of \['embedding_out'\]/,
  },
  AddBias: { layer: () => new AddBias({ bias: param('b.bias', [1, 2, 3, 4], ['embedding']) }), input: h, bad: () => arr([1], ['neurons']), message: axesError("AddBias 'b.bias'", 'embedding: 4', 'neurons: 1') },
  Affine: { layer: () => Affine.fromConfig({ name: 'af', seed: 0, inputAxes: { embedding: 4 }, outputAxes: { neurons: 3 } }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].sublayers[0] (Linear)', message: axesError("Linear 'af/Linear.weights'", 'embedding: 4', 'seq: 1') },
  NamedEinsum: {
    layer: () => new NamedEinsum({ inputAxes: [['seq', 'embedding'], ['embedding']], outputAxes: ['seq'] }),
    input: () => [h(), arr([1, 1, 1, 1], ['embedding'])],
    bad: () => [h(), arr([1], ['neurons'])],
    message: /NamedEinsum 'seq embedding, embedding -> seq' \(input 1\) expected input axes \{embedding: \*\}.*but got \{neurons: 1\}: missing axis 'embedding'/,
  },
  Standardize: { layer: () => new Standardize({ across: 'embedding' }), input: h, bad: () => arr([1], ['seq']), message: axesError('Standardize across \\[embedding\\]', 'embedding: \\*', 'seq: 1') },
  RMSStandardize: { layer: () => new RMSStandardize({ across: 'embedding' }), input: h, bad: () => arr([1], ['seq']), message: axesError('RMSStandardize across \\[embedding\\]', 'embedding: \\*', 'seq: 1') },
  LayerNorm: { layer: () => LayerNorm.fromConfig({ name: 'ln', seed: 0, acrossAxes: { embedding: 4 } }), input: h, bad: () => arr([1, 2], ['embedding']), at: '.sublayers[1].sublayers[1] (Linear)', message: axesError("Linear 'ln/scale.weights'", 'embedding: 4', 'embedding: 2') },
  RMSLayerNorm: { layer: () => RMSLayerNorm.fromConfig({ name: 'rms', seed: 0, acrossAxes: { embedding: 4 } }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].sublayers[0] (RMSStandardize)', message: axesError('RMSStandardize across \\[embedding\\]', 'embedding: \\*', 'seq: 1') },
  EmbeddingLookup: { layer: () => new EmbeddingLookup({ table: table() }), input: () => arr([[2, 0]], ['batch', 'seq'], 'int32'), bad: () => arr([[2, 0]], ['batch', 'vocabulary'], 'int32'), message: /EmbeddingLookup 'emb.embeddings': the token ids \{batch: 1, vocabulary: 2\} already have table axes \[vocabulary\] \(table \{vocabulary: 3, embedding: 4\}\); rename/ },
  EmbeddingDecode: { layer: () => new EmbeddingDecode({ table: table() }), input: h, bad: () => arr([1, 2], ['embedding']), message: /EmbeddingDecode 'emb.embeddings' expected input axes \{embedding: 4\} and none of \['vocabulary'\].*but got \{embedding: 2\}: axis 'embedding' has size 2, expected 4/ },
  ApplyRoPE: { layer: () => new ApplyRoPE({ embeddingAxis: 'embedding', maxWavelength: 100 }), input: h, side: positions, bad: () => arr([1, 2], ['projection']), message: axesError("ApplyRoPE over 'embedding'", 'embedding: \\*', 'projection: 2') },
  ApplyRoPEToSubset: { layer: () => new ApplyRoPEToSubset({ embeddingAxis: 'embedding', maxWavelength: 100, ropeSubsetSize: 2 }), input: h, side: positions, bad: () => arr([1, 2], ['projection']), message: /ApplyRoPEToSubset over 'embedding'\[:2\] expected input axes \{embedding: \*\}.*but got \{projection: 2\}/ },
  Attention: { layer: identityAttention, input: h, side: positions, bad: () => arr([1], ['seq']), at: '.sublayers[1].inputToQuery (Linear)', message: axesError("Linear 'q.weights'", 'embedding: 4', 'seq: 1') },
  ApplyCausalAttentionMask: { layer: () => new ApplyCausalAttentionMask(), input: scores, side: positions, bad: () => arr([1, 2], ['seq']), message: axesError('ApplyCausalAttentionMask', 'seq: \\*, kv_seq: \\*', 'seq: 2') },
  ApplyCausalSlidingWindowAttentionMask: { layer: () => new ApplyCausalSlidingWindowAttentionMask({ slidingWindowSize: 1 }), input: scores, side: positions, bad: () => arr([1, 2], ['kv_seq']), message: axesError('ApplyCausalSlidingWindowAttentionMask\\(1\\)', 'seq: \\*, kv_seq: \\*', 'kv_seq: 2') },
  ApplyExplicitAttentionMask: {
    layer: () => new ApplyExplicitAttentionMask(),
    input: scores,
    side: () => ({ attnMask: arr([[true, false], [true, true]], ['seq', 'kv_seq'], 'bool') }),
    bad: () => arr([1, 2, 3], ['kv_seq']),
    message: /ApplyExplicitAttentionMask\('attnMask'\): the mask \{seq: 2, kv_seq: 2\} does not fit the attention logits \{kv_seq: 3\}; axes \[seq\] are not in the logits; axes \[kv_seq\] differ in size/,
  },
  WithConstantSideInputs: { layer: () => new WithConstantSideInputs({ body: new ApplyRoPE({ embeddingAxis: 'embedding', maxWavelength: 100 }), values: positions() }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].body (ApplyRoPE)', message: /ApplyRoPE over 'embedding' expected input axes \{embedding: \*\}/ },
  WithSideInputsFromInput: {
    layer: () => new WithSideInputsFromInput({ body: new EmbeddingLookup({ table: table() }), sideInputs: { tokenPositions: new PositionsFromTokens() } }),
    input: () => arr([[2, 0]], ['batch', 'seq'], 'int32'),
    bad: () => arr([[2, 0]], ['batch', 'time'], 'int32'),
    message: /PositionsFromTokens: expected tokens with a 'seq' axis; got \{batch: 1, time: 2\}/,
  },
  Tell: { layer: () => new CollectSideOutputs({ body: new Tell({ tag: 't' }) }), input: h, bad: () => undefined, message: /./ },
  CollectSideOutputs: { layer: () => new CollectSideOutputs({ body: new Softmax({ axes: 'embedding' }) }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].body (Softmax)', message: axesError('Softmax over \\[embedding\\]', 'embedding: \\*', 'seq: 1') },
  KnockOutAttentionHeads: { layer: () => new KnockOutAttentionHeads({ headMask: arr([1, 0], ['heads']) }), input: scores, bad: () => arr([[1, 2]], ['seq', 'kv_seq']), message: /KnockOutAttentionHeads \(head mask \{heads: 2\}\) expected input axes \{kv_seq: \*, heads: 2\}.*but got \{seq: 1, kv_seq: 2\}: missing axis 'heads'/ },
  RewireComputationPaths: {
    layer: () => new RewireComputationPaths({ worldOrdering: ['a', 'b'], taking: { a: new From({ source: 'b' }), b: new From({ source: 'a', weight: 0.5 }) } }),
    input: () => arr([[1, 2], [3, 4]], ['worlds', 'd']),
    bad: () => arr([[1, 2]], ['worlds', 'd']),
    message: /RewireComputationPaths over 'worlds' \(worlds \[a, b\]\) expected input axes \{worlds: 2\}.*but got \{worlds: 1, d: 2\}: axis 'worlds' has size 1, expected 2/,
  },
  Dropout: { layer: () => new Dropout({ rate: 0 }), input: h, side: () => ({ randomStream: new RandomStream(0) }), bad: positional, message: /Dropout expects only named axes but the input has positional axes \[2\]/ },
  MLP: { layer: () => MLP.fromConfig({ name: 'm', seed: 0, featureSizes: [4, 2], featureAxis: 'embedding' }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].sublayers[0].sublayers[0] (Linear)', message: axesError("Linear 'm/Affine_0/Linear.weights'", 'embedding: 4', 'seq: 1') },
  Checkpointed: { layer: () => new Checkpointed({ body: lin() }), input: h, bad: () => arr([1], ['seq']), at: '.sublayers[1].body (Linear)', message: axesError("Linear 'l.weights'", 'embedding: 4', 'seq: 1') },
};

// Layers whose wrong inputs cannot be detected (they accept anything their sublayers accept).
const noBadInput = new Set(['Identity', 'Tell']);

/** Every concrete Layer class the package exports, by name (aliases such as SaveIntermediate once). */
function exportedLayerClasses(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const v of Object.values(layers)) {
    if (typeof v === 'function' && v.prototype instanceof Layer && !out.has(v.name)) out.set(v.name, v);
  }
  return out;
}

/** All values of the tensors reachable from a result, in order (to compare two results). */
function values(r: unknown): unknown[] {
  return tensorsIn(r).map((t) => t.arraySync());
}

describe('the catalogue table', () => {
  it('covers every exported Layer class', () => {
    expect([...exportedLayerClasses().keys()].sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: runs without leaking and ignores side inputs it does not use`, () => {
      const layer = c.layer();
      const x = c.input();
      const side = c.side?.() ?? {};
      let plain: unknown[] = [];
      expectNoLeak(() => layer.call(x, side), (r) => void (plain = values(r)));
      const extra = { ...side, someOtherLayersInput: arr([9], ['unrelated']), cacheEndIndex: 3, note: 'unused' };
      expectNoLeak(() => layer.call(x, extra), (r) => expect(values(r)).toEqual(plain));
    });
    if (noBadInput.has(name)) continue;
    it(`${name}: a wrong input fails with the layer path, expected and actual axes`, () => {
      const model = new Sequential({ sublayers: [new Identity(), c.layer()] });
      const bad = c.bad();
      const side = c.side?.() ?? {};
      const before = tf.memory().numTensors;
      let err: unknown;
      try {
        model.call(bad, side);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LayerError);
      const msg = (err as Error).message;
      expect(msg.startsWith(`At ${c.at ?? `.sublayers[1] (${name})`}: `), msg).toBe(true);
      expect(msg).toMatch(c.message);
      // The failed call frees whatever it made before failing.
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('fromConfig builders', () => {
  const builders: Record<string, (seed: number | null) => unknown> = {
    Linear: (seed) => Linear.fromConfig({ name: 'l', seed, inputAxes: { embedding: 4 }, outputAxes: { heads: 2, projection: 3 } }),
    LinearInPlace: (seed) => Linear.fromConfig({ name: 'l', seed, inputAxes: { embedding: 4 }, outputAxes: { embedding: 4 } }),
    AddBias: (seed) => AddBias.fromConfig({ name: 'b', seed, biasedAxes: { neurons: 3 } }),
    Affine: (seed) => Affine.fromConfig({ name: 'a', seed, inputAxes: { x: 2 }, outputAxes: { y: 3 } }),
    LayerNorm: (seed) => LayerNorm.fromConfig({ name: 'ln', seed, acrossAxes: { embedding: 4 } }),
    RMSLayerNorm: (seed) => RMSLayerNorm.fromConfig({ name: 'rms', seed, acrossAxes: { embedding: 4 } }),
    EmbeddingTable: (seed) => EmbeddingTable.fromConfig({ name: 'e', seed, vocabSize: 5, embeddingAxes: { embedding: 4 } }),
  };
  for (const [name, build] of Object.entries(builders)) {
    it(`${name}: a seed makes exactly one tensor per parameter; seed null makes none, only labelled slots`, () => {
      let labels: string[] = [];
      expectNoLeak(() => build(0), (tree) => {
        labels = layers.parameters(tree).map((p) => p.label);
        expect(tensorsIn(tree).length).toBe(labels.length);
      });
      const before = tf.memory().numTensors;
      const structure = build(null);
      expect(tf.memory().numTensors).toBe(before);
      expect(layers.parameterSlots(structure).map((s) => s.label)).toEqual(labels);
    });
  }
});
