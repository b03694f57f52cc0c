/**
 * Checkpoint loading and saving: save → load round trips, sharding, dtypes, progress,
 * memory, and the errors a checkpoint that does not fit its config produces (the
 * safetensors format's own errors are tested with the reader).
 */
import { cpSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { bindParameters, disposeTree, parameters, unbindParameters } from '@penjing/layers';
import {
  CheckpointError, GemmaConfigError, GemmaTransformer, configFromHuggingFace, gemmaPreset, openCheckpoint, openSafetensors, writeSafetensors,
  type FlaxParams, type GemmaConfig, type GemmaPresetName, type Progress, type TensorToWrite,
} from '@penjing/gemma';
import { scratchDirs, tiny } from './tiny-configs.js';

const FIXTURES = join(__dirname, '../../../tests/fixtures/gemma');
const scratch = scratchDirs('penjing-gemma-');
const freshDir = scratch.fresh;

beforeAll(async () => {
  await nx.ready();
});
afterAll(scratch.remove);


const tokens = () => nx.wrap(tf.tensor2d([[2, 17, 33, 5, 99, 0], [2, 8, 9, 10, 11, 12]], [2, 6], 'int32')).tag('batch', 'seq');

function valuesByLabel(model: unknown): Map<string, Float32Array> {
  return new Map(parameters(model).map((p) => [p.label, p.parameter.value.canonicalize().data.dataSync() as Float32Array]));
}

/** Copies a fixture and rewrites its safetensors file with `edit` applied to the tensors. */
async function editedFixture(c: string, edit: (t: Map<string, TensorToWrite>) => void, editConfig?: (j: Record<string, unknown>) => void): Promise<string> {
  const dir = freshDir();
  cpSync(join(FIXTURES, c), dir, { recursive: true });
  const file = await openSafetensors(join(dir, 'model.safetensors'));
  const tensors = new Map<string, TensorToWrite>();
  for (const n of file.names) {
    const t = await file.read(n);
    tensors.set(n, { dtype: 'F32', shape: t.shape, data: t.data });
  }
  await file.close();
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  if (editConfig) {
    const j = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    editConfig(j);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(j));
  }
  return dir;
}

