// Gradients through the lifted ops, contraction, softmax, gathers and `.at(...)` updates, on
// the backend `nx.ready()` picks (wasm in Node). References are central finite differences of
// plain-JS float64 implementations, or hand-derived formulas.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

beforeAll(async () => {
  await nx.ready();
});

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround((s / 2147483648) * 2 - 1);
  });
}

/** Central finite differences of `f` (plain JS, float64) at `x`. */
function numericGrad(f: (x: number[]) => number, x: number[], h = 1e-4): number[] {
  return x.map((_, i) => {
    const up = [...x];
    const down = [...x];
    up[i] += h;
    down[i] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 2e-3): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * Math.max(1, Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]} (all: [${Array.from(got).map((v) => v.toFixed(4))}] vs [${Array.from(want).map((v) => v.toFixed(4))}])`);
    }
  }
}

/** tf.grads of a scalar-valued function of tensors, read back as arrays. */
function grads(f: (...xs: tf.Tensor[]) => tf.Tensor, ...xs: tf.Tensor[]): number[][] {
  return tf.tidy(() => tf.grads(f)(xs).map((g) => Array.from(g.dataSync())));
}

describe('gradients flow through named operations', () => {
  it('elementwise ops (gelu, silu, tanh, sin, cos, rsqrt, exp, square) with names aligned across layouts', () => {
    const xv = values(6, 1); // x {a: 2, b: 3}
    const wv = values(6, 2); // w {b: 3, a: 2}
    const w = tf.tensor(wv, [3, 2]);
    const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    const jsLoss = (x: number[]) => {
      let s = 0;
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 3; b++) {
          const v = x[a * 3 + b];
          s += gelu(v) * wv[b * 2 + a] + v / (1 + Math.exp(-v)) + Math.tanh(v) ** 2 + Math.sin(v) * Math.cos(v) + 1 / Math.sqrt(v * v + 1) + Math.exp(-v * v);
        }
      }
      return s;
    };
    const [g] = grads((t) => {
      const x = nx.wrap(t, 'a', 'b');
      const ww = nx.wrap(w, 'b', 'a');
      const terms = [x.gelu().mul(ww), x.silu(), x.tanh().square(), x.sin().mul(x.cos()), x.square().add(1).rsqrt(), x.square().neg().exp()];
      return terms.reduce((p, q) => p.add(q)).sum('a', 'b').data;
    }, tf.tensor(xv, [2, 3]));
    expectAllClose(g, numericGrad(jsLoss, xv));
  });

  it('contract: dL/dA = W·Bᵀ and dL/dB = Aᵀ·W', () => {
    const [av, bv, wv] = [values(6, 3), values(12, 4), values(8, 5)]; // A {a:2,k:3}, B {c:4,k:3}, W {a:2,c:4}
    const [g1, g2] = grads(
      (a, b) => nx.contract(['k'], nx.wrap(a, 'a', 'k'), nx.wrap(b, 'c', 'k')).mul(nx.wrap(tf.tensor(wv, [2, 4]), 'a', 'c')).sum('a', 'c').data,
      tf.tensor(av, [2, 3]),
      tf.tensor(bv, [4, 3]),
    );
    const dA = [0, 1].flatMap((a) => [0, 1, 2].map((k) => [0, 1, 2, 3].reduce((s, c) => s + wv[a * 4 + c] * bv[c * 3 + k], 0)));
    const dB = [0, 1, 2, 3].flatMap((c) => [0, 1, 2].map((k) => [0, 1].reduce((s, a) => s + av[a * 3 + k] * wv[a * 4 + c], 0)));
    expectAllClose(g1, dA);
    expectAllClose(g2, dB);
  });

  it('einsum, softmax over a non-last axis and logSoftmax over two axes', () => {
    const xv = values(12, 6); // x {a: 3, b: 4}
    const wv = values(12, 7);
    const jsLoss = (x: number[]) => {
      let s = 0;
      for (let b = 0; b < 4; b++) {
        const col = [0, 1, 2].map((a) => x[a * 4 + b]);
        const z = col.reduce((p, v) => p + Math.exp(v), 0);
        col.forEach((v, a) => (s += (Math.exp(v) / z) * wv[a * 4 + b]));
      }
      const lz = Math.log(x.reduce((p, v) => p + Math.exp(v), 0));
      x.forEach((v, i) => (s += (v - lz) * wv[(i * 5) % 12]));
      return s;
    };
    const w2 = tf.tensor(Array.from({ length: 12 }, (_, i) => wv[(i * 5) % 12]), [3, 4]);
    const [g] = grads((t) => {
      const x = nx.wrap(t, 'a', 'b');
      const sm = nx.einsum('a b, a b -> ', x.softmax('a'), nx.wrap(tf.tensor(wv, [3, 4]), 'a', 'b'));
      return sm.add(x.logSoftmax('a', 'b').mul(nx.wrap(w2, 'a', 'b')).sum('a', 'b')).data;
    }, tf.tensor(xv, [3, 4]));
    expectAllClose(g, numericGrad(jsLoss, xv));
  });

  it('gather by NamedArray index scatters back and adds repeated ids', () => {
    const table = values(8, 8); // {vocabulary: 4, embedding: 2}
    const ids = [2, 0, 2, -1]; // -1 is the last row
    const wv = values(8, 9); // {seq: 4, embedding: 2}
    const [g] = grads(
      (t) => nx.wrap(t, 'vocabulary', 'embedding').index({ vocabulary: nx.fromArray(ids, ['seq'], 'int32') }).mul(nx.wrap(tf.tensor(wv, [4, 2]), 'seq', 'embedding')).sum('seq', 'embedding').data,
      tf.tensor(table, [4, 2]),
    );
    const want = new Array(8).fill(0);
    ids.forEach((id, s) => [0, 1].forEach((e) => (want[((id + 4) % 4) * 2 + e] += wv[s * 2 + e])));
    expectAllClose(g, want);
  });

  it('cross-entropy via a batched index and via oneHot agree with softmax − onehot', () => {
    const lv = values(12, 10); // logits {batch: 2, seq: 2, vocabulary: 3}
    const targets = nx.fromArray([[0, 2], [1, 1]], ['batch', 'seq'], 'int32');
    const want: number[] = [];
    for (let r = 0; r < 4; r++) {
      const row = lv.slice(r * 3, r * 3 + 3);
      const z = row.reduce((p, v) => p + Math.exp(v), 0);
      const t = [0, 2, 1, 1][r];
      row.forEach((v, j) => want.push((Math.exp(v) / z - (j === t ? 1 : 0)) / 4));
    }
    const viaIndex = grads((t) => nx.wrap(t, 'batch', 'seq', 'vocabulary').logSoftmax('vocabulary').index({ vocabulary: targets }).mean('batch', 'seq').neg().data, tf.tensor(lv, [2, 2, 3]));
    const viaOneHot = grads(
      (t) => nx.wrap(t, 'batch', 'seq', 'vocabulary').logSoftmax('vocabulary').mul(nx.oneHot(targets, 'vocabulary', 3)).sum('vocabulary').mean('batch', 'seq').neg().data,
      tf.tensor(lv, [2, 2, 3]),
    );
    expectAllClose(viaIndex[0], want);
    expectAllClose(viaOneHot[0], want);
    targets.dispose();
  });

  it('at(slice).set: the region gets no gradient from x; the value gets the region\'s', () => {
    const xv = values(8, 11); // x {seq: 4, d: 2}
    const vv = values(4, 12); // v {seq: 2, d: 2}
    const wv = values(8, 13);
    const [gx, gv] = grads(
      (x, v) => nx.wrap(x, 'seq', 'd').at({ seq: nx.slice(1, 3) }).set(nx.wrap(v, 'd', 'seq')).mul(nx.wrap(tf.tensor(wv, [4, 2]), 'seq', 'd')).sum('seq', 'd').data,
      tf.tensor(xv, [4, 2]),
      tf.tensor(vv, [2, 2]),
    );
    expectAllClose(gx, wv.map((w, i) => (i >= 2 && i < 6 ? 0 : w)));
    expectAllClose(gv, [0, 1].flatMap((d) => [0, 1].map((s) => wv[(s + 1) * 2 + d])));
  });

  it('at(dynamicSlice(start per batch)).add and strided/negative-step slices', () => {
    const wv = values(8, 14); // {b: 2, seq: 4}
    const starts = nx.fromArray([3, 0], ['b'], 'int32');
    const [gx, gv] = grads(
      (x, v) => nx.wrap(x, 'b', 'seq').at({ seq: nx.dynamicSlice(starts, 1) }).add(nx.wrap(v, 'b', 'seq')).mul(nx.wrap(tf.tensor(wv, [2, 4]), 'b', 'seq')).sum('b', 'seq').data,
      tf.zeros([2, 4]),
      tf.zeros([2, 1]),
    );
    expectAllClose(gx, wv);
    expectAllClose(gv, [wv[3], wv[4]]);
    const [gs] = grads((x) => nx.wrap(x, 'seq').index({ seq: nx.slice(null, null, -2) }).mul(nx.fromArray([10, 20, 30], ['seq'])).sum('seq').data, tf.zeros([5]));
    expectAllClose(gs, [30, 0, 20, 0, 10]);
    starts.dispose();
  });

  it('masks computed from the differentiated value, and stopGradient', () => {
    const xv = [-1.5, -0.2, 0.3, 2];
    const [g] = grads((t) => {
      const x = nx.wrap(t, 'a');
      return nx.where(x.greater(0).logicalAnd(x.less(1.5)), x.square(), x.mul(nx.stopGradient(x))).sum('a').data;
    }, tf.tensor(xv));
    // Where the mask holds: d(x²) = 2x; elsewhere x·sg(x) gives x (the stopped factor's value).
    expectAllClose(g, xv.map((v) => (v > 0 && v < 1.5 ? 2 * v : v)));
  });

  it('reductions, cumsum, concatenate/stack/split, broadcastTo', () => {
    const xv = values(6, 15); // {a: 2, b: 3}
    const jsLoss = (x: number[]) => {
      const rowMax = [0, 1].map((a) => Math.max(...x.slice(a * 3, a * 3 + 3)));
      let cs = 0;
      let acc = [0, 0];
      for (let b = 0; b < 3; b++) {
        acc = acc.map((v, a) => v + x[a * 3 + b]);
        cs += acc[0] * (b + 1) + acc[1] * 2;
      }
      const mean = x.reduce((p, v) => p + v, 0) / 6;
      return rowMax[0] * 3 + rowMax[1] + cs + mean * 7 + 4 * x.reduce((p, v) => p + v * v, 0);
    };
    const [g] = grads((t) => {
      const x = nx.wrap(t, 'a', 'b');
      const mx = x.max('b').mul(nx.fromArray([3, 1], ['a']));
      const cs = x.cumsum('b').mul(nx.fromArray([[1, 2, 3], [2, 2, 2]], ['a', 'b']));
      const [p, q] = nx.split(nx.concatenate([x, x], 'b'), 'b', 2);
      const st = nx.stack([p.square(), q.square()], 's').broadcastTo({ namedShape: { z: 2 } });
      return mx.sum('a').add(cs.sum('a', 'b')).add(x.mean('a', 'b').mul(7)).add(st.sum(...st.names)).data;
    }, tf.tensor(xv, [2, 3]));
    expectAllClose(g, numericGrad(jsLoss, xv));
  });
});
