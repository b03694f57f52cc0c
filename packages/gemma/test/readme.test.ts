/**
 * The README's examples, run as written. Each ```ts block of ../README.md appears here
 * between `// README:begin` and `// README:end` (imports aside, which are checked against the
 * packages' exports), followed by assertions of the results its comments state; the first
 * test fails when a block and its copy here differ, so the README cannot drift. The `sh`
 * commands of the CLI section run through `main()` in-process, and the printed `text` blocks
 * are compared with what the commands print.
 *
 * The examples use repository paths (`examples/tiny-gemma`, `tests/fixtures/…`) and write
 * under `out/`: they run in a scratch directory that links those two folders in.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  CollectSideOutputs, Softmax, Tell, bindParameters, countParameters, disposeTree, formatTree, select, structureEquals, unbindParameters,
} from '@penjing/layers';
import {
  ChatFormatError, Einsum, GEMMA_PRESET_NAMES, GemmaTransformer, LABELS, LoRAEinsumAdapter, LowRankAdapter, RandomStream,
  cacheLayerSpecs, captureAttention, configFromHuggingFace, configToHuggingFace, defaultStopIds, encodeChat, formatChat,
  gemmaPreset, generate, generateStream, halfLosses, headAxes, incrementalDecoder, inductionScores, initCache, knockOutHeads,
  layerRope, loadLoraAdapters, loadTokenizer, logitLensLosses, loraEinsumSplit, loraSites, loraify, mergeLora,
  openCheckpoint, openSafetensors, patchHeadsFromClean, pieceLabel, previousTokenScores, queryScale, rankHeads,
  repeatedRandomTokens, sample, sampleSync, saveLoraAdapters, toCachingModel, tokenLosses, trainLora, validateConfig,
  validateSamplingOptions, writeSafetensors, writeShardedSafetensors, type TensorData, type Tokenizer,
  expandImageTokens, preprocessImages, visionConfigOf,
} from '@penjing/gemma';
import { main } from '@penjing/transformer/cli';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
import { bodyOf, fenced, readmeImportProblems, regions } from '../../../tests/support/readme-blocks.js';
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const SELF = readFileSync(fileURLToPath(import.meta.url), 'utf8');


let work: string;

beforeAll(async () => {
  await nx.ready();
  work = await mkdtemp(join(tmpdir(), 'penjing-gemma-readme-'));
  await symlink(join(ROOT, 'examples'), join(work, 'examples'));
  await symlink(join(ROOT, 'tests'), join(work, 'tests'));
  process.chdir(work);
});

afterAll(async () => {
  process.chdir(ROOT);
  if (work) await rm(work, { recursive: true, force: true });
});

let shared: Promise<{ tiny: GemmaTransformer; random: GemmaTransformer; tok: Tokenizer }> | undefined;
/** The three values most examples use (the README's "About the examples" block). */
function fixtures() {
  shared ??= (async () => {
    // README:begin
    const tiny = await GemmaTransformer.fromPretrained('examples/tiny-gemma');  // trained, 64 tokens
    const random = GemmaTransformer.fromConfig(gemmaPreset('gemma3_270m', {    // random weights,
      numLayers: 2, embedDim: 16, hiddenDim: 32, numHeads: 2, numKvHeads: 1,    // Gemma 3's real
      headDim: 8, attentionTypes: ['local', 'global'], slidingWindowSize: 4,   // 262,144-row vocabulary
    }), { seed: 0 });
    const tok = await loadTokenizer();                                          // bundled Gemma 3 tokenizer
    // README:end
    return { tiny, random, tok };
  })();
  return shared;
}

const close = (a: nx.NamedArray, b: nx.NamedArray) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a.orderLike(b).data, b.data))).dataSync()[0]! / tf.max(tf.abs(b.data)).dataSync()[0]!);

