/**
 * JumpReLU SAEs and transcoders: Gemma Scope (params.npz) and Gemma Scope 2 (params.safetensors +
 * config.json) files written by numpy, encode/decode checked against numpy's float64 JumpReLU;
 * splicing with the error term leaves a model's logits as they were; bad files are named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { CollectSideOutputs, disposeTree, formatTree, select } from '@penjing/layers';
import { TransformerLM } from '@penjing/transformer';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { JumpReLU, SparseAutoencoder, spliceSae, runWithCache } from '@penjing/interp';

const PYTHON = '/usr/bin/python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'penjing-sae-'));
type Ref = { x: number[][] } & Record<'scope' | 'scope2' | 'transcoder' | 'saelens', { features: number[][]; reconstruction: number[][]; active: number }>;
let ref: Ref;

beforeAll(async () => {
  await nx.ready();
  if (!hasNumpy) return;
  const run = spawnSync(PYTHON, [join(__dirname, 'python/sae_reference.py'), tmp], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  ref = JSON.parse(readFileSync(join(tmp, 'reference.json'), 'utf8'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const maxDiff = (a: NamedArray, rows: number[][], axis: string) => {
  const got = a.arraySync('row', axis) as number[][];
  return Math.max(...got.flatMap((r, i) => r.map((v, j) => Math.abs(v - rows[i]![j]!))));
};

describe.skipIf(!hasNumpy)('SparseAutoencoder against numpy JumpReLU', () => {
  it.each([
    ['scope', 'params.npz'],
    ['scope2', 'params.safetensors'],
    ['transcoder', 'params.safetensors'],
    ['saelens', 'sae_weights.safetensors'],
  ] as const)('%s (%s): encode, decode and call within 1e-5; directory or file', async (name, file) => {
    for (const path of [join(tmp, name), join(tmp, name, file)]) {
      const before = tf.memory().numTensors;
      const sae = await SparseAutoencoder.fromPretrained(path);
      const x = nx.fromArray(ref.x, ['row', 'embedding']);
      const f = sae.encode(x);
      expect(maxDiff(f, ref[name].features, 'features')).toBeLessThan(1e-5);
      expect((f.data.dataSync() as Float32Array).filter((v) => v !== 0).length).toBe(ref[name].active);
      const y = sae.call(x);
      expect(maxDiff(y, ref[name].reconstruction, 'embedding')).toBeLessThan(1e-5);
      expect(sae.info.type).toBe(name === 'transcoder' ? 'transcoder' : 'sae');
      tf.dispose([x.data, f.data, y.data]);
      disposeTree(sae);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('prints and selects like any layer; config fields are read', async () => {
    const sae = await SparseAutoencoder.fromPretrained(join(tmp, 'scope2'));
    expect(select(sae).atInstancesOf(JumpReLU).count()).toBe(1);
    expect(formatTree(sae)).toContain('JumpReLU');
    expect(sae.width).toBe(10);
    expect(sae.info).toMatchObject({ type: 'sae', hookPointIn: 'model.layers.1.output', l0: 3 });
    disposeTree(sae);
    const lens = await SparseAutoencoder.fromPretrained(join(tmp, 'saelens'));
    expect(lens.info).toMatchObject({ type: 'sae', hookPointIn: 'blocks.1.hook_resid_post' });
    disposeTree(lens);
  });

  it('bad files: errors name the file and the key', async () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad, { recursive: true });
    const run = spawnSync(PYTHON, ['-c', `import numpy as np; np.savez('${bad}/params.npz', W_enc=np.zeros((2,3),'f4'), b_enc=np.zeros(3,'f4'))`]);
    expect(run.status).toBe(0);
    await expect(SparseAutoencoder.fromPretrained(bad)).rejects.toThrow(/params\.npz has no array 'W_dec'.*W_enc, b_enc/);
    writeFileSync(join(bad, 'params.npz'), 'not a zip');
    await expect(SparseAutoencoder.fromPretrained(bad)).rejects.toThrow(/params\.npz: not a readable \.npz/);
    await expect(SparseAutoencoder.fromPretrained(join(tmp, 'nowhere'))).rejects.toThrow(/nowhere does not exist/);
    const shape = spawnSync(PYTHON, ['-c', `import numpy as np; z=np.zeros; np.savez('${bad}/params.npz', W_enc=z((2,3),'f4'), W_dec=z((3,2),'f4'), b_enc=z(4,'f4'), b_dec=z(2,'f4'), threshold=z(3,'f4'))`]);
    expect(shape.status).toBe(0);
    await expect(SparseAutoencoder.fromPretrained(bad)).rejects.toThrow(/b_enc in .*params\.npz has shape \[4\]/);
    const relu = join(tmp, 'relu');
    mkdirSync(relu, { recursive: true });
    writeFileSync(join(relu, 'cfg.json'), JSON.stringify({ architecture: 'standard', hook_name: 'blocks.0.hook_resid_pre' }));
    writeFileSync(join(relu, 'sae_weights.safetensors'), readFileSync(join(tmp, 'saelens', 'sae_weights.safetensors')));
    await expect(SparseAutoencoder.fromPretrained(relu)).rejects.toThrow(/relu\/cfg\.json has architecture 'standard'; only JumpReLU/);
  });
});

describe('splicing', () => {
  const config = { model_type: 'llama', vocab_size: 30, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1 } as const;
  const randomSae = (seed: number, transcoder = false) => {
    const r = (shape: number[], s: number) => ({ data: tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', s).dataSync() as Float32Array), shape });
    return SparseAutoencoder.fromWeights({ wEnc: r([8, 10], seed), wDec: r([10, 8], seed + 1), bEnc: r([10], seed + 2), bDec: r([8], seed + 3), threshold: r([10], seed + 4) }, { type: transcoder ? 'transcoder' : 'sae' });
  };

  it('with the error term the logits are exactly those of the model; without it they differ; features are told', () => {
    const model = TransformerLM.fromConfig(config, { seed: 3 });
    const sae = randomSae(5);
    const tokens = nx.fromArray([[1, 4, 7, 2, 9]], ['batch', 'seq'], 'int32');
    const plain = model.call(tokens);
    const before = tf.memory().numTensors;
    const kept = spliceSae(model, sae, { site: 'blocks.0.hook_resid_post' });
    const a = kept.call(tokens);
    const diff = (p: NamedArray, q: NamedArray) => tf.tidy(() => tf.max(tf.abs(tf.sub(p.orderLike(q).data, q.data))).dataSync()[0]!);
    expect(diff(a, plain)).toBe(0);
    const lossy = spliceSae(model, sae, { site: 'blocks.0.hook_resid_post', errorTerm: false });
    const b = lossy.call(tokens);
    expect(diff(b, plain)).toBeGreaterThan(1e-3);
    // The features told by the splice equal sae.encode of the cached residual.
    const { output, sideOutputs } = new CollectSideOutputs({ body: spliceSae(model, sae, { site: 'blocks.0.hook_resid_post', tag: 'f' }), tags: ['f'] }).call(tokens);
    const { logits, cache } = runWithCache(model, tokens, { names: ['blocks.0.hook_resid_post'] });
    const direct = sae.encode(cache['blocks.0.hook_resid_post']!);
    expect(diff(sideOutputs.f![0]!, direct)).toBeLessThan(1e-6);
    tf.dispose([a.data, b.data, output.data, sideOutputs.f![0]!.data, logits.data, cache['blocks.0.hook_resid_post']!.data, direct.data]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([plain.data, tokens.data]);
    disposeTree(sae);
    disposeTree(model);
  });

  it.each(['llama', 'gemma'])('%s: a transcoder replaces the MLP (and a post-MLP norm): exact with the error term, different without', (family) => {
    const model = family === 'llama'
      ? TransformerLM.fromConfig(config, { seed: 3 })
      : (GemmaTransformer.fromConfig(gemmaPreset('gemma3_270m', { numLayers: 2, vocabSize: 30, embedDim: 8, hiddenDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, queryPreAttnScalar: 4, attentionTypes: ['global', 'global'], slidingWindowSize: null }), { seed: 3 } as never) as unknown as TransformerLM);
    if (family === 'gemma') expect(formatTree(spliceSae(model, randomSae(11, true), { site: 'blocks.1.mlp' }))).toMatch(/TranscoderSplice\(\{[\s\S]*original: Sequential\(\{[\s\S]*TransformerFeedForward[\s\S]*RMSLayerNorm/);
    const tc = randomSae(11, true);
    const tokens = nx.fromArray([[3, 4, 8, 2]], ['batch', 'seq'], 'int32');
    const plain = model.call(tokens);
    const diff = (p: NamedArray, q: NamedArray) => tf.tidy(() => tf.max(tf.abs(tf.sub(p.orderLike(q).data, q.data))).dataSync()[0]!);
    const exact = spliceSae(model, tc, { site: 'blocks.1.mlp' }).call(tokens);
    const lossy = spliceSae(model, tc, { site: 'blocks.1.mlp', errorTerm: false }).call(tokens);
    expect(diff(exact, plain)).toBe(0);
    expect(diff(lossy, plain)).toBeGreaterThan(1e-3);
    tf.dispose([plain.data, exact.data, lossy.data, tokens.data]);
    disposeTree(tc);
    disposeTree(model);
  });
});

describe('reading features', () => {
  it('top features per token and top tokens per feature, against hand-made activations', async () => {
    const { topFeaturesPerToken, topTokensForFeature } = await import('@penjing/interp');
    // {batch: 2, seq: 3, features: 4}
    const f = nx.fromArray([
      [[0, 2, 1, 0], [0, 0, 0, 0], [5, 0, 0, 3]],
      [[0, 0, 7, 0], [1, 0, 0, 0], [0, 0, 2, 4]],
    ], ['batch', 'seq', 'features']);
    const one = f.index({ batch: 0 } as never) as NamedArray;
    expect(topFeaturesPerToken(one, 2)).toEqual([
      [{ feature: 1, value: 2 }, { feature: 2, value: 1 }],
      [],
      [{ feature: 0, value: 5 }, { feature: 3, value: 3 }],
    ]);
    expect(topTokensForFeature(f, 2, 5)).toEqual([{ at: { batch: 1, seq: 0 }, value: 7 }, { at: { batch: 1, seq: 2 }, value: 2 }, { at: { batch: 0, seq: 0 }, value: 1 }]);
    expect(() => topFeaturesPerToken(f, 2)).toThrow(/give one sequence \{seq, features\}.*batch/);
    expect(() => topTokensForFeature(f, 4, 1)).toThrow(/feature 4 is not in \[0, 4\)/);
    tf.dispose([f.data, one.data]);
  });
});

describe('hook points', () => {
  it('maps Gemma Scope 2 and SAELens hook names to sites', async () => {
    const { siteOfHookPoint } = await import('@penjing/interp');
    expect(siteOfHookPoint('model.layers.12.output')).toBe('blocks.12.hook_resid_post');
    expect(siteOfHookPoint('model.language_model.layers.3.post_feedforward_layernorm.output')).toBe('blocks.3.hook_mlp_out');
    expect(siteOfHookPoint('model.layers.5.pre_feedforward_layernorm.output')).toBe('blocks.5.ln2.hook_normalized');
    expect(siteOfHookPoint('model.layers.2.self_attn.o_proj.input')).toBe('blocks.2.attn.hook_z');
    expect(siteOfHookPoint('blocks.4.hook_resid_pre')).toBe('blocks.4.hook_resid_pre');
    expect(siteOfHookPoint('lm_head')).toBeNull();
  });
});
