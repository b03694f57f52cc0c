/**
 * Reading a Hugging Face config.json into an `LMConfig`, one reader per `model_type`.
 * Handles the variants real checkpoints carry: `eos_token_id` as a number or a list,
 * integer `rope_theta`, transformers ≥ 5's `rope_parameters` (which holds rope_theta and the
 * scaling) and `dtype` (formerly `torch_dtype`). An option the builder cannot honour is an
 * error naming the key and the values it supports, never silently ignored.
 */
import { CheckpointError } from '@penjing/io';
import { checkLMConfig, type Activation, type LMConfig, type RopeConfig, type RopeScaling } from './config.js';

type Json = Readonly<Record<string, unknown>>;

/** The model types read here. */
export const FAMILY_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'gpt2', 'gpt_neox'] as const;
export type FamilyModelType = (typeof FAMILY_MODEL_TYPES)[number];

/** Reads typed values from a config, with errors naming the file and key. */
class Keys {
  constructor(readonly json: Json, readonly file: string) {}
  fail(key: string, problem: string, fix?: string): never {
    throw new CheckpointError(this.file, `config key "${key}" ${problem}`, { fix });
  }
  has(key: string): boolean {
    return this.json[key] !== undefined && this.json[key] !== null;
  }
  int(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (v === undefined || v === null) this.fail(key, 'is missing', 'Every checkpoint of this model type has it; is config.json complete?');
    if (!Number.isInteger(v) || (v as number) < 0) this.fail(key, `must be a non-negative integer; got ${JSON.stringify(v)}`);
    return v as number;
  }
  num(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, v === undefined ? 'is missing' : `must be a number; got ${JSON.stringify(v)}`);
    return v;
  }
  bool(key: string, fallback: boolean): boolean {
    const v = this.json[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, `must be true or false; got ${JSON.stringify(v)}`);
    return v;
  }
  oneOf<T extends string>(key: string, mapping: Readonly<Record<string, T>>, fallback?: string): T {
    const v = this.json[key] ?? fallback;
    if (typeof v !== 'string' || !(v in mapping)) {
      this.fail(key, `is ${JSON.stringify(v)}, which is not supported`, `Supported values: ${Object.keys(mapping).map((k) => JSON.stringify(k)).join(', ')}.`);
    }
    return mapping[v];
  }
  ids(key: string): number[] {
    const v = this.json[key];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => Number.isInteger(x) && x >= 0)) this.fail(key, `must be a token id or a list of them; got ${JSON.stringify(v)}`);
    return list as number[];
  }
  dtype(): string | null {
    const v = this.json.dtype ?? this.json.torch_dtype;
    return typeof v === 'string' ? v : null;
  }
}

const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  silu: 'silu', swish: 'silu', gelu: 'geluExact', gelu_new: 'geluTanh', gelu_pytorch_tanh: 'geluTanh', relu: 'relu',
};

/**
 * RoPE settings: `rope_theta` (top level, or inside transformers ≥ 5's `rope_parameters`) and
 * the scaling (`rope_scaling` or `rope_parameters`): none/`default`, `linear`, `llama3`.
 */
function readRope(k: Keys, rotaryDims: number, thetaKey = 'rope_theta', thetaDefault = 10000): RopeConfig {
  const params = (k.json.rope_parameters ?? k.json.rope_scaling ?? null) as Json | null;
  const paramsKey = k.json.rope_parameters !== undefined ? 'rope_parameters' : 'rope_scaling';
  if (params !== null && (typeof params !== 'object' || Array.isArray(params))) k.fail(paramsKey, `must be an object or null; got ${JSON.stringify(params)}`);
  const inner = params ? new Keys(params, k.file) : null;
  let theta = k.has(thetaKey) ? k.num(thetaKey) : thetaDefault;
  if (inner?.has('rope_theta')) theta = inner.num('rope_theta');
  const type = params ? ((params.rope_type ?? params.type ?? 'default') as unknown) : 'default';
  const scaling = ((): RopeScaling | null => {
    if (type === 'default') return null;
    if (type === 'linear') return { type: 'linear', factor: inner!.num('factor') };
    if (type === 'llama3') {
      return {
        type: 'llama3', factor: inner!.num('factor'), lowFreqFactor: inner!.num('low_freq_factor'),
        highFreqFactor: inner!.num('high_freq_factor'), originalMaxPositions: inner!.int('original_max_position_embeddings'),
      };
    }
    return k.fail(`${paramsKey}.rope_type`, `is ${JSON.stringify(type)}, which is not supported`, 'Supported values: "default", "linear", "llama3" (or no rope scaling).');
  })();
  if (!(theta > 0)) k.fail(thetaKey, `must be positive; got ${theta}`);
  return { theta, rotaryDims, scaling };
}

