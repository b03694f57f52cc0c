import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { expect } from 'vitest';
import { gemmaPreset, type GemmaConfig, type GemmaPresetName } from '@penjing/gemma';

/** A small config of a preset's family (as the gemma package's tests build them). */
export function tinyConfig(name: GemmaPresetName, over: Partial<GemmaConfig> = {}): GemmaConfig {
  return gemmaPreset(name, { numLayers: 2, embedDim: 16, hiddenDim: 24, numHeads: 4, numKvHeads: 2, headDim: 8, queryPreAttnScalar: 8, vocabSize: 120, ...over });
}

export function tokens(ids: number[][]): nx.NamedArray {
  return nx.wrap(tf.tensor2d(ids.flat(), [ids.length, ids[0]!.length], 'int32')).tag('batch', 'seq');
}

/** |a - b| <= rtol * max(|b|, floor) elementwise, same named shape. */
export function expectClose(a: nx.NamedArray, b: nx.NamedArray, rtol = 1e-5, floor = 1): void {
  expect(a.namedShape).toEqual(b.namedShape);
  const order = b.names;
  const [x, y] = tf.tidy(() => [a.unwrap(...order).dataSync(), b.unwrap(...order).dataSync()]);
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(Math.abs(y[i]!), floor));
  expect(worst).toBeLessThanOrEqual(rtol);
}
