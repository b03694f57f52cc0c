/**
 * @penjing/layers — immutable layer trees, selectors, side inputs, parameters and gradients,
 * after Penzai's `pz.nn` and `pz.select`.
 */
// Trees: structs declared once, key paths, traversal.
export { field, index, key, keyPathToString, parseKeyPath, keyPathEquals, keyPathStartsWith, type KeyEntry, type KeyPath } from './tree/keypath.js';
export { Struct, structFields, isStruct, type AnyStructClass, type FieldsOf } from './tree/struct.js';
export { child, staticField, type FieldDef, type FieldKind, type FieldInfo, type FieldSpecs, type FieldValues, type FieldInputs, type ConstructorArgs, type StructStatics } from './tree/fields.js';
export {
  isRecord, isContainer, isArrayLeaf, childrenOf, withChildren, getAtPath, setAtPath, typeNameOf, describe, walk, flattenWithPaths, mapLeaves,
  structureEquals,
} from './tree/tree.js';
export { UnboundParameterError, Parameter, ParameterSlot, LazyParameter, isParameterLike, type ParameterLike, type LazySource } from './params/parameter.js';
// Layers and side inputs.
export { LayerError, UnhandledSideInputError, Layer, tensorsIn, unhandledSideInputs, pathOf, type SideInputs, type UnhandledRequest } from './core/layer.js';
export { checkValues, isTracing, setTraceHooks, type LayerCallObserver, type ValueCheckHandler } from './core/trace-hooks.js';
// The catalogue, as a namespace (Penzai's pz.nn) and as named exports.
export * as nn from './nn/index.js';
export {
  requireNamed, checkInputAxes,
  paramShape, constantInitializer, zerosInitializer, onesInitializer, normalInitializer, varianceScalingInitializer,
  xavierUniformInitializer, xavierNormalInitializer, lecunNormalInitializer, deriveSeed, makeParameter,
  Sequential, NamedGroup, Identity, Residual, BranchAndAddTogether, BranchAndMultiplyTogether,
  ELEMENTWISE_FUNCTIONS, Elementwise, Softmax, CastToDType, TanhSoftCap, RenameAxes, ConstantRescale,
  Linear, LinearInPlace, AddBias, Affine, NamedEinsum,
  Standardize, RMSStandardize, LayerNorm, RMSLayerNorm,
  EmbeddingTable, EmbeddingLookup, EmbeddingDecode,
  ApplyRoPE, ApplyRoPEToSubset, rotateWithFrequencies,
  ATTENTION_FIELDS, Attention,
  DEFAULT_MASKED_OUT_VALUE, ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyExplicitAttentionMask,
  WithConstantSideInputs, SideInputComputation, PositionsFromTokens, WithSideInputsFromInput,
  SIDE_OUTPUTS, SideOutputCollector, Tell, SaveIntermediate, CollectSideOutputs,
  KnockOutAttentionHeads, From, RewireComputationPaths,
  RANDOM_STREAM, RandomStream, Dropout, MLP, Checkpointed, isProjection, selectProjections,
} from './nn/index.js';
export type {
  AxisSizes, InitContext, Initializer, VarianceScaling, MakeParameter, ElementwiseName, LinearConfig, AddBiasConfig, AffineConfig, NormConfig,
  EmbeddingTableConfig, SideInputFunction, SideOutputs, WithSideOutputs, MLPConfig,
} from './nn/index.js';
// Printing, parsing, selectors, parameters and training.
export { formatTree, type FormatOptions } from './tree/format.js';
export { parseTree, TreeParseError, type ParseOptions } from './tree/parse.js';
export { treeEquals } from './tree/equal.js';
export { select, Selection, type AnyClass, type SearchOptions, type ApplyOptions } from './select/selection.js';
export { combine, NotInThisPartition, notInThisPartition } from './select/partition.js';
export {
  parameters,
  parameterSlots,
  assertNoSlots,
  countParameters,
  mapParameterNodes,
  ParameterConflictError,
  type ParameterInfo,
  type SlotInfo,
} from './params/collect.js';
export {
  bindParameters,
  bindParametersE,
  unbindParameters,
  ParameterBindingError,
  type BindingProblem,
  type BindOptions,
  type ParameterValues,
  type Unbound,
} from './params/bind.js';
export { freeze, unfreeze } from './params/freeze.js';
export { disposeTree } from './params/dispose.js';
export { valueAndGrad, disposeGrads, trainableParameters, type Wrt, type Grads, type LossValue, type ValueAndGrads } from './train/grad.js';
export { applyUpdates } from './train/update.js';
export { trainStep, Trainer, type TrainStepOptions, type TrainerOptions, type StepInfo } from './train/trainer.js';
// Penzai parity (issue 15): state variables and freezing, tree shortcuts, isolation, stale trees.
export { StateVariable, StateVariableSlot, StateVariableValue, ParameterValue, unbindStateVars, bindStateVars, statelessCall, freezeVariables, freezeParams } from './params/state.js';
export { selectAndSetByPath } from './select/shortcuts.js';
export { orderLike } from './tree/order-like.js';
export { inlineGroups, isGroup, type Group, type GroupFilter } from './nn/inline-groups.js';
export { callAndExtractSubmodel, type IsolatedSubmodel } from './select/isolate.js';
export { StaleTreeError } from './train/stale.js';
export { jvp } from './train/jvp.js';
export { adamw, AdamWOptimizer, type AdamWOptions } from './train/adamw.js';
export { PRINT_HINT } from './tree/print.js';
