// Classes 8, 9 and 10: bad arguments and bad files are refused with errors that name the
// argument (or file and tensor) and the fix, and no failing call leaks a tensor.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import {
  GemmaTransformer, generate, initCache, loadLoraAdapters, tokenizerFromJson, TokenizerError, writeSafetensors,
  type TensorToWrite,
} from '@penjing/gemma';
import { FIXTURES, tempDir } from './support.js';
import { miniTokenizerJson } from './tokenizer-fixture.js';

let model: GemmaTransformer;
const prompt = [2, 10, 11, 12];

beforeAll(async () => {
  await nx.ready();
  model = await GemmaTransformer.fromPretrained(join(FIXTURES, 'gemma3_text'), { quiet: true });
});
afterAll(() => disposeTree(model));

/** Runs `f`, which must fail with a message matching `pattern`, and checks that no tensor leaked. */
async function refuses(f: () => unknown, pattern: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    await f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a failure matching ${pattern}`).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(pattern);
  expect(tf.memory().numTensors, `tensors leaked by a call failing with: ${(error as Error).message}`).toBe(before);
}

/** A PEFT adapter directory for gemma3_text's layer-0 q_proj (in 32, out 4 heads × 8). */
async function adapterDir(config: Record<string, unknown>, factors: { a?: Partial<TensorToWrite>; b?: Partial<TensorToWrite> } = {}): Promise<string> {
  const dir = await tempDir();
  const prefix = 'base_model.model.model.layers.0.self_attn.q_proj';
  const a: TensorToWrite = { dtype: 'F32', shape: [2, 32], data: new Float32Array(64).fill(0.01), ...factors.a };
  const b: TensorToWrite = { dtype: 'F32', shape: [32, 2], data: new Float32Array(64).fill(0.02), ...factors.b };
  await writeSafetensors(join(dir, 'adapter_model.safetensors'), { [`${prefix}.lora_A.weight`]: a, [`${prefix}.lora_B.weight`]: b });
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj'], ...config }));
  return dir;
}

describe('wrong-typed and unknown arguments (classes 9, 10)', () => {
  it('generate names the argument and the fix', async () => {
    await refuses(() => generate(model, null as never), /generate: the prompt is null; pass a string, an array of token ids/);
    await refuses(() => generate(model, prompt, { stopIds: 5 as never }), /generate: stopIds must be an array of token ids .* got 5/);
    await refuses(() => generate(model, prompt, { slidingWindowCache: 'bogus' as never }), /slidingWindowCache must be 'full' or 'window'; got "bogus"/);
    await refuses(() => generate(null as never, prompt), /generate: the model is null; pass a GemmaTransformer/);
    await refuses(() => generate(model, prompt, { onProgress: 3 as never }), /onProgress must be a function/);
    await refuses(() => generate(model, prompt, null as never), /options must be an object; got null/);
    await refuses(() => initCache(model, { cacheLength: 8, slidingWindowCache: 'sliding' as never }), /initCache: slidingWindowCache must be 'full' or 'window'; got "sliding"/);
  });

  it('float or NaN token positions are refused; positions must be int32 shaped like the tokens', async () => {
    const lm = model.toTransformerLM();
    const tokens = nx.wrap(tf.tensor2d([[2, 10, 11]], [1, 3], 'int32'), 'batch', 'seq');
    const floats = nx.wrap(tf.tensor2d([[0, 1.5, NaN]], [1, 3], 'float32'), 'batch', 'seq');
    const short = nx.wrap(tf.tensor2d([[0, 1]], [1, 2], 'int32'), 'batch', 'seq');
    await refuses(() => lm.call(tokens, { tokenPositions: floats }), /tokenPositions must be an int32 NamedArray .* got a float32 array\. Float or NaN positions are not positions/);
    await refuses(() => lm.call(tokens, { tokenPositions: short }), /tokenPositions has named shape .*seq.*2.* but the tokens have .*seq.*3/);
    for (const t of [tokens, floats, short]) t.dispose();
  });

  it('an axis named __proto__ is refused, never silently dropped from namedShape', async () => {
    const t = tf.zeros([2, 3]);
    await refuses(() => nx.wrap(t, '__proto__', 'seq'), /Axis name '__proto__' .* is reserved by JavaScript objects/);
    await refuses(() => nx.zeros({ ['__proto__']: 2 } as Record<string, number>), /'__proto__'/);
    await refuses(() => nx.fromArray([[1, 2]], ['batch', '__proto__']), /'__proto__'/);
    const ok = nx.wrap(t, 'constructor', 'toString');
    expect(ok.namedShape).toEqual({ constructor: 2, toString: 3 });
    t.dispose();
  });

  it('a disposed model says so and how to fix it', async () => {
    const copy = await GemmaTransformer.fromPretrained(join(FIXTURES, 'gemma3_text'), { quiet: true });
    disposeTree(copy);
    const tokens = nx.wrap(tf.tensor2d([[2, 10]], [1, 2], 'int32'), 'batch', 'seq');
    await refuses(() => copy.call(tokens), /tensors were disposed \(disposeTree ran on it.*Load or build the model again/);
    await refuses(() => generate(copy, prompt, { maxNewTokens: 2 }), /tensors were disposed/);
    tokens.dispose();
  });

  it('unusable tokenizer vocabularies are refused naming the file', () => {
    const empty = miniTokenizerJson();
    (empty.model as Record<string, unknown>).vocab = {};
    expect(() => tokenizerFromJson(empty, {}, 'x/tokenizer.json')).toThrow(TokenizerError);
    expect(() => tokenizerFromJson(empty, {}, 'x/tokenizer.json')).toThrow(/x\/tokenizer\.json: has an unusable vocabulary: model\.vocab is empty/);
    for (const [vocab, why] of [[{ a: 1, b: 1 }, /maps both "a" and "b" to id 1/], [{ a: -1 }, /maps "a" to -1/], [{ a: 1.5 }, /maps "a" to 1\.5/], [[['a', 0], 'b'], /entry 1 is "b"/], [null, /is null/]] as const) {
      const j = miniTokenizerJson();
      (j.model as Record<string, unknown>).vocab = vocab;
      expect(() => tokenizerFromJson(j, {}, 'x/tokenizer.json')).toThrow(why);
    }
    const notObject = miniTokenizerJson();
    notObject.model = 'BPE';
    expect(() => tokenizerFromJson(notObject, {}, 'x/tokenizer.json')).toThrow(/x\/tokenizer\.json: has no "model\.vocab" entry/);
  });

  it('LoRA adapters: integer factors, r disagreeing with the tensors, mismatched ranks and NaN factors', async () => {
    await refuses(async () => loadLoraAdapters(model, await adapterDir({}, { a: { dtype: 'I32', data: new Int32Array(64) } })),
      /lora_A\.weight' has integer dtype I32; LoRA factors must be floats/);
    await refuses(async () => loadLoraAdapters(model, await adapterDir({ r: 8 })), /has rank 2, but adapter_config\.json says r = 8 for this module/);
    await refuses(async () => loadLoraAdapters(model, await adapterDir({}, { b: { shape: [32, 3], data: new Float32Array(96) } })),
      /has rank 2 \(shape \[2,32\]\) but .*lora_B\.weight' has 3/);
    await refuses(async () => loadLoraAdapters(model, await adapterDir({}, { b: { data: new Float32Array(64).fill(NaN) } })),
      /lora_B\.weight' has a non-finite value \(NaN\) at element 0/);
    const good = await loadLoraAdapters(model, await adapterDir({}));
    expect(good).not.toBe(model);
  });
});
