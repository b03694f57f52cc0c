/**
 * The public runtime names of @penjing/transformer and its entry points, listed by hand: adding, removing or renaming an export
 * must change this list too, so API changes are deliberate. (Types are erased at run time; the
 * build's type tests and the README checks cover them.)
 */
import { describe, expect, it } from 'vitest';
import * as transformer from '@penjing/transformer';
import * as model from '@penjing/transformer/model';
import * as sampling from '@penjing/transformer/sampling';
import * as generation from '@penjing/transformer/generation';
import * as tokenizer from '@penjing/transformer/tokenizer';
import * as cli from '@penjing/transformer/cli';

const ENTRIES = {
  model: [
      'describeModel', 'loadPretrainedModel', 'modelFamilies', 'registerFamily', 'tokenizerFamilyOf', 'SelectLastToken', 'TransformerBlock', 'TransformerFeedForward', 'TransformerLM', 'checkTokens',
      'headAxes', 'transformerMetadata', 'cacheBytes', 'callSize', 'checkForwardFits', 'checkPositions', 'forwardBytes',
      // Model families (llama, mistral, qwen2, qwen3, gpt2, gpt_neox).
      'AddPositionEmbeddings', 'ApplyLlama3RoPE', 'FAMILY_MODEL_TYPES', 'FAMILY_NAMES', 'buildAttentionLayer', 'buildFamilyAttention', 'buildFamilyBlock',
      'buildFamilyBody', 'buildFamilyMlp', 'buildFamilyModel', 'buildModelFromConfig', 'checkLMConfig', 'describeLMConfig',
      'FAMILY_LABEL_ROOT', 'familyBlockNames', 'familyHfLayout', 'familyMetadata', 'llama3InverseFrequencies', 'lmConfigFromHuggingFace',
      'loadFamilyCheckpoint', 'modelConfigOf', 'storedToParameter', 'checkCheckpointTensors', 'bindCheckpoint', 'checkpointFileFor'
  ],
  sampling: [
      'GEMMA3_DEFAULT_SAMPLING', 'RandomStream', 'SamplingOptionsError', 'greedy', 'sample', 'sampleSync',
      'validateSamplingOptions', 'NonFiniteLogitsError'
  ],
  generation: [
      'CACHE_END_INDEX', 'GenerationError', 'KVCache', 'KVCacheEntry', 'KVCachingAttention',
      'KVCachingTransformerLM', 'KV_CACHE', 'KV_CACHE_DONATED', 'KV_SEQ', 'KV_TOKEN_POSITIONS', 'RETURN_LAST_ONLY',
      'cacheLayerSpecs', 'cacheTags', 'defaultStopIds', 'encodePrompt', 'generate', 'generateStream',
      'initCache', 'padLeft', 'promptList', 'stripPadding', 'toCachingModel'
  ],
  tokenizer: [
      'ChatFormatError', 'GEMMA3_BUNDLED_SOURCE', 'TokenizerError', 'encodeChat', 'formatChat',
      'gemma3Tokenizer', 'incrementalDecoder', 'loadTokenizer', 'pieceLabel', 'tokenizerFromFile',
      'tokenizerFromJson', 'MAX_PATTERN_LENGTH', 'MAX_UNBOUNDED_IN_SEQUENCE', 'safeRegExp', 'unsafePatternReason', 'unsafeTokenizerPattern', 'renderChatTemplate', 'encodeChatTemplate'
  ],
};
const MODULES: Record<keyof typeof ENTRIES, Record<string, unknown>> = { model, sampling, generation, tokenizer };

describe('@penjing/transformer public API', () => {
  for (const [entry, names] of Object.entries(ENTRIES)) {
    it(`@penjing/transformer/${entry} exports exactly its list`, () => {
      expect(Object.keys(MODULES[entry as keyof typeof ENTRIES]).sort()).toEqual([...names].sort());
    });
  }

  it('@penjing/transformer/cli exports main only (it is not part of the main entry)', () => {
    expect(Object.keys(cli).sort()).toEqual(['escapeTerminal', 'exitQuietlyOnBrokenPipe', 'main']);
  });

  it('the main entry is the union of the entry points, the same objects', () => {
    const all = Object.values(ENTRIES).flat();
    expect(new Set(all).size).toBe(all.length); // no name in two entries
    expect(Object.keys(transformer).sort()).toEqual([...all].sort());
    for (const [entry, names] of Object.entries(ENTRIES)) {
      for (const n of names) expect(transformer[n as keyof typeof transformer], n).toBe(MODULES[entry as keyof typeof ENTRIES][n]);
    }
  });
});
