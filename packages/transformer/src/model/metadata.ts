import type { LMConfig } from '../families/config.js';

/**
 * Transformer metadata: the head axes and sizes a Gemma config implies, named the way
 * Penzai names them, so code that reshapes weights or builds caches never re-derives them.
 */
/** The sizes a family's config must provide to describe a model (Gemma's config keys; others map onto them). */
export interface TransformerShape {
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly embedDim: number;
  readonly headDim: number;
  readonly hiddenDim: number;
  readonly vocabSize: number;
  readonly numLayers: number;
  readonly padTokenId: number;
}

/**
 * Axis names and sizes of the attention heads. Penzai's convention: multi-head attention
 * (K = N) has one `heads` axis shared by queries, keys and values; multi-query (K = 1) has
 * `query_heads` on queries only; grouped-query (1 < K < N) has `head_groups` (K) on all
 * three and `query_heads` (N/K) on queries only. Query head n = g·(N/K) + q reads kv head g.
 */
export interface HeadAxes {
  /** Axes of queries, keys and values alike. */
  readonly common: Readonly<Record<string, number>>;
  /** Axes of queries only. */
  readonly queryOnly: Readonly<Record<string, number>>;
}

/**
 * The head axes of a config.
 *
 * @example
 * headAxes(gemmaPreset('gemma3_1b'));  // { common: {}, queryOnly: { query_heads: 4 } }
 * headAxes(gemmaPreset('gemma2_9b'));  // { common: { head_groups: 8 }, queryOnly: { query_heads: 2 } }
 */
export function headAxes(config: Pick<TransformerShape, 'numHeads' | 'numKvHeads'>): HeadAxes {
  const { numHeads: n, numKvHeads: k } = config;
  if (n === k) return { common: { heads: k }, queryOnly: {} };
  if (k === 1) return { common: {}, queryOnly: { query_heads: n } };
  return { common: { head_groups: k }, queryOnly: { query_heads: n / k } };
}

/**
 * Sizes and axis names of a transformer, after Penzai's `TransformerMetadata`.
 *
 * @example
 * const m = transformerMetadata(gemmaPreset('gemma3_270m'));
 * m.vocabularySize; // 262144
 */
export interface TransformerMetadata {
  readonly commonHeadAxes: Readonly<Record<string, number>>;
  readonly queryOnlyHeadAxes: Readonly<Record<string, number>>;
  readonly embeddingDim: number;
  readonly projectionDim: number;
  readonly mlpHiddenDim: number;
  readonly vocabularySize: number;
  readonly numLayers: number;
  /** Token id whose positions are −1 (padding) when a model derives positions from tokens. */
  readonly padTokenId: number;
  readonly activationDtype: 'float32';
  /** The config of a model built by this package's families (llama, gpt2, …); absent for others. */
  readonly modelConfig?: LMConfig;
}

/**
 * The metadata of a Gemma config.
 *
 * @example
 * transformerMetadata(gemmaPreset('gemma1_2b')).queryOnlyHeadAxes; // { query_heads: 8 }
 */
export function transformerMetadata(config: TransformerShape): TransformerMetadata {
  const h = headAxes(config);
  return Object.freeze({
    commonHeadAxes: Object.freeze({ ...h.common }),
    queryOnlyHeadAxes: Object.freeze({ ...h.queryOnly }),
    embeddingDim: config.embedDim,
    projectionDim: config.headDim,
    mlpHiddenDim: config.hiddenDim,
    vocabularySize: config.vocabSize,
    numLayers: config.numLayers,
    padTokenId: config.padTokenId,
    activationDtype: 'float32',
  });
}
