// Hand-computed checks of the API's semantics: layouts, Penzai's indexing rules, constructors,
// dtypes, and the tfjs pitfalls the package works around.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

beforeAll(async () => {
  await nx.ready();
});

const grid = () => nx.fromArray([[0, 1, 2], [10, 11, 12]], ['a', 'b']); // {a: 2, b: 3}

describe('tags, layout and broadcasting', () => {
  it('tagPrefix/untagPrefix work beside positional axes; untag and tag move no data', () => {
    const x = nx.wrap(tf.zeros([2, 3, 4]));
    const t = x.tagPrefix('a');
    expect(t.positionalShape).toEqual([3, 4]);
    expect(t.namedShape).toEqual({ a: 2 });
    const u = t.tagPrefix('b').untagPrefix('a');
    expect(u.positionalShape).toEqual([2, 4]);
    expect(u.data).toBe(x.data);
    expect(x.tag('p', 'q', 'r').untag('r', 'p').positionalShape).toEqual([4, 2]);
    x.dispose();
  });

  it('unwrap, orderAs, orderLike, canonicalize give the asked-for data order', () => {
    const g = grid();
    expect(g.unwrap('b', 'a').arraySync()).toEqual([[0, 10], [1, 11], [2, 12]]);
    const o = g.orderAs('b', 'a');
    expect(o.names).toEqual(['b', 'a']);
    expect(o.data.arraySync()).toEqual([[0, 10], [1, 11], [2, 12]]);
    expect(g.orderAs('a', 'b')).toBe(g); // already in order: no copy
    expect(o.canonicalize().names).toEqual(['a', 'b']);
    expect(g.orderLike(o).names).toEqual(['b', 'a']);
    // unwrap of an array with positional axes puts the named ones first.
    expect(g.untag('a').unwrap('b').arraySync()).toEqual([[0, 10], [1, 11], [2, 12]]);
    tf.dispose([g.data, o.data]);
  });

  it('broadcastTo adds names and positional axes; broadcastLike copies another array\'s shape', () => {
    const v = nx.fromArray([1, 2], ['a']);
    const b = v.broadcastTo({ positionalShape: [3], namedShape: { c: 2 } });
    expect(b.namedShape).toEqual({ c: 2, a: 2 });
    expect(b.positionalShape).toEqual([3]);
    expect(b.tag('p').arraySync('a', 'c', 'p')).toEqual([[[1, 1, 1], [1, 1, 1]], [[2, 2, 2], [2, 2, 2]]]);
    const like = nx.scalar(7).broadcastLike(grid());
    expect(like.arraySync('b', 'a')).toEqual([[7, 7], [7, 7], [7, 7]]);
    expect(v.broadcastTo({ namedShape: { a: 2 } })).toBe(v);
  });

  it('nmap passes non-array arguments through and returns lists', () => {
    const [s, d] = nx.nmap((p: nx.Positional, k: number) => [p.mul(k), p.sum()])(grid().untag('b'), 10);
    expect(s.tag('b').arraySync('a', 'b')).toEqual([[0, 10, 20], [100, 110, 120]]);
    expect(d.arraySync('a')).toEqual([3, 33]);
  });

  it('nmap calls the function once for the whole batch (no per-slice loop) and moves no data it need not', () => {
    // 2·3·4 = 24 slices; a loop over them would call the function 24 times.
    const x = nx.randomNormal({ a: 2, b: 3, c: 4, v: 5 }, { seed: 3 });
    const y = nx.randomNormal({ c: 4, a: 2, v: 5 }, { seed: 4 });
    const seen: { shape: number[]; batchRank: number; sameData: boolean }[] = [];
    const out = nx.nmap((p: nx.Positional, q: nx.Positional) => {
      // x's data is already laid out [a, b, c, v]: it reaches the function without a transpose.
      seen.push({ shape: p.shape, batchRank: p.batchRank, sameData: p.tensor === x.data });
      return p.mul(q).sum();
    })(x.untag('v'), y.untag('v'));
    expect(seen).toEqual([{ shape: [5], batchRank: 3, sameData: true }]);
    expect(out.namedShape).toEqual({ a: 2, b: 3, c: 4 });
    // Spot-check one slice against a plain dot product.
    const xs = x.arraySync('a', 'b', 'c', 'v') as number[][][][];
    const ys = y.arraySync('a', 'c', 'v') as number[][][];
    const want = xs[1][2][3].reduce((s, v, i) => s + v * ys[1][3][i], 0);
    expect((out.arraySync('a', 'b', 'c') as number[][][])[1][2][3]).toBeCloseTo(want, 5);
  });

  it('a name an argument lacks is broadcast, and every output carries every name', () => {
    const c = nx.nmap((p: nx.Positional) => p.mul(0).add(5))(nx.fromArray([1, 2], ['a']));
    const both = nx.nmap((p: nx.Positional, q: nx.Positional) => q)(nx.fromArray([1, 2], ['a']), nx.fromArray([3, 4, 5], ['b']));
    expect(c.arraySync('a')).toEqual([5, 5]);
    expect(both.arraySync('a', 'b')).toEqual([[3, 4, 5], [3, 4, 5]]);
  });
});

