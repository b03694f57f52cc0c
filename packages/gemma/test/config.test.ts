import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  configFromHuggingFace, configToHuggingFace, defaultAttentionTypes, flaxVocabSize, GEMMA_PRESET_NAMES, GEMMA_PRESETS,
  GemmaConfigError, gemmaPreset, layerRope, queryScale, validateConfig, type GemmaConfig, type GemmaPresetName,
} from '../src/config.js';
import { openSafetensors } from '@penjing/io/node';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/gemma/', import.meta.url));
/** The fixture case directories (the README beside them is not one). */
const fixtureCases = async () =>
  (await readdir(FIXTURES, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

afterEach(() => vi.restoreAllMocks());

/** The error a call throws (failing the test if it returns). */
function failure(fn: () => unknown): GemmaConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GemmaConfigError);
    return e as GemmaConfigError;
  }
  throw new Error('expected a GemmaConfigError');
}

const globals = (c: GemmaConfig) => c.attentionTypes.flatMap((t, i) => (t === 'global' ? [i] : []));

describe('presets match the reference table', () => {
  // Transcribed from shared/reference/gemma.md §1: V(HF) L D F N K H qpas window ropeLocal ropeGlobal scale caps post qk transpose ctx
  const table: Record<GemmaPresetName, [number, number, number, number, number, number, number, number, number | null, number, number, number, number | null, number | null, boolean, boolean, boolean, number]> = {
    gemma1_2b: [256000, 18, 2048, 16384, 8, 1, 256, 256, null, 1e4, 1e4, 1, null, null, false, false, false, 8192],
    gemma1_7b: [256000, 28, 3072, 24576, 16, 16, 256, 256, null, 1e4, 1e4, 1, null, null, false, false, false, 8192],
    gemma2_2b: [256000, 26, 2304, 9216, 8, 4, 256, 256, 4096, 1e4, 1e4, 1, 50, 30, true, false, false, 8192],
    gemma2_9b: [256000, 42, 3584, 14336, 16, 8, 256, 256, 4096, 1e4, 1e4, 1, 50, 30, true, false, true, 8192],
    gemma2_27b: [256000, 46, 4608, 36864, 32, 16, 128, 144, 4096, 1e4, 1e4, 1, 50, 30, true, false, true, 8192],
    gemma3_270m: [262144, 18, 640, 2048, 4, 1, 256, 256, 512, 1e4, 1e6, 1, null, null, true, true, true, 32768],
    gemma3_1b: [262144, 26, 1152, 6912, 4, 1, 256, 256, 512, 1e4, 1e6, 1, null, null, true, true, true, 32768],
    gemma3_4b: [262208, 34, 2560, 10240, 8, 4, 256, 256, 1024, 1e4, 1e6, 8, null, null, true, true, true, 131072],
    gemma3_12b: [262208, 48, 3840, 15360, 16, 8, 256, 256, 1024, 1e4, 1e6, 8, null, null, true, true, true, 131072],
    gemma3_27b: [262208, 62, 5376, 21504, 32, 16, 128, 168, 1024, 1e4, 1e6, 8, null, null, true, true, true, 131072],
  };

  it.each(Object.keys(table) as GemmaPresetName[])('%s', (name) => {
    const [V, L, D, F, N, K, H, qpas, W, local, global, scale, attnCap, finalCap, post, qk, transpose, ctx] = table[name];
    const c = GEMMA_PRESETS[name];
    expect(c).toMatchObject({
      vocabSize: V, numLayers: L, embedDim: D, hiddenDim: F, numHeads: N, numKvHeads: K, headDim: H,
      queryPreAttnScalar: qpas, slidingWindowSize: W, ropeLocalBaseFrequency: local, ropeBaseFrequency: global,
      ropeScaleFactor: scale, attnLogitsSoftCap: attnCap, finalLogitSoftCap: finalCap, usePostAttnNorm: post,
      usePostFfwNorm: post, useQkNorm: qk, transposeGatingEinsum: transpose, maxPositionEmbeddings: ctx,
      rmsNormEps: 1e-6, activation: 'gelu_tanh', tieEmbeddings: true, bosTokenId: 2, padTokenId: 0,
    });
    expect(c.attentionTypes.length).toBe(L);
    expect(validateConfig(c)).toEqual([]);
    expect(Object.isFrozen(c) && Object.isFrozen(c.attentionTypes)).toBe(true);
  });

  it('layer patterns: Gemma 1 all global, Gemma 2 even local, Gemma 3 global iff (i+1) % 6 == 0', () => {
    expect(GEMMA_PRESETS.gemma1_7b.attentionTypes.every((t) => t === 'global')).toBe(true);
    expect(globals(GEMMA_PRESETS.gemma2_9b)).toEqual(Array.from({ length: 21 }, (_, i) => 2 * i + 1));
    expect(globals(GEMMA_PRESETS.gemma3_270m)).toEqual([5, 11, 17]);
    expect(globals(GEMMA_PRESETS.gemma3_1b)).toEqual([5, 11, 17, 23]);
    expect(globals(GEMMA_PRESETS.gemma3_27b)).toEqual([5, 11, 17, 23, 29, 35, 41, 47, 53, 59]);
    expect(defaultAttentionTypes('gemma3', 7, 3)).toEqual(['local', 'local', 'global', 'local', 'local', 'global', 'local']);
  });

  it('per-layer RoPE and query scale', () => {
    const c = GEMMA_PRESETS.gemma3_4b;
    expect(layerRope(c, 0)).toEqual({ baseFrequency: 1e4, scaleFactor: 1 });
    expect(layerRope(c, 5)).toEqual({ baseFrequency: 1e6, scaleFactor: 8 });
    expect(queryScale(GEMMA_PRESETS.gemma2_27b)).toBeCloseTo(144 ** -0.5, 15);
    expect(flaxVocabSize('gemma2')).toBe(256128);
    expect(flaxVocabSize('gemma3')).toBe(262144);
  });

  it('gemmaPreset applies overrides, re-deriving the pattern for a new depth', () => {
    const tiny = gemmaPreset('gemma3_270m', { numLayers: 7 });
    expect(globals(tiny)).toEqual([5]);
    expect(validateConfig(tiny)).toEqual([]);
    expect(() => gemmaPreset('gemma4_1b' as GemmaPresetName)).toThrow(/Unknown Gemma preset "gemma4_1b". Known presets: gemma1_2b/);
    expect(GEMMA_PRESET_NAMES.length).toBe(10);
  });
});

