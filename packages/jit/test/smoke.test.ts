import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { jit } from '@penjing/jit';
import { expectClose, tinyConfig, tokens } from './helpers.js';

beforeAll(async () => {
  await nx.ready();
});

it('smoke', async () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m'), { seed: 1 });
  const t = tokens([[2, 5, 7, 9], [2, 3, 4, 0]]);
  const fast = jit(model);
  const got = (await fast.call(t)) as nx.NamedArray;
  const want = model.call(t);
  expectClose(got, want);
  await fast.dispose();
});
