/**
 * runWithCache and the site table on Gemma, Llama, GPT-2 and GPT-NeoX: the residual identities
 * (resid_mid = resid_pre + attn_out, resid_post = resid_mid + mlp_out; NeoX's parallel
 * resid_post = resid_pre + attn_out + mlp_out), patterns equal captureAttention's, the logits
 * are the model's, names and selections both work, bad names are refused, nothing leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { Linear, disposeTree, select, type Layer } from '@penjing/layers';
import { TransformerLM, TransformerFeedForward } from '@penjing/transformer';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { captureAttention, runWithCache, siteNames } from '@penjing/interp';

beforeAll(async () => {
  await nx.ready();
});

const MODELS: Record<string, () => Layer<NamedArray, NamedArray>> = {
  gemma: () =>
    GemmaTransformer.fromConfig(
      gemmaPreset('gemma3_270m', { numLayers: 2, vocabSize: 16, embedDim: 8, hiddenDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, queryPreAttnScalar: 4, attentionTypes: ['global', 'global'], slidingWindowSize: null }),
      { seed: 1 } as never,
    ) as never,
  llama: () => TransformerLM.fromConfig({ model_type: 'llama', vocab_size: 16, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1 }, { seed: 1 }),
  gpt2: () => TransformerLM.fromConfig({ model_type: 'gpt2', vocab_size: 16, n_embd: 8, n_layer: 2, n_head: 2, n_positions: 16 }, { seed: 1 }),
  gpt_neox: () => TransformerLM.fromConfig({ model_type: 'gpt_neox', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, rotary_pct: 0.5 }, { seed: 1 }),
};

const diff = (a: NamedArray, b: NamedArray) => tf.tidy(() => tf.max(tf.abs(tf.sub(a.orderLike(b).data, b.data))).dataSync()[0]!);

describe.each(Object.keys(MODELS))('%s', (family) => {
  it('every site is cached under its TransformerLens name, and the residual identities hold', () => {
    const model = MODELS[family]!();
    const tokens = nx.fromArray([[1, 5, 3, 7, 2]], ['batch', 'seq'], 'int32');
    const plain = model.call(tokens);
    const before = tf.memory().numTensors;
    const { logits, cache } = runWithCache(model, tokens);
    expect(diff(logits, plain)).toBe(0);
    const names = siteNames(model);
    expect(Object.keys(cache).sort()).toEqual([...names].sort());
    const parallel = family === 'gpt_neox';
    for (const l of [0, 1]) {
      const c = (h: string) => cache[`blocks.${l}.${h}`]!;
      for (const h of ['hook_resid_pre', 'ln1.hook_normalized', 'attn.hook_q', 'attn.hook_k', 'attn.hook_v', 'attn.hook_attn_scores', 'attn.hook_pattern', 'attn.hook_z', 'hook_attn_out', 'ln2.hook_normalized', 'mlp.hook_pre', 'mlp.hook_post', 'hook_mlp_out', 'hook_resid_post']) {
        expect(c(h), `${family} blocks.${l}.${h}`).toBeDefined();
      }
      expect(c('hook_resid_pre').namedShape).toEqual({ batch: 1, seq: 5, embedding: 8 });
      expect(c('attn.hook_pattern').namedShape).toMatchObject({ batch: 1, seq: 5, kv_seq: 5 });
      const neurons = (select(model).atInstancesOf(TransformerFeedForward).pickNth(0).atInstancesOf(Linear).getSequence().at(-1)!.weights as { value: NamedArray }).value;
      expect(Object.values(c('mlp.hook_post').namedShape)).toContain(Object.values(neurons.namedShape).find((s) => s !== 8));
      if (parallel) {
        expect(names).not.toContain(`blocks.${l}.hook_resid_mid`);
        const err = tf.tidy(() => diff(c('hook_resid_pre').add(c('hook_attn_out')).add(c('hook_mlp_out')), c('hook_resid_post')));
        expect(err).toBeLessThan(1e-5);
      } else {
        const mid = c('hook_resid_pre').add(c('hook_attn_out'));
        expect(diff(mid, c('hook_resid_mid'))).toBeLessThan(1e-5);
        const post = c('hook_resid_mid').add(c('hook_mlp_out'));
        expect(diff(post, c('hook_resid_post'))).toBeLessThan(1e-5);
        tf.dispose([mid.data, post.data]);
      }
      if (l === 0) expect(diff(c('hook_resid_post'), cache['blocks.1.hook_resid_pre']!)).toBe(0);
    }
    const { logits: l2, patterns } = captureAttention(model, tokens);
    expect(tf.tidy(() => diff(patterns.index({ blocks: 1 } as never) as NamedArray, cache['blocks.1.attn.hook_pattern']!))).toBe(0);
    tf.dispose([l2.data, patterns.data, logits.data, ...Object.values(cache).map((a) => a.data)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([plain.data, tokens.data]);
    disposeTree(model);
  });
});

describe('names and selections', () => {
  it('a filter, a list and a selection of your own; unknown names are refused', () => {
    const model = MODELS.llama!();
    const tokens = nx.fromArray([[1, 5, 3]], ['batch', 'seq'], 'int32');
    const ffnOut = select(model).atInstancesOf(TransformerFeedForward).pickNth(1);
    const { logits, cache } = runWithCache(model, tokens, { names: (n) => n.endsWith('hook_mlp_out'), selections: { 'my.mlp1': ffnOut } });
    expect(Object.keys(cache).sort()).toEqual(['blocks.0.hook_mlp_out', 'blocks.1.hook_mlp_out', 'my.mlp1']);
    expect(diff(cache['my.mlp1']!, cache['blocks.1.hook_mlp_out']!)).toBe(0);
    expect(() => runWithCache(model, tokens, { names: ['blocks.7.hook_resid_pre'] })).toThrow(/unknown site 'blocks\.7\.hook_resid_pre'.*blocks\.0\.hook_resid_pre/);
    tf.dispose([logits.data, ...Object.values(cache).map((a) => a.data), tokens.data]);
    disposeTree(model);
  });
});

describe('attribution and sweeps on other families', () => {
  it.each(['llama', 'gpt2', 'gpt_neox'])('%s: sweep with progress over grouped or plain heads × positions; attribution has the same layout', async (family) => {
    const { attributionPatching, lossMetric, patchingSweep } = await import('@penjing/interp');
    const model = MODELS[family]!();
    const clean = nx.fromArray([[1, 5, 3, 7, 5, 3]], ['batch', 'seq'], 'int32');
    const corrupted = nx.fromArray([[1, 9, 2, 7, 5, 3]], ['batch', 'seq'], 'int32');
    const heads = family === 'llama' ? ['query_heads'] : ['heads']; // one KV group: llama's hook_z has query_heads only
    const sites = ['blocks.0.attn.hook_z', 'blocks.1.attn.hook_z'];
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const sweep = patchingSweep(model, clean, corrupted, { sites, over: [...heads, 'seq'], metric: lossMetric([3, 4]), worldsPerPass: 7, onProgress: (done) => progress.push(done) });
    const units = 2 * 2 * 6;
    expect(progress.at(-1)).toBe(units);
    expect(progress.length).toBe(Math.ceil(units / 7));
    // Patching a position after the last measured one (5) changes nothing: the loss at 3, 4 cannot see it.
    const v = sweep.values;
    const late = tf.tidy(() => (v.index({ seq: 5 } as never) as NamedArray).data.dataSync());
    for (const x of late) expect(x).toBeCloseTo(sweep.corrupted, 5);
    const attr = attributionPatching(model, clean, corrupted, { sites, keep: [...heads, 'seq'], metric: lossMetric([3, 4]) });
    expect(attr.namedShape).toEqual(v.namedShape);
    tf.dispose([v.data, attr.data]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([clean.data, corrupted.data]);
    disposeTree(model);
  });
});