describe('validateConfig reports every problem at once', () => {
  it('collects independent problems, naming each option', () => {
    const bad = {
      ...GEMMA_PRESETS.gemma2_2b, numKvHeads: 3, headDim: 7, attentionTypes: ['local', 'sideways'],
      slidingWindowSize: null, finalLogitSoftCap: -1, eosTokenIds: [999999], extra: 1,
    } as unknown as GemmaConfig;
    const issues = validateConfig(bad);
    const keys = issues.map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining(
      ['numKvHeads', 'headDim', 'attentionTypes', 'slidingWindowSize', 'finalLogitSoftCap', 'eosTokenIds', 'extra']));
    expect(issues.find((i) => i.key === 'numKvHeads')!.message).toMatch(/numHeads 8 is not a multiple of numKvHeads 3/);
    expect(issues.filter((i) => i.key === 'attentionTypes').map((i) => i.message)).toEqual([
      'has 2 entries but numLayers is 26; give one per layer',
      `entry 1 is "sideways"; expected 'global' or 'local'`,
    ]);
    expect(issues.find((i) => i.key === 'extra')!.message).toMatch(/not a GemmaConfig option/);
  });

  it('reports missing options', () => {
    const { ropeScaleFactor: _, ...partial } = GEMMA_PRESETS.gemma1_2b;
    expect(validateConfig(partial as GemmaConfig)).toEqual([{ key: 'ropeScaleFactor', message: 'is missing' }]);
  });
});

