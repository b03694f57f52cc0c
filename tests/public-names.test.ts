// The public runtime names of each package, listed so that adding, renaming or removing one is
// a deliberate change to this file (internal helpers — the op lifters, the struct machinery —
// stay unexported). Type-only exports are checked by tsc through tests/types.
import { describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import * as layers from '@penjing/layers';
import * as viewer from '@penjing/viewer';

const NAMED_ARRAY = [
    'MemoryBudgetError', 'NamedArray', 'NamedAxisError', 'Positional', 'WASM_HEAP_BYTES', 'abs', 'add',
    'alignNames', 'arange', 'argmax', 'argmin', 'astype', 'autoFreeStats', 'backendName', 'backendThreads',
    'broadcastShapes', 'broadcastTo', 'checkAxes', 'checkMemory', 'concatenate', 'contract', 'cos',
    'cumsum', 'div', 'dynamicSlice', 'einsum', 'einsumTensors', 'ensureReady', 'equal', 'exp', 'floorDiv',
    'formatNamedShape', 'fromArray', 'full', 'fusedRmsNorm', 'fusedRotary', 'gatherNamed', 'gelu', 'greater', 'greaterEqual',
    'isNamedArray', 'less', 'lessEqual', 'log', 'logSoftmax', 'logicalAnd', 'logicalNot', 'logicalOr',
    'max', 'maximum', 'mean', 'memoryBudget', 'min', 'minimum', 'mod', 'mul', 'neg', 'nmap', 'notEqual',
    'oneHot', 'ones', 'planContraction', 'pow', 'prod', 'randomFoldIn', 'randomKey', 'randomNormal',
    'randomSplit', 'randomUniform', 'ready', 'relu', 'rsqrt', 'scalar', 'setAutoFree', 'setGemvLayout', 'setHeapLimit',
    'sigmoid', 'silu', 'sin', 'slice', 'softmax', 'split', 'sqrt', 'square', 'stack', 'std', 'stopGradient',
    'sub', 'sum', 'tanh', 'unstack', 'variance', 'wasmThreadStats', 'where', 'whereOfOneShape', 'wrap', 'writeSlotsInPlace',
    'zeros'
];

const LAYERS = [
    'ATTENTION_FIELDS', 'AdamWOptimizer', 'AddBias', 'Affine', 'ApplyCausalAttentionMask',
    'ApplyCausalSlidingWindowAttentionMask', 'ApplyExplicitAttentionMask', 'ApplyRoPE', 'ApplyRoPEToSubset',
    'Attention', 'BranchAndAddTogether', 'BranchAndMultiplyTogether', 'CastToDType', 'Checkpointed',
    'CollectSideOutputs', 'ConstantRescale', 'DEFAULT_MASKED_OUT_VALUE', 'Dropout', 'ELEMENTWISE_FUNCTIONS',
    'Elementwise', 'EmbeddingDecode', 'EmbeddingLookup', 'EmbeddingTable', 'From', 'Identity',
    'KnockOutAttentionHeads', 'Layer', 'LayerError', 'LayerNorm', 'LazyParameter', 'Linear',
    'LinearInPlace', 'MLP', 'NamedEinsum', 'NamedGroup', 'NotInThisPartition', 'PRINT_HINT', 'Parameter',
    'ParameterBindingError', 'ParameterConflictError', 'ParameterSlot', 'ParameterValue',
    'PositionsFromTokens', 'RANDOM_STREAM', 'RMSLayerNorm', 'RMSStandardize', 'RandomStream', 'RenameAxes',
    'Residual', 'RewireComputationPaths', 'SIDE_OUTPUTS', 'SaveIntermediate', 'Selection', 'Sequential',
    'SideInputComputation', 'SideOutputCollector', 'Softmax', 'StaleTreeError', 'Standardize',
    'StateVariable', 'StateVariableSlot', 'StateVariableValue', 'Struct', 'TanhSoftCap', 'Tell', 'Trainer',
    'TreeParseError', 'UnboundParameterError', 'UnhandledSideInputError', 'WithConstantSideInputs',
    'WithSideInputsFromInput', 'adamw', 'applyUpdates', 'assertNoSlots', 'bindParameters',
    'bindParametersE', 'bindStateVars', 'callAndExtractSubmodel', 'checkInputAxes', 'checkValues', 'child',
    'childrenOf', 'combine', 'constantInitializer', 'countParameters', 'deriveSeed', 'describe',
    'disposeGrads', 'disposeTree', 'field', 'flattenWithPaths', 'formatTree', 'freeze', 'freezeParams',
    'freezeVariables', 'getAtPath', 'index', 'inlineGroups', 'isArrayLeaf', 'isContainer', 'isGroup',
    'isParameterLike', 'isProjection', 'isRecord', 'isStruct', 'isTracing', 'jvp', 'key', 'keyPathEquals',
    'keyPathStartsWith', 'keyPathToString', 'lecunNormalInitializer', 'makeParameter', 'mapLeaves',
    'mapParameterNodes', 'nn', 'normalInitializer', 'notInThisPartition', 'onesInitializer', 'orderLike',
    'paramShape', 'parameterSlots', 'parameters', 'parseKeyPath', 'parseTree', 'pathOf', 'requireNamed',
    'rotateWithFrequencies', 'select', 'selectAndSetByPath', 'selectProjections', 'setAtPath',
    'setTraceHooks', 'statelessCall', 'staticField', 'structFields', 'structureEquals', 'tensorsIn',
    'trainStep', 'trainableParameters', 'treeEquals', 'typeNameOf', 'unbindParameters', 'unbindStateVars',
    'unfreeze', 'unhandledSideInputs', 'valueAndGrad', 'varianceScalingInitializer', 'walk', 'withChildren',
    'xavierNormalInitializer', 'xavierUniformInitializer', 'zerosInitializer'
];

/** Penzai's pz.nn: the catalogue as a namespace (each name is also a named export). */
const NN = [
    'ATTENTION_FIELDS', 'AddBias', 'Affine', 'ApplyCausalAttentionMask',
    'ApplyCausalSlidingWindowAttentionMask', 'ApplyExplicitAttentionMask', 'ApplyRoPE', 'ApplyRoPEToSubset',
    'Attention', 'BranchAndAddTogether', 'BranchAndMultiplyTogether', 'CastToDType', 'Checkpointed',
    'CollectSideOutputs', 'ConstantRescale', 'DEFAULT_MASKED_OUT_VALUE', 'Dropout', 'ELEMENTWISE_FUNCTIONS',
    'Elementwise', 'EmbeddingDecode', 'EmbeddingLookup', 'EmbeddingTable', 'From', 'Identity',
    'KnockOutAttentionHeads', 'LayerNorm', 'Linear', 'LinearInPlace', 'MLP', 'NamedEinsum', 'NamedGroup',
    'PositionsFromTokens', 'RANDOM_STREAM', 'RMSLayerNorm', 'RMSStandardize', 'RandomStream', 'RenameAxes',
    'Residual', 'RewireComputationPaths', 'SIDE_OUTPUTS', 'SaveIntermediate', 'Sequential',
    'SideInputComputation', 'SideOutputCollector', 'Softmax', 'Standardize', 'TanhSoftCap', 'Tell',
    'WithConstantSideInputs', 'WithSideInputsFromInput', 'checkInputAxes', 'constantInitializer',
    'deriveSeed', 'isProjection', 'lecunNormalInitializer', 'makeParameter', 'normalInitializer',
    'onesInitializer', 'paramShape', 'requireNamed', 'rotateWithFrequencies', 'selectProjections',
    'varianceScalingInitializer', 'xavierNormalInitializer', 'xavierUniformInitializer', 'zerosInitializer'
];

const VIEWER = [
    'HtmlView', 'JUPYTER_DISPLAY', 'VIEW', 'View', 'balancedLayout', 'basicInteractiveSetup',
    'colorFromString', 'escapeHtml', 'formatFloat32', 'formatG2', 'hueFromString', 'inferFacets',
    'isSelectionLike', 'jsonForScript', 'mount', 'registerRenderer', 'renderAttention', 'renderImageAttention',
    'renderText', 'renderToHtml', 'renderTokenScores', 'reprOf', 'summarize', 'truncation', 'view'
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
