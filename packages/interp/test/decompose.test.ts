/**
 * Residual decomposition and direct logit attribution: the components sum to the final residual
 * (sequential and parallel blocks); through the frozen final norm their logits sum to the
 * model's (RMSNorm: exactly; LayerNorm with a bias: up to the bias's own logits, the same at
 * every position).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { TransformerLM } from '@penjing/transformer';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { directLogitAttribution, residualDecomposition } from '@penjing/interp';

beforeAll(async () => {
  await nx.ready();
});

const MODELS = {
  gemma: () => GemmaTransformer.fromConfig(gemmaPreset('gemma3_270m', { numLayers: 2, vocabSize: 16, embedDim: 8, hiddenDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, queryPreAttnScalar: 4, attentionTypes: ['global', 'global'], slidingWindowSize: null }), { seed: 1 } as never),
  llama: () => TransformerLM.fromConfig({ model_type: 'llama', vocab_size: 16, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1 }, { seed: 1 }),
  gpt2: () => TransformerLM.fromConfig({ model_type: 'gpt2', vocab_size: 16, n_embd: 8, n_layer: 2, n_head: 2, n_positions: 16 }, { seed: 1 }),
  gpt_neox: () => TransformerLM.fromConfig({ model_type: 'gpt_neox', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, rotary_pct: 0.5 }, { seed: 1 }),
} as const;

describe.each(Object.keys(MODELS) as (keyof typeof MODELS)[])('%s', (family) => {
  it('components sum to the residual; their direct logits sum to the logits', () => {
    const model = MODELS[family]() as unknown as TransformerLM;
    const tokens = nx.fromArray([[1, 5, 3, 7, 2], [4, 4, 9, 1, 0]], ['batch', 'seq'], 'int32');
    const before = tf.memory().numTensors;
    const { components, labels, residual } = residualDecomposition(model, tokens);
    expect(labels).toEqual(['embed', 'L0_attn', 'L0_mlp', 'L1_attn', 'L1_mlp']);
    expect(components.namedShape).toEqual({ component: 5, batch: 2, seq: 5, embedding: 8 });
    const sumErr = tf.tidy(() => tf.max(tf.abs(tf.sub((components.sum as (n: string) => NamedArray)('component').orderLike(residual).data, residual.data))).dataSync()[0]!);
    expect(sumErr).toBeLessThan(1e-5);
    tf.dispose([components.data, residual.data]);
    const { attribution } = directLogitAttribution(model, tokens);
    expect(attribution.namedShape).toMatchObject({ component: 5, batch: 2, seq: 5, vocabulary: 16 });
    const logits = model.call(tokens);
    // logits − Σ components: zero for RMSNorm; the final LayerNorm bias's logits (one vector) for LayerNorm.
    const rest = tf.tidy(() => tf.sub(logits.unwrap('batch', 'seq', 'vocabulary' as never), (attribution.sum as (n: string) => NamedArray)('component').unwrap('batch', 'seq', 'vocabulary' as never)));
    const spread = tf.tidy(() => tf.max(tf.abs(tf.sub(rest, rest.slice([0, 0, 0], [1, 1, 16])))).dataSync()[0]!);
    expect(spread).toBeLessThan(1e-4);
    const size = tf.tidy(() => tf.max(tf.abs(rest)).dataSync()[0]!);
    if (family === 'llama' || family === 'gemma') expect(size).toBeLessThan(1e-4);
    tf.dispose([attribution.data, logits.data, rest]);
    expect(tf.memory().numTensors).toBe(before);
    tokens.dispose();
    disposeTree(model);
  });
});
