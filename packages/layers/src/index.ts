/**
 * @penjing/layers — immutable layer trees, selectors, side inputs, parameters and gradients,
 * after Penzai's `pz.nn` and `pz.select`.
 */
export * from './tree/keypath.js';
export * from './tree/struct.js';
export * from './tree/tree.js';
export * from './params/parameter.js';
export * from './core/layer.js';
export { checkValues, setTraceHooks, type LayerCallObserver, type ValueCheckHandler } from './core/trace-hooks.js';
export * from './nn/index.js';
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
