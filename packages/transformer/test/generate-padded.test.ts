// Penzai batches prompts as a right-padded {batch, seq} token array: each row must get the
// continuation it gets alone, with right or left padding, as an array or as rows of ids.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GemmaTransformer } from '@penjing/gemma';
import { naiveGreedy, tinyGenerationConfig, tinyGenerationModel } from './greedy-reference.js';
import { GenerationError, generate, stripPadding } from '@penjing/transformer';

let model: GemmaTransformer;
beforeAll(async () => {
  model = await tinyGenerationModel();
});


const prompts = [[2, 17, 40, 99, 5], [2, 8], [2, 60, 61, 62]];
const pad = (rows: number[][], side: 'left' | 'right') => {
  const w = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => (side === 'right' ? [...r, ...new Array(w - r.length).fill(0)] : [...new Array(w - r.length).fill(0), ...r]));
};

describe('generate on padded prompt batches', () => {
  for (const side of ['right', 'left'] as const) {
    it(`a ${side}-padded {batch, seq} token array gives each row its own greedy continuation`, async () => {
      const padded = pad(prompts, side);
      const tokens = nx.fromArray(padded, ['batch', 'seq'], 'int32');
      const before = tf.memory().numTensors;
      const out = await generate(model, tokens, { maxNewTokens: 6, stopIds: [] });
      expect(tf.memory().numTensors).toBe(before);
      tokens.dispose();
      prompts.forEach((p, i) => {
        expect(out[i]!.promptTokens).toEqual(p);
        expect(out[i]!.tokens).toEqual(naiveGreedy(model, p, 6));
      });
    });
  }

  it('rows of ids padded on the right give the same tokens as unpadded rows', async () => {
    const a = await generate(model, pad(prompts, 'right'), { maxNewTokens: 5, stopIds: [] });
    const b = await generate(model, prompts, { maxNewTokens: 5, stopIds: [] });
    expect(a.map((r) => r.tokens)).toEqual(b.map((r) => r.tokens));
  });

  it('a {seq} array is one prompt; padId chooses the pad token', async () => {
    const one = nx.fromArray([2, 17, 40, 7, 7], ['seq'], 'int32');
    const r = await generate(model, one, { maxNewTokens: 3, stopIds: [], padId: 7 });
    one.dispose();
    expect(Array.isArray(r)).toBe(false);
    expect(r.promptTokens).toEqual([2, 17, 40]);
    expect(r.tokens).toEqual(naiveGreedy(model, [2, 17, 40], 3));
  });

  it('stripPadding removes pad ids at both ends only', () => {
    expect(stripPadding([[0, 2, 0, 5, 0, 0], [2, 3]], 0)).toEqual([[2, 0, 5], [2, 3]]);
  });

  it('misuse fails with the fix', async () => {
    const f = nx.fromArray([[2, 3]], ['batch', 'seq']);
    await expect(generate(model, f, { maxNewTokens: 1 })).rejects.toThrow(/must be int32 with axes \{batch, seq\}/);
    f.dispose();
    const odd = nx.fromArray([[2, 3]], ['rows', 'seq'], 'int32');
    await expect(generate(model, odd, { maxNewTokens: 1 })).rejects.toThrow(GenerationError);
    odd.dispose();
    await expect(generate(model, [[2, 3], [0, 0]], { maxNewTokens: 1 })).rejects.toThrow(/prompt 1 holds only padding \(id 0\)/);
  });
});
