/**
 * Generation: the KV cache as a value, the caching form of any model, the decoding loop (batch, streaming, stop ids).
 *
 * @example
 * import { generateStream } from '@penjing/transformer/generation';
 * import { loadTokenizer } from '@penjing/transformer/tokenizer';
 * import { GemmaTransformer } from '@penjing/gemma';
 * const tok = await loadTokenizer(dir);
 * const model = await GemmaTransformer.fromPretrained(dir);
 * for await (const { text } of generateStream(model, 'Hello', { tokenizer: tok, chat: true })) process.stdout.write(text);
 */
export { KVCache, KVCacheEntry, KV_SEQ, type CacheLayerSpec } from './generation/kv-cache.js';
export { KVCachingAttention, KV_CACHE, KV_CACHE_DONATED, KV_TOKEN_POSITIONS, cacheTags } from './generation/caching-attention.js';
export {
  KVCachingTransformerLM, toCachingModel, CACHE_END_INDEX, RETURN_LAST_ONLY,
  type CachingStepInput, type CachingStepOutput, type UncachedModel,
} from './generation/caching-model.js';
export { initCache, cacheLayerSpecs, type InitCacheOptions } from './generation/init-cache.js';
export { GenerationError, defaultStopIds, encodePrompt, padLeft, type Prompt, type PaddedBatch, type EncodePromptOptions } from './generation/prompts.js';
export { promptList, stripPadding, type PromptInput } from './generation/padded-prompts.js';
export {
  generate, generateStream,
  type GenerateOptions, type GenerationChunk, type GenerationProgress, type GenerationResult, type FinishReason, type GenerationModel,
} from './generation/generate.js';
export type { CompiledSteps, CompiledStepsFactory, CompiledStepsRequest } from './generation/compiled-steps.js';
