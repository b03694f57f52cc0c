/**
 * Registers the families this package builds (llama, mistral, qwen2, qwen3, gpt2, gpt_neox)
 * with the model-family registry, so `TransformerLM.fromPretrained`, `loadPretrainedModel`
 * and the CLI load their checkpoints. Imported by the package's model entry.
 */
import { registerFamily } from '../family.js';
import { FAMILY_MODEL_TYPES, lmConfigFromHuggingFace } from './hf-config.js';
import { loadFamilyCheckpoint } from './load.js';
import { buildFamilyModel, modelConfigOf } from './model.js';
import type { LMConfig } from './config.js';

/**
 * One line describing a family config.
 * @example describeLMConfig(config) // 'llama: 2 layers, embedding 64, 4 query heads / 2 kv heads × 16, MLP 128, vocabulary 100, …'
 */
export function describeLMConfig(c: LMConfig): string {
  const windows = c.slidingWindows.filter((w) => w !== null);
  const parts = [
    `${c.numLayers} layers${windows.length ? ` (${windows.length} with sliding window ${windows[0]})` : ''}`,
    `embedding ${c.embedDim}`,
    `${c.numHeads} query heads / ${c.numKvHeads} kv heads × ${c.headDim}`,
    `MLP ${c.hiddenDim} (${c.mlp === 'gated' ? 'gated ' : ''}${c.activation})`,
    `vocabulary ${c.vocabSize}`,
    c.rope ? `RoPE θ=${c.rope.theta}${c.rope.rotaryDims < c.headDim ? ` on ${c.rope.rotaryDims} dims` : ''}${c.rope.scaling ? ` ${c.rope.scaling.type} ×${c.rope.scaling.factor}` : ''}` : `learned positions ${c.learnedPositions}`,
    c.tieEmbeddings ? 'tied head' : 'untied head',
  ];
  return `${c.modelType}: ${parts.join(', ')}`;
}

registerFamily({
  name: 'transformer',
  modelTypes: FAMILY_MODEL_TYPES,
  fromPretrained: (path, options) => loadFamilyCheckpoint(path, options),
  fromConfig: (json, options) => buildFamilyModel(lmConfigFromHuggingFace(json, 'the config'), options),
  describe: (model) => {
    const c = modelConfigOf(model);
    return c ? describeLMConfig(c) : undefined;
  },
});
