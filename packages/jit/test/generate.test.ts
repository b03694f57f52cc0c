import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { generate } from '@penjing/transformer';
import { releaseCompiledGeneration } from '@penjing/jit';

let model: GemmaTransformer;
beforeAll(async () => {
  await nx.ready();
  model = GemmaTransformer.fromConfig(
    gemmaPreset('gemma3_270m', { numLayers: 2, embedDim: 32, hiddenDim: 48, numHeads: 2, numKvHeads: 1, headDim: 8, vocabSize: 151, slidingWindowSize: 3, attentionTypes: ['local', 'global'] }),
    { seed: 11 },
  );
});

describe('generate({ jit: true })', () => {
  it('gives the tokens of eager greedy decoding, for a batch of prompts of different lengths', async () => {
    const prompts = [[2, 17, 40, 99, 5], [2, 8], [2, 60, 61, 62, 63, 64, 65, 66, 67]];
    const eager = await generate(model, prompts, { maxNewTokens: 10, stopIds: [] });
    const before = tf.memory().numTensors;
    const compiled = await generate(model, prompts, { maxNewTokens: 10, stopIds: [], jit: true });
    expect(compiled.map((r) => r.tokens)).toEqual(eager.map((r) => r.tokens));
    const again = await generate(model, prompts[0]!, { maxNewTokens: 10, stopIds: [], jit: true });
    expect(again.tokens).toEqual(eager[0]!.tokens);
    expect(tf.memory().numTensors).toBe(before);
    await releaseCompiledGeneration(model);
  });
});
