/**
 * The Gemma configuration: every option of gm.nn.Block plus the model-level sizes, in
 * camelCase. One plain, JSON-serialisable object describes Gemma 1, 2 and 3 alike; the
 * `family` says which Hugging Face layout and naming the weights use.
 */

/** Model generation; decides Hugging Face naming (Gemma 1's post_attention_layernorm is the pre-FFW norm). */
import type { GemmaFamily } from '@penjing/transformer';
export type { GemmaFamily };

/** `global`: causal attention over all earlier tokens; `local`: causal sliding window of `slidingWindowSize` keys. */
export type AttentionType = 'global' | 'local';

/** The MLP nonlinearity; every Gemma uses the tanh approximation of GELU. */
export type Activation = 'gelu_tanh';

/** A complete Gemma text-model configuration. */
export interface GemmaConfig {
  readonly family: GemmaFamily;
  readonly numLayers: number;
  /** Rows of the embedding table (Hugging Face count; Flax checkpoints may carry padding rows). */
  readonly vocabSize: number;
  /** D: width of the residual stream. */
  readonly embedDim: number;
  /** F: MLP width per branch (gate and up each have F outputs). */
  readonly hiddenDim: number;
  /** N: query heads. */
  readonly numHeads: number;
  /** K: key/value heads (1 = MQA, N = MHA, else GQA); must divide numHeads. */
  readonly numKvHeads: number;
  /** H: width of one head. */
  readonly headDim: number;
  /** Queries are multiplied by queryPreAttnScalar^-0.5 (usually headDim; D/N for Gemma 2/3 27B). */
  readonly queryPreAttnScalar: number;
  /** One entry per layer. */
  readonly attentionTypes: readonly AttentionType[];
  /** Keys a local layer sees, the query's own position included; null when no layer is local. */
  readonly slidingWindowSize: number | null;
  /** RoPE base on global layers. */
  readonly ropeBaseFrequency: number;
  /** RoPE base on local layers. */
  readonly ropeLocalBaseFrequency: number;
  /** Linear RoPE scaling (positions divided by it) on global layers only; local layers use 1. */
  readonly ropeScaleFactor: number;
  /** cap·tanh(scores/cap) before masking, or null. */
  readonly attnLogitsSoftCap: number | null;
  /** cap·tanh(logits/cap) after decoding, or null. */
  readonly finalLogitSoftCap: number | null;
  readonly usePostAttnNorm: boolean;
  readonly usePostFfwNorm: boolean;
  /** RMSNorm over headDim of queries and keys before RoPE. */
  readonly useQkNorm: boolean;
  /** Layout of the Flax gating einsum: false [2, D, F], true [2, F, D]. Irrelevant for Hugging Face weights. */
  readonly transposeGatingEinsum: boolean;
  readonly rmsNormEps: number;
  readonly activation: Activation;
  /** Decode with the embedding table (true for every released Gemma) rather than a separate lm_head. */
  readonly tieEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  readonly bosTokenId: number;
  /** Tokens that end generation. */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number;
}

/** The keys of GemmaConfig, in declaration order (used to reject unknown options). */
export const CONFIG_KEYS: readonly (keyof GemmaConfig)[] = [
  'family', 'numLayers', 'vocabSize', 'embedDim', 'hiddenDim', 'numHeads', 'numKvHeads', 'headDim',
  'queryPreAttnScalar', 'attentionTypes', 'slidingWindowSize', 'ropeBaseFrequency', 'ropeLocalBaseFrequency',
  'ropeScaleFactor', 'attnLogitsSoftCap', 'finalLogitSoftCap', 'usePostAttnNorm', 'usePostFfwNorm', 'useQkNorm',
  'transposeGatingEinsum', 'rmsNormEps', 'activation', 'tieEmbeddings', 'maxPositionEmbeddings',
  'bosTokenId', 'eosTokenIds', 'padTokenId',
];
