/**
 * Family numerics against the independent float64 torch reference
 * (scripts/families_reference.py → tests/fixtures/families): every case loads through
 * `TransformerLM.fromPretrained` (dispatching on config.json's model_type) and must reproduce
 * the reference logits to max|Δ| / max|ref| < 1e-5, token id 0 inside rows included. Then the
 * KV-cached form, fed one token at a time, must equal the full forward at every step.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { TransformerLM, initCache, toCachingModel } from '@penjing/transformer';

const FIXTURES = join(__dirname, '../../../tests/fixtures/families');
const CASES = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface Reference {
  tokens: number[][];
  shape: [number, number, number];
  logits: number[];
}

const reference = (c: string): Reference => JSON.parse(readFileSync(join(FIXTURES, c, 'reference.json'), 'utf8'));

/** max |got − want| / max |want| over flat row-major [batch, seq, vocab] arrays. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
  }
  return maxDiff / maxRef;
}

beforeAll(async () => {
  await nx.ready();
});

describe('family checkpoints match the float64 reference', () => {
  it.each(CASES)('%s', async (c) => {
    const ref = reference(c);
    const [b, t, v] = ref.shape;
    const before = tf.memory().numTensors;
    const model = await TransformerLM.fromPretrained(join(FIXTURES, c), { progress: false });
    expect(ref.tokens.flat()).toContain(0);
    const tokens = nx.wrap(tf.tensor2d(ref.tokens.flat(), [b, t], 'int32')).tag('batch', 'seq');
    const logits = model.call(tokens);
    expect(logits.namedShape).toEqual({ batch: b, seq: t, vocabulary: v });
    const full = tf.tidy(() => logits.unwrap('batch', 'seq', 'vocabulary').dataSync());
    const err = relativeError(full, ref.logits);
    console.log(`${c}: max|Δ|/max|ref| = ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);

    // KV cache: prefill the first 3 tokens, then one token per step; each step's logits equal the full forward's.
    const lm = toCachingModel(model);
    let cache = initCache(lm, { batchSize: b, cacheLength: t });
    let worst = 0;
    const steps = [[0, 3], ...Array.from({ length: t - 3 }, (_, i) => [3 + i, 4 + i])];
    for (const [s, e] of steps) {
      const part = tokens.index({ seq: nx.slice(s!, e!) });
      const out = lm.step(part, cache);
      cache.dispose();
      cache = out.cache;
      const got = tf.tidy(() => out.logits.unwrap('batch', 'seq', 'vocabulary').arraySync()) as number[][][];
      const want: number[] = [];
      const have: number[] = [];
      for (let r = 0; r < b; r++) {
        for (let p = s!; p < e!; p++) {
          for (let j = 0; j < v; j++) {
            want.push(ref.logits[(r * t + p) * v + j]!);
            have.push(got[r]![p - s!]![j]!);
          }
        }
      }
      worst = Math.max(worst, relativeError(have, want));
      out.logits.dispose();
      part.dispose();
    }
    cache.dispose();
    console.log(`${c}: KV-cached steps vs reference, worst max|Δ|/max|ref| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    tokens.dispose();
    logits.dispose();
    disposeTree(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});
