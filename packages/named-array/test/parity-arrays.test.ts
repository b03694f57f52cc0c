// Penzai parity for arrays: scatter with index arrays, stack with promotion and broadcasting,
// per-row take inside nmap, named random keys. Expected values from JS loops.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

beforeAll(async () => {
  await nx.ready();
});

describe('.at({axis: indices}) scatter', () => {
  it('add accumulates repeated indices; shared names index row by row (JS loop reference)', () => {
    const base = [[1, 2, 3, 4], [5, 6, 7, 8]];
    const ids = [[0, 2, 2], [3, -1, 1]];
    const vals = [[10, 20, 30], [40, 50, 60]];
    const want = base.map((r) => [...r]);
    ids.forEach((row, b) => row.forEach((i, k) => (want[b]![(i + 4) % 4]! += vals[b]![k]!)));
    const x = nx.fromArray(base, ['batch', 'seq']);
    const idx = nx.fromArray(ids, ['batch', 'k'], 'int32');
    const v = nx.fromArray(vals, ['batch', 'k']);
    const before = tf.memory().numTensors;
    const out = x.at({ seq: idx }).add(v);
    expect(tf.memory().numTensors - before).toBe(1);
    expect(out.arraySync('batch', 'seq')).toEqual(want);
    expect(out.names).toEqual(['batch', 'seq']);
    [x, idx, v, out].forEach((a) => a.dispose());
  });

  it('set writes values (a mean where repeated); int lists index like index() does; out of range is dropped', () => {
    const x = nx.fromArray([0, 0, 0, 0, 0], ['seq'], 'int32');
    const s = x.at({ seq: [1, -1, 9] }).set(nx.wrap(tf.tensor1d([7, 8, 9], 'int32')));
    expect(s.arraySync('seq')).toEqual([0, 7, 0, 0, 8]);
    expect(s.dtype).toBe('int32');
    const idx = nx.fromArray([2, 2], ['k'], 'int32');
    const m = nx.fromArray([1, 1, 1], ['seq']).at({ seq: idx }).set(nx.fromArray([4, 6], ['k']));
    expect(m.arraySync('seq')).toEqual([1, 1, 5]);
    const sc = nx.fromArray([1, 1, 1], ['seq']).at({ seq: [0, 2] }).add(10);
    expect(sc.arraySync('seq')).toEqual([11, 1, 11]);
    [x, s, idx, m, sc].forEach((a) => a.dispose());
  });

  it('is differentiable: d/dv Σ w·x.at(ids).add(v) = w at each index', () => {
    const w = nx.fromArray([1, 10, 100], ['seq']);
    const idx = nx.fromArray([2, 0], ['k'], 'int32');
    const g = tf.grad((t: tf.Tensor) => nx.zeros({ seq: 3 }).at({ seq: idx }).add(nx.wrap(t, 'k')).mul(w).sum('seq').data)(tf.tensor1d([1, 1]));
    expect(g.arraySync()).toEqual([100, 1]);
    [w, idx, g].forEach((a) => a.dispose());
  });

  it('misuse is named', () => {
    const x = nx.zeros({ a: 3, b: 2 });
    const f = nx.fromArray([0.5], ['k']);
    expect(() => x.at({ a: [0], b: [1] }).set(1)).toThrow(/one axis at a time/);
    expect(() => x.at({ a: f }).set(1)).toThrow(/must be int32/);
    expect(() => x.at({ a: [0] }).mul(2)).toThrow(/mul is not supported/);
    expect(() => x.at({ a: [0, 1] }).set(nx.zeros({ b: 2 }))).toThrow(/positional shape \[\] must match the index's \[2\]/);
    expect(() => x.at({ a: [0.5] }).set(1)).toThrow(/an int array/);
    [x, f].forEach((a) => a.dispose());
  });
});

describe('nx.stack promotes dtypes and broadcasts missing names', () => {
  it('int32 + bool + float32 → float32; a missing name is broadcast', () => {
    const a = nx.fromArray([1, 2], ['a'], 'int32');
    const b = nx.fromArray([true, false], ['a']);
    const c = nx.fromArray([[0.5, 1.5], [2.5, 3.5]], ['a', 'z']);
    const s = nx.stack([a, b, c], 'k');
    expect(s.dtype).toBe('float32');
    expect(s.namedShape).toEqual({ k: 3, a: 2, z: 2 });
    expect(s.arraySync('k', 'a', 'z')).toEqual([[[1, 1], [2, 2]], [[1, 1], [0, 0]], [[0.5, 1.5], [2.5, 3.5]]]);
    expect(nx.stack([a, a], 'k').dtype).toBe('int32');
    const bad = nx.fromArray([1, 2, 3], ['a']);
    expect(() => nx.stack([a, bad], 'k')).toThrow(/Inconsistent named axes.*'a'/s);
    const pos = nx.wrap(tf.ones([2]));
    expect(() => nx.stack([pos, nx.scalar(1)], 'k')).toThrow(/same positional shape/);
    [a, b, c, s, bad, pos].forEach((x) => x.dispose());
  });
});

describe('take with an index array per row inside nmap', () => {
  it('each row takes its own indices (numpy take per row)', () => {
    const rows = [[10, 11, 12, 13], [20, 21, 22, 23], [30, 31, 32, 33]];
    const ids = [[3, 0], [1, 1], [-1, 2]];
    const x = nx.fromArray(rows, ['batch', 'seq']);
    const i = nx.fromArray(ids, ['batch', 'k'], 'int32');
    const out = nx.nmap((r: nx.Positional, j: nx.Positional) => r.take(j))(x.untag('seq'), i.untag('k')).tag('k');
    expect(out.arraySync('batch', 'k')).toEqual(ids.map((r, b) => r.map((j) => rows[b]![(j + 4) % 4])));
    // along axis 1 of a [2, 3] row, indices broadcast over a mapped axis the data lacks
    const m = nx.fromArray([[1, 2, 3], [4, 5, 6]], ['p', 'q']);
    const j = nx.fromArray([[2], [0]], ['c', 'k'], 'int32');
    const t = nx.nmap((r: nx.Positional, js: nx.Positional) => r.take(js, 1))(m.untag('p', 'q'), j.untag('k')).tag('p', 'k');
    expect(t.arraySync('c', 'p', 'k')).toEqual([[[3], [6]], [[1], [4]]]);
    [x, i, out, m, j, t].forEach((a) => a.dispose());
  });

  it('misuse: float indices, or indices from another nmap call', () => {
    const x = nx.fromArray([[1, 2]], ['batch', 'seq']);
    const f = nx.fromArray([[0.5]], ['batch', 'k']);
    const outside = new nx.Positional(tf.tensor1d([0], 'int32'), 0);
    const before = tf.memory().numTensors;
    expect(() => nx.nmap((r: nx.Positional, j: nx.Positional) => r.take(j))(x.untag('seq'), f.untag('k'))).toThrow(/index array must be int32; got float32/);
    expect(() => nx.nmap((r: nx.Positional) => r.take(outside))(x.untag('seq'))).toThrow(/same nmap call/);
    expect(tf.memory().numTensors).toBe(before);
    [x, f].forEach((a) => a.dispose());
    outside.tensor.dispose();
  });
});

describe('named random keys', () => {
  it('randomSplit gives distinct, reproducible keys; sampling with a batch of keys draws per key', () => {
    const key = nx.randomKey(0);
    const keys = nx.randomSplit(key, { batch: 4 });
    expect(keys.namedShape).toEqual({ batch: 4 });
    expect(keys.positionalShape).toEqual([2]);
    const words = keys.untagPrefix('batch').positionalTensor().arraySync() as number[][];
    expect(new Set(words.map((w) => w.join())).size).toBe(4);
    const again = nx.randomSplit(nx.randomKey(0), { batch: 4 });
    expect(again.untagPrefix('batch').positionalTensor().arraySync()).toEqual(words);
    const x = nx.randomNormal({ d: 1000 }, { key: keys });
    expect(x.namedShape).toEqual({ batch: 4, d: 1000 });
    const rows = x.arraySync('batch', 'd') as number[][];
    expect(rows[0]).not.toEqual(rows[1]);
    const mean = rows[0]!.reduce((p, q) => p + q, 0) / 1000;
    expect(Math.abs(mean)).toBeLessThan(0.15);
    const y = nx.randomNormal({ d: 1000 }, { key: keys });
    expect(y.arraySync('batch', 'd')).toEqual(rows);
    const nested = nx.randomSplit(keys, { k: 2 });
    expect(nested.namedShape).toEqual({ batch: 4, k: 2 });
    expect(() => nx.randomSplit(nx.scalar(1) as never, { a: 2 })).toThrow(/expected a random key/);
    expect(() => nx.randomSplit(key, { a: 0 })).toThrow(/positive integer size/);
    expect(() => nx.randomSplit(keys, { batch: 2 })).toThrow(NamedAxisErrorLike);
    [key, keys, again, x, y, nested].forEach((a) => a.dispose());
  });
});

const NamedAxisErrorLike = nx.NamedAxisError;
