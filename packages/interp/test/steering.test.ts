/**
 * Steering during generation with the KV cache, on the trained tiny model: a zero vector leaves
 * the greedy tokens as they were; a large multiple of token 10's embedding added to the last
 * residual stream from the prompt's end on makes every later token 10, while the first new
 * token (predicted at the last prompt position) is unchanged. Without the cache, positions
 * before `from` keep their logits exactly. An SAE feature's decoder row steers the same way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { Parameter, disposeTree, select } from '@penjing/layers';
import { generate } from '@penjing/transformer';
import { GemmaTransformer } from '@penjing/gemma';
import { SparseAutoencoder, spliceSae, steer } from '@penjing/interp';

let model: GemmaTransformer;
let direction: NamedArray;
const SITE = 'blocks.1.hook_resid_post';
const prompt = [2, 10 + 4, 17, 33, 40, 21, 55, 8, 12, 14, 17, 33];

beforeAll(async () => {
  await nx.ready();
  model = await GemmaTransformer.fromPretrained(join(__dirname, '../../../examples/tiny-gemma'), { quiet: true } as never);
  const table = select(model).atInstancesOf(Parameter).where((p) => p.label.includes('embed')).getSequence()[0]!.value;
  direction = table.index({ vocabulary: 10 } as never) as NamedArray;
});

describe('steering', () => {
  it('zero vector: the same tokens; large token-10 vector from the prompt end: first token kept, then all 10', async () => {
    const opts = { maxNewTokens: 6, temperature: 0, stopIds: [] };
    const plain = await generate(model, prompt, opts);
    const zero = steer(model, SITE, nx.zeros({ embedding: 64 }));
    expect((await generate(zero, prompt, opts)).tokens).toEqual(plain.tokens);
    const before = tf.memory().numTensors;
    const pushed = steer(model, SITE, direction, { from: prompt.length, scale: 50 });
    const out = await generate(pushed, prompt, opts);
    expect(out.tokens[0]).toBe(plain.tokens[0]);
    expect(out.tokens.slice(1)).toEqual([10, 10, 10, 10, 10]);
    expect(plain.tokens.slice(1)).not.toEqual([10, 10, 10, 10, 10]);
    disposeTree(pushed, { except: [model] });
    expect(tf.memory().numTensors).toBe(before);
    disposeTree(zero, { except: [model] });
  });

  it('without the cache: positions before `from` keep their logits; listed positions only', () => {
    const tokens = nx.fromArray([prompt], ['batch', 'seq'], 'int32');
    const a = model.call(tokens);
    const pushed = steer(model, SITE, direction, { positions: [5, 9], scale: 50 });
    const b = pushed.call(tokens);
    const rowDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(b.unwrap('batch', 'seq', 'vocabulary' as never), a.unwrap('batch', 'seq', 'vocabulary' as never))), [0, 2]).arraySync() as number[]);
    rowDiff.forEach((d, i) => ([5, 9].includes(i) ? expect(d).toBeGreaterThan(1) : expect(d).toBe(0)));
    const argmax = tf.tidy(() => (b.argmax('vocabulary' as never) as NamedArray).arraySync('batch', 'seq') as number[][]);
    expect([argmax[0]![5], argmax[0]![9]]).toEqual([10, 10]);
    expect(() => steer(model, SITE, direction, { positions: [-1] })).toThrow(/positions must be integers ≥ 0/);
    tf.dispose([a.data, b.data, tokens.data]);
    disposeTree(pushed, { except: [model] });
  });

  it('an SAE feature direction steers like its decoder row', () => {
    const d = direction.data.dataSync() as Float32Array;
    const wDec = new Float32Array(3 * 64);
    wDec.set(d, 64); // feature 1 writes token 10's embedding
    const z = (n: number) => ({ data: new Float32Array(n), shape: [n] });
    const sae = SparseAutoencoder.fromWeights({ wEnc: { data: new Float32Array(64 * 3), shape: [64, 3] }, wDec: { data: wDec, shape: [3, 64] }, bEnc: z(3), bDec: z(64), threshold: z(3) });
    const tokens = nx.fromArray([prompt], ['batch', 'seq'], 'int32');
    const viaSae = steer(model, SITE, { sae, feature: 1 }, { scale: 50 }).call(tokens);
    const viaRow = steer(model, SITE, direction, { scale: 50 }).call(tokens);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(viaSae.orderLike(viaRow).data, viaRow.data))).dataSync()[0])).toBe(0);
    tf.dispose([viaSae.data, viaRow.data, tokens.data]);
    disposeTree(sae);
  });

  it('a model with an SAE spliced in (error term) generates the same tokens with the KV cache; without it, it runs too', async () => {
    const r = (shape: number[], s: number) => ({ data: tf.tidy(() => tf.randomNormal(shape, 0, 0.3, 'float32', s).dataSync() as Float32Array), shape });
    const sae = SparseAutoencoder.fromWeights({ wEnc: r([64, 32], 1), wDec: r([32, 64], 2), bEnc: r([32], 3), bDec: r([64], 4), threshold: { data: new Float32Array(32).fill(0.1), shape: [32] } });
    const opts = { maxNewTokens: 6, temperature: 0, stopIds: [] };
    const plain = await generate(model, prompt, opts);
    const spliced = await generate(spliceSae(model, sae, { site: 'blocks.0.hook_resid_post' }), prompt, opts);
    expect(spliced.tokens).toEqual(plain.tokens);
    const lossy = await generate(spliceSae(model, sae, { site: 'blocks.0.hook_resid_post', errorTerm: false }), prompt, opts);
    expect(lossy.tokens).toHaveLength(6);
    disposeTree(sae);
  });
});
