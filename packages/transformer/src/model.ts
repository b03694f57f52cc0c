/**
 * The family-independent language model: `TransformerLM` (Penzai's, seed 003), its metadata,
 * the block types the families build, and the last-token selection layer.
 *
 * @example
 * import { TransformerLM } from '@penjing/transformer';
 * const lm = gemma.toTransformerLM();
 * lm.call(tokens); // {batch, seq, vocabulary}
 */
export { TransformerLM, checkTokens, type TransformerLMCallOptions } from './model/transformer-lm.js';
export { headAxes, transformerMetadata, type HeadAxes, type TransformerMetadata, type TransformerShape } from './model/metadata.js';
export { TransformerBlock, TransformerFeedForward } from './model/block.js';
export { SelectLastToken } from './model/last-token.js';
export {
  registerFamily, modelFamilies, loadPretrainedModel, describeModel, tokenizerFamilyOf,
  type ModelFamily, type FamilyLoadOptions,
} from './family.js';