describe('dict indexing (Penzai semantics)', () => {
  it('ints remove axes, slices keep them, null adds a size-1 axis', () => {
    const g = grid();
    expect(g.index({ a: -1 }).arraySync('b')).toEqual([10, 11, 12]);
    expect(g.index({ b: nx.slice(-2) }).arraySync('a', 'b')).toEqual([[1, 2], [11, 12]]);
    expect(g.index({ b: nx.slice(null, null, -1) }).arraySync('a', 'b')).toEqual([[2, 1, 0], [12, 11, 10]]);
    expect(g.index({ b: nx.slice(5, 9) }).namedShape).toEqual({ a: 2, b: 0 });
    expect(g.index({ a: 0, new: null }).arraySync('b', 'new')).toEqual([[0], [1], [2]]);
  });

  it('a plain int array becomes a leading positional axis', () => {
    const r = grid().index({ b: [2, 0, -1] });
    expect(r.positionalShape).toEqual([3]);
    expect(r.tag('k').arraySync('k', 'a')).toEqual([[2, 12], [0, 10], [2, 12]]);
  });

  it('a diagonal gather: two indices sharing a new name (the induction-head example)', () => {
    // attn[{seq: off + 1, kv_seq: off}] picks attn[seq=i+1, kv_seq=i] along a new `offset` axis.
    const attn = nx.fromArray([[0, 1, 2], [10, 11, 12], [20, 21, 22]], ['seq', 'kv_seq']);
    const off = nx.arange('offset', 2);
    expect(attn.index({ seq: off.add(1), kv_seq: off }).arraySync('offset')).toEqual([10, 21]);
  });

  it('an index whose names include an axis being indexed is not aligned with it', () => {
    // Penzai untags every indexed axis first: x[{a: i{b}, b: 0}] reads x[i[b'], 0] for each b'.
    const g = grid();
    const i = nx.fromArray([1, 0, 1, 1], ['b'], 'int32');
    expect(g.index({ a: i, b: 0 }).arraySync('b')).toEqual([10, 0, 10, 10]);
  });

  it('shared names gather row by row (log-probs of targets); positional index axes lead', () => {
    const logp = nx.fromArray([[0.1, 0.2, 0.3], [1.1, 1.2, 1.3]], ['seq', 'vocabulary']);
    const targets = nx.fromArray([2, 0], ['seq'], 'int32');
    const picked = logp.index({ vocabulary: targets }).arraySync('seq') as number[];
    expect(picked[0]).toBeCloseTo(0.3, 6);
    expect(picked[1]).toBeCloseTo(1.1, 6);
    const pos = nx.wrap(tf.tensor([[0, 1], [2, 2]], [2, 2], 'int32')).tagPrefix('seq'); // {seq}, positional [2]
    const r = logp.index({ vocabulary: pos });
    expect(r.positionalShape).toEqual([2]);
    const got = r.tag('k').arraySync('seq', 'k') as number[][];
    expect(got.flat().map((v) => Math.round(v * 10) / 10)).toEqual([0.1, 0.2, 1.3, 1.3]);
  });

  it('NamedArray indices wrap negatives and clamp out-of-range values like JAX', () => {
    const v = nx.fromArray([5, 6, 7], ['seq']);
    expect(v.index({ seq: nx.fromArray([-1, 3, -7], ['k'], 'int32') }).arraySync('k')).toEqual([7, 7, 5]);
  });

  it('at(...) updates keep the array\'s layout and dtype', () => {
    const x = nx.zeros({ b: 2, seq: 4 }, 'int32');
    const y = x.at({ seq: nx.slice(1, 3) }).set(nx.fromArray([[7, 8], [9, 10]], ['seq', 'b'], 'int32'));
    expect(y.names).toEqual(['b', 'seq']);
    expect(y.dtype).toBe('int32');
    expect(y.arraySync('b', 'seq')).toEqual([[0, 7, 9, 0], [0, 8, 10, 0]]);
    expect(y.at({ b: 1, seq: -1 }).add(5).arraySync('b', 'seq')).toEqual([[0, 7, 9, 0], [0, 8, 10, 5]]);
    expect(y.at({ seq: 0 }).mul(3).at({ seq: 1 }).set(2.9).arraySync('b', 'seq')).toEqual([[0, 2, 9, 0], [0, 2, 10, 0]]); // set casts 2.9 to int32
    expect(y.at({ seq: nx.slice(1, 3) }).get().arraySync('b', 'seq')).toEqual([[7, 9], [8, 10]]);
  });

  it('a KV-cache style write at a run-time position per batch row', () => {
    const cache = nx.zeros({ batch: 2, kv_seq: 4, projection: 2 });
    const end = nx.fromArray([1, 3], ['batch'], 'int32');
    const k = nx.fromArray([[[1, 2]], [[3, 4]]], ['batch', 'kv_seq', 'projection']);
    const next = cache.at({ kv_seq: nx.dynamicSlice(end, 1) }).set(k);
    expect(next.arraySync('batch', 'kv_seq', 'projection')).toEqual([
      [[0, 0], [1, 2], [0, 0], [0, 0]],
      [[0, 0], [0, 0], [0, 0], [3, 4]],
    ]);
    expect(next.index({ kv_seq: nx.dynamicSlice(end, 1) }).arraySync('batch', 'kv_seq', 'projection')).toEqual([[[1, 2]], [[3, 4]]]);
  });
});