// Shapes of published config.json files (abridged to the keys that matter plus some noise).
const G1_2B = {
  architectures: ['GemmaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 2, eos_token_id: 1,
  head_dim: 256, hidden_act: 'gelu', hidden_size: 2048, initializer_range: 0.02, intermediate_size: 16384,
  max_position_embeddings: 8192, model_type: 'gemma', num_attention_heads: 8, num_hidden_layers: 18, num_key_value_heads: 1,
  pad_token_id: 0, rms_norm_eps: 1e-6, rope_scaling: null, rope_theta: 10000.0, torch_dtype: 'bfloat16',
  transformers_version: '4.38.0.dev0', use_cache: true, vocab_size: 256000,
};
const G2_27B = {
  architectures: ['Gemma2ForCausalLM'], attention_bias: false, attention_dropout: 0.0, attn_logit_softcapping: 50.0,
  bos_token_id: 2, cache_implementation: 'hybrid', eos_token_id: 1, final_logit_softcapping: 30.0, head_dim: 128,
  hidden_act: 'gelu_pytorch_tanh', hidden_activation: 'gelu_pytorch_tanh', hidden_size: 4608, initializer_range: 0.02,
  intermediate_size: 36864, max_position_embeddings: 8192, model_type: 'gemma2', num_attention_heads: 32,
  num_hidden_layers: 46, num_key_value_heads: 16, pad_token_id: 0, query_pre_attn_scalar: 144, rms_norm_eps: 1e-6,
  rope_theta: 10000.0, sliding_window: 4096, sliding_window_size: 4096, torch_dtype: 'float32',
  transformers_version: '4.42.0.dev0', use_cache: true, vocab_size: 256000,
};
const G3_1B = {
  architectures: ['Gemma3ForCausalLM'], attention_bias: false, attention_dropout: 0.0, attn_logit_softcapping: null,
  bos_token_id: 2, cache_implementation: 'hybrid', eos_token_id: [1, 106], final_logit_softcapping: null, head_dim: 256,
  hidden_activation: 'gelu_pytorch_tanh', hidden_size: 1152, initializer_range: 0.02, intermediate_size: 6912,
  max_position_embeddings: 32768, model_type: 'gemma3_text', num_attention_heads: 4, num_hidden_layers: 26,
  num_key_value_heads: 1, pad_token_id: 0, query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_local_base_freq: 10000,
  rope_scaling: null, rope_theta: 1000000, sliding_window: 512, sliding_window_pattern: 6, torch_dtype: 'bfloat16',
  transformers_version: '4.50.0.dev0', use_cache: true, vocab_size: 262144,
};
const G3_4B_MULTIMODAL = {
  architectures: ['Gemma3ForConditionalGeneration'], boi_token_index: 255999, eoi_token_index: 256000,
  eos_token_id: [1, 106], image_token_index: 262144, initializer_range: 0.02, mm_tokens_per_image: 256, model_type: 'gemma3',
  text_config: {
    hidden_size: 2560, intermediate_size: 10240, model_type: 'gemma3_text', num_hidden_layers: 34,
    rope_scaling: { factor: 8.0, rope_type: 'linear' }, sliding_window: 1024,
  },
  torch_dtype: 'bfloat16', transformers_version: '4.50.0.dev0',
  vision_config: { hidden_size: 1152, image_size: 896, intermediate_size: 4304, model_type: 'siglip_vision_model' },
};

describe('configFromHuggingFace', () => {
  const quiet = { quiet: true };

  it('gemma (Gemma 1 2B, hidden_act "gelu" still means tanh-GELU)', () => {
    const r = configFromHuggingFace(G1_2B, quiet);
    expect(r.config).toEqual(GEMMA_PRESETS.gemma1_2b);
    expect(r.modelType).toBe('gemma');
    expect(r.warnings).toEqual([]);
  });

  it('gemma2 (27B: query_pre_attn_scalar 144, legacy even-local pattern)', () => {
    expect(configFromHuggingFace(G2_27B, quiet).config).toEqual(GEMMA_PRESETS.gemma2_27b);
    const two = { ...G2_27B, hidden_size: 2304, intermediate_size: 9216, num_attention_heads: 8, num_hidden_layers: 26,
      num_key_value_heads: 4, head_dim: 256, query_pre_attn_scalar: 256 };
    expect(configFromHuggingFace(two, quiet).config).toEqual(GEMMA_PRESETS.gemma2_2b);
  });

  it('gemma3_text (1B)', () => {
    expect(configFromHuggingFace(G3_1B, quiet).config).toEqual(GEMMA_PRESETS.gemma3_1b);
  });

  it('gemma3 multimodal with a sparse text_config is filled from the Gemma3TextConfig defaults', () => {
    const r = configFromHuggingFace(G3_4B_MULTIMODAL, quiet);
    expect(r.config).toEqual(GEMMA_PRESETS.gemma3_4b);
    expect(r.modelType).toBe('gemma3');
    expect(r.warnings).toEqual([]);
    const g12 = { ...G3_4B_MULTIMODAL, text_config: { hidden_size: 3840, intermediate_size: 15360, model_type: 'gemma3_text',
      num_attention_heads: 16, num_hidden_layers: 48, num_key_value_heads: 8, rope_scaling: { factor: 8.0, rope_type: 'linear' },
      sliding_window: 1024 } };
    expect(configFromHuggingFace(g12, quiet).config).toEqual(GEMMA_PRESETS.gemma3_12b);
    const g27 = { ...G3_4B_MULTIMODAL, text_config: { head_dim: 128, hidden_size: 5376, intermediate_size: 21504,
      model_type: 'gemma3_text', num_attention_heads: 32, num_hidden_layers: 62, num_key_value_heads: 16,
      query_pre_attn_scalar: 168, rope_scaling: { factor: 8.0, rope_type: 'linear' }, sliding_window: 1024 } };
    expect(configFromHuggingFace(g27, quiet).config).toEqual(GEMMA_PRESETS.gemma3_27b);
    const bare = configFromHuggingFace({ model_type: 'gemma3' }, quiet).config;
    expect(bare).toMatchObject({ vocabSize: 262208, embedDim: 2304, numHeads: 8, numKvHeads: 4, eosTokenIds: [1], ropeScaleFactor: 1 });
  });

  it('transformers v5 rope_parameters, per attention type', () => {
    const { rope_theta: _t, rope_local_base_freq: _l, rope_scaling: _s, ...rest } = G3_1B;
    const v5 = { ...rest, rope_parameters: {
      full_attention: { rope_type: 'linear', rope_theta: 1e6, factor: 8 },
      sliding_attention: { rope_type: 'default', rope_theta: 1e4 },
    } };
    expect(configFromHuggingFace(v5, quiet).config).toMatchObject({ ropeBaseFrequency: 1e6, ropeLocalBaseFrequency: 1e4, ropeScaleFactor: 8 });
    const g2 = { ...G2_27B, rope_theta: undefined, rope_parameters: { rope_type: 'default', rope_theta: 5e4 } };
    expect(configFromHuggingFace(g2, quiet).config).toMatchObject({ ropeBaseFrequency: 5e4, ropeLocalBaseFrequency: 5e4, ropeScaleFactor: 1 });
  });

  it('explicit layer_types win over the legacy pattern', () => {
    const types = Array.from({ length: 26 }, (_, i) => (i < 2 ? 'full_attention' : 'sliding_attention'));
    const c = configFromHuggingFace({ ...G3_1B, layer_types: types }, quiet).config;
    expect(globals(c)).toEqual([0, 1]);
    const e = failure(() => configFromHuggingFace({ ...G3_1B, layer_types: types.slice(1) }, quiet));
    expect(e.message).toMatch(/layer_types: has 25 entries but num_hidden_layers is 26/);
  });

  it('unknown keys warn (returned, and console.warn once), never fail', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const r = configFromHuggingFace({ ...G1_2B, my_flag: 1, another: 'x' }, { file: 'ckpt/config.json' });
    expect(r.config).toEqual(GEMMA_PRESETS.gemma1_2b);
    expect(r.warnings).toEqual([
      'ckpt/config.json: unknown key "my_flag" ignored (not a gemma option Penjing knows)',
      'ckpt/config.json: unknown key "another" ignored (not a gemma option Penjing knows)',
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    const mm = configFromHuggingFace({ ...G3_4B_MULTIMODAL, text_config: { ...G3_4B_MULTIMODAL.text_config, odd: true } }, quiet);
    expect(mm.warnings).toEqual(['config.json: unknown key "text_config.odd" ignored (not a gemma3_text option Penjing knows)']);
    expect(warn).toHaveBeenCalledTimes(1); // quiet
  });

  it('unknown or missing model_type is an error naming the file and the supported types', () => {
    let e = failure(() => configFromHuggingFace({ ...G1_2B, model_type: 'llama' }, { file: 'x/config.json' }));
    expect(e.file).toBe('x/config.json');
    expect(e.message).toContain('x/config.json: invalid Gemma config');
    expect(e.message).toContain('model_type: is "llama"; supported model types: gemma, gemma2, gemma3_text, gemma3');
    e = failure(() => configFromHuggingFace({ hidden_size: 3 }));
    expect(e.issues[0]).toEqual({ key: 'model_type', message: 'is missing; supported model types: gemma, gemma2, gemma3_text, gemma3' });
    expect(() => configFromHuggingFace([1])).toThrow(GemmaConfigError);
  });

  it('missing size keys and inconsistent values are errors naming the key, all at once', () => {
    const { hidden_size: _, ...noHidden } = G2_27B;
    let e = failure(() => configFromHuggingFace(noHidden, quiet));
    expect(e.issues).toEqual([{ key: 'hidden_size', message: 'is missing; a top-level Gemma config must state it' }]);
    e = failure(() => configFromHuggingFace({ ...G2_27B, num_key_value_heads: 5, head_dim: 127, vocab_size: -1 }, quiet));
    const keys = e.issues.map((i) => i.key);
    expect(keys).toContain('vocab_size');
    e = failure(() => configFromHuggingFace({ ...G2_27B, num_key_value_heads: 5, head_dim: 127 }, quiet));
    expect(e.issues.map((i) => i.key)).toEqual(['num_key_value_heads (numKvHeads)', 'head_dim (headDim)']);
    expect(e.message).toMatch(/numHeads 32 is not a multiple of numKvHeads 5/);
    e = failure(() => configFromHuggingFace({ ...G3_4B_MULTIMODAL, text_config: { num_attention_heads: 6 } }, quiet));
    expect(e.issues[0].key).toBe('text_config.num_key_value_heads (numKvHeads)');
  });

  it('values Penjing cannot honour are errors', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...G1_2B, attention_bias: true }, /attention_bias: is true/],
      [{ ...G2_27B, hidden_activation: 'silu' }, /hidden_activation: is "silu"; Gemma uses tanh-approximated GELU/],
      [{ ...G3_1B, rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling: .*supports RoPE types "default" and "linear"/],
      [{ ...G3_1B, use_bidirectional_attention: true }, /use_bidirectional_attention: is true/],
      [{ ...G3_1B, quantization_config: { quant_method: 'bitsandbytes' } }, /quantization_config: is present/],
      [{ ...G2_27B, rope_scaling: { rope_type: 'linear', factor: 2 } }, /rope_scaling: scales RoPE on local layers by 2/],
      [{ ...G2_27B, sliding_window: 0 }, /sliding_window: is 0; expected a positive integer/],
      [{ ...G2_27B, final_logit_softcapping: 'big' }, /final_logit_softcapping: is "big"; expected a positive number or null/],
      [{ ...G3_4B_MULTIMODAL, text_config: { model_type: 'gemma2' } }, /text_config\.model_type: is "gemma2"; expected "gemma3_text"/],
      [{ ...G3_4B_MULTIMODAL, text_config: 3 }, /text_config: is not an object/],
    ];
    for (const [json, pattern] of cases) expect(failure(() => configFromHuggingFace(json, quiet)).message).toMatch(pattern);
  });
});