describe('save → load round trip', () => {
  it.each([
    ['gemma1 MQA', tiny('gemma1_2b', { numKvHeads: 1 })],
    ['gemma1 MHA', tiny('gemma1_7b', { numKvHeads: 4 })],
    ['gemma2 GQA untied', tiny('gemma2_9b', { tieEmbeddings: false, slidingWindowSize: 3 })],
    ['gemma3 qk-norm', tiny('gemma3_4b', { numLayers: 3, attentionTypes: ['local', 'global', 'local'], slidingWindowSize: 4 })],
  ] as const)('%s: same config, same parameters, same logits (F32)', async (_, config) => {
    // Norm scales away from 1, so the saved offsets w = scale − 1 are not all zero.
    const random = GemmaTransformer.fromConfig(config, { seed: 11 });
    const bumped = new Map([...parameters(random)].map((p) => [p.label, p.parameter.value.add(p.label.endsWith('scale.weights') ? 0.25 : 0)]));
    const model = bindParameters(unbindParameters(random).tree, bumped);
    disposeTree(random);
    const dir = freshDir();
    await model.saveSafetensors(dir, { progress: false });
    const hf = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(hf.model_type).toBe({ gemma1: 'gemma', gemma2: 'gemma2', gemma3: 'gemma3_text' }[config.family]);
    const ckpt = await openCheckpoint(dir);
    expect(ckpt.names).toContain('model.layers.1.input_layernorm.weight');
    expect(ckpt.has('lm_head.weight')).toBe(!config.tieEmbeddings);
    const w = await ckpt.read('model.norm.weight');
    expect(Math.max(...w.data)).toBeLessThan(0.26); // stored as w, not 1 + w
    await ckpt.close();

    const loaded = await GemmaTransformer.fromPretrained(dir, { quiet: true });
    expect(loaded.config).toEqual(model.config);
    const a = valuesByLabel(model);
    const b = valuesByLabel(loaded);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [label, v] of a) expect(b.get(label), label).toEqual(v);
    const t = tokens();
    expect(loaded.call(t).unwrap('batch', 'seq', 'vocabulary').arraySync()).toEqual(model.call(t).unwrap('batch', 'seq', 'vocabulary').arraySync());
    t.dispose();
    disposeTree(model);
    disposeTree(loaded);
  });

  it.each([
    ['BF16', 'bfloat16', 2 ** -8, 0],
    ['F16', 'float16', 2 ** -10, 2 ** -24],
  ] as const)('writes %s in shards and reads it back rounded to that precision', async (dtype, torchDtype, rel, abs) => {
    const model = GemmaTransformer.fromConfig(tiny('gemma3_1b'), { seed: 12 });
    const dir = freshDir();
    await model.saveSafetensors(dir, { dtype, maxShardBytes: 4000 });
    expect(existsSync(join(dir, 'model.safetensors.index.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).torch_dtype).toBe(torchDtype);
    const loaded = await GemmaTransformer.fromPretrained(dir, { quiet: true });
    const a = valuesByLabel(model);
    for (const [label, v] of valuesByLabel(loaded)) {
      const orig = a.get(label)!;
      // Round to nearest: within half an ulp of the stored precision (plus f16's subnormal step).
      v.forEach((x, i) => expect(Math.abs(x - orig[i])).toBeLessThanOrEqual(Math.abs(orig[i]) * rel + abs));
    }
    disposeTree(model);
    disposeTree(loaded);
  });
});

describe('loading', () => {
  it('reports progress up to the total size, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const reports: Progress[] = [];
    const model = await GemmaTransformer.fromPretrained(join(FIXTURES, 'gemma3_bf16_sharded'), { progress: (p) => reports.push(p), quiet: true });
    const total = reports[reports.length - 1].bytesTotal;
    expect(reports[reports.length - 1].bytesDone).toBe(total);
    expect(reports.every((r, i) => i === 0 || r.bytesDone >= reports[i - 1].bytesDone)).toBe(true);
    expect(new Set(reports.map((r) => r.file)).size).toBe(3);
    const held = parameters(model).length;
    expect(tf.memory().numTensors).toBe(before + held);
    disposeTree(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts a .safetensors or index file in place of the directory', async () => {
    for (const path of [join(FIXTURES, 'gemma1_mqa', 'model.safetensors'), join(FIXTURES, 'gemma3_bf16_sharded', 'model.safetensors.index.json')]) {
      const model = await GemmaTransformer.fromPretrained(path, { quiet: true });
      expect(parameters(model).length).toBeGreaterThan(0);
      disposeTree(model);
    }
  });

  it('takes a config in place of config.json, and the returnLastOnly default', async () => {
    const dir = join(FIXTURES, 'gemma1_mqa');
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const model = await GemmaTransformer.fromPretrained(dir, { config: configFromHuggingFace(json, { quiet: true }).config, returnLastOnly: true });
    const t = nx.wrap(tf.tensor2d([[2, 17, 33, 0]], [1, 4], 'int32')).tag('batch', 'seq');
    expect(model.call(t).namedShape).toEqual({ batch: 1, vocabulary: 96 });
    t.dispose();
    disposeTree(model);
  });
});

describe('bad checkpoints fail with the file and tensor named', () => {
  const expectCheckpointError = async (p: Promise<unknown>, tensor: string | RegExp, message: RegExp) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    const e = err as CheckpointError;
    if (typeof tensor === 'string') expect(e.tensor).toBe(tensor);
    else expect(e.tensor).toMatch(tensor);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(e.file);
  };

  it('a missing tensor', async () => {
    const dir = await editedFixture('gemma2_gqa', (t) => t.delete('model.layers.1.mlp.up_proj.weight'));
    await expectCheckpointError(GemmaTransformer.fromPretrained(dir, { quiet: true }), 'model.layers.1.mlp.up_proj.weight', /model\.safetensors.*missing tensor/);
  });

  it('an unexpected tensor', async () => {
    const dir = await editedFixture('gemma1_mqa', (t) => t.set('model.layers.7.self_attn.q_norm.weight', { dtype: 'F32', shape: [12], data: new Float32Array(12) }));
    await expectCheckpointError(GemmaTransformer.fromPretrained(dir, { quiet: true }), 'model.layers.7.self_attn.q_norm.weight', /unexpected tensor/);
  });

  it('a shape that disagrees with config.json', async () => {
    const dir = await editedFixture('gemma1_mqa', () => {}, (j) => (j.intermediate_size = 65));
    await expectCheckpointError(GemmaTransformer.fromPretrained(dir, { quiet: true }), 'model.layers.0.mlp.gate_proj.weight', /shape \[64, 32\] disagrees with the config, which implies \[65, 32\] \(intermediate_size × hidden_size\)/);
  });

  it('an untied config without lm_head', async () => {
    const dir = await editedFixture('gemma2_gqa', () => {}, (j) => (j.tie_word_embeddings = false));
    await expectCheckpointError(GemmaTransformer.fromPretrained(dir, { quiet: true }), 'lm_head.weight', /tie_word_embeddings false/);
  });

  it('a tensor that is not a float', async () => {
    const dir = await editedFixture('gemma1_mqa', (t) => t.set('model.norm.weight', { dtype: 'I32', shape: [32], data: new Int32Array(32) }));
    await expectCheckpointError(GemmaTransformer.fromPretrained(dir, { quiet: true }), 'model.norm.weight', /dtype I32 is not a float dtype/);
  });

  it('an unknown model_type', async () => {
    const dir = await editedFixture('gemma1_mqa', () => {}, (j) => (j.model_type = 'llama'));
    await expect(GemmaTransformer.fromPretrained(dir, { quiet: true })).rejects.toThrow(GemmaConfigError);
    await expect(GemmaTransformer.fromPretrained(dir, { quiet: true })).rejects.toThrow(/config\.json.*model_type: is "llama"; supported model types: gemma, gemma2, gemma3_text, gemma3/s);
  });

  it('a directory without config.json', async () => {
    const dir = freshDir();
    cpSync(join(FIXTURES, 'gemma1_mqa', 'model.safetensors'), join(dir, 'model.safetensors'), { recursive: true });
    const err = await GemmaTransformer.fromPretrained(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).file).toBe(join(dir, 'config.json'));
    expect((err as CheckpointError).message).toMatch(/config\.json: cannot read the config \((ENOENT|not found)\)/);
  });

  it('a path that does not exist', async () => {
    await expect(GemmaTransformer.fromPretrained(join(freshDir(), 'nowhere'))).rejects.toThrow(/nowhere: no such file or directory/);
  });

  it('tensors that are not a Gemma checkpoint', async () => {
    const dir = await editedFixture('gemma1_mqa', (t) => {
      const e = t.get('model.embed_tokens.weight')!;
      t.delete('model.embed_tokens.weight');
      t.set('transformer.wte.weight', e);
    });
    await expect(GemmaTransformer.fromPretrained(dir, { quiet: true })).rejects.toThrow(/no embedding tensor: expected one of "model\.embed_tokens\.weight"/);
  });
});

