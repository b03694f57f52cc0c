/** Every TransformerLM family (llama, mistral, qwen2, qwen3, gpt2, gpt_neox) compiles and equals its eager call. */
import { beforeAll, describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { TransformerLM } from '@penjing/transformer';
import { jit } from '@penjing/jit';
import { TINY_CONFIGS } from '../../transformer/test/families-helpers.js';
import { expectClose } from './helpers.js';

beforeAll(async () => {
  await nx.ready();
});

describe('TransformerLM families', () => {
  it.each(Object.keys(TINY_CONFIGS))('%s: compiled equals eager, all logits and returnLastOnly', async (type) => {
    const model = TransformerLM.fromConfig(TINY_CONFIGS[type]!, { seed: 3 });
    const tokens = nx.fromArray([[0, 5, 2, 7, 1], [3, 4, 5, 6, 2]], ['batch', 'seq'], 'int32');
    const fast = jit(model);
    for (const returnLastOnly of [false, true]) {
      const [got, want] = [await fast.call(tokens, { returnLastOnly }), model.call(tokens, { returnLastOnly })];
      expectClose(got, want);
      tf.dispose([got.data, want.data]);
    }
    await fast.dispose();
    tokens.dispose();
    disposeTree(model);
  });
});
