/**
 * The family-independent language model: `TransformerLM` (Penzai's, seed 003), its metadata,
 * the block types the families build, and the last-token selection layer.
 *
 * @example
 * import { TransformerLM } from '@penjing/transformer';
 * const lm = gemma.toTransformerLM();
 * lm.call(tokens); // {batch, seq, vocabulary}
 */
export { TransformerLM, callSize, checkPositions, checkTokens, type TransformerLMCallOptions, type Logits } from './model/transformer-lm.js';
export { cacheBytes, checkForwardFits, forwardBytes, type CallSize } from './model/memory.js';
export { headAxes, transformerMetadata, type HeadAxes, type TransformerMetadata, type TransformerShape } from './model/metadata.js';
export { TransformerBlock, TransformerFeedForward } from './model/block.js';
export { SelectLastToken } from './model/last-token.js';
export {
  registerFamily, modelFamilies, loadPretrainedModel, buildModelFromConfig, describeModel, tokenizerFamilyOf,
  type ModelFamily, type FamilyLoadOptions,
} from './family.js';
// The built-in families (llama, mistral, qwen2, qwen3, gpt2, gpt_neox) register on import.
import './families/register.js';
export { describeLMConfig } from './families/register.js';
export { checkLMConfig, type LMConfig, type RopeConfig, type RopeScaling, type Activation } from './families/config.js';
export { lmConfigFromHuggingFace, FAMILY_MODEL_TYPES, type FamilyModelType } from './families/hf-config.js';
export { buildFamilyModel, familyMetadata, modelConfigOf, type FamilyModelOptions } from './families/model.js';
export { buildFamilyBody, buildFamilyBlock, buildFamilyMlp } from './families/body.js';
export { buildFamilyAttention, buildAttentionLayer, type AttentionSpec } from './families/attention.js';
export { familyHfLayout, storedToParameter, type StoredTensor, type ParameterTarget } from './families/hf-layout.js';
export { loadFamilyCheckpoint, type FamilyFromPretrainedOptions } from './families/load.js';
export { FAMILY_NAMES, FAMILY_LABEL_ROOT, familyBlockNames } from './families/labels.js';
export { ApplyLlama3RoPE, llama3InverseFrequencies } from './families/rope.js';
export { AddPositionEmbeddings } from './families/positions.js';
export { checkCheckpointTensors, bindCheckpoint, checkpointFileFor, type ExpectedTensor } from './families/checkpoint.js';
