import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { TransformerLM, generate } from '@penjing/transformer';
import { Parameter, disposeTree, select } from '@penjing/layers';
import { TINY_CONFIGS } from '../../transformer/test/families-helpers.js';
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

  it('stays equal to eager decoding over a long decode that fills every cache slot', async () => {
    // A 20-token prompt pads to 24 slots and 64 new tokens make an 88-slot cache: the 63 decode
    // steps write every slot the prompt leaves free (the last is the decode graph's scratch slot).
    // Greedy decoding of this random model soon repeats one token; seeded sampling at
    // temperature 1 makes every step's token depend on that step's whole distribution.
    const prompt = Array.from({ length: 20 }, (_, i) => 3 + ((i * 37) % 140));
    const options = { maxNewTokens: 64, stopIds: [], temperature: 1, seed: 3 };
    const eager = await generate(model, prompt, options);
    const before = tf.memory().numTensors;
    const compiled = await generate(model, prompt, { ...options, jit: true });
    expect(compiled.tokens).toHaveLength(64);
    expect(compiled.tokens).toEqual(eager.tokens);
    expect(new Set(eager.tokens).size).toBeGreaterThan(20);
    expect(tf.memory().numTensors).toBe(before);
    await releaseCompiledGeneration(model);
  });

  it('greedy steps pick inside the graph: forbidden ids are never chosen, as eagerly', async () => {
    const prompts = [[2, 17, 40, 99, 5], [2, 8, 9]];
    const free = await generate(model, prompts, { maxNewTokens: 8, stopIds: [] });
    // Forbid what free decoding chose, so every step must find another argmax.
    const forbiddenIds = [...new Set(free.flatMap((r) => r.tokens))];
    const eager = await generate(model, prompts, { maxNewTokens: 8, stopIds: [], forbiddenIds });
    const before = tf.memory().numTensors;
    const compiled = await generate(model, prompts, { maxNewTokens: 8, stopIds: [], forbiddenIds, jit: true });
    expect(compiled.map((r) => r.tokens)).toEqual(eager.map((r) => r.tokens));
    expect(compiled.flatMap((r) => r.tokens).some((t) => forbiddenIds.includes(t))).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    await releaseCompiledGeneration(model);
  });

  it('a decode step whose logits turn NaN stops with eager greedy decoding\'s error', async () => {
    // An untied model whose input embedding row for the first generated token is NaN: the
    // prompt's logits are clean, the step that feeds that token back is not.
    const untied = TransformerLM.fromConfig({ ...TINY_CONFIGS.llama!, tie_word_embeddings: false }, { seed: 3 });
    const prompt = [1, 5, 2, 7];
    const [first] = (await generate(untied, prompt, { maxNewTokens: 1, stopIds: [] })).tokens;
    const broken = select(untied)
      .atInstancesOf(Parameter)
      .where((p) => p.label === 'transformer/embedder.embeddings')
      .apply((p) => {
        const rows = p.value.unwrap('vocabulary', 'embedding').arraySync();
        return p.replace({ value: nx.wrap(tf.tensor2d(rows.map((row, id) => (id === first ? row.map(() => NaN) : row))), 'vocabulary', 'embedding') });
      });
    const error = /step 1: the model's logits for prompt 0 are NaN or \+Infinity/;
    await expect(generate(broken, prompt, { maxNewTokens: 4, stopIds: [] })).rejects.toThrow(error);
    const before = tf.memory().numTensors;
    await expect(generate(broken, prompt, { maxNewTokens: 4, stopIds: [], jit: true })).rejects.toThrow(error);
    expect(tf.memory().numTensors).toBe(before);
    await releaseCompiledGeneration(broken);
    disposeTree([untied, broken]);
  });
});
