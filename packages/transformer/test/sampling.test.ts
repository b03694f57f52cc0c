import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GEMMA3_DEFAULT_SAMPLING,
  NonFiniteLogitsError,
  RandomStream,
  SamplingOptionsError,
  greedy,
  sample,
  sampleSync,
  validateSamplingOptions,
  type SamplingOptions,
} from '@penjing/transformer/sampling';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Runs `fn` on a [rows, vocab] tensor and checks that no tensor outlives it. */
function withLogits<T>(rows: number[][], fn: (logits: tf.Tensor2D) => T): T {
  const logits = tf.tensor2d(rows);
  const before = tf.memory().numTensors;
  try {
    return fn(logits);
  } finally {
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  }
}

const sampleRow = (row: number[], options: SamplingOptions, seed: number): number =>
  withLogits([row], (logits) => sampleSync(logits, options, new RandomStream(seed))[0]!);

/** Float64 softmax of logit/temperature. */
function softmax(row: readonly number[], temperature: number): number[] {
  const max = Math.max(...row);
  const w = row.map((l) => Math.exp((l - max) / temperature));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

/** Probability mass of the tokens strictly more likely than `id`: `id` is in the nucleus iff this is < topP. */
function massAbove(row: readonly number[], temperature: number, id: number): number {
  const p = softmax(row, temperature);
  return p.reduce((acc, x, j) => (row[j]! > row[id]! ? acc + x : acc), 0);
}

const logitRow = (maxLength = 40) =>
  fc.array(fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength });
const seed = fc.integer({ min: 0, max: 2 ** 31 });
const temperature = fc.double({ min: 0.05, max: 4, noNaN: true });

describe('greedy', () => {
  it('picks the argmax of each row, the lowest id on ties', () => {
    withLogits([[0.1, 2, -1], [5, 1, 5]], (logits) => {
      expect(greedy(logits)).toEqual([1, 0]);
      expect(sampleSync(logits)).toEqual([1, 0]);
      expect(sampleSync(logits, { temperature: 0, topK: 1, topP: 0.5 })).toEqual([1, 0]);
    });
  });

  it('never picks a forbidden id', () => {
    withLogits([[0.1, 2, -1]], (logits) => expect(greedy(logits, [1])).toEqual([0]));
  });

  it('refuses rows holding NaN or +Infinity, naming them; −Infinity and sums that overflow are fine', async () => {
    const big = 3e38;
    withLogits([[0.5, -Infinity, 2], [big, big, 1]], (logits) => {
      expect(greedy(logits)).toEqual([2, 0]); // row 1's sum overflows to +Infinity; its values are finite
      expect(sampleSync(logits, { temperature: 1, topK: 1 }, new RandomStream(0))).toEqual([2, 0]);
    });
    for (const bad of [NaN, Infinity]) {
      withLogits([[0.5, 1, 2], [1, bad, 0], [bad, 0, -Infinity]], (logits) => {
        expect(() => greedy(logits)).toThrow(NonFiniteLogitsError);
        expect(() => greedy(logits)).toThrow(/rows 1, 2 hold NaN or \+Infinity/);
        expect(() => sampleSync(logits, { temperature: 0.7 }, new RandomStream(0))).toThrow(/rows 1, 2/);
      });
    }
    const logits = tf.tensor2d([[1, NaN]]);
    await expect(sample(logits, { forbiddenIds: [0] })).rejects.toThrow(/row 0 holds NaN/);
    logits.dispose();
  });
});