/** Per-layer sliding windows: `layer_types` when given, else one rule for all layers. */
function readWindows(k: Keys, numLayers: number, windowFor: (i: number) => number | null): (number | null)[] {
  const types = k.json.layer_types;
  const window = k.has('sliding_window') ? k.int('sliding_window') : null;
  if (Array.isArray(types)) {
    if (types.length !== numLayers) k.fail('layer_types', `lists ${types.length} layers but num_hidden_layers is ${numLayers}`);
    return types.map((t, i) => {
      if (t === 'full_attention') return null;
      if (t === 'sliding_attention') return window ?? k.fail('sliding_window', `is missing but layer ${i} is "sliding_attention"`);
      return k.fail(`layer_types[${i}]`, `is ${JSON.stringify(t)}, which is not supported`, 'Supported values: "full_attention", "sliding_attention".');
    });
  }
  return Array.from({ length: numLayers }, (_, i) => windowFor(i));
}

/** llama, mistral, qwen2, qwen3: pre-norm RMSNorm, GQA, SwiGLU, rotate_half RoPE. */
function readLlamaLike(k: Keys, modelType: FamilyModelType): LMConfig {
  const embedDim = k.int('hidden_size');
  const numHeads = k.int('num_attention_heads');
  const numLayers = k.int('num_hidden_layers');
  const headDim = k.has('head_dim') ? k.int('head_dim') : embedDim / numHeads;
  if (!Number.isInteger(headDim)) k.fail('hidden_size', `(${embedDim}) is not a multiple of num_attention_heads (${numHeads}) and head_dim is not given`);
  const partial = k.has('partial_rotary_factor') ? k.num('partial_rotary_factor') : 1;
  const rotaryDims = Math.floor(headDim * partial);
  const window = k.has('sliding_window') ? k.int('sliding_window') : null;
  const useWindow = modelType === 'mistral' || ((modelType === 'qwen2' || modelType === 'qwen3') && k.bool('use_sliding_window', false));
  const firstWindowed = modelType === 'mistral' ? 0 : k.has('max_window_layers') ? k.int('max_window_layers') : 0;
  const bias = modelType === 'qwen2' ? true : k.bool('attention_bias', false);
  // Qwen2-VL's multimodal RoPE splits head_dim into sections a text model does not have.
  if (k.bool('use_mrope', false)) k.fail('use_mrope', 'is true, which is not supported', 'Supported values: false (text-only Qwen2 checkpoints).');
  return checkLMConfig({
    modelType,
    vocabSize: k.int('vocab_size'),
    embedDim,
    numLayers,
    numHeads,
    numKvHeads: k.int('num_key_value_heads', numHeads),
    headDim,
    hiddenDim: k.int('intermediate_size'),
    norm: 'rms',
    normEps: k.num('rms_norm_eps', 1e-6),
    mlp: 'gated',
    activation: k.oneOf('hidden_act', ACTIVATIONS, 'silu'),
    parallelResidual: false,
    rope: readRope(k, rotaryDims),
    learnedPositions: null,
    qkvBias: bias,
    // Qwen 2 has q/k/v biases and none on o_proj; llama's attention_bias covers all four.
    outputBias: modelType === 'qwen2' ? false : bias,
    mlpBias: k.bool('mlp_bias', false),
    qkNorm: modelType === 'qwen3',
    slidingWindows: readWindows(k, numLayers, (i) => (useWindow && window !== null && i >= firstWindowed ? window : null)),
    tieEmbeddings: k.bool('tie_word_embeddings', false),
    bosTokenId: k.ids('bos_token_id')[0] ?? null,
    eosTokenIds: k.ids('eos_token_id'),
    dtype: k.dtype(),
  });
}

