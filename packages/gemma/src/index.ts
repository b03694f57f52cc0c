/**
 * @penjing/gemma — Gemma 1, 2 and 3 as Penjing layer trees: configs and presets,
 * `GemmaTransformer`, Hugging Face and Flax checkpoint loading and saving, and LoRA on Gemma's
 * layers (`LoRAEinsumAdapter`, Hugging Face PEFT adapter files).
 *
 * The family-independent parts live in their own packages — `@penjing/transformer`
 * (TransformerLM, KV cache, sampling, generation, tokenizers), `@penjing/io` (safetensors) and
 * `@penjing/interp` (capture, knock-out, patching, lens). The names listed at the end are
 * re-exported here so that code written against `@penjing/gemma` keeps working; new code
 * imports them from their home packages.
 *
 * @example
 * import * as nx from '@penjing/named-array';
 * import { GemmaTransformer } from '@penjing/gemma';
 * const model = await GemmaTransformer.fromPretrained('models/gemma-3-270m');
 * const logits = model.call(tokens); // {batch, seq, vocabulary}
 */
// Registers Gemma with @penjing/transformer's model families (loadPretrainedModel, the CLI).
import './family.js';

// Gemma's own concepts (each module is a curated list).
export * from './config.js';
export * from './model/index.js';
export * from './loading/index.js';
export * from './peft/index.js';
export * from './vision/index.js';

// Re-exports from @penjing/transformer.
export {
  TransformerLM, transformerMetadata, headAxes, TransformerBlock, TransformerFeedForward, SelectLastToken,
  type TransformerLMCallOptions, type TransformerMetadata, type HeadAxes,
  sample, sampleSync, greedy, RandomStream, validateSamplingOptions, SamplingOptionsError, GEMMA3_DEFAULT_SAMPLING,
  type SamplingOptions, type SamplingConfig,
  KVCache, KVCacheEntry, KV_SEQ, KVCachingAttention, KV_CACHE, KV_TOKEN_POSITIONS, cacheTags,
  KVCachingTransformerLM, toCachingModel, CACHE_END_INDEX, RETURN_LAST_ONLY, initCache, cacheLayerSpecs,
  GenerationError, defaultStopIds, encodePrompt, padLeft, generate, generateStream,
  type CacheLayerSpec, type CachingStepInput, type CachingStepOutput, type UncachedModel, type InitCacheOptions,
  type Prompt, type PaddedBatch, type EncodePromptOptions, type GenerateOptions, type GenerationChunk,
  type GenerationProgress, type GenerationResult, type FinishReason, type GenerationModel,
  TokenizerError, ChatFormatError, pieceLabel, tokenizerFromJson, gemma3Tokenizer, GEMMA3_BUNDLED_SOURCE,
  tokenizerFromFile, loadTokenizer, formatChat, encodeChat, incrementalDecoder,
  type Tokenizer, type EncodeOptions, type DecodeOptions, type TokenizerFileOptions, type ChatMessage, type ChatRole,
  type ChatOptions, type IncrementalDecoder,
} from '@penjing/transformer';

// Re-exports from @penjing/io.
export {
  SafetensorsError, CheckpointError, DTYPE_SIZE, isFloatDtype, UNSUPPORTED_DTYPES, MAX_HEADER_BYTES, INDEX_FILE, SINGLE_FILE,
  AUTO_PROGRESS_BYTES, type SafetensorsDtype, type TensorArray, type WritableDtype, type TensorInfo, type Progress, type ProgressCallback,
  type ReadOptions, type SafetensorsFile, type TensorData, type ReadManyOptions, type SafetensorsCheckpoint,
  type ProgressOption, type PretrainedSource,
} from '@penjing/io';
export type {
  ShardedWriteOptions, ShardedWriteResult, TensorSource, TensorsToWrite, TensorToWrite, WriteOptions,
} from '@penjing/io/node';
// Node file access, imported on first call so that this entry bundles for browsers.
export { openSafetensors, openCheckpoint, writeSafetensors, writeShardedSafetensors } from './node-files.js';

// Re-exports from @penjing/interp.
export {
  seededRandom, repeatedRandomTokens, tokenLabels, tokenLosses, tokenLossesFromLogits, meanTokenLoss, halfLosses,
  ATTENTION_TAG, attentionSoftmaxes, withAttentionProbes, captureAttention, HEAD_AXES, diagonalScores, inductionScores,
  previousTokenScores, rankHeads, headMask, knockOutHeads, unembedding, residualStream, logitLens, logitLensLosses,
  headOutputSites, stackWorlds, patchHeadsFromClean,
  type RepeatedTokens, type RepeatedTokensOptions, type HalfLosses, type LanguageModel, type CapturedAttention,
  type HeadScore, type HeadRef, type ResidualStream, type HeadPatching, type HeadPatchingOptions,
} from '@penjing/interp';