describe('options', () => {
  it('default to greedy, or to temperature 1 when top-k or top-p is set', () => {
    expect(validateSamplingOptions({})).toEqual({ temperature: 0, topK: undefined, topP: 1, forbiddenIds: [] });
    expect(validateSamplingOptions({ topK: 40 })).toMatchObject({ temperature: 1, topK: 40, topP: 1 });
    expect(validateSamplingOptions({ topP: 0.9 })).toMatchObject({ temperature: 1, topP: 0.9 });
    expect(validateSamplingOptions({ topK: 1000 }, 10).topK).toBe(10);
    expect(validateSamplingOptions(GEMMA3_DEFAULT_SAMPLING)).toMatchObject({ temperature: 1, topK: 64, topP: 0.95 });
  });

  it('are checked, every problem reported at once', () => {
    const bad = () => validateSamplingOptions({ temperature: -1, topK: 0, topP: 1.5 });
    expect(bad).toThrow(SamplingOptionsError);
    expect(bad).toThrow(
      'invalid sampling options: temperature must be a finite number ≥ 0 (got -1); topK must be an integer ≥ 1 (got 0); topP must be in (0, 1] (got 1.5)',
    );
    expect(() => validateSamplingOptions({ temperature: NaN })).toThrow(/temperature/);
    expect(() => validateSamplingOptions({ temperature: Infinity })).toThrow(/temperature/);
    expect(() => validateSamplingOptions({ topK: 2.5 })).toThrow(/topK must be an integer/);
    expect(() => validateSamplingOptions({ topP: 0 })).toThrow(/topP must be in \(0, 1\] \(got 0\)/);
    expect(() => validateSamplingOptions({ topP: -0.1 })).toThrow(/topP/);
    expect(() => validateSamplingOptions({ forbiddenIds: [3, 12] }, 10)).toThrow(/forbiddenIds must be integers in 0 … 9 \(got 12\)/);
    expect(() => validateSamplingOptions({ forbiddenIds: [0, 1] }, 2)).toThrow(/leaving nothing to sample/);
  });

  it('are checked before any tensor is made, and bad logits are explained', () => {
    withLogits([[1, 2]], (logits) => {
      expect(() => sampleSync(logits, { topP: 2 }, new RandomStream(0))).toThrow(SamplingOptionsError);
      expect(() => sampleSync(logits, { temperature: 1 })).toThrow(/needs a RandomStream/);
    });
    const flat = tf.tensor1d([1, 2]);
    expect(() => sampleSync(flat as unknown as tf.Tensor2D)).toThrow(/2-D tensor \[batch, vocab\], got shape \[2\]/);
    flat.dispose();
    const ints = tf.tensor2d([[1, 2]], undefined, 'int32');
    expect(() => sampleSync(ints)).toThrow(/float32/);
    ints.dispose();
  });
});

