/** The jit README: every name it imports exists, and its opening example runs on a tiny Gemma. */
import { beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { CollectSideOutputs } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { generate } from '@penjing/transformer';
import { withAttentionProbes } from '@penjing/interp';
import { jit } from '@penjing/jit';
import { readmeImportProblems } from '../../../tests/support/readme-blocks.js';
import { tinyConfig } from './helpers.js';

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

beforeAll(async () => {
  await nx.ready();
});

it('every name the README imports is exported by its module', async () => {
  const { count, problems } = await readmeImportProblems(README);
  expect(count).toBeGreaterThan(5);
  expect(problems).toEqual([]);
});

it('the opening example runs (a tiny Gemma in place of the checkpoint)', async () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m', { vocabSize: 7000 }), { seed: 0 });
  const tokens = nx.wrap(tf.tensor2d([[2, 651, 6037, 1110]], [1, 4], 'int32')).tag('batch', 'seq');
  const fast = jit(model);
  const logits = await fast.call(tokens);
  const last = await fast.call(tokens, { returnLastOnly: true });
  const probed = jit(new CollectSideOutputs({ body: withAttentionProbes(model) }));
  const { output, sideOutputs } = await probed.call(tokens);
  await probed.dispose();
  const [r] = await generate(model, [[2, 651, 6037]], { jit: true, maxNewTokens: 4, stopIds: [] });
  await fast.dispose();
  expect(logits.namedShape).toEqual({ batch: 1, seq: 4, vocabulary: 7000 });
  expect(last.namedShape).toEqual({ batch: 1, vocabulary: 7000 });
  expect(output.namedShape).toEqual(logits.namedShape);
  expect(Object.values(sideOutputs)[0]).toHaveLength(2);
  expect(r!.tokens).toHaveLength(4);
});