describe('configToHuggingFace', () => {
  it.each(GEMMA_PRESET_NAMES)('%s round-trips through config.json', (name) => {
    const json = configToHuggingFace(GEMMA_PRESETS[name], { torchDtype: 'bfloat16' });
    const back = configFromHuggingFace(JSON.parse(JSON.stringify(json)), { quiet: true });
    expect(back.warnings).toEqual([]);
    expect(back.config).toEqual(GEMMA_PRESETS[name]);
  });

  it('writes the keys transformers reads', () => {
    const j = configToHuggingFace(GEMMA_PRESETS.gemma3_4b);
    expect(j).toMatchObject({
      model_type: 'gemma3_text', architectures: ['Gemma3ForCausalLM'], rope_scaling: { rope_type: 'linear', factor: 8 },
      rope_theta: 1e6, rope_local_base_freq: 1e4, sliding_window: 1024, sliding_window_pattern: 6, eos_token_id: [1, 106],
    });
    expect((j.layer_types as string[])[5]).toBe('full_attention');
    expect(configToHuggingFace(GEMMA_PRESETS.gemma1_2b)).toMatchObject({ model_type: 'gemma', eos_token_id: 1 });
  });

  it('refuses options the model_type cannot express, listing all of them', () => {
    const e = failure(() => configToHuggingFace({ ...GEMMA_PRESETS.gemma1_2b, usePostAttnNorm: true, attnLogitsSoftCap: 10 }));
    expect(e.issues.map((i) => i.key)).toEqual(['usePostAttnNorm', 'attnLogitsSoftCap']);
    expect(() => configToHuggingFace({ ...GEMMA_PRESETS.gemma2_2b, ropeScaleFactor: 2 })).toThrow(/ropeScaleFactor: must be 1 for gemma2/);
    expect(() => configToHuggingFace({ ...GEMMA_PRESETS.gemma2_2b, numKvHeads: 3 })).toThrow(/numKvHeads/);
  });
});

