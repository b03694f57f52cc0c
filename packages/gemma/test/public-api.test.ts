/**
 * The public runtime names of @penjing/gemma, listed by hand: adding, removing or renaming an export
 * must change this list too, so API changes are deliberate. (Types are erased at run time; the
 * build's type tests and the README checks cover them.)
 */
import { describe, expect, it } from 'vitest';
import * as gemma from '@penjing/gemma';
import * as transformer from '@penjing/transformer';
import * as ioNode from '@penjing/io/node';
import * as interp from '@penjing/interp';

/** Gemma's own concepts: configs, the model, checkpoints, LoRA/PEFT. */
const OWN = [
    'ADAPTER_CONFIG_FILE', 'ADAPTER_WEIGHTS_FILE', 'ATTENTION_MODULES', 'CONFIG_KEYS', 'Einsum',
    'GEMMA_PRESETS', 'GEMMA_PRESET_NAMES', 'GemmaConfigError', 'GemmaTransformer', 'HF_DEFAULTS', 'LABELS',
    'LABEL_ROOT', 'LORA_RANK_AXIS', 'LoRAEinsumAdapter', 'LoRAScale', 'LowRankAdapter', 'MLP_MODULES',
    'NAMES', 'SUPPORTED_MODEL_TYPES', 'SafetensorsLazySource', 'adapterParameters', 'blockNames', 'buildAttention', 'buildBlock',
    'buildGemmaBody', 'checkConfig', 'configFromHuggingFace', 'configToHuggingFace', 'decodeCrossEntropy',
    'decodeNextTokenCrossEntropy', 'defaultAttentionTypes', 'einsumMatMul', 'embeddingScale', 'flaxVocabSize',
    'gemmaPreset', 'hfLayout', 'hfModuleOf', 'hfToParameterValue', 'kaimingUniformInitializer', 'layerRope',
    'loadLoraAdapters', 'loadPretrained', 'loraAdapterFor', 'loraDelta', 'loraEinsumSplit',
    'loraParameterLabels', 'loraParameters', 'loraSites', 'loraify', 'mergeAdapter', 'mergeLora',
    'nextTokenCrossEntropy', 'nextTokenLoss', 'parameterValueToHf', 'parseEinsum', 'planContraction',
    'queryScale', 'saveLoraAdapters', 'saveSafetensors', 'splitDecode', 'trainLora', 'validateConfig',
    // Gemma 3 vision (src/vision).
    'AveragePoolPatches', 'BidirectionalImageBlocks', 'ImageBlocksFromTokens', 'ImageSlotsFromTokens', 'MergeImageSoftTokens',
    'Patchify', 'SiglipAttention', 'VISION_NAMES', 'imagePrompt', 'buildImageEncoder', 'buildProjector', 'buildSiglipTower', 'decodeImage', 'detectVisionNaming',
    'expandImagePrompt', 'expandImageTokens', 'isVisionTensor', 'patchGridSide', 'preprocessImages', 'requireVisionNaming',
    'tokensPerSide', 'validateVisionConfig', 'visionConfigFromHuggingFace', 'visionConfigOf', 'visionLayout', 'withVision',
    // @penjing/io/node's file functions as lazy wrappers, so this entry bundles for browsers (issue 17).
    'openCheckpoint', 'openSafetensors', 'writeSafetensors', 'writeShardedSafetensors'
];
/** Names that moved to other packages and stay importable from here (the same objects). */
const RE_EXPORTED: [string, Record<string, unknown>, string[]][] = [
  ['@penjing/transformer', transformer, [
      'CACHE_END_INDEX', 'ChatFormatError', 'GEMMA3_BUNDLED_SOURCE', 'GEMMA3_DEFAULT_SAMPLING',
      'GenerationError', 'KVCache', 'KVCacheEntry', 'KVCachingAttention', 'KVCachingTransformerLM',
      'KV_CACHE', 'KV_SEQ', 'KV_TOKEN_POSITIONS', 'RETURN_LAST_ONLY', 'RandomStream', 'SamplingOptionsError',
      'SelectLastToken', 'TokenizerError', 'TransformerBlock', 'TransformerFeedForward', 'TransformerLM',
      'cacheLayerSpecs', 'cacheTags', 'defaultStopIds', 'encodeChat', 'encodePrompt', 'formatChat',
      'gemma3Tokenizer', 'generate', 'generateStream', 'greedy', 'headAxes', 'incrementalDecoder',
      'initCache', 'loadTokenizer', 'padLeft', 'pieceLabel', 'sample', 'sampleSync', 'toCachingModel',
      'tokenizerFromFile', 'tokenizerFromJson', 'transformerMetadata', 'validateSamplingOptions'
  ]],
  ['@penjing/io/node', ioNode, [
      'AUTO_PROGRESS_BYTES', 'CheckpointError', 'DTYPE_SIZE', 'INDEX_FILE', 'MAX_HEADER_BYTES', 'SINGLE_FILE',
      'SafetensorsError', 'UNSUPPORTED_DTYPES', 'isFloatDtype'
  ]],
  ['@penjing/interp', interp, [
      'ATTENTION_TAG', 'HEAD_AXES', 'attentionSoftmaxes', 'captureAttention', 'diagonalScores', 'halfLosses',
      'headMask', 'headOutputSites', 'inductionScores', 'knockOutHeads', 'logitLens', 'logitLensLosses',
      'meanTokenLoss', 'patchHeadsFromClean', 'previousTokenScores', 'rankHeads', 'repeatedRandomTokens',
      'residualStream', 'seededRandom', 'stackWorlds', 'tokenLabels', 'tokenLosses', 'tokenLossesFromLogits',
      'unembedding', 'withAttentionProbes'
  ]],
];

describe('@penjing/gemma public API', () => {
  it('exports exactly its own names and the listed re-exports', () => {
    const all = [...OWN, ...RE_EXPORTED.flatMap(([, , names]) => names)];
    expect(Object.keys(gemma).sort()).toEqual(all.sort());
  });

  it('re-exports are the home packages\' objects, not copies', () => {
    for (const [home, mod, names] of RE_EXPORTED) {
      for (const n of names) expect(gemma[n as keyof typeof gemma], `${n} from ${home}`).toBe(mod[n]);
    }
  });
});