describe('ops, dtypes and constructors', () => {
  it('softmax over two named axes sums to one over both', () => {
    const s = grid().astype('float32').div(10).softmax('a', 'b');
    expect(s.sum('a', 'b').item()).toBeCloseTo(1, 6);
  });

  it('where upcasts mixed dtypes (wasm would misread int32 as float32) and accepts non-bool conditions', () => {
    const ints = nx.fromArray([1, 2], ['a'], 'int32');
    const w = nx.where(nx.fromArray([true, false], ['a']), 1.5, ints);
    expect(w.dtype).toBe('float32');
    expect(w.arraySync('a')).toEqual([1.5, 2]);
    expect(nx.where(ints.sub(1), 1, 0).arraySync('a')).toEqual([0, 1]);
    expect(nx.where(nx.fromArray([true, false], ['a']), ints, 0).dtype).toBe('int32');
  });

  it('cumsum counts bools; argmax gives int32; mean of ints is float', () => {
    const m = nx.fromArray([true, false, true, true], ['seq']);
    expect(m.cumsum('seq').arraySync('seq')).toEqual([1, 1, 2, 3]);
    expect(nx.fromArray([3, 9, 1], ['v']).argmax('v').item()).toBe(1);
    expect(nx.fromArray([1, 2], ['v'], 'int32').mean('v').item()).toBe(1.5);
  });

  it('gelu uses the tanh form; silu is x·sigmoid(x); rsqrt, mod and floorDiv', () => {
    const x = nx.fromArray([-1, 0.5, 2], ['a']);
    const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    (x.gelu().arraySync('a') as number[]).forEach((g, i) => expect(g).toBeCloseTo(gelu([-1, 0.5, 2][i]), 6));
    expect((x.silu().arraySync('a') as number[])[2]).toBeCloseTo(2 / (1 + Math.exp(-2)), 6);
    expect(nx.fromArray([4], ['a']).rsqrt().item()).toBeCloseTo(0.5, 6);
    expect(nx.fromArray([-3, 5], ['a'], 'int32').mod(4).arraySync('a')).toEqual([1, 1]);
    expect(nx.fromArray([-3, 5], ['a'], 'int32').floorDiv(2).arraySync('a')).toEqual([-2, 2]);
  });

  it('oneHot builds float32 or int32 one-hots; out-of-range ids give zero rows', () => {
    const ids = nx.fromArray([2, -1, 0], ['seq'], 'int32');
    expect(nx.oneHot(ids, 'v', 3).arraySync('seq', 'v')).toEqual([[0, 0, 1], [0, 0, 0], [1, 0, 0]]);
    expect(nx.oneHot(ids, 'v', 3, 'int32').dtype).toBe('int32');
  });

  it('arange, full, scalar, random seeds', () => {
    expect(nx.arange('s', 3).arraySync('s')).toEqual([0, 1, 2]);
    expect(nx.arange('s', 2, 8, 3).arraySync('s')).toEqual([2, 5]);
    expect(nx.arange('s', 0, 1, 0.5).arraySync('s')).toEqual([0, 0.5]);
    expect(nx.arange('s', 0, 1, 0.5).dtype).toBe('float32');
    expect(nx.arange('s', 3, 0, -1).arraySync('s')).toEqual([3, 2, 1]);
    expect(nx.full({ a: 2 }, true).dtype).toBe('bool');
    expect(nx.full({ a: 2 }, -1, 'int32').arraySync('a')).toEqual([-1, -1]);
    expect(nx.scalar(3).item()).toBe(3);
    const r1 = nx.randomNormal({ a: 4 }, { seed: 7 }).arraySync('a');
    const r2 = nx.randomNormal({ a: 4 }, { seed: 7 }).arraySync('a');
    expect(r1).toEqual(r2);
    expect(nx.randomNormal({ a: 4 }, { seed: 8 }).arraySync('a')).not.toEqual(r1);
    const u = nx.randomUniform({ a: 100 }, { seed: 1, min: 2, max: 3 }).arraySync('a') as number[];
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThan(3);
  });

  it('Positional: take (negative and clamped), where, transpose, reshape, squeeze, slice', () => {
    const x = grid().untag('b');
    const r = nx.nmap((p: nx.Positional) => [
      p.take([-1, 0]),
      nx.Positional.where(p.greater(5), p, -1),
      p.expandDims(0).transpose([1, 0]).reshape([3]).slice([1]),
      p.expandDims(-1).squeeze(),
    ])(x);
    expect(r[0].tag('k').arraySync('a', 'k')).toEqual([[2, 0], [12, 10]]);
    expect(r[1].tag('b').arraySync('a', 'b')).toEqual([[-1, -1, -1], [10, 11, 12]]);
    expect(r[2].tag('k').arraySync('a', 'k')).toEqual([[1, 2], [11, 12]]);
    expect(r[3].tag('b').arraySync('a', 'b')).toEqual([[0, 1, 2], [10, 11, 12]]);
  });

  it('matmul inside nmap broadcasts batch names that only one side has (tfjs would not)', () => {
    const p = nx.fromArray([[[1, 0], [0, 1]], [[2, 0], [0, 2]]], ['x', 'm', 'k']);
    const q = nx.fromArray([[[1, 2], [3, 4]], [[0, 1], [1, 0]]], ['y', 'k', 'n']);
    const out = nx.nmap((a: nx.Positional, b: nx.Positional) => a.matmul(b))(p.untag('m', 'k'), q.untag('k', 'n')).tag('m', 'n');
    expect(out.arraySync('x', 'y', 'm', 'n')).toEqual([
      [[[1, 2], [3, 4]], [[0, 1], [1, 0]]],
      [[[2, 4], [6, 8]], [[0, 2], [2, 0]]],
    ]);
  });
});
