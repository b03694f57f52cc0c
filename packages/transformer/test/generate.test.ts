import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { naiveGreedy, tinyGenerationConfig, tinyGenerationModel } from './greedy-reference.js';
import {
  GenerationError, defaultStopIds, generate, generateStream, padLeft, toCachingModel, type GenerationProgress,
  gemma3Tokenizer,
} from '@penjing/transformer';

let model: GemmaTransformer;

const config = tinyGenerationConfig;
beforeAll(async () => {
  model = await tinyGenerationModel();
});


describe('generate', () => {
  it('greedy decoding with the cache equals re-running the full model each step', async () => {
    const prompt = [2, 17, 40, 99, 5];
    const r = await generate(model, prompt, { maxNewTokens: 12, stopIds: [] });
    expect(r.tokens).toEqual(naiveGreedy(model, prompt, 12));
    expect(r.finishReason).toBe('length');
    expect(r.promptTokens).toEqual(prompt);
    expect(r.text).toBeUndefined();
  });

  it('a batch of prompts of different lengths gives each prompt its own result (left padding is masked)', async () => {
    const prompts = [[2, 17, 40, 99, 5], [2, 8], [2, 60, 61, 62, 63, 64, 65, 66, 67]];
    const together = await generate(model, prompts, { maxNewTokens: 8, stopIds: [] });
    for (let i = 0; i < prompts.length; i++) {
      const alone = await generate(model, prompts[i]!, { maxNewTokens: 8, stopIds: [] });
      expect(together[i]!.tokens).toEqual(alone.tokens);
    }
  });

  it('stops a row at its stop id, which is not part of the tokens', async () => {
    const prompt = [2, 17, 40, 99, 5];
    const free = naiveGreedy(model, prompt, 10);
    const stop = free[4]!;
    const k = free.indexOf(stop);
    const r = await generate(model, prompt, { maxNewTokens: 10, stopIds: [stop] });
    expect(r.tokens).toEqual(free.slice(0, k));
    expect(r.finishReason).toBe('stop');
    expect(r.stopToken).toBe(stop);
    // In a batch, a finished row waits (fed padding) while the others go on.
    const both = await generate(model, [prompt, [2, 8]], { maxNewTokens: 10, stopIds: [stop] });
    const other = await generate(model, [2, 8], { maxNewTokens: 10, stopIds: [stop] });
    expect(both[0]!.tokens).toEqual(free.slice(0, k));
    expect(both[1]!.tokens).toEqual(other.tokens);
  });

  it('stops on <eos> and the family\'s <end_of_turn> by default', () => {
    expect(defaultStopIds('gemma1')).toEqual([1, 107]);
    expect(defaultStopIds('gemma2')).toEqual([1, 107]);
    expect(defaultStopIds('gemma3')).toEqual([1, 106]);
  });

  it('is reproducible with a seed, and the seed matters', async () => {
    const opts = { maxNewTokens: 16, temperature: 1.5, topK: 50, topP: 0.95, stopIds: [] };
    const a = await generate(model, [2, 3, 4], { ...opts, seed: 7 });
    const b = await generate(model, [2, 3, 4], { ...opts, seed: 7 });
    const c = await generate(model, [2, 3, 4], { ...opts, seed: 8 });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
    expect(a.tokens).toHaveLength(16);
  });

  it('leaves no tensor behind, also with window-only caches and chunked prefill', async () => {
    await generate(model, [2, 3], { maxNewTokens: 2 }); // warm up lazily created backend tensors
    const before = tf.memory().numTensors;
    await generate(model, [[2, 3, 4, 5, 6, 7, 8], [2, 9]], { maxNewTokens: 5, temperature: 1, seed: 1, prefillChunkSize: 3, slidingWindowCache: 'window' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('chunked prefill and window-only caches give the same tokens', async () => {
    const prompt = [2, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69];
    const plain = await generate(model, prompt, { maxNewTokens: 10, stopIds: [] });
    const chunked = await generate(model, prompt, { maxNewTokens: 10, stopIds: [], prefillChunkSize: 4, slidingWindowCache: 'window' });
    expect(chunked.tokens).toEqual(plain.tokens);
  });

  it('reports progress for prefill and each decoding step', async () => {
    const seen: GenerationProgress[] = [];
    await generate(model, [2, 3, 4, 5, 6], { maxNewTokens: 4, stopIds: [], prefillChunkSize: 2, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => `${p.phase} ${p.done}/${p.total}`)).toEqual([
      'prefill 2/5', 'prefill 4/5', 'prefill 5/5', 'decode 1/4', 'decode 2/4', 'decode 3/4', 'decode 4/4',
    ]);
    expect(seen.every((p) => p.tokensPerSecond > 0 && p.elapsedMs >= 0)).toBe(true);
  });

  it('names what is wrong with its inputs', async () => {
    await expect(generate(model, 'Hello')).rejects.toThrow(/a text prompt needs a tokenizer/);
    await expect(generate(model, [2, 3], { maxNewTokens: 0 })).rejects.toThrow(/maxNewTokens must be a positive integer \(got 0\)/);
    await expect(generate(model, [2, 300])).rejects.toThrow(/prompt token ids 300 are beyond the model's vocabulary of 151 rows/);
    await expect(generate(model, [2, 3], { topP: 0 })).rejects.toThrow(/topP must be in \(0, 1\]/);
    await expect(generate(model, [[2], []])).rejects.toThrow(GenerationError);
    await expect(generate(model, [2, 3], { cacheLength: 2 })).rejects.toThrow(/cacheLength must be an integer ≥ the longest prompt \+ 1 = 3/);
  });
});

describe('generateStream', () => {
  it('yields each token as it is sampled, in order, and returns the results', async () => {
    const chunks: { row: number; step: number; token: number }[] = [];
    const stream = generateStream(model, [[2, 5, 6], [2, 7]], { maxNewTokens: 4, stopIds: [] });
    let r = await stream.next();
    while (!r.done) {
      chunks.push({ row: r.value.row, step: r.value.step, token: r.value.token });
      r = await stream.next();
    }
    expect(chunks.map((c) => `${c.row}:${c.step}`)).toEqual(['0:0', '1:0', '0:1', '1:1', '0:2', '1:2', '0:3', '1:3']);
    expect(r.value.map((x) => x.tokens)).toEqual([0, 1].map((row) => chunks.filter((c) => c.row === row).map((c) => c.token)));
  });

  it('frees everything when the consumer stops early', async () => {
    const before = tf.memory().numTensors;
    let n = 0;
    for await (const chunk of generateStream(model, [2, 5, 6], { maxNewTokens: 50, stopIds: [] })) {
      expect(chunk.row).toBe(0);
      if (++n === 3) break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops when the signal aborts', async () => {
    const ctl = new AbortController();
    const results = generateStream(model, [2, 5], { maxNewTokens: 50, stopIds: [], signal: ctl.signal });
    let n = 0;
    let r = await results.next();
    while (!r.done) {
      if (++n === 2) ctl.abort();
      r = await results.next();
    }
    expect(n).toBe(2);
    expect(r.value[0]!.finishReason).toBe('aborted');
  });
});

describe('padLeft', () => {
  it('right-aligns rows and marks the padding', () => {
    const b = padLeft([[2, 5], [2, 5, 6]], 0);
    expect(b.tokens.unwrap('batch', 'seq').arraySync()).toEqual([[0, 2, 5], [2, 5, 6]]);
    expect(b.mask.dtype).toBe('bool');
    expect(b.mask.unwrap('batch', 'seq').arraySync()).toEqual([[0, 1, 1], [1, 1, 1]]);
    expect(b.lengths).toEqual([2, 3]);
    b.tokens.dispose();
    b.mask.dispose();
  });
});

describe('text and chat prompts (Gemma 3 tokenizer)', () => {
  it('encodes text with <bos>, formats chat turns, streams decoded text, and never samples ids the tokenizer lacks', async () => {
    const tok = await gemma3Tokenizer();
    const big = GemmaTransformer.fromConfig(
      gemmaPreset('gemma3_270m', { numLayers: 1, embedDim: 8, hiddenDim: 8, numHeads: 1, numKvHeads: 1, headDim: 4, vocabSize: 262208, attentionTypes: ['global'] }),
      { seed: 2 },
    );
    const text = await generate(big, 'Hello', { tokenizer: tok, maxNewTokens: 3, stopIds: [] });
    expect(text.promptTokens).toEqual([2, ...tok.encode('Hello')]);
    const chat = await generate(big, 'Hello', { tokenizer: tok, chat: true, maxNewTokens: 6, temperature: 1, seed: 3, stopIds: [] });
    expect(chat.promptTokens).toEqual(tok.encode('<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n'));
    expect(chat.text).toBe(tok.decode([...chat.tokens]));
    let streamed = '';
    for await (const c of generateStream(big, 'Hello', { tokenizer: tok, chat: true, maxNewTokens: 6, temperature: 1, seed: 3, stopIds: [] })) streamed += c.text;
    expect(streamed).toBe(chat.text);
    // The model has 262208 rows; the tokenizer knows fewer, and those extra rows must never be drawn.
    const wide = await generate(big, [2], { tokenizer: tok, maxNewTokens: 40, temperature: 50, seed: 4, stopIds: [] });
    expect(wide.tokens.every((id) => id < tok.vocabSize && !tok.forbiddenIds.includes(id))).toBe(true);
    expect(toCachingModel(big).padId).toBe(0);
  }, 120_000);
});
