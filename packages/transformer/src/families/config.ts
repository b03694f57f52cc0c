/**
 * `LMConfig`: one description of a decoder-only language model that covers every family this
 * package builds (llama, mistral, qwen2, qwen3, gpt2, gpt_neox). Each family's config.json
 * reader (`hf-config.ts`) maps its keys onto it; the builder (`body.ts`) and the weight
 * layout (`hf-layout.ts`) read only this, so a family is a reader and a layout, not a model.
 */

/** How RoPE frequencies are rescaled (HF's `rope_scaling` / `rope_parameters`). */
export type RopeScaling =
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositions: number;
    };

/** Rotary position embeddings. */
export interface RopeConfig {
  /** Base wavelength (HF `rope_theta`). */
  readonly theta: number;
  /** Leading components of each head that rotate (GPT-NeoX's `rotary_pct · head_dim`); the rest pass through. */
  readonly rotaryDims: number;
  readonly scaling: RopeScaling | null;
}

/** The activation of the MLP. `geluTanh` is HF's `gelu_new` / `gelu_pytorch_tanh`; `geluExact` is `gelu` (erf). */
export type Activation = 'silu' | 'geluTanh' | 'geluExact' | 'relu';

/** A decoder-only transformer, as the builder needs it. */
export interface LMConfig {
  /** config.json's `model_type`. */
  readonly modelType: string;
  readonly vocabSize: number;
  readonly embedDim: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly hiddenDim: number;
  /** `rms`: x·rsqrt(mean x² + ε)·w; `layer`: LayerNorm with scale and bias. */
  readonly norm: 'rms' | 'layer';
  readonly normEps: number;
  /** `gated`: down(act(gate(x)) · up(x)) (SwiGLU); `plain`: out(act(in(x))). */
  readonly mlp: 'gated' | 'plain';
  readonly activation: Activation;
  /** `x + attn(ln1(x)) + mlp(ln2(x))` (GPT-NeoX) instead of two residual steps. */
  readonly parallelResidual: boolean;
  /** Rotary embeddings, or null for learned absolute positions (GPT-2's `wpe`). */
  readonly rope: RopeConfig | null;
  /** Rows of the learned position table (GPT-2's `n_positions`); null with RoPE. */
  readonly learnedPositions: number | null;
  /** Biases on the query, key and value projections. */
  readonly qkvBias: boolean;
  /** Bias on the attention output projection. */
  readonly outputBias: boolean;
  /** Biases on the MLP's projections. */
  readonly mlpBias: boolean;
  /** Per-head RMSNorm of queries and keys over head_dim, before RoPE (Qwen 3). */
  readonly qkNorm: boolean;
  /** Per layer: each query sees this many keys including itself, or null for full causal attention. */
  readonly slidingWindows: readonly (number | null)[];
  /** Decode with the embedding table (no separate `lm_head`). */
  readonly tieEmbeddings: boolean;
  readonly bosTokenId: number | null;
  /** Ids that end generation (config.json's `eos_token_id`, a number or a list). */
  readonly eosTokenIds: readonly number[];
  /** The checkpoint's stored dtype (`torch_dtype` or transformers ≥ 5's `dtype`), for information. */
  readonly dtype: string | null;
}

/**
 * Checks a config's sizes fit together; throws a RangeError naming the field.
 *
 * @example checkLMConfig(config) // the same config, or a RangeError
 */
export function checkLMConfig(c: LMConfig): LMConfig {
  const positive = ['vocabSize', 'embedDim', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'hiddenDim'] as const;
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`${c.modelType} config: ${k} must be a positive integer; got ${c[k]}.`);
  }
  if (c.numHeads % c.numKvHeads) {
    throw new RangeError(`${c.modelType} config: num_attention_heads (${c.numHeads}) must be a multiple of num_key_value_heads (${c.numKvHeads}).`);
  }
  if (c.rope && (c.rope.rotaryDims < 2 || c.rope.rotaryDims % 2 || c.rope.rotaryDims > c.headDim)) {
    throw new RangeError(`${c.modelType} config: the rotary dimensions (${c.rope.rotaryDims}) must be even, at least 2 and at most head_dim (${c.headDim}).`);
  }
  if (c.slidingWindows.length !== c.numLayers) {
    throw new RangeError(`${c.modelType} config: ${c.slidingWindows.length} per-layer attention types for ${c.numLayers} layers.`);
  }
  if (!c.rope && !c.learnedPositions) throw new RangeError(`${c.modelType} config: neither RoPE nor learned positions.`);
  return c;
}
