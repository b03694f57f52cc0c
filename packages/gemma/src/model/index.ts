/** Gemma models as layer trees. */
export { GemmaTransformer, type GemmaCallOptions, type GemmaFromConfigOptions } from './gemma-transformer.js';
export { TransformerLM, type TransformerLMCallOptions, type Logits } from './transformer-lm.js';
export { headAxes, transformerMetadata, type HeadAxes, type TransformerMetadata } from './metadata.js';
export { buildGemmaBody, embeddingScale } from './body.js';
export { buildBlock, TransformerBlock, TransformerFeedForward } from './block.js';
export { buildAttention } from './attention.js';
export { SelectLastToken } from './last-token.js';
export { LABELS, NAMES, LABEL_ROOT, blockNames } from './labels.js';
