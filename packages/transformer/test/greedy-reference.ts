// The tiny Gemma the generation tests decode with, and their independent reference: greedy
// decoding by re-running the whole uncached model on the row alone at every step.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';

/** Two blocks (one sliding-window, one global), 151-token vocabulary. */
export const tinyGenerationConfig = gemmaPreset('gemma3_270m', {
  numLayers: 2, embedDim: 32, hiddenDim: 48, numHeads: 2, numKvHeads: 1, headDim: 8, vocabSize: 151,
  slidingWindowSize: 3, attentionTypes: ['local', 'global'],
});

/** The tiny generation model, seeded as every generation test expects. */
export async function tinyGenerationModel(): Promise<GemmaTransformer> {
  await nx.ready();
  return GemmaTransformer.fromConfig(tinyGenerationConfig, { seed: 11 });
}

/** `steps` greedy tokens after `prompt`, each from a full uncached forward pass. */
export function naiveGreedy(model: GemmaTransformer, prompt: number[], steps: number): number[] {
  const ids = [...prompt];
  for (let s = 0; s < steps; s++) {
    const t = nx.wrap(tf.tensor2d([ids], [1, ids.length], 'int32'), 'batch', 'seq');
    const logits = model.call(t);
    const last = Array.from(logits.index({ batch: 0, seq: ids.length - 1 }).data.dataSync());
    t.dispose();
    logits.dispose();
    ids.push(last.indexOf(Math.max(...last)));
  }
  return ids.slice(prompt.length);
}
