/**
 * `TransformerLM.fromPretrained` reads Gemma checkpoints once @penjing/gemma is imported (Gemma
 * registers its model types); the result is the Gemma model's `toTransformerLM()`.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { TransformerLM, modelFamilies } from '@penjing/transformer';

const dir = join(__dirname, '../../../tests/fixtures/gemma/gemma2_gqa');

it('TransformerLM.fromPretrained dispatches Gemma model types to Gemma', async () => {
  await nx.ready();
  expect(modelFamilies().map((f) => f.name)).toEqual(expect.arrayContaining(['gemma', 'transformer']));
  const lm = await TransformerLM.fromPretrained(dir, { quiet: true, progress: false });
  const gemma = await GemmaTransformer.fromPretrained(dir, { quiet: true });
  expect(lm).toBeInstanceOf(TransformerLM);
  const tokens = nx.wrap(tf.tensor2d([[2, 5, 7, 9]], [1, 4], 'int32')).tag('batch', 'seq');
  const a = lm.call(tokens);
  const b = gemma.call(tokens);
  expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.orderLike(b).data, b.data))).dataSync()[0])).toBeLessThan(1e-6);
  tf.dispose([a.data, b.data, tokens.data]);
  disposeTree(lm);
  disposeTree(gemma);
});
