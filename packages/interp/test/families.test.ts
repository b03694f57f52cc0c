/**
 * Interpretability on non-Gemma families: capture, knock-out, logit lens and patching work on
 * Llama (grouped-query heads) and GPT-NeoX (parallel residual) trees with the same site names
 * and axes as on Gemma (`blocks`, `head_groups`/`query_heads` or `heads`, `seq`, `kv_seq`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { TransformerLM } from '@penjing/transformer';
import { captureAttention, knockOutHeads, logitLens, patchHeadsFromClean, residualStream } from '@penjing/interp';

beforeAll(async () => {
  await nx.ready();
});

const ids = (rows: number[][]) => nx.fromArray(rows, ['batch', 'seq'], 'int32');
const maxAbs = (a: NamedArray, b: NamedArray) => tf.tidy(() => tf.max(tf.abs(tf.sub(a.orderLike(b).data, b.data))).dataSync()[0]!);

const CONFIGS = {
  llama: {
    model_type: 'llama', vocab_size: 30, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4,
    num_key_value_heads: 2, tie_word_embeddings: false,
  },
  gpt_neox: {
    model_type: 'gpt_neox', vocab_size: 30, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, rotary_pct: 0.5,
  },
} as const;

describe.each(Object.entries(CONFIGS))('%s', (type, config) => {
  const heads = type === 'llama' ? { head_groups: 2, query_heads: 2 } : { heads: 2 };
  const perBlock = type === 'llama' ? 4 : 2;

  it('captures causal, normalised patterns with the usual axes', () => {
    const model = TransformerLM.fromConfig(config, { seed: 2 });
    const tokens = ids([[1, 4, 0, 6, 4, 0], [3, 3, 5, 0, 2, 9]]);
    const { logits, patterns } = captureAttention(model, tokens);
    expect(patterns.namedShape).toEqual({ blocks: 2, batch: 2, ...heads, seq: 6, kv_seq: 6 });
    const order = ['blocks', 'batch', ...Object.keys(heads), 'seq', 'kv_seq'];
    const rows = (patterns.arraySync(...(order as never[])) as number[][][][][]).flat(Object.keys(heads).length + 2) as unknown as number[][];
    rows.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      row.forEach((w, k) => k > i % 6 && expect(w).toBe(0));
    });
    const plain = model.call(tokens);
    expect(maxAbs(plain, logits)).toBe(0);
    tf.dispose([logits.data, patterns.data, plain.data, tokens.data]);
    disposeTree(model);
  });

  it('knocking out every head leaves each position depending on its own token and position 0 only', () => {
    const model = TransformerLM.fromConfig(config, { seed: 2 });
    const all = knockOutHeads(model, [0, 1].flatMap((block) => Array.from({ length: perBlock }, (_, head) => ({ block, head }))));
    const at3 = (x: NamedArray) => x.index({ seq: 3 } as never) as NamedArray;
    const a = all.call(ids([[2, 4, 5, 7]]));
    const b = all.call(ids([[2, 9, 11, 7]]));
    expect(maxAbs(at3(a), at3(b))).toBeLessThan(1e-5);
    const c = model.call(ids([[2, 4, 5, 7]]));
    const d = model.call(ids([[2, 9, 11, 7]]));
    expect(maxAbs(at3(c), at3(d))).toBeGreaterThan(1e-4);
    disposeTree(all, { except: [model] });
    disposeTree(model);
  });

  it('logit lens and residual stream: the last layer is the model', () => {
    const model = TransformerLM.fromConfig(config, { seed: 2 });
    const tokens = ids([[1, 4, 0, 6, 4]]);
    const lens = logitLens(model, tokens);
    expect(lens.namedShape).toEqual({ layer: 3, batch: 1, seq: 5, vocabulary: 30 });
    const own = model.call(tokens).logSoftmax('vocabulary' as never);
    expect(maxAbs(own, lens.index({ layer: 2 } as never) as NamedArray)).toBeLessThan(1e-5);
    const { residuals } = residualStream(model, tokens);
    expect(residuals.namedShape).toEqual({ layer: 3, batch: 1, seq: 5, embedding: 16 });
    disposeTree(model);
  });

  it('patches heads from a clean run: per-head losses over the same head axes', () => {
    const model = TransformerLM.fromConfig(config, { seed: 2 });
    const clean = nx.fromArray([1, 4, 5, 6, 4, 5, 6], ['seq'], 'int32');
    const corrupted = nx.fromArray([1, 8, 9, 3, 4, 5, 6], ['seq'], 'int32');
    const r = patchHeadsFromClean(model, clean, corrupted, { positions: [4, 5] });
    expect(r.losses.namedShape).toEqual({ blocks: 2, ...heads });
    const same = patchHeadsFromClean(model, clean, clean, { positions: [4, 5] });
    const l = same.losses.data.dataSync();
    for (const v of l) expect(v).toBeCloseTo(same.clean, 5);
    tf.dispose([r.losses.data, r.recovery.data, same.losses.data, same.recovery.data, clean.data, corrupted.data]);
    disposeTree(model);
  });
});
