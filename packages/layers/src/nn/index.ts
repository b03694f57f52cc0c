/**
 * The layer catalogue (Penzai's `pz.nn`), side-input handlers, side outputs and
 * interpretability layers; `import { nn } from '@penjing/layers'` gives them as one namespace
 * (`nn.Linear`), and each is also a named export of the package.
 */
export { requireNamed, checkInputAxes } from './checks.js';
export {
  paramShape, constantInitializer, zerosInitializer, onesInitializer, normalInitializer, varianceScalingInitializer,
  xavierUniformInitializer, xavierNormalInitializer, lecunNormalInitializer, deriveSeed, makeParameter,
  type AxisSizes, type InitContext, type Initializer, type VarianceScaling, type MakeParameter,
} from './init.js';
export { Sequential, NamedGroup, Identity, Residual, BranchAndAddTogether, BranchAndMultiplyTogether } from './combinators.js';
export { ELEMENTWISE_FUNCTIONS, Elementwise, Softmax, CastToDType, TanhSoftCap, RenameAxes, ConstantRescale, type ElementwiseName } from './basic.js';
export { Linear, LinearInPlace, AddBias, Affine, NamedEinsum, type LinearConfig, type AddBiasConfig, type AffineConfig } from './linear.js';
export { Standardize, RMSStandardize, LayerNorm, RMSLayerNorm, type NormConfig } from './norms.js';
export { EmbeddingTable, EmbeddingLookup, EmbeddingDecode, type EmbeddingTableConfig } from './embeddings.js';
export { ApplyRoPE, ApplyRoPEToSubset, rotateWithFrequencies } from './rope.js';
export { ATTENTION_FIELDS, Attention } from './attention.js';
export { DEFAULT_MASKED_OUT_VALUE, ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ApplyExplicitAttentionMask } from './masks.js';
export { WithConstantSideInputs, SideInputComputation, PositionsFromTokens, WithSideInputsFromInput, type SideInputFunction } from './handlers.js';
export { SIDE_OUTPUTS, SideOutputCollector, Tell, SaveIntermediate, CollectSideOutputs, type SideOutputs, type WithSideOutputs } from './side-outputs.js';
export { KnockOutAttentionHeads, From, RewireComputationPaths } from './interp.js';
export { RANDOM_STREAM, RandomStream, Dropout } from './dropout.js';
export { MLP, type MLPConfig } from './mlp.js';
export { Checkpointed } from './checkpointed.js';
export { isProjection, selectProjections } from './projections.js';