describe('sampling', () => {
  it('leaves no tensor behind on any path, sync or async', async () => {
    const rows = [[0.5, 2, -1, 3, 0], [1, 1, 1, 1, 1]];
    const paths: SamplingOptions[] = [
      {},
      { temperature: 0.7 },
      { topK: 3 },
      { topP: 0.8 },
      { temperature: 1.3, topK: 4, topP: 0.9 },
      { temperature: 1, forbiddenIds: [3] },
    ];
    for (const options of paths) {
      withLogits(rows, (logits) => sampleSync(logits, options, new RandomStream(1)));
      const logits = tf.tensor2d(rows);
      const before = tf.memory().numTensors;
      await sample(logits, options, new RandomStream(1));
      expect(tf.memory().numTensors).toBe(before);
      logits.dispose();
    }
  });

  it('lets the caller dispose the logits while an async sample is under way', async () => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor2d([[0, 0, 9, 0]]);
    const pending = sample(logits, { topP: 0.5 }, new RandomStream(3));
    logits.dispose();
    expect(await pending).toEqual([2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same tokens sync and async, and for the same seed', async () => {
    const rows = [[0.3, 1.2, -0.5, 0.9, 0.1, 1.1], [2, 0, 1, 0, 1, 2]];
    for (const options of [{ temperature: 1 }, { topK: 3 }, { topP: 0.7 }, { temperature: 0.8, topK: 5, topP: 0.9 }]) {
      const a = new RandomStream(42);
      const b = new RandomStream(42);
      const logits = tf.tensor2d(rows);
      const syncRun = Array.from({ length: 20 }, () => sampleSync(logits, options, a));
      const asyncRun: number[][] = [];
      for (let i = 0; i < 20; i++) asyncRun.push(await sample(logits, options, b));
      logits.dispose();
      expect(asyncRun).toEqual(syncRun);
    }
  });

  it('same seed, same sequence; one random draw per row', () => {
    fc.assert(
      fc.property(logitRow(20), seed, temperature, (row, s, t) => {
        const run = (rng: RandomStream) =>
          withLogits([row, row], (logits) => Array.from({ length: 8 }, () => sampleSync(logits, { temperature: t, topK: 5, topP: 0.9 }, rng)));
        const rng = new RandomStream(s);
        const first = run(rng);
        expect(run(new RandomStream(s))).toEqual(first);
        // 8 calls × 2 rows = 16 draws: the stream has advanced exactly that far.
        const reference = new RandomStream(s);
        for (let i = 0; i < 16; i++) reference.nextFloat();
        expect(rng.nextUint32()).toBe(reference.nextUint32());
      }),
      { numRuns: 40 },
    );
  });

  it('top-k never picks outside the k largest logits', () => {
    fc.assert(
      fc.property(logitRow(), seed, temperature, fc.integer({ min: 1, max: 8 }), (row, s, t, k) => {
        const id = sampleRow(row, { temperature: t, topK: k }, s);
        const kth = [...row].sort((a, b) => b - a)[Math.min(k, row.length) - 1]!;
        return row[id]! >= kth;
      }),
      { numRuns: 200 },
    );
  });

  it('top-p never picks outside the nucleus', () => {
    fc.assert(
      fc.property(logitRow(), seed, temperature, fc.double({ min: 0.01, max: 1, noNaN: true }), (row, s, t, p) => {
        const id = sampleRow(row, { temperature: t, topP: p }, s);
        return massAbove(row, t, id) < p + 1e-6;
      }),
      { numRuns: 200 },
    );
  });

  it('top-p reads as far down a large vocabulary as the nucleus needs', () => {
    // A nearly flat distribution over 5,000 ids puts ~4,500 of them in a 0.9 nucleus, more than one read.
    fc.assert(
      fc.property(seed, (s) => {
        const row = Array.from({ length: 5000 }, (_, i) => Math.fround(Math.sin(i * 12.9898 + s) * 0.01));
        const id = sampleRow(row, { topP: 0.9 }, s);
        return massAbove(row, 1, id) < 0.9 + 1e-6;
      }),
      { numRuns: 10 },
    );
  });

  it('top-k then top-p: the nucleus of the renormalised top k', () => {
    fc.assert(
      fc.property(logitRow(), seed, temperature, fc.integer({ min: 1, max: 8 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (row, s, t, k, p) => {
        const id = sampleRow(row, { temperature: t, topK: k, topP: p }, s);
        const order = row.map((_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b);
        const kept = order.slice(0, Math.min(k, row.length));
        const topRow = kept.map((j) => row[j]!);
        const at = kept.indexOf(id);
        return at >= 0 && massAbove(topRow, t, at) < p + 1e-6;
      }),
      { numRuns: 200 },
    );
  });

  it('applies temperature, then top-k, then top-p', () => {
    // T first: softmax([2,1,0]/0.5) = [.867, .117, .016] puts only id 0 in a 0.85 nucleus
    // (top-p on the unscaled [.665, .245, .090] would keep id 1 too).
    for (let s = 0; s < 200; s++) expect(sampleRow([2, 1, 0], { temperature: 0.5, topP: 0.85 }, s)).toBe(0);
    // top-k first: renormalised over the top 2, [.525, .475] puts only id 0 in a 0.5 nucleus
    // (top-p on all four, [.289, .261, .236, .214], would keep id 1 too).
    for (let s = 0; s < 200; s++) expect(sampleRow([1, 0.9, 0.8, 0.7], { topK: 2, topP: 0.5 }, s)).toBe(0);
  });

  it('temperature → 0 equals greedy', () => {
    const distinctRow = fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 40 }).map((xs) => xs.map((x) => x / 10));
    fc.assert(
      fc.property(distinctRow, seed, fc.constantFrom(1e-3, 1e-4, 1e-6), (row, s, t) => {
        const expected = withLogits([row], (logits) => greedy(logits)[0]);
        return (
          sampleRow(row, { temperature: t }, s) === expected &&
          sampleRow(row, { temperature: t, topK: 5 }, s) === expected &&
          sampleRow(row, { temperature: t, topP: 0.9 }, s) === expected
        );
      }),
      { numRuns: 100 },
    );
  });

  it('never picks a forbidden id, even the most likely one', () => {
    fc.assert(
      fc.property(logitRow(), seed, (row, s) => {
        const best = row.indexOf(Math.max(...row));
        return [{ temperature: 1 }, { topK: 3 }, { topP: 0.95 }].every((o) => sampleRow(row, { ...o, forbiddenIds: [best] }, s) !== best);
      }),
      { numRuns: 100 },
    );
  });

  it('matches the softmax frequencies of a fixed distribution', () => {
    const n = 20000;
    const p = [0.5, 0.3, 0.15, 0.05];
    const row = p.map(Math.log);
    const frequencies = (options: SamplingOptions, s: number): number[] =>
      withLogits(Array.from({ length: n }, () => row), (logits) => {
        const counts = [0, 0, 0, 0];
        for (const id of sampleSync(logits, options, new RandomStream(s))) counts[id]!++;
        return counts.map((c) => c / n);
      });
    const expectClose = (observed: number[], expected: number[]) =>
      expected.forEach((q, i) => expect(Math.abs(observed[i]! - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / n) + 1e-9));

    expectClose(frequencies({ temperature: 1 }, 7), p);
    expectClose(frequencies({ temperature: 2 }, 8), softmax(row, 2));
    expectClose(frequencies({ topK: 2 }, 9), [0.625, 0.375, 0, 0]);
    expectClose(frequencies({ topP: 0.7 }, 10), [0.625, 0.375, 0, 0]);
    expectClose(frequencies({ topP: 0.81 }, 11), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
  });

  it('clamps top-k to the vocabulary and handles an empty batch', () => {
    expect(sampleRow([0, 5, 1], { topK: 10 }, 0)).toBeLessThan(3);
    const empty = tf.zeros([0, 4]) as tf.Tensor2D;
    expect(sampleSync(empty, { topK: 2 }, new RandomStream(0))).toEqual([]);
    empty.dispose();
  });
});

describe('RandomStream', () => {
  it('is reproducible, forkable and clonable', () => {
    const a = new RandomStream(123);
    const b = new RandomStream(123);
    const xs = Array.from({ length: 100 }, () => a.nextFloat());
    expect(Array.from({ length: 100 }, () => b.nextFloat())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new RandomStream(124).nextFloat()).not.toBe(new RandomStream(123).nextFloat());
    const copy = a.clone();
    expect(copy.nextUint32()).toBe(a.nextUint32());
    const child = a.fork();
    expect(child.nextFloat()).not.toBe(a.nextFloat());
    expect(Number.isInteger(a.nextSeed()) && a.nextSeed() < 2 ** 32).toBe(true);
    // Seeds beyond 32 bits still matter.
    expect(new RandomStream(2 ** 40).nextUint32()).not.toBe(new RandomStream(2 ** 40 + 2 ** 32).nextUint32());
  });

  it('is roughly uniform', () => {
    const rng = new RandomStream(9);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100000; i++) bins[Math.floor(rng.nextFloat() * 10)]!++;
    for (const b of bins) expect(Math.abs(b - 10000)).toBeLessThan(500);
  });

  it('rejects seeds that are not safe non-negative integers', () => {
    for (const bad of [-1, 1.5, NaN, 2 ** 53]) expect(() => new RandomStream(bad)).toThrow(/seed must be an integer/);
  });
});

describe('backend independence', () => {
  it('gives the same tokens on the cpu and wasm backends for the same logits and seed', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    // Many near-ties (sin of integers) make any float32 difference in a softmax sum visible.
    const rows = Array.from({ length: 3 }, (_, b) => Array.from({ length: 3000 }, (_, i) => Math.sin(i * 1.7 + b) * 3));
    const options: SamplingOptions[] = [{ temperature: 0.8 }, { topK: 50 }, { topP: 0.9 }, { temperature: 0.5, topP: 0.5 }, GEMMA3_DEFAULT_SAMPLING];
    const run = () => {
      const logits = tf.tensor2d(rows);
      const out = options.map((o) => {
        const rng = new RandomStream(5);
        return Array.from({ length: 10 }, () => sampleSync(logits, o, rng));
      });
      logits.dispose();
      return out;
    };
    const onCpu = run();
    try {
      expect(await tf.setBackend('wasm')).toBe(true);
      expect(run()).toEqual(onCpu);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
