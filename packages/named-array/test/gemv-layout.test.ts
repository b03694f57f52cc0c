// A few rows times a large matrix stored [N, K] (a tied embedding table decoding): after the
// first sighting, contract multiplies by a cached [K, N] copy. Results must match a float64
// JS loop, the copy must be made once, and it must go when its source is disposed.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { GEMV_LAYOUT_MIN_SIZE } from '../src/gemv-layout.js';

beforeAll(async () => {
  await nx.ready();
});

describe('contract with a cached matrix-vector layout (wasm)', () => {
  it('matches a float64 reference, makes one copy, and frees it with its source', () => {
    const V = 8192;
    const D = GEMV_LAYOUT_MIN_SIZE / V; // exactly the threshold
    const table = nx.randomNormal({ vocabulary: V, embedding: D }, { seed: 1 });
    const x = nx.randomNormal({ batch: 1, seq: 2, embedding: D }, { seed: 2 });
    const before = tf.memory().numTensors;
    const first = nx.contract(['embedding'], x, table); // first sighting: ordinary plan
    const afterFirst = tf.memory().numTensors;
    const second = nx.contract(['embedding'], x, table); // cached [embedding, vocabulary] copy
    const afterSecond = tf.memory().numTensors;
    const third = nx.contract(['embedding'], x, table);
    expect(afterFirst - before).toBe(1); // the result
    expect(afterSecond - afterFirst).toBe(2); // the result and the kept copy
    expect(tf.memory().numTensors - afterSecond).toBe(1); // no second copy

    const t = table.unwrap('vocabulary', 'embedding').dataSync();
    const xs = x.unwrap('batch', 'seq', 'embedding').dataSync();
    const got = third.unwrap('batch', 'seq', 'vocabulary').dataSync();
    const viaFirst = first.unwrap('batch', 'seq', 'vocabulary').dataSync();
    let worst = 0;
    for (const s of [0, 1]) {
      for (const v of [0, 1, 777, V - 1]) {
        let ref = 0;
        for (let d = 0; d < D; d++) ref += xs[s * D + d] * t[v * D + d];
        worst = Math.max(worst, Math.abs(got[s * V + v] - ref), Math.abs(viaFirst[s * V + v] - ref));
      }
    }
    expect(worst).toBeLessThan(1e-3);
    expect(third.namedShape).toEqual({ batch: 1, seq: 2, vocabulary: V });

    const beforeDispose = tf.memory().numTensors;
    table.dispose();
    expect(beforeDispose - tf.memory().numTensors).toBe(2); // the table and its copy
    tf.dispose([x.data, first.data, second.data, third.data]);
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it('is not used while gradients are recorded (the copy is outside the tape)', () => {
    const V = 8192;
    const D = GEMV_LAYOUT_MIN_SIZE / V;
    const table = nx.randomNormal({ vocabulary: V, embedding: D }, { seed: 3 });
    const x = nx.randomNormal({ embedding: D }, { seed: 4 });
    nx.contract(['embedding'], x, table).dispose();
    const before = tf.memory().numTensors;
    const g = tf.grad((w: tf.Tensor) => nx.contract(['embedding'], x, nx.wrap(w, 'vocabulary', 'embedding')).data.sum())(table.data);
    // d/dw of sum_v x·w_v is x in every row.
    const row0 = tf.tidy(() => g.slice([0, 0], [1, D]).dataSync());
    const xs = x.data.dataSync();
    expect(Math.max(...Array.from(row0, (v, i) => Math.abs(v - xs[i])))).toBeLessThan(1e-6);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([table.data, x.data]);
  });
});