describe('the committed fixture configs', () => {
  it('parse without warnings and agree with what the reference generator used', async () => {
    for (const name of await fixtureCases()) {
      const d = join(FIXTURES, name);
      const json = JSON.parse(await readFile(join(d, 'config.json'), 'utf8'));
      const { config, warnings } = configFromHuggingFace(json, { file: join(d, 'config.json'), quiet: true });
      expect(warnings, name).toEqual([]);
      const ref = JSON.parse(await readFile(join(d, 'reference.json'), 'utf8'));
      expect(config.attentionTypes, name).toEqual(ref.layer_types);
      expect(ref.shape[2], name).toBe(config.vocabSize);
      expect(Math.fround(Math.sqrt(config.embedDim)), name).toBe(ref.embed_scale);
      if (ref.flax) {
        const f = await openSafetensors(join(d, ref.flax.file));
        expect(f.metadata.transpose_gating_einsum, name).toBe(String(config.transposeGatingEinsum));
        await f.close();
      }
    }
  });

  it('the sparse multimodal fixture gets the documented defaults', async () => {
    const json = JSON.parse(await readFile(join(FIXTURES, 'gemma3_multimodal_wrapper', 'config.json'), 'utf8'));
    const { config } = configFromHuggingFace(json, { quiet: true });
    expect(config).toMatchObject({
      queryPreAttnScalar: 256, ropeBaseFrequency: 1e6, ropeLocalBaseFrequency: 1e4, ropeScaleFactor: 8,
      eosTokenIds: [1, 106], slidingWindowSize: 4, attnLogitsSoftCap: null, finalLogitSoftCap: null,
    });
    expect(globals(config)).toEqual([5]);
  });

  it('gemma2_gqa has the caps and scalar the issue asks for', async () => {
    const json = JSON.parse(await readFile(join(FIXTURES, 'gemma2_gqa', 'config.json'), 'utf8'));
    const { config } = configFromHuggingFace(json, { quiet: true });
    expect(config).toMatchObject({ attnLogitsSoftCap: 2, finalLogitSoftCap: 5, queryPreAttnScalar: 20, headDim: 10, numKvHeads: 2 });
    expect(config.attentionTypes).toEqual(['local', 'global', 'local']);
  });
});

describe('gemmaPreset overrides', () => {
  it('a smaller headDim keeps 1/sqrt(headDim) query scaling unless the scalar is given', async () => {
    const { gemmaPreset } = await import('@penjing/gemma');
    expect(gemmaPreset('gemma1_2b', { headDim: 16 }).queryPreAttnScalar).toBe(16);
    expect(gemmaPreset('gemma1_2b', { headDim: 16, queryPreAttnScalar: 32 }).queryPreAttnScalar).toBe(32);
  });
});

describe('gemmaPreset with a small vocabulary', () => {
  it('keeps only stop ids inside the vocabulary', async () => {
    const { gemmaPreset, validateConfig } = await import('@penjing/gemma');
    const c = gemmaPreset('gemma3_1b', { vocabSize: 64 });
    expect(c.eosTokenIds).toEqual([1]);
    expect(validateConfig(c)).toEqual([]);
  });
});