/** GPT-2: learned positions, LayerNorm with bias, plain MLP, tied head. */
function readGpt2(k: Keys): LMConfig {
  const embedDim = k.int('n_embd');
  const numHeads = k.int('n_head');
  const numLayers = k.int('n_layer');
  if (k.bool('scale_attn_by_inverse_layer_idx', false)) {
    k.fail('scale_attn_by_inverse_layer_idx', 'is true, which is not supported', 'Supported values: false.');
  }
  if (k.bool('add_cross_attention', false)) k.fail('add_cross_attention', 'is true, which is not supported', 'Supported values: false (decoder-only GPT-2).');
  if (!k.bool('scale_attn_weights', true)) k.fail('scale_attn_weights', 'is false, which is not supported', 'Supported values: true.');
  return checkLMConfig({
    modelType: 'gpt2',
    vocabSize: k.int('vocab_size'),
    embedDim,
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim: embedDim / numHeads,
    hiddenDim: k.has('n_inner') ? k.int('n_inner') : 4 * embedDim,
    norm: 'layer',
    normEps: k.num('layer_norm_epsilon', 1e-5),
    mlp: 'plain',
    activation: k.oneOf('activation_function', ACTIVATIONS, 'gelu_new'),
    parallelResidual: false,
    rope: null,
    learnedPositions: k.int('n_positions'),
    qkvBias: true,
    outputBias: true,
    mlpBias: true,
    qkNorm: false,
    slidingWindows: Array(numLayers).fill(null),
    tieEmbeddings: k.bool('tie_word_embeddings', true),
    bosTokenId: k.ids('bos_token_id')[0] ?? null,
    eosTokenIds: k.ids('eos_token_id'),
    dtype: k.dtype(),
  });
}

/** GPT-NeoX (Pythia): parallel residual, partial rotary, LayerNorm with bias, untied embed_out. */
function readGptNeox(k: Keys): LMConfig {
  const embedDim = k.int('hidden_size');
  const numHeads = k.int('num_attention_heads');
  const numLayers = k.int('num_hidden_layers');
  const headDim = embedDim / numHeads;
  if (!Number.isInteger(headDim)) k.fail('hidden_size', `(${embedDim}) is not a multiple of num_attention_heads (${numHeads})`);
  const pct = k.has('rotary_pct') ? k.num('rotary_pct') : k.has('partial_rotary_factor') ? k.num('partial_rotary_factor') : 0.25;
  const bias = k.bool('attention_bias', true);
  return checkLMConfig({
    modelType: 'gpt_neox',
    vocabSize: k.int('vocab_size'),
    embedDim,
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim,
    hiddenDim: k.int('intermediate_size'),
    norm: 'layer',
    normEps: k.num('layer_norm_eps', 1e-5),
    mlp: 'plain',
    activation: k.oneOf('hidden_act', ACTIVATIONS, 'gelu'),
    parallelResidual: k.bool('use_parallel_residual', true),
    rope: readRope(k, Math.floor(headDim * pct), k.has('rotary_emb_base') ? 'rotary_emb_base' : 'rope_theta'),
    learnedPositions: null,
    qkvBias: bias,
    outputBias: bias,
    mlpBias: true,
    qkNorm: false,
    slidingWindows: Array(numLayers).fill(null),
    tieEmbeddings: k.bool('tie_word_embeddings', false),
    bosTokenId: k.ids('bos_token_id')[0] ?? null,
    eosTokenIds: k.ids('eos_token_id'),
    dtype: k.dtype(),
  });
}

/**
 * The `LMConfig` of a config.json object (`file` names it in errors).
 *
 * @example
 * lmConfigFromHuggingFace(JSON.parse(readFileSync('models/SmolLM2-135M/config.json', 'utf8'))).numKvHeads // 3
 */
export function lmConfigFromHuggingFace(json: unknown, file = 'config.json'): LMConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError(file, 'config.json must hold a JSON object');
  const k = new Keys(json as Json, file);
  const modelType = (json as Json).model_type;
  switch (modelType) {
    case 'llama':
    case 'mistral':
    case 'qwen2':
    case 'qwen3':
      return readLlamaLike(k, modelType);
    case 'gpt2':
      return readGpt2(k);
    case 'gpt_neox':
      return readGptNeox(k);
    default:
      return k.fail('model_type', `is ${JSON.stringify(modelType)}, which this package does not build`, `Supported values: ${FAMILY_MODEL_TYPES.map((t) => JSON.stringify(t)).join(', ')} (and Gemma's, once @penjing/gemma is imported).`);
  }
}
