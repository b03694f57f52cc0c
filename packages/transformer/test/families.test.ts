/**
 * The model families as layer trees: random models from config.json objects, printed trees,
 * explicit positions for padded batches, bad configs and checkpoints that disagree with
 * their config, generation and the sliding-window cache.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { Attention, formatTree, disposeTree, select } from '@penjing/layers';
import {
  TransformerBlock, TransformerLM, describeModel, generate, initCache, loadPretrainedModel, toCachingModel,
} from '@penjing/transformer';
import { TINY_CONFIGS } from './families-helpers.js';

const FIXTURES = join(__dirname, '../../../tests/fixtures/families');
const scratch = mkdtempSync(join(tmpdir(), 'penjing-families-'));

beforeAll(async () => {
  await nx.ready();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ids = (rows: number[][]) => nx.fromArray(rows, ['batch', 'seq'], 'int32');

describe('random models of every family', () => {
  it.each(Object.keys(TINY_CONFIGS))('%s: builds, prints like Penzai, scores tokens', (type) => {
    const before = tf.memory().numTensors;
    const model = TransformerLM.fromConfig(TINY_CONFIGS[type]!, { seed: 3 });
    const text = formatTree(model);
    expect(text).toMatch(/^TransformerLM\(/);
    for (const part of ['TransformerBlock(', 'Attention(', 'TransformerFeedForward(', 'EmbeddingLookup(', 'Softmax(']) expect(text).toContain(part);
    expect(select(model).atInstancesOf(TransformerBlock).count()).toBe(2);
    expect(select(model).atInstancesOf(Attention).count()).toBe(2);
    expect(describeModel(model)).toMatch(new RegExp(`^${type}: 2 layers`));
    const tokens = ids([[0, 5, 0, 7, 1]]);
    const logits = model.call(tokens);
    expect(logits.namedShape).toEqual({ batch: 1, seq: 5, vocabulary: TINY_CONFIGS[type]!.vocab_size });
    expect(tf.tidy(() => logits.data.isFinite().all().dataSync()[0])).toBe(1);
    tf.dispose([logits.data, tokens.data]);
    disposeTree(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prints the family-specific layers: biases, q/k norms, partial and scaled RoPE, learned positions, parallel residual', () => {
    const text = (type: string) => {
      const m = TransformerLM.fromConfig(TINY_CONFIGS[type]!, { seed: null });
      return formatTree(m);
    };
    expect(text('llama')).toContain('ApplyLlama3RoPE(');
    expect(text('mistral')).toMatch(/ApplyCausalSlidingWindowAttentionMask\(\{\s+slidingWindowSize: 3,/);
    expect(text('qwen2')).toMatch(/AddBias\(\{\s+bias: ParameterSlot\(\{\s+label: 'transformer\/block_0\/attention\/query\.bias'/);
    expect(text('qwen2')).not.toContain('SlidingWindow');
    expect(text('qwen3')).toContain('query_norm/scale');
    expect(text('gpt2')).toContain('AddPositionEmbeddings(');
    expect(text('gpt_neox')).toContain('ApplyRoPEToSubset(');
    expect(text('gpt_neox')).toContain('BranchAndAddTogether(');
  });

  it('treats no token id as padding; padded batches work through explicit positions', () => {
    const model = TransformerLM.fromConfig(TINY_CONFIGS.qwen3!, { seed: 1 });
    const alone = model.call(ids([[4, 0, 9]]));
    // The same row left-padded with id 0: the caller marks the padding with position −1.
    const padded = model.call(ids([[0, 0, 4, 0, 9]]), { tokenPositions: ids([[-1, -1, 0, 1, 2]]) });
    const a = alone.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][];
    const p = padded.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][];
    for (let s = 0; s < 3; s++) for (let j = 0; j < 40; j++) expect(p[0]![s + 2]![j]).toBeCloseTo(a[0]![s]![j]!, 5);
    // Without positions, 0 is an ordinary token: the unpadded call differs from the padded one.
    const plain = model.call(ids([[0, 0, 4, 0, 9]]));
    expect(Math.abs((plain.unwrap('batch', 'seq', 'vocabulary').arraySync() as number[][][])[0]![4]![0]! - p[0]![4]![0]!)).toBeGreaterThan(1e-4);
    disposeTree(model);
  });
});

describe('bad input', () => {
  const withConfig = (name: string, edit: (c: Record<string, unknown>) => void, from = 'llama3_gqa_tied') => {
    const dir = join(scratch, name);
    cpSync(join(FIXTURES, from), dir, { recursive: true });
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    edit(c);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
    return dir;
  };

  it('an unsupported model_type names the key and the supported values', async () => {
    const dir = withConfig('falcon', (c) => (c.model_type = 'falcon'));
    await expect(TransformerLM.fromPretrained(dir)).rejects.toThrow(/model_type "falcon".*Supported values: llama \(transformer\), mistral \(transformer\), qwen2/);
    expect(() => TransformerLM.fromConfig({ model_type: 'bert' })).toThrow(/model_type "bert".*Supported values: llama/);
  });

  it('an unsupported option names the key and the supported values', async () => {
    const yarn = withConfig('yarn', (c) => (c.rope_scaling = { rope_type: 'yarn', factor: 4 }));
    await expect(TransformerLM.fromPretrained(yarn)).rejects.toThrow(/"rope_scaling\.rope_type" is "yarn", which is not supported\. Supported values: "default", "linear", "llama3"/);
    const act = withConfig('act', (c) => (c.hidden_act = 'gelu_fast'));
    await expect(TransformerLM.fromPretrained(act)).rejects.toThrow(/"hidden_act" is "gelu_fast".*Supported values: "silu", "swish", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu"/);
    expect(() => TransformerLM.fromConfig({ ...TINY_CONFIGS.gpt2, scale_attn_by_inverse_layer_idx: true })).toThrow(/scale_attn_by_inverse_layer_idx.*Supported values: false/);
    expect(() => TransformerLM.fromConfig({ ...TINY_CONFIGS.llama, hidden_size: undefined })).toThrow(/"hidden_size" is missing/);
    expect(() => TransformerLM.fromConfig({ ...TINY_CONFIGS.qwen2, use_mrope: true })).toThrow(/"use_mrope" is true.*Supported values: false/);
    expect(() => TransformerLM.fromConfig({ ...TINY_CONFIGS.gpt2, add_cross_attention: true })).toThrow(/"add_cross_attention" is true.*Supported values: false/);
    expect(() => TransformerLM.fromConfig({ ...TINY_CONFIGS.llama, layer_types: ['full_attention', 'chunked_attention'] })).toThrow(/"layer_types\[1\]" is "chunked_attention".*Supported values: "full_attention", "sliding_attention"/);
  });

  it('a config that disagrees with the weights names the tensor and both shapes', async () => {
    const dir = withConfig('wider', (c) => (c.intermediate_size = 64));
    await expect(TransformerLM.fromPretrained(dir)).rejects.toThrow(
      /tensor "model\.layers\.0\.mlp\.gate_proj\.weight": shape \[48, 32\] disagrees with the config, which implies \[64, 32\] \(intermediate_size × hidden_size\)/,
    );
    const neox = withConfig('neox-heads', (c) => (c.hidden_size = 16), 'gpt_neox_pythia');
    await expect(TransformerLM.fromPretrained(neox)).rejects.toThrow(/tensor "gpt_neox\.embed_in\.weight": shape \[60, 32\] disagrees with the config, which implies \[60, 16\]/);
    const untied = withConfig('untied', (c) => (c.tie_word_embeddings = false));
    await expect(TransformerLM.fromPretrained(untied)).rejects.toThrow(/tensor "lm_head\.weight": missing tensor/);
    const biased = withConfig('biased', (c) => (c.attention_bias = false), 'llama_untied_bf16_sharded');
    await expect(TransformerLM.fromPretrained(biased)).rejects.toThrow(/tensor "model\.layers\.0\.self_attn\.q_proj\.bias": unexpected tensor/);
  });

  it('loads through the generic registry entry too', async () => {
    const model = await loadPretrainedModel(join(FIXTURES, 'gpt2_bare'), { progress: false });
    expect(model).toBeInstanceOf(TransformerLM);
    disposeTree(model);
  });
});

describe('generation and the KV cache in every family', () => {
  it.each(Object.keys(TINY_CONFIGS))('%s: greedy generation equals re-running the full model', async (type) => {
    const model = TransformerLM.fromConfig(TINY_CONFIGS[type]!, { seed: 5 });
    const prompt = [3, 0, 7, 0, 11];
    const r = await generate(model, prompt, { maxNewTokens: 4, temperature: 0, stopIds: [] });
    const seq = [...prompt];
    for (let i = 0; i < 4; i++) {
      const logits = model.call(ids([seq]), { returnLastOnly: true });
      seq.push(tf.tidy(() => logits.unwrap('batch', 'vocabulary').argMax(1).dataSync()[0]!));
      logits.dispose();
    }
    expect(r.tokens).toEqual(seq.slice(prompt.length));
    disposeTree(model);
  });

  it('stops at config.json eos ids by default', async () => {
    const model = TransformerLM.fromConfig(TINY_CONFIGS.llama!, { seed: 5 });
    const r = await generate(model, [4, 5], { maxNewTokens: 30, seed: 1, temperature: 3 });
    if (r.finishReason === 'stop') expect([2, 3]).toContain(r.stopToken);
    expect(r.tokens.some((t) => t === 2 || t === 3)).toBe(false);
    disposeTree(model);
  });

  it('mistral: a window-sized cache gives the full forward at every step', async () => {
    const model = await TransformerLM.fromPretrained(join(FIXTURES, 'mistral_window'), { progress: false });
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'mistral_window', 'reference.json'), 'utf8'));
    const [b, t] = ref.shape as number[];
    const tokens = ids(ref.tokens);
    const full = tf.tidy(() => model.call(tokens).unwrap('batch', 'seq', 'vocabulary').arraySync()) as number[][][];
    const lm = toCachingModel(model);
    let cache = initCache(lm, { batchSize: b!, cacheLength: t!, slidingWindowCache: 'window' });
    expect(cache.layers[0]!.keys.namedShape.kv_seq).toBe(4);
    let worst = 0;
    for (let s = 0; s < t!; s++) {
      const out = lm.step(tokens.index({ seq: nx.slice(s, s + 1) }), cache);
      cache.dispose();
      cache = out.cache;
      const got = tf.tidy(() => out.logits.unwrap('batch', 'seq', 'vocabulary').arraySync()) as number[][][];
      for (let r = 0; r < b!; r++) for (let j = 0; j < got[r]![0]!.length; j++) worst = Math.max(worst, Math.abs(got[r]![0]![j]! - full[r]![s]![j]!));
      out.logits.dispose();
    }
    cache.dispose();
    expect(worst).toBeLessThan(1e-5);
    disposeTree(model);
  });
});
