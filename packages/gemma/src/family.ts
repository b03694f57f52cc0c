/**
 * Registers Gemma with `@penjing/transformer`'s model families, so that
 * `loadPretrainedModel` and the `penjing` CLI load Gemma checkpoints (every `model_type` in
 * `SUPPORTED_MODEL_TYPES`), describe Gemma models and pick the Gemma tokenizer family. The
 * package entry imports this module, so importing `@penjing/gemma` is enough.
 *
 * @example
 * import '@penjing/gemma';
 * const model = await loadPretrainedModel('models/gemma-3-270m'); // a GemmaTransformer
 */
import { registerFamily } from '@penjing/transformer';
import type { GemmaConfig } from './config.js';
import { SUPPORTED_MODEL_TYPES } from './config.js';
import { GemmaTransformer } from './model/gemma-transformer.js';
import { imagePrompt } from './vision/preprocess.js';

/**
 * One line describing a Gemma config.
 * @example describeConfig(gemmaPreset('gemma3_1b'))
 * // 'gemma3: 26 layers (22 local with window 512, 4 global), embedding 1152, 4 query heads / 1 kv head × 256, MLP 6912, vocabulary 262144'
 */
export function describeConfig(c: GemmaConfig): string {
  const local = c.attentionTypes.filter((t) => t === 'local').length;
  const global = c.numLayers - local;
  const layers = local ? `${local} local with window ${c.slidingWindowSize}, ${global} global` : 'all global';
  const heads = `${c.numHeads} query head${c.numHeads > 1 ? 's' : ''} / ${c.numKvHeads} kv head${c.numKvHeads > 1 ? 's' : ''} × ${c.headDim}`;
  const caps = [c.attnLogitsSoftCap !== null ? `attention soft-cap ${c.attnLogitsSoftCap}` : '', c.finalLogitSoftCap !== null ? `final soft-cap ${c.finalLogitSoftCap}` : ''].filter(Boolean);
  return `${c.family}: ${c.numLayers} layers (${layers}), embedding ${c.embedDim}, ${heads}, MLP ${c.hiddenDim}, vocabulary ${c.vocabSize}${caps.length ? `, ${caps.join(', ')}` : ''}`;
}

registerFamily({
  name: 'gemma',
  modelTypes: SUPPORTED_MODEL_TYPES,
  fromPretrained: (path, options) => GemmaTransformer.fromPretrained(path, options),
  describe: (model) => (model instanceof GemmaTransformer ? describeConfig(model.config) : undefined),
  tokenizerFamily: (model) => (model instanceof GemmaTransformer ? model.config.family : undefined),
  imagePrompt: (model, prompt, files) => (model instanceof GemmaTransformer ? imagePrompt(model, prompt, files) : Promise.resolve(undefined)),
});
