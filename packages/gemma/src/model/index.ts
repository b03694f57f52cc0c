/** Gemma models as layer trees. */
export { GemmaTransformer, type GemmaCallOptions, type GemmaFromConfigOptions } from './gemma-transformer.js';
export { buildGemmaBody, embeddingScale } from './body.js';
export { buildBlock } from './block.js';
export { buildAttention } from './attention.js';
export { LABELS, NAMES, LABEL_ROOT, blockNames } from './labels.js';