describe('the README and this file hold the same examples', () => {
  it('every ts block of the README is a region here, and every region is a README block', () => {
    const blocks = fenced(README, 'ts').map(bodyOf);
    const here = regions(SELF);
    expect(blocks.length).toBeGreaterThan(15);
    for (const b of blocks) expect(here, `README block not found in readme.test.ts:\n${b}`).toContain(b);
    for (const r of here) expect(blocks, `region of readme.test.ts not in the README:\n${r}`).toContain(r);
  });

  it('every name the README imports is exported by its module', async () => {
    const { count, problems } = await readmeImportProblems(README);
    expect(count).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});

describe('README examples', () => {
  it('opening example', async () => {
    // README:begin
    const model = await GemmaTransformer.fromPretrained('examples/tiny-gemma');  // awaits nx.ready()
    const tokens = nx.fromArray([[2, 4, 9, 14, 19, 24, 29, 34, 39, 4, 9, 14]], ['batch', 'seq'], 'int32');
    const logits = model.call(tokens);                           // {batch: 1, seq: 12, vocabulary: 64}
    const last = model.call(tokens, { returnLastOnly: true });   // {batch: 1, vocabulary: 64}
    last.argmax('vocabulary').arraySync('batch');                // [19]: it continues the repeat
    // README:end
    expect(logits.namedShape).toEqual({ batch: 1, seq: 12, vocabulary: 64 });
    expect(last.namedShape).toEqual({ batch: 1, vocabulary: 64 });
    expect(last.argmax('vocabulary').arraySync('batch')).toEqual([19]);
  });

  it('configs and presets', () => {
    // README:begin
    GEMMA_PRESET_NAMES;
    // ['gemma1_2b', 'gemma1_7b', 'gemma2_2b', 'gemma2_9b', 'gemma2_27b',
    //  'gemma3_270m', 'gemma3_1b', 'gemma3_4b', 'gemma3_12b', 'gemma3_27b']
    const c = gemmaPreset('gemma3_1b');
    c.attentionTypes.slice(0, 6);          // ['local', 'local', 'local', 'local', 'local', 'global']
    [c.slidingWindowSize, c.vocabSize];    // [512, 262144]
    gemmaPreset('gemma2_9b', { numLayers: 4 }).attentionTypes;  // ['local', 'global', 'local', 'global']
    layerRope(gemmaPreset('gemma3_4b'), 5);  // { baseFrequency: 1000000, scaleFactor: 8 }: a global layer
    layerRope(gemmaPreset('gemma3_4b'), 0);  // { baseFrequency: 10000, scaleFactor: 1 }: a local layer
    queryScale(gemmaPreset('gemma2_27b'));   // 144 ** -0.5
    validateConfig({ ...gemmaPreset('gemma2_2b'), numKvHeads: 3 });
    // [{ key: 'numKvHeads', message: 'numHeads 8 is not a multiple of numKvHeads 3; each kv head must serve a whole group of query heads' }]
    // README:end
    expect(GEMMA_PRESET_NAMES).toEqual([
      'gemma1_2b', 'gemma1_7b', 'gemma2_2b', 'gemma2_9b', 'gemma2_27b', 'gemma3_270m', 'gemma3_1b', 'gemma3_4b', 'gemma3_12b', 'gemma3_27b',
    ]);
    expect(c.attentionTypes.slice(0, 6)).toEqual(['local', 'local', 'local', 'local', 'local', 'global']);
    expect([c.slidingWindowSize, c.vocabSize]).toEqual([512, 262144]);
    expect(gemmaPreset('gemma2_9b', { numLayers: 4 }).attentionTypes).toEqual(['local', 'global', 'local', 'global']);
    expect(layerRope(gemmaPreset('gemma3_4b'), 5)).toEqual({ baseFrequency: 1000000, scaleFactor: 8 });
    expect(layerRope(gemmaPreset('gemma3_4b'), 0)).toEqual({ baseFrequency: 10000, scaleFactor: 1 });
    expect(queryScale(gemmaPreset('gemma2_27b'))).toBe(144 ** -0.5);
    expect(validateConfig({ ...gemmaPreset('gemma2_2b'), numKvHeads: 3 })).toEqual([
      { key: 'numKvHeads', message: 'numHeads 8 is not a multiple of numKvHeads 3; each kv head must serve a whole group of query heads' },
    ]);

    let message = '';
    // README:begin
    const json = JSON.parse(readFileSync('examples/tiny-gemma/config.json', 'utf8'));
    const { config, modelType, warnings } = configFromHuggingFace({ ...json, my_note: 'hi' }, { file: 'config.json', quiet: true });
    modelType;                                  // 'gemma3_text'
    [config.family, config.numHeads];           // ['gemma3', 4]
    warnings;  // ['config.json: unknown key "my_note" ignored (not a gemma3_text option Penjing knows)']
    configToHuggingFace(config).model_type;     // 'gemma3_text'
    configToHuggingFace(config).layer_types;    // ['full_attention', 'full_attention']
    try {
      configFromHuggingFace({ model_type: 'llama' });
    } catch (e) {
      (e as Error).message;
      // 'config.json: invalid Gemma config (1 problem):\n  - model_type: is "llama"; supported model types: gemma, gemma2, gemma3_text, gemma3'
    }
    // README:end
    try {
      configFromHuggingFace({ model_type: 'llama' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(modelType).toBe('gemma3_text');
    expect([config.family, config.numHeads]).toEqual(['gemma3', 4]);
    expect(warnings).toEqual(['config.json: unknown key "my_note" ignored (not a gemma3_text option Penjing knows)']);
    expect(configToHuggingFace(config).model_type).toBe('gemma3_text');
    expect(configToHuggingFace(config).layer_types).toEqual(['full_attention', 'full_attention']);
    expect(message).toBe('config.json: invalid Gemma config (1 problem):\n  - model_type: is "llama"; supported model types: gemma, gemma2, gemma3_text, gemma3');
  });

  it('models', async () => {
    const { tiny } = await fixtures();
    // README:begin
    const small = GemmaTransformer.fromConfig(gemmaPreset('gemma2_2b', {
      numLayers: 2, vocabSize: 128, embedDim: 32, hiddenDim: 64, headDim: 8,
    }), { seed: 1 });                                            // random init, 8 query heads, 4 kv heads
    headAxes(small.config);                       // { common: { head_groups: 4 }, queryOnly: { query_heads: 2 } }
    const structure = GemmaTransformer.fromConfig('gemma3_1b', { seed: null });  // ParameterSlots only
    countParameters(structure);                   // 999885952: the slots declare their shapes
    const { tree: slots, values } = unbindParameters(tiny);  // how checkpoints load: slots + values by label
    values[LABELS.block(0).query].namedShape;     // { embedding: 64, heads: 4, projection: 16 }
    const bound = bindParameters(slots, values);  // the same model again, sharing every tensor
    // README:end
    expect([small.config.numHeads, small.config.numKvHeads]).toEqual([8, 4]);
    expect(headAxes(small.config)).toEqual({ common: { head_groups: 4 }, queryOnly: { query_heads: 2 } });
    expect(small.call(nx.fromArray([[2, 5, 7]], ['batch', 'seq'], 'int32')).namedShape).toEqual({ batch: 1, seq: 3, vocabulary: 128 });
    expect(countParameters(structure)).toBe(999885952);
    expect(values[LABELS.block(0).query]!.namedShape).toEqual({ embedding: 64, heads: 4, projection: 16 });
    expect(structureEquals(bound, tiny)).toBe(true);
    expect(bound.body).not.toBe(tiny.body);

    // README:begin
    const lm = tiny.toTransformerLM();
    const tokens = nx.fromArray([[2, 4, 9, 14, 19]], ['batch', 'seq'], 'int32');
    const tokenPositions = nx.fromArray([[0, 1, 2, 3, 4]], ['batch', 'seq'], 'int32');
    lm.call(tokens, { tokenPositions });  // the same logits as tiny.call(tokens)
    lm.metadata.commonHeadAxes;           // { heads: 4 }
    // README:end
    expect(close(lm.call(tokens, { tokenPositions }), tiny.call(tokens))).toBe(0);
    expect(lm.metadata.commonHeadAxes).toEqual({ heads: 4 });
  });

  it('loading and saving', async () => {
    const { tiny } = await fixtures();
    // README:begin
    await tiny.saveSafetensors('out/tiny-bf16', { dtype: 'BF16' });  // config.json + model.safetensors
    const reports: number[] = [];
    const again = await GemmaTransformer.fromPretrained('out/tiny-bf16', { progress: (p) => reports.push(p.bytesDone) });
    reports.at(-1);       // 271616: every byte of the BF16 file, reported as it was read

    const dir = 'tests/fixtures/gemma/gemma2_gqa';     // a tiny Gemma 2 with both weight layouts
    const file = await openSafetensors(`${dir}/flax_params.safetensors`);
    const flax: Record<string, TensorData> = {};  // any record of {shape, data} or tensors
    for (const name of file.names) flax[name] = await file.read(name);  // 'transformer/layer_0/attn/q_einsum/w', …
    await file.close();
    const { config } = configFromHuggingFace(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')));
    const fromFlax = await GemmaTransformer.fromPretrained(flax, { config });
    const fromHf = await GemmaTransformer.fromPretrained(dir);  // the same weights, the same logits
    // README:end
    expect(readdirSync('out/tiny-bf16').sort()).toEqual(['config.json', 'model.safetensors']);
    expect(reports.at(-1)).toBe(271616);
    const tokens = nx.fromArray([[2, 4, 9, 14, 19]], ['batch', 'seq'], 'int32');
    expect(close(again.call(tokens), tiny.call(tokens))).toBeLessThan(2e-2); // BF16 rounding
    expect(structureEquals(again, tiny)).toBe(true);
    expect(Object.keys(flax)).toContain('transformer/layer_0/attn/q_einsum/w');
    const ids = nx.fromArray([[2, 7, 30, 11, 5, 60, 3]], ['batch', 'seq'], 'int32');
    expect(close(fromFlax.call(ids), fromHf.call(ids))).toBeLessThan(1e-6);
  });

  it('safetensors I/O', async () => {
    let written = 0;
    // README:begin
    await writeSafetensors('out/small.safetensors', {
      'norm.weight': { dtype: 'BF16', shape: [4], data: new Float32Array([0, 0.5, 1, 2]) },
      'ids': { dtype: 'I32', shape: [2, 2], data: [1, 2, 3, 4] },
    }, { metadata: { format: 'pt' } });                          // resolves to the bytes written: 192
    const f = await openSafetensors('out/small.safetensors');
    f.names;                                  // ['norm.weight', 'ids']
    f.metadata;                               // { format: 'pt' }
    f.header('norm.weight');                  // { name: 'norm.weight', dtype: 'BF16', shape: [4], dataOffsets: [0, 8], size: 4, byteLength: 8 }
    (await f.read('norm.weight')).data;       // Float32Array [0, 0.5, 1, 2]
    (await f.read('ids')).data;               // Int32Array [1, 2, 3, 4]
    await f.close();

    const shards = await writeShardedSafetensors('out/sharded', {
      a: { dtype: 'F32', shape: [100], data: new Float32Array(100) },
      b: { dtype: 'F32', shape: [100], data: () => new Float32Array(100).fill(1) },  // made when written
    }, { maxShardBytes: 500 });
    shards.files;      // ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
    shards.indexFile;  // 'model.safetensors.index.json'
    const ckpt = await openCheckpoint('out/sharded');  // a directory, a .safetensors file or an index file
    const seen: string[] = [];
    const lengths: number[] = [];
    for await (const [, t] of ckpt.entries({ onProgress: (p) => seen.push(`${p.tensor} ${p.bytesDone}/${p.bytesTotal}`) })) {
      lengths.push(t.data.length);  // one tensor at a time
    }
    [lengths, seen];   // [[100, 100], ['a 400/800', 'b 800/800']]
    await ckpt.close();
    // README:end
    written = await writeSafetensors('out/small2.safetensors', {
      'norm.weight': { dtype: 'BF16', shape: [4], data: new Float32Array([0, 0.5, 1, 2]) },
      'ids': { dtype: 'I32', shape: [2, 2], data: [1, 2, 3, 4] },
    }, { metadata: { format: 'pt' } });
    expect(written).toBe(192);
    expect(readFileSync('out/small.safetensors').length).toBe(192);
    const g = await openSafetensors('out/small.safetensors');
    expect(g.names).toEqual(['norm.weight', 'ids']);
    expect(g.metadata).toEqual({ format: 'pt' });
    expect(g.header('norm.weight')).toEqual({ name: 'norm.weight', dtype: 'BF16', shape: [4], dataOffsets: [0, 8], size: 4, byteLength: 8 });
    expect((await g.read('norm.weight')).data).toEqual(new Float32Array([0, 0.5, 1, 2]));
    expect((await g.read('ids')).data).toEqual(new Int32Array([1, 2, 3, 4]));
    await g.close();
    expect(shards.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(shards.indexFile).toBe('model.safetensors.index.json');
    expect(lengths).toEqual([100, 100]);
    expect(seen).toEqual(['a 400/800', 'b 800/800']);
  });

  it('tokenizer and chat', async () => {
    const { tok } = await fixtures();
    const notices: string[] = [];
    // README:begin
    tok.encode('Hello, world!');                   // [9259, 236764, 1902, 236888]
    tok.encode('Hello, world!', { addBos: true });  // [2, 9259, 236764, 1902, 236888]
    tok.decode([9259, 236764, 1902, 236888]);      // 'Hello, world!'
    tok.tokenStrings(tok.encode('Hello, world!\n'));  // ['Hello', ',', ' world', '!', '\\n']: labels for the viewer
    pieceLabel('▁the');                            // ' the'
    [tok.bosId, tok.startOfTurnId, tok.endOfTurnId, tok.vocabSize];  // [2, 105, 106, 262145]
    tok.stopIds;                                   // [1, 106]: <eos> and <end_of_turn>
    defaultStopIds('gemma2');                      // [1, 107]: Gemma 1 and 2 end turns with 107
    const own = await loadTokenizer('examples/tiny-gemma', { onFallback: (msg) => msg });  // no tokenizer.json there:
    own === tok;                                   // true, the bundled one (Gemma 1/2 would be an error)
    // README:end
    expect(tok.encode('Hello, world!')).toEqual([9259, 236764, 1902, 236888]);
    expect(tok.encode('Hello, world!', { addBos: true })).toEqual([2, 9259, 236764, 1902, 236888]);
    expect(tok.decode([9259, 236764, 1902, 236888])).toBe('Hello, world!');
    expect(tok.tokenStrings(tok.encode('Hello, world!\n'))).toEqual(['Hello', ',', ' world', '!', '\\n']);
    expect(pieceLabel('▁the')).toBe(' the');
    expect([tok.bosId, tok.startOfTurnId, tok.endOfTurnId, tok.vocabSize]).toEqual([2, 105, 106, 262145]);
    expect(tok.stopIds).toEqual([1, 106]);
    expect(defaultStopIds('gemma2')).toEqual([1, 107]);
    expect(own).toBe(tok);
    await loadTokenizer('examples/tiny-gemma', { onFallback: (msg) => notices.push(msg) });
    expect(notices[0]).toMatch(/tokenizer\.json not found; using the @lenml\/tokenizer-gemma3/);
    await expect(loadTokenizer('examples/tiny-gemma', { family: 'gemma2' })).rejects.toThrow(/does not fit a gemma2 checkpoint/);

    // README:begin
    formatChat([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Hi!' },
      { role: 'model', content: 'Hello.' },
      { role: 'user', content: 'Who are you?' },
    ]);
    // '<bos><start_of_turn>user\nAnswer briefly.\n\nHi!<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n'
    // + '<start_of_turn>user\nWho are you?<end_of_turn>\n<start_of_turn>model\n'
    encodeChat(tok, [{ role: 'user', content: 'Hello' }]);  // [2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107]
    let error: unknown;
    try {
      formatChat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], { family: 'gemma2' });
    } catch (e) {
      error = e;
    }
    error instanceof ChatFormatError;  // true: 'message 0 is a system message, but gemma2 has no system role …'
    // README:end
    expect(formatChat([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Hi!' },
      { role: 'model', content: 'Hello.' },
      { role: 'user', content: 'Who are you?' },
    ])).toBe(
      '<bos><start_of_turn>user\nAnswer briefly.\n\nHi!<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n' +
        '<start_of_turn>user\nWho are you?<end_of_turn>\n<start_of_turn>model\n',
    );
    expect(encodeChat(tok, [{ role: 'user', content: 'Hello' }])).toEqual([2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107]);
    expect(error).toBeInstanceOf(ChatFormatError);
    expect((error as Error).message).toMatch(/^message 0 is a system message, but gemma2 has no system role/);

    // README:begin
    const ids = tok.encode('𐍈!');                  // [478, 382, 379, 374, 236888]: 4 bytes, then '!'
    ids.map((id) => tok.decode([id]));             // ['\ufffd', '\ufffd', '\ufffd', '\ufffd', '!']
    const stream = incrementalDecoder(tok);
    ids.map((id) => stream.push(id));              // ['', '', '', '𐍈', '!']
    stream.flush();                                // '': nothing held back
    // README:end
    expect(ids).toEqual([478, 382, 379, 374, 236888]);
    expect(ids.map((id) => tok.decode([id]))).toEqual(['\ufffd', '\ufffd', '\ufffd', '\ufffd', '!']);
    const again = incrementalDecoder(tok);
    expect(ids.map((id) => again.push(id))).toEqual(['', '', '', '𐍈', '!']);
    expect(again.flush()).toBe('');
  });

  it('generation', async () => {
    const { tiny, random, tok } = await fixtures();
    // README:begin
    const prompt = [2, 4, 9, 14, 19, 24, 29, 34, 39, 4, 9];  // <bos>, 8 syllables, the first two again
    const r = await generate(tiny, prompt, { maxNewTokens: 4 });  // greedy by default
    r.tokens;         // [14, 19, 24, 29]: the model copies the repeat
    r.finishReason;   // 'length'
    const stopped = await generate(tiny, prompt, { stopIds: [24] });
    [stopped.tokens, stopped.finishReason, stopped.stopToken];  // [[14, 19], 'stop', 24]
    const longer = [2, 40, 45, 50, 55, 60, 5, 10, 15, 20, 25, 40, 45, 50];
    const [a, b] = await generate(tiny, [prompt, longer], { maxNewTokens: 3 });
    [a.tokens, b.tokens];  // [[14, 19, 24], [55, 60, 5]]: rows of different lengths, each as if alone
    // README:end
    expect(r.tokens).toEqual([14, 19, 24, 29]);
    expect(r.finishReason).toBe('length');
    expect([stopped.tokens, stopped.finishReason, stopped.stopToken]).toEqual([[14, 19], 'stop', 24]);
    expect([a.tokens, b.tokens]).toEqual([[14, 19, 24], [55, 60, 5]]);
    expect((await generate(tiny, prompt, { maxNewTokens: 3 })).tokens).toEqual(a.tokens);
    expect((await generate(tiny, longer, { maxNewTokens: 3 })).tokens).toEqual(b.tokens);

    // README:begin
    const settings = { tokenizer: tok, maxNewTokens: 5, temperature: 1, topK: 40, seed: 1 };
    const one = await generate(random, 'The capital of France is', settings);
    one.promptTokens;  // [2, 818, 5279, 529, 7001, 563]: <bos> added
    (await generate(random, 'The capital of France is', settings)).tokens;  // the same tokens as one.tokens
    let text = '';
    for await (const chunk of generateStream(random, 'Hi!', { tokenizer: tok, chat: true, maxNewTokens: 5 })) {
      text += chunk.text;  // printed as it comes, in a terminal
    }
    text;              // the same text generate() returns for this prompt
    // README:end
    expect(one.promptTokens).toEqual([2, 818, 5279, 529, 7001, 563]);
    expect(one.tokens).toHaveLength(5);
    expect((await generate(random, 'The capital of France is', settings)).tokens).toEqual(one.tokens);
    expect((await generate(random, 'The capital of France is', { ...settings, seed: 2 })).tokens).not.toEqual(one.tokens);
    expect(text).toBe((await generate(random, 'Hi!', { tokenizer: tok, chat: true, maxNewTokens: 5 })).text);

    // README:begin
    const logits = tf.tensor2d([[0, 3, 1, -1], [2, 0, 0, 0]]);
    sampleSync(logits);                                             // [1, 0]: argmax per row
    const rng = new RandomStream(42);                               // one draw per row and call
    const options = { temperature: 1, topK: 3, topP: 0.95 };        // row 0 keeps {1, 2}, row 1 {0, 1, 2}
    await sample(logits, options, rng);                             // [1, 2]
    await sample(logits, options, rng);                             // [2, 0]: the stream has moved on
    await sample(logits, options, new RandomStream(42));            // [1, 2] again, on every backend
    validateSamplingOptions({ topK: 40 });  // { temperature: 1, topK: 40, topP: 1, forbiddenIds: [] }
    // README:end
    expect(sampleSync(logits)).toEqual([1, 0]);
    const replay = new RandomStream(42);
    expect(await sample(logits, options, replay)).toEqual([1, 2]);
    expect(await sample(logits, options, replay)).toEqual([2, 0]);
    expect(await sample(logits, options, new RandomStream(42))).toEqual([1, 2]);
    expect(sampleSync(logits, options, new RandomStream(42))).toEqual([1, 2]);
    const seen = [new Set<number>(), new Set<number>()];
    for (let seed = 0; seed < 60; seed++) {
      const [x, y] = await sample(logits, options, new RandomStream(seed));
      seen[0]!.add(x!);
      seen[1]!.add(y!);
    }
    expect([...seen[0]!].sort()).toEqual([1, 2]);
    expect([...seen[1]!].sort()).toEqual([0, 1, 2]);
    expect(validateSamplingOptions({ topK: 40 })).toEqual({ temperature: 1, topK: 40, topP: 1, forbiddenIds: [] });
    logits.dispose();
  });

  it('KV cache', async () => {
    const { tiny, random } = await fixtures();
    // README:begin
    const lm = toCachingModel(tiny);
    const empty = initCache(lm, { batchSize: 1, cacheLength: 16 });
    empty.layers[0].keys.namedShape;       // { batch: 1, kv_seq: 16, heads: 4, projection: 16 }
    const prompt = nx.fromArray([[2, 4, 9, 14, 19, 24, 29, 34, 39, 4, 9]], ['batch', 'seq'], 'int32');
    const prefill = lm.step(prompt, empty);    // 11 tokens at once
    prefill.logits.namedShape;             // { batch: 1, seq: 11, vocabulary: 64 }
    prefill.cache.endIndex;                // 11
    const next = nx.fromArray([[14]], ['batch', 'seq'], 'int32');
    const decode = lm.step(next, prefill.cache);  // 1 token, attending over the 12 cached ones
    decode.cache.endIndex;                 // 12
    // decode.logits equals tiny.call(prompt followed by 14) at the last position (to 1e-5)
    empty.dispose();                       // a step's cache shares no tensor with the one passed in
    prefill.cache.dispose();
    // README:end
    expect(initCache(lm, { batchSize: 1, cacheLength: 16 }).layers[0]!.keys.namedShape).toEqual({ batch: 1, kv_seq: 16, heads: 4, projection: 16 });
    expect(prefill.logits.namedShape).toEqual({ batch: 1, seq: 11, vocabulary: 64 });
    expect(prefill.cache.endIndex).toBe(11);
    expect(decode.cache.endIndex).toBe(12);
    const whole = tiny.call(nx.fromArray([[2, 4, 9, 14, 19, 24, 29, 34, 39, 4, 9, 14]], ['batch', 'seq'], 'int32')).index({ seq: 11 });
    expect(close(decode.logits.index({ seq: 0 }), whole)).toBeLessThan(1e-5);

    // README:begin
    const specs = cacheLayerSpecs(GemmaTransformer.fromConfig('gemma3_270m', { seed: null }));
    specs.filter((s) => s.slidingWindow === 512).length;   // 15 local layers of 18
    const bytes = (window: boolean) => specs.reduce((sum, s) =>
      sum + (window && s.slidingWindow !== null ? s.slidingWindow : 32768) * 2 * s.kvAxes.projection * 4, 0);
    [bytes(false) / 2 ** 20, bytes(true) / 2 ** 20];        // [1152, 207]: MiB per sequence

    const small = toCachingModel(random);                   // layer 0 local with W = 4, layer 1 global
    const full = initCache(small, { batchSize: 1, cacheLength: 64 });
    const ring = initCache(small, { batchSize: 1, cacheLength: 64, slidingWindowCache: 'window' });
    ring.layers.map((e) => e.length);                       // [4, 64]
    [full.bytes, ring.bytes];                               // [8448, 4624]
    // README:end
    expect(specs).toHaveLength(18);
    expect(specs.filter((s) => s.slidingWindow === 512).length).toBe(15);
    expect([bytes(false) / 2 ** 20, bytes(true) / 2 ** 20]).toEqual([1152, 207]);
    expect(1 - bytes(true) / bytes(false)).toBeCloseTo(0.82, 2);
    const specs1b = cacheLayerSpecs(GemmaTransformer.fromConfig('gemma3_1b', { seed: null }));
    const local1b = specs1b.filter((s) => s.slidingWindow === 512).length;
    expect([local1b, specs1b.length]).toEqual([22, 26]);
    expect(1 - (local1b * 512 + (26 - local1b) * 32768) / (26 * 32768)).toBeCloseTo(0.83, 2); // the README's "83 %"
    expect(ring.layers.map((e) => e.length)).toEqual([4, 64]);
    expect([full.bytes, ring.bytes]).toEqual([8448, 4624]);
    // The ring buffer gives the same tokens as the full cache.
    const longPrompt = Array.from({ length: 12 }, (_, i) => 4 + ((i * 7) % 50));
    const viaFull = await generate(random, longPrompt, { maxNewTokens: 6, slidingWindowCache: 'full' });
    const viaRing = await generate(random, longPrompt, { maxNewTokens: 6, slidingWindowCache: 'window' });
    expect(viaRing.tokens).toEqual(viaFull.tokens);

    // README:begin
    const probed = toCachingModel(select(tiny).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'attn' })));
    const cache = initCache(probed, { batchSize: 1, cacheLength: 16 });
    const { output, sideOutputs } = new CollectSideOutputs({ body: probed }).call({ tokens: prompt, cache });
    sideOutputs.attn.map((p) => p.namedShape);  // per block { batch: 1, heads: 4, seq: 11, kv_seq: 16 }
    // README:end
    expect(sideOutputs.attn!.map((p) => p.namedShape)).toEqual([
      { batch: 1, heads: 4, seq: 11, kv_seq: 16 }, { batch: 1, heads: 4, seq: 11, kv_seq: 16 },
    ]);
    expect(output.cache.endIndex).toBe(11);
  });

  it('LoRA and PEFT', async () => {
    const { tiny } = await fixtures();
    // README:begin
    loraSites(tiny).length;      // 14: q, k, v, o, gate, up and down of 2 blocks
    const lora = loraify(tiny, { rank: 4, alpha: 8, where: 'attention' });  // q, k, v, o of every block
    const batch = { tokens: nx.fromArray([[2, 4, 5, 6, 7, 8, 9, 10, 11]], ['batch', 'seq'], 'int32') };
    lora.call(batch.tokens);     // exactly tiny.call(batch.tokens): B starts at zero
    const { model: tuned, losses } = await trainLora(lora, batch, { steps: 20, learningRate: 1e-2, progress: false });
    losses[19] < losses[0] / 2;  // true: it learnt the sequence
    await saveLoraAdapters(tuned, 'out/tiny-adapter', { baseModel: 'examples/tiny-gemma' });
    readdirSync('out/tiny-adapter');  // ['adapter_config.json', 'adapter_model.safetensors']
    const loaded = await loadLoraAdapters(tiny, 'out/tiny-adapter');  // computes what tuned computes
    const merged = mergeLora(tuned);  // plain Linears again, W + (alpha/r)·A·B
    structureEquals(merged, tiny);    // true
    // README:end
    expect(loraSites(tiny)).toHaveLength(14);
    expect(close(lora.call(batch.tokens), tiny.call(batch.tokens))).toBe(0);
    expect(losses).toHaveLength(20);
    expect(losses[19]! < losses[0]! / 2).toBe(true);
    expect(readdirSync('out/tiny-adapter').sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(close(loaded.call(batch.tokens), tuned.call(batch.tokens))).toBeLessThan(1e-6);
    expect(structureEquals(merged, tiny)).toBe(true);
    expect(close(merged.call(batch.tokens), tuned.call(batch.tokens))).toBeLessThan(1e-5);

    // README:begin
    const adapted = loraify(tiny, { rank: 2, where: ['q_proj'] });
    formatTree(select(adapted).atInstancesOf(LowRankAdapter).pickNth(0).get());
    // LowRankAdapter({
    //   name: 'LoRA:.body.body.sublayers[2].sublayers[0].delta.sublayers[1].inputToQuery.sublayers[0]',
    //   unfreezeOnMerge: true,
    //   branches: [
    //     NamedGroup({
    //       name: 'Pretrained',
    //       sublayers: [
    //         Linear({
    //           weights: Parameter({
    //             label: 'transformer/block_0/attention/query.weights',
    //             value: <NamedArray float32 {embedding: 64, heads: 4, projection: 16}>,
    //             trainable: false,
    //           }),
    //           inAxisNames: ['embedding'],
    //           outAxisNames: ['heads', 'projection'],
    //         }),
    //       ],
    //     }),
    //     NamedGroup({
    //       name: 'Update',
    //       sublayers: [
    //         Linear({
    //           weights: Parameter({
    //             label: 'transformer/block_0/attention/query/lora_a.weights',
    //             value: <NamedArray float32 {embedding: 64, lora_rank: 2}>,
    //           }),
    //           inAxisNames: ['embedding'],
    //           outAxisNames: ['lora_rank'],
    //         }),
    //         Linear({
    //           weights: Parameter({
    //             label: 'transformer/block_0/attention/query/lora_b.weights',
    //             value: <NamedArray float32 {lora_rank: 2, heads: 4, projection: 16}>,
    //           }),
    //           inAxisNames: ['lora_rank'],
    //           outAxisNames: ['heads', 'projection'],
    //         }),
    //         LoRAScale({alpha: 2, rank: 2}),
    //       ],
    //     }),
    //   ],
    // })
    // README:end
    const printed = formatTree(select(adapted).atInstancesOf(LowRankAdapter).pickNth(0).get());
    const shown = README.split('formatTree(select(adapted).atInstancesOf(LowRankAdapter).pickNth(0).get());\n')[1]!
      .split('\n```')[0]!.split('\n').map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
    expect(printed).toBe(shown);
    expect(select(adapted).atInstancesOf(LowRankAdapter).count()).toBe(2);

    // README:begin
    const saved = await openSafetensors('out/tiny-adapter/adapter_model.safetensors');
    saved.header('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight').shape;  // [4, 64]: [r, in]
    saved.header('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight').shape;  // [64, 4]: [out, r]
    saved.names.length;                // 16: A and B of 4 modules in 2 layers
    await saved.close();
    const peftConfig = JSON.parse(readFileSync('out/tiny-adapter/adapter_config.json', 'utf8'));
    [peftConfig.peft_type, peftConfig.r, peftConfig.lora_alpha];  // ['LORA', 4, 8]
    peftConfig.target_modules;         // ['k_proj', 'o_proj', 'q_proj', 'v_proj']
    // README:end
    expect(saved.header('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight').shape).toEqual([4, 64]);
    expect(saved.header('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight').shape).toEqual([64, 4]);
    expect(saved.names).toHaveLength(16);
    expect([peftConfig.peft_type, peftConfig.r, peftConfig.lora_alpha]).toEqual(['LORA', 4, 8]);
    expect(peftConfig.target_modules).toEqual(['k_proj', 'o_proj', 'q_proj', 'v_proj']);

    // README:begin
    const ad = LoRAEinsumAdapter.fromConfig({ name: 'attn/q', seed: 0, rank: 4, einsumStr: 'BTD,NDH->BTNH', shape: [2, 8, 16] });
    ad.a.value.positionalShape;   // [8, 4]: D, r
    ad.b.value.positionalShape;   // [4, 2, 16]: r, N, H (zeros)
    ad.call(nx.wrap(tf.ones([1, 3, 8]))).positionalShape;  // [1, 3, 2, 16]
    loraEinsumSplit('BTNH,NHD->BTD', [4, 16, 64], 8).adapterStr;  // 'BTNH,NHr,rD->BTD'
    const q = Einsum.fromConfig({ name: 'attn/q', seed: 1, einsumStr: 'BTD,NDH->BTNH', shape: [2, 8, 16] });
    const adaptedQ = loraify(q, { rank: 4, where: 'all' });  // a LowRankAdapter around the Einsum
    mergeLora(adaptedQ).weights.value.positionalShape;       // [2, 8, 16]
    // README:end
    expect(ad.a.value.positionalShape).toEqual([8, 4]);
    expect(ad.b.value.positionalShape).toEqual([4, 2, 16]);
    expect(ad.b.value.data.dataSync().every((v) => v === 0)).toBe(true);
    expect(ad.call(nx.wrap(tf.ones([1, 3, 8]))).positionalShape).toEqual([1, 3, 2, 16]);
    expect(loraEinsumSplit('BTNH,NHD->BTD', [4, 16, 64], 8).adapterStr).toBe('BTNH,NHr,rD->BTD');
    expect(adaptedQ).toBeInstanceOf(LowRankAdapter);
    expect(mergeLora(adaptedQ)).toBeInstanceOf(Einsum);
    expect(mergeLora(adaptedQ).weights.value.positionalShape).toEqual([2, 8, 16]);
  });

  it('interpretability helpers', async () => {
    const { tiny } = await fixtures();
    // README:begin
    const { tokens, ids } = repeatedRandomTokens({ batch: 4, length: 16, vocabSize: 64, firstId: 4, bosId: 2, seed: 0 });
    tokens.namedShape;                          // { batch: 4, seq: 33 }: <bos>, 16 tokens, the same 16 again
    const losses = tokenLosses(tiny, tokens);   // {batch: 4, seq: 32}: the loss of predicting each next token
    halfLosses(losses, 16);                     // { first: ≈4.3, second: ≈0.15 }: the repeat is copied
    const { patterns } = captureAttention(tiny, tokens);
    patterns.namedShape;                        // { blocks: 2, batch: 4, heads: 4, seq: 33, kv_seq: 33 }
    const best = rankHeads(inductionScores(patterns, 16))[0];  // { block: 1, head: 1, score: ≈0.82 }
    rankHeads(previousTokenScores(patterns))[0].block;          // 0: previous-token heads come first
    const ablated = knockOutHeads(tiny, [{ block: best.block, head: best.head }]);
    halfLosses(tokenLosses(ablated, tokens), 16).second;         // ≈0.9: copying gets worse
    logitLensLosses(tiny, tokens).namedShape;   // { layer: 3, batch: 4, seq: 32 }: decoded after 0, 1, 2 blocks

    const other = repeatedRandomTokens({ batch: 4, length: 16, vocabSize: 64, firstId: 4, bosId: 2, seed: 1 });
    // The same second halves after other first halves: there is nothing to copy from.
    const corrupted = nx.fromArray(ids.map((row, i) => [2, ...other.ids[i].slice(1, 17), ...row.slice(17)]), ['batch', 'seq'], 'int32');
    const repeat = [...Array(15).keys()].map((i) => 17 + i);  // the losses of the second half's tokens 2 … 16
    const patching = patchHeadsFromClean(tiny, tokens, corrupted, { positions: repeat });
    [patching.clean, patching.corrupted];       // [≈0.08, ≈6.4]: a corrupted first half breaks the copy
    rankHeads(patching.recovery)[0];            // { block: 1, head: 1, score: ≈0.59 }: restores over half alone
    // README:end
    // The figures come from examples/tiny-gemma's trained weights; "≈" allows for a retrained copy.
    expect(tokens.namedShape).toEqual({ batch: 4, seq: 33 });
    expect(losses.namedShape).toEqual({ batch: 4, seq: 32 });
    const halves = halfLosses(losses, 16);
    expect(halves.first).toBeCloseTo(4.3, 0);
    expect(halves.second).toBeLessThan(0.3);
    expect(patterns.namedShape).toEqual({ blocks: 2, batch: 4, heads: 4, seq: 33, kv_seq: 33 });
    expect([best.block, best.head]).toEqual([1, 1]);
    expect(best.score).toBeCloseTo(0.82, 1);
    expect(rankHeads(previousTokenScores(patterns))[0]!.block).toBe(0);
    expect(halfLosses(tokenLosses(ablated, tokens), 16).second).toBeCloseTo(0.9, 0);
    expect(logitLensLosses(tiny, tokens).namedShape).toEqual({ layer: 3, batch: 4, seq: 32 });
    expect(patching.clean).toBeCloseTo(0.08, 1);
    expect(patching.corrupted).toBeCloseTo(6.4, 0);
    const top = rankHeads(patching.recovery)[0]!;
    expect([top.block, top.head]).toEqual([1, 1]);
    expect(top.score).toBeGreaterThan(0.5);
    expect(top.score).toBeCloseTo(0.59, 1);
  });
});

describe('README: the penjing command line', () => {
  /** Splits a shell line into arguments (double-quoted words kept whole). */
  const argsOf = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  async function run(line: string) {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    const [bin, ...args] = argsOf(line);
    expect(bin).toBe('penjing');
    const code = await main(args, io);
    return { code, stdout, stderr };
  }

  it('runs the documented commands with the documented output and exit statuses', async () => {
    const { random } = await fixtures();
    await random.saveSafetensors('out/random-gemma3');
    const [commands] = fenced(README, 'sh');
    const lines = commands!.split('\n');
    expect(lines).toHaveLength(5);
    const results = [];
    for (const line of lines) results.push(await run(line));
    const [sampled, chat, inspect, missing, badFlag] = results;
    expect(sampled!.code).toBe(0);
    expect(sampled!.stderr).toMatch(/8 tokens \(reached --max-tokens 8\)/);
    expect(sampled!.stdout.length).toBeGreaterThan(1);
    expect(chat!.code).toBe(0);
    expect(chat!.stderr).toBe('');
    expect(inspect!.code).toBe(0);
    const printed = README.split('`penjing inspect --model examples/tiny-gemma --depth 3` prints:\n\n```text\n')[1]!.split('\n```')[0];
    expect(inspect!.stdout).toBe(`${printed}\n`);
    const errors = README.split('The last two commands above exit with 1 and 2:\n\n```text\n')[1]!.split('\n```')[0];
    expect([missing!.code, badFlag!.code]).toEqual([1, 2]);
    expect(missing!.stderr + badFlag!.stderr).toBe(`${errors}\n`);
  });
});

describe('Gemma 3 images', () => {
  it('loads the tiny multimodal checkpoint, runs and generates with an image', async () => {
    // README:begin
    const mm = await GemmaTransformer.fromPretrained('tests/fixtures/gemma3-vision/wrapper'); // tiny random Gemma 3 + SigLIP
    const vision = visionConfigOf(mm)!;                    // imageSize 16, mmTokensPerImage 4, image token 60
    const ids = expandImageTokens([2, vision.boiTokenId, 7], vision);  // [2, 61, 60, 60, 60, 60, 62, 7]
    const pixels = { width: 2, height: 2, data: new Uint8Array(16).fill(200) };  // or PNG/JPEG bytes, or a file path
    const images = await preprocessImages([[pixels]], { imageSize: vision.imageSize }); // {batch: 1, image: 1, height: 16, width: 16, channel: 3}
    const logits = mm.call(nx.fromArray([ids], ['batch', 'seq'], 'int32'), { images }); // {batch: 1, seq: 8, vocabulary: 64}
    const [reply] = await generate(mm, [ids], { images, maxNewTokens: 3, temperature: 0, stopIds: [] }); // reply.tokens: 3 ids
    // README:end
    expect([vision.imageSize, vision.mmTokensPerImage, vision.imageTokenId]).toEqual([16, 4, 60]);
    expect(ids).toEqual([2, 61, 60, 60, 60, 60, 62, 7]);
    expect(images.namedShape).toEqual({ batch: 1, image: 1, height: 16, width: 16, channel: 3 });
    expect(logits.namedShape).toEqual({ batch: 1, seq: 8, vocabulary: 64 });
    expect(reply!.tokens).toHaveLength(3);
    for (const a of [images, logits]) a.dispose();
    disposeTree(mm);
  });
});
