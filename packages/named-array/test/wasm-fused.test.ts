// The fused wasm kernels (RMS norm, rotary embedding, tanh-GELU) and in-place slot writes.
// Fused results must match float64 JS references of the formulas; the kernels must step aside
// (null) where they do not apply; in-place writes must share the buffer, refuse shared or
// mismatched buffers, and drop XNNPACK's packed copy of a right matmul operand they change.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';

beforeAll(async () => {
  await nx.ready();
});

function maxRel(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - ref[i]!));
    m = Math.max(m, Math.abs(ref[i]!));
  }
  return d / m;
}

/** Runs f, returning its result and the kernels it launched on the current backend. */
function countKernels<T>(f: () => T): [T, string[]] {
  const names: string[] = [];
  const wrapped = tf.getKernelsForBackend(tf.getBackend()).map((k) => {
    const original = k.kernelFunc;
    k.kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => (names.push(k.kernelName), original(args))) as tf.KernelFunc;
    return [k, original] as const;
  });
  try {
    return [f(), names];
  } finally {
    for (const [k, original] of wrapped) k.kernelFunc = original;
  }
}

describe('fused kernels on wasm', () => {
  it('runs on wasm', () => expect(tf.getBackend()).toBe('wasm'));

  it('fusedRmsNorm matches float64 x·rsqrt(mean(x²)+ε)·scale, with and without a scale', () => {
    const x = nx.randomNormal({ batch: 2, seq: 3, embedding: 640 }, { seed: 1 }).mul(3);
    const scale = nx.randomNormal({ embedding: 640 }, { seed: 2 });
    const xs = x.unwrap('batch', 'seq', 'embedding').dataSync();
    const ss = scale.data.dataSync();
    const eps = 1e-6;
    const ref = new Float64Array(xs.length);
    const refScaled = new Float64Array(xs.length);
    for (let r = 0; r < 6; r++) {
      let sum = 0;
      for (let i = 0; i < 640; i++) sum += xs[r * 640 + i]! ** 2;
      const f = 1 / Math.sqrt(sum / 640 + eps);
      for (let i = 0; i < 640; i++) {
        ref[r * 640 + i] = xs[r * 640 + i]! * f;
        refScaled[r * 640 + i] = xs[r * 640 + i]! * f * ss[i]!;
      }
    }
    const before = tf.memory().numTensors;
    const plain = nx.fusedRmsNorm(x, 'embedding', eps)!;
    const scaled = nx.fusedRmsNorm(x, 'embedding', eps, scale)!;
    expect(tf.memory().numTensors - before).toBe(2);
    expect(plain.axes).toEqual(x.axes);
    expect(maxRel(plain.unwrap('batch', 'seq', 'embedding').dataSync(), ref)).toBeLessThan(1e-6);
    expect(maxRel(scaled.unwrap('batch', 'seq', 'embedding').dataSync(), refScaled)).toBeLessThan(1e-6);
    tf.dispose([x.data, scale.data, plain.data, scaled.data]);
  });

  it('fusedRmsNorm steps aside where it does not apply', () => {
    const x = nx.randomNormal({ seq: 3, embedding: 8 }, { seed: 3 });
    const scale = nx.randomNormal({ embedding: 8 }, { seed: 4 });
    const before = tf.memory().numTensors;
    expect(nx.fusedRmsNorm(x, 'seq', 1e-6)).toBeNull(); // not the innermost axis
    expect(nx.fusedRmsNorm(x, 'embedding', 1e-6, nx.randomNormal({ seq: 3 }, { seed: 5 }))).toBeNull(); // scale over another axis
    const big = nx.zeros({ seq: 65, embedding: 1024 });
    expect(nx.fusedRmsNorm(big, 'embedding', 1e-6)).toBeNull(); // large: the vectorised ops win
    expect(nx.fusedRmsNorm(x.astype('int32'), 'embedding', 1e-6)).toBeNull();
    // While gradients are recorded the op sequence runs (the fused kernel has no gradient).
    tf.grad((t: tf.Tensor) => {
      expect(nx.fusedRmsNorm(new NamedArray(t, x.axes), 'embedding', 1e-6, scale)).toBeNull();
      return tf.sum(t);
    })(x.data).dispose();
    expect(tf.memory().numTensors - before).toBe(3); // the stray scale, big and the int copy
  });

  it('fusedRotary matches float64 split-half RoPE, positions in any layout', () => {
    const x = nx.randomNormal({ batch: 2, seq: 3, heads: 2, projection: 8 }, { seed: 6 });
    const inv = Float32Array.from([1, 0.1, 0.01, 0.001]);
    const posValues = [[0, 5, 999], [-1, 2, 40000]];
    // Positions stored seq-major, to check the strides into them.
    const positions = nx.wrap(tf.tensor2d(posValues, [2, 3], 'int32'), 'batch', 'seq').orderAs('seq', 'batch');
    const xs = x.unwrap('batch', 'seq', 'heads', 'projection').dataSync();
    const ref = new Float64Array(xs.length);
    for (let b = 0; b < 2; b++) {
      for (let s = 0; s < 3; s++) {
        for (let h = 0; h < 2; h++) {
          const base = ((b * 3 + s) * 2 + h) * 8;
          for (let j = 0; j < 4; j++) {
            const theta = Math.fround(posValues[b]![s]! * inv[j]!);
            const [c, sn] = [Math.fround(Math.cos(theta)), Math.fround(Math.sin(theta))];
            const [x1, x2] = [xs[base + j]!, xs[base + 4 + j]!];
            ref[base + j] = x1 * c - x2 * sn;
            ref[base + 4 + j] = x2 * c + x1 * sn;
          }
        }
      }
    }
    const before = tf.memory().numTensors;
    const out = nx.fusedRotary(x, 'projection', positions, inv, 'test')!;
    expect(tf.memory().numTensors - before).toBe(1);
    expect(maxRel(out.unwrap('batch', 'seq', 'heads', 'projection').dataSync(), ref)).toBeLessThan(1e-6);
    expect(nx.fusedRotary(x, 'heads', positions, Float32Array.from([1]), 'test')).toBeNull(); // not innermost
    expect(nx.fusedRotary(x, 'projection', positions.astype('float32'), inv, 'test')).toBeNull(); // float positions
    tf.dispose([x.data, positions.data, out.data]);
  });

  it('gelu runs one kernel on wasm and matches float64 tanh-GELU', () => {
    const x = nx.randomNormal({ seq: 2, neurons: 2048 }, { seed: 7 }).mul(4);
    const xs = x.data.dataSync();
    const ref = Array.from(xs, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    x.gelu().data.dispose(); // the first call registers the kernel
    const [y, kernels] = countKernels(() => x.gelu().data);
    expect(kernels).toEqual(['PenjingGeluTanh']);
    expect(maxRel(y.dataSync(), ref)).toBeLessThan(1e-6);
    // Under a gradient tape the op sequence runs; same values.
    const viaOps = tf.tidy(() => {
      let v: tf.Tensor | undefined;
      tf.grad((t: tf.Tensor) => {
        v = tf.keep(nx.wrap(t, 'seq', 'neurons').gelu().data);
        return tf.sum(v);
      })(x.data);
      return v!;
    });
    expect(maxRel(viaOps.dataSync(), ref)).toBeLessThan(1e-6);
    tf.dispose([x.data, y, viaOps]);
  });
});

describe('writeSlotsInPlace on wasm', () => {
  it('writes slots into the buffer, in either layout, and the result shares it', () => {
    for (const order of [['batch', 'kv_seq', 'projection'], ['batch', 'projection', 'kv_seq']] as const) {
      const cache = nx.zeros({ batch: 2, kv_seq: 6, projection: 3 }).orderAs(...order);
      const row = nx.fromArray([[[1, 2, 3]], [[4, 5, 6]]], ['batch', 'kv_seq', 'projection']);
      const before = tf.memory().numTensors;
      const next = nx.writeSlotsInPlace(cache, 'kv_seq', 4, row)!;
      expect(tf.memory().numTensors - before).toBe(1); // the new tensor over the same buffer
      expect(next.data.dataId).toBe(cache.data.dataId);
      const got = next.unwrap('batch', 'kv_seq', 'projection').arraySync() as number[][][];
      expect(got[0]![4]).toEqual([1, 2, 3]);
      expect(got[1]![4]).toEqual([4, 5, 6]);
      expect(got[0]![3]).toEqual([0, 0, 0]);
      expect(got[1]![5]).toEqual([0, 0, 0]);
      cache.data.dispose(); // the donor may be disposed; the result keeps the buffer
      expect(next.unwrap('batch', 'kv_seq', 'projection').arraySync()).toEqual(got);
      tf.dispose([next.data, row.data]);
    }
  });

  it('refuses a shared buffer, other dtypes, misfits and gradient tapes, writing nothing', () => {
    const cache = nx.zeros({ kv_seq: 4, projection: 2 });
    const row = nx.ones({ kv_seq: 1, projection: 2 });
    const view = tf.reshape(cache.data, [8]); // someone else holds the buffer
    expect(nx.writeSlotsInPlace(cache, 'kv_seq', 1, row)).toBeNull();
    view.dispose();
    expect(nx.writeSlotsInPlace(cache, 'kv_seq', 1, row.astype('int32'))).toBeNull();
    expect(nx.writeSlotsInPlace(cache, 'kv_seq', 4, row)).toBeNull(); // past the end
    expect(nx.writeSlotsInPlace(cache, 'kv_seq', 0, nx.ones({ kv_seq: 1, projection: 3 }))).toBeNull();
    tf.grad((t: tf.Tensor) => {
      expect(nx.writeSlotsInPlace(cache, 'kv_seq', 1, row)).toBeNull();
      return tf.sum(t);
    })(tf.scalar(1)).dispose();
    expect(Array.from(cache.data.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    tf.dispose([cache.data, row.data]);
  });

  it('drops the packed copy XNNPACK keeps of a right matmul operand it changes', () => {
    // [1, K, N] on the right of a batch-1 product: XNNPACK packs it once per tensor and reuses
    // the packing while the tensor lives, so a write that left it would read stale weights.
    const w = nx.zeros({ k: 4, n: 3 });
    const x = tf.tensor3d([[[1, 1, 1, 1]]]);
    const product = (t: tf.Tensor) => tf.tidy(() => Array.from(tf.matMul(x, tf.reshape(t, [1, 4, 3])).dataSync()));
    expect(product(w.data)).toEqual([0, 0, 0]);
    const next = nx.writeSlotsInPlace(w, 'k', 2, nx.fromArray([[1, 2, 3]], ['k', 'n']))!;
    w.data.dispose();
    expect(product(next.data)).toEqual([1, 2, 3]);
    tf.dispose([next.data, x]);
  });
});
