// The public runtime names of each package, listed so that adding, renaming or removing one is
// a deliberate change to this file (internal helpers — the op lifters, the struct machinery —
// stay unexported). Type-only exports are checked by tsc through tests/types.
import { describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import * as layers from '@penjing/layers';
import * as viewer from '@penjing/viewer';

const NAMED_ARRAY = [
    'NamedArray', 'NamedAxisError', 'Positional', 'abs', 'add', 'alignNames', 'arange', 'argmax', 'argmin',
    'astype', 'backendName', 'broadcastShapes', 'broadcastTo', 'checkAxes', 'concatenate', 'contract', 'cos',
    'cumsum', 'div', 'dynamicSlice', 'einsum', 'einsumTensors', 'equal', 'exp', 'floorDiv',
    'formatNamedShape', 'fromArray', 'full', 'gatherNamed', 'gelu', 'greater', 'greaterEqual', 'isNamedArray',
    'less', 'lessEqual', 'log', 'logSoftmax', 'logicalAnd', 'logicalNot', 'logicalOr', 'max', 'maximum',
    'mean', 'min', 'minimum', 'mod', 'mul', 'neg', 'nmap', 'notEqual', 'oneHot', 'ones', 'planContraction',
    'pow', 'prod', 'randomNormal', 'randomUniform', 'ready', 'relu', 'rsqrt', 'scalar', 'sigmoid', 'silu',
    'sin', 'slice', 'softmax', 'split', 'sqrt', 'square', 'stack', 'stopGradient', 'sub', 'sum', 'tanh',
    'unstack', 'where', 'wrap', 'zeros',
];

const LAYERS = [
    'ATTENTION_FIELDS', 'AddBias', 'Affine', 'ApplyCausalAttentionMask',
    'ApplyCausalSlidingWindowAttentionMask', 'ApplyExplicitAttentionMask', 'ApplyRoPE', 'ApplyRoPEToSubset',
    'Attention', 'BranchAndAddTogether', 'BranchAndMultiplyTogether', 'CastToDType', 'CollectSideOutputs',
    'ConstantRescale', 'DEFAULT_MASKED_OUT_VALUE', 'ELEMENTWISE_FUNCTIONS', 'Elementwise', 'EmbeddingDecode',
    'EmbeddingLookup', 'EmbeddingTable', 'From', 'Identity', 'KnockOutAttentionHeads', 'Layer', 'LayerError',
    'LayerNorm', 'LazyParameter', 'Linear', 'LinearInPlace', 'NamedEinsum', 'NamedGroup', 'NotInThisPartition', 'Parameter',
    'ParameterBindingError', 'ParameterConflictError', 'ParameterSlot', 'PositionsFromTokens', 'RMSLayerNorm',
    'RMSStandardize', 'RenameAxes', 'Residual', 'RewireComputationPaths', 'SIDE_OUTPUTS', 'SaveIntermediate',
    'Selection', 'Sequential', 'SideInputComputation', 'SideOutputCollector', 'Softmax', 'Standardize',
    'Struct', 'TanhSoftCap', 'Tell', 'Trainer', 'TreeParseError', 'UnboundParameterError',
    'UnhandledSideInputError', 'WithConstantSideInputs', 'WithSideInputsFromInput', 'applyUpdates',
    'assertNoSlots', 'bindParameters', 'bindParametersE', 'checkInputAxes', 'child', 'childrenOf', 'combine',
    'constantInitializer', 'countParameters', 'deriveSeed', 'describe', 'disposeGrads', 'disposeTree',
    'field', 'flattenWithPaths', 'formatTree', 'freeze', 'getAtPath', 'index', 'isArrayLeaf', 'isContainer',
    'isParameterLike', 'isRecord', 'isStruct', 'key', 'keyPathEquals', 'keyPathStartsWith', 'keyPathToString',
    'lecunNormalInitializer', 'makeParameter', 'mapLeaves', 'mapParameterNodes', 'nn', 'normalInitializer',
    'notInThisPartition', 'onesInitializer', 'paramShape', 'parameterSlots', 'parameters', 'parseKeyPath',
    'parseTree', 'pathOf', 'requireNamed', 'select', 'setAtPath', 'staticField', 'structFields',
    'structureEquals', 'tensorsIn', 'trainStep', 'trainableParameters', 'treeEquals', 'typeNameOf',
    'unbindParameters', 'unfreeze', 'unhandledSideInputs', 'valueAndGrad', 'varianceScalingInitializer',
    'walk', 'withChildren', 'xavierNormalInitializer', 'xavierUniformInitializer', 'zerosInitializer',
];

/** Penzai's pz.nn: the catalogue as a namespace (each name is also a named export). */
const NN = [
    'ATTENTION_FIELDS', 'AddBias', 'Affine', 'ApplyCausalAttentionMask',
    'ApplyCausalSlidingWindowAttentionMask', 'ApplyExplicitAttentionMask', 'ApplyRoPE', 'ApplyRoPEToSubset',
    'Attention', 'BranchAndAddTogether', 'BranchAndMultiplyTogether', 'CastToDType', 'CollectSideOutputs',
    'ConstantRescale', 'DEFAULT_MASKED_OUT_VALUE', 'ELEMENTWISE_FUNCTIONS', 'Elementwise', 'EmbeddingDecode',
    'EmbeddingLookup', 'EmbeddingTable', 'From', 'Identity', 'KnockOutAttentionHeads', 'LayerNorm', 'Linear',
    'LinearInPlace', 'NamedEinsum', 'NamedGroup', 'PositionsFromTokens', 'RMSLayerNorm', 'RMSStandardize',
    'RenameAxes', 'Residual', 'RewireComputationPaths', 'SIDE_OUTPUTS', 'SaveIntermediate', 'Sequential',
    'SideInputComputation', 'SideOutputCollector', 'Softmax', 'Standardize', 'TanhSoftCap', 'Tell',
    'WithConstantSideInputs', 'WithSideInputsFromInput', 'checkInputAxes', 'constantInitializer',
    'deriveSeed', 'lecunNormalInitializer', 'makeParameter', 'normalInitializer', 'onesInitializer',
    'paramShape', 'requireNamed', 'varianceScalingInitializer', 'xavierNormalInitializer',
    'xavierUniformInitializer', 'zerosInitializer',
];

const VIEWER = [
    'JUPYTER_DISPLAY', 'VIEW', 'View', 'balancedLayout', 'colorFromString', 'escapeHtml', 'formatFloat32',
    'formatG2', 'hueFromString', 'inferFacets', 'isSelectionLike', 'jsonForScript', 'mount', 'registerRenderer',
    'renderAttention', 'renderText', 'renderToHtml', 'reprOf', 'summarize', 'truncation', 'view',
];

describe('public runtime names', () => {
  it('@penjing/named-array', () => expect(Object.keys(nx).sort()).toEqual(NAMED_ARRAY));
  it('@penjing/layers', () => expect(Object.keys(layers).sort()).toEqual(LAYERS));
  it('@penjing/layers nn namespace, each also a named export', () => {
    expect(Object.keys(layers.nn).sort()).toEqual(NN);
    for (const name of NN) expect(layers[name as keyof typeof layers], name).toBe(layers.nn[name as keyof typeof layers.nn]);
  });
  it('@penjing/viewer', () => expect(Object.keys(viewer).sort()).toEqual(VIEWER));
  it('keeps internal helpers private', () => {
    for (const name of ['liftBinary', 'loosen', 'retype', 'contractPair', 'labelSizes']) expect(name in nx, name).toBe(false);
    for (const name of ['defineBase', 'withFields', 'fieldValue', 'fieldSpecsOf', 'searchableChildrenOf', 'frozenList']) expect(name in layers, name).toBe(false);
  });
});