describe('Flax parameter records', () => {
  async function flaxParams(c: string): Promise<Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }>> {
    const f = await openSafetensors(join(FIXTURES, c, 'flax_params.safetensors'));
    const out: Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }> = {};
    for (const n of f.names) out[n] = await f.read(n);
    await f.close();
    return out;
  }
  const configOf = (c: string) => configFromHuggingFace(JSON.parse(readFileSync(join(FIXTURES, c, 'config.json'), 'utf8')), { quiet: true }).config;

  it('accepts nested records, tf.Tensors and gm in-memory names (no transformer/ prefix, bare MLP arrays)', async () => {
    const flat = await flaxParams('gemma2_gqa');
    const config = configOf('gemma2_gqa');
    const nested: Record<string, unknown> = {};
    const made: tf.Tensor[] = [];
    for (const [k, v] of Object.entries(flat)) {
      const parts = k.replace(/^transformer\//, '').replace(/\/mlp\/(gating_einsum|linear)\/w$/, '/mlp/$1').split('/');
      let node = nested;
      for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
      const t = tf.tensor(v.data, [...v.shape]);
      made.push(t);
      node[parts[parts.length - 1]] = t;
    }
    const a = await GemmaTransformer.fromPretrained(flat as FlaxParams, { config });
    const b = await GemmaTransformer.fromPretrained(nested as FlaxParams, { config });
    const va = valuesByLabel(a);
    for (const [label, v] of valuesByLabel(b)) expect(v, label).toEqual(va.get(label));
    expect(made.every((t) => !t.isDisposed)).toBe(true); // the caller's tensors are left alone
    tf.dispose(made);
    disposeTree(a);
    disposeTree(b);
  });

  it('slices Flax padding rows off the embedding table', async () => {
    const model = await GemmaTransformer.fromPretrained((await flaxParams('gemma2_gqa')) as FlaxParams, { config: configOf('gemma2_gqa') });
    expect(parameters(model).find((p) => p.label === 'transformer/embedder.embeddings')!.parameter.value.namedShape).toEqual({ vocabulary: 80, embedding: 32 });
    disposeTree(model);
  });

  it('reports a missing array, a wrong shape and an unexpected array', async () => {
    const config = configOf('gemma3_text');
    const base = await flaxParams('gemma3_text');
    const without = { ...base };
    delete without['transformer/layer_2/attn/_key_norm/scale'];
    await expect(GemmaTransformer.fromPretrained(without as FlaxParams, { config })).rejects.toThrow(/missing array "transformer\/layer_2\/attn\/_key_norm\/scale"/);
    const wrong = { ...base, 'transformer/layer_1/mlp/linear/w': { shape: [48, 31], data: new Float32Array(48 * 31) } };
    await expect(GemmaTransformer.fromPretrained(wrong as FlaxParams, { config })).rejects.toThrow(/tensor "transformer\/layer_1\/mlp\/linear\/w": shape \[48, 31\] disagrees with the config, which implies \[48, 32\]/);
    const extra = { ...base, 'transformer/layer_9/pre_ffw_norm/scale': { shape: [32], data: new Float32Array(32) } };
    await expect(GemmaTransformer.fromPretrained(extra as FlaxParams, { config })).rejects.toThrow(/tensor "transformer\/layer_9\/pre_ffw_norm\/scale": unexpected array/);
  });

  it('identifies a preset from the shapes, or asks for a config', async () => {
    const params = await flaxParams('gemma1_mqa');
    await expect(GemmaTransformer.fromPretrained(params as FlaxParams)).rejects.toThrow(/match no Gemma preset.*Pass the config/s);
  });
});
