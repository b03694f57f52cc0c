// Penzai parity: reductions with no axis names act on the positional axes (numpy's methods
// lifted over the named axes), std/var, and broadcastTo with a positional shape. Expected
// values come from plain JS loops over the same numbers.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

beforeAll(async () => {
  await nx.ready();
});

// x[b][s] = b * 10 + s * s - 3, b < 2, s < 4
const rows = [0, 1].map((b) => [0, 1, 2, 3].map((s) => b * 10 + s * s - 3));
const jsMean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
const jsVar = (v: number[]) => jsMean(v.map((e) => (e - jsMean(v)) ** 2));

function leakFree<T>(f: () => T): T {
  const before = tf.memory().numTensors;
  const out = f();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('reductions with no axis names act on positional axes (Penzai)', () => {
  const cases: [string, (a: nx.NamedArray<string>) => nx.NamedArray<string>, (v: number[]) => number][] = [
    ['sum', (a) => a.sum(), (v) => v.reduce((p, q) => p + q, 0)],
    ['mean', (a) => a.mean(), jsMean],
    ['max', (a) => a.max(), (v) => Math.max(...v)],
    ['min', (a) => a.min(), (v) => Math.min(...v)],
    ['prod', (a) => a.prod(), (v) => v.reduce((p, q) => p * q, 1)],
    ['var', (a) => a.var(), jsVar],
    ['std', (a) => a.std(), (v) => Math.sqrt(jsVar(v))],
  ];
  for (const [what, f, js] of cases) {
    it(`x.untag('seq').${what}() reduces seq and keeps batch`, () => {
      const x = nx.fromArray(rows, ['batch', 'seq']);
      const r = f(x.untag('seq'));
      expect(r.namedShape).toEqual({ batch: 2 });
      expect(r.positionalShape).toEqual([]);
      const got = r.arraySync('batch') as number[];
      got.forEach((g, b) => expect(g).toBeCloseTo(js(rows[b]), 4));
      r.dispose();
      x.dispose();
    });
  }

  it('named reductions still take names; std/var over named axes match JS loops', () => {
    const x = nx.fromArray(rows, ['batch', 'seq']);
    leakFree(() => {
      const v = x.var('seq');
      const s = x.std('batch', 'seq');
      expect(v.arraySync('batch') as number[]).toEqual(rows.map((r) => expect.closeTo(jsVar(r), 4)));
      expect(s.item()).toBeCloseTo(Math.sqrt(jsVar(rows.flat())), 4);
      v.dispose();
      s.dispose();
    });
    x.dispose();
  });

  it('positional axes left after a partial positional reduction are renumbered', () => {
    // [2, 3] positional, named {k: 2}; sum over positional with names given keeps positional
    const x = nx.wrap(tf.tensor3d([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]])).tagPrefix('k');
    const r = x.sum('k');
    expect(r.positionalShape).toEqual([2, 3]);
    expect(r.positionalTensor().arraySync()).toEqual([[8, 10, 12], [14, 16, 18]]);
    const all = x.sum();
    expect(all.namedShape).toEqual({ k: 2 });
    expect(all.arraySync('k')).toEqual([21, 57]);
    [x, r, all].forEach((a) => a.dispose());
  });

  it('no names on an array with no positional axes is an error that names the fix', () => {
    const x = nx.fromArray(rows, ['batch', 'seq']);
    leakFree(() => {
      expect(() => x.sum()).toThrow(/reduces the positional axes.*x\.sum\('batch', 'seq'\)/s);
      expect(() => x.mean()).toThrow(nx.NamedAxisError);
      expect(() => x.std()).toThrow(/std\(\) with no axis names/);
      expect(() => x.var('nope' as 'seq')).toThrow(/no axes named \['nope'\]/);
    });
    x.dispose();
  });

  it('a scalar reduces to itself', () => {
    const s = nx.scalar(4);
    expect(s.sum().item()).toBe(4);
    s.dispose();
  });
});

describe('broadcastTo with a positional shape', () => {
  it('broadcastTo([3]) broadcasts the positional axes, as Penzai does', () => {
    const x = nx.wrap(tf.tensor1d([5]));
    const y = x.broadcastTo([3]);
    expect(y.positionalShape).toEqual([3]);
    expect(y.positionalTensor().arraySync()).toEqual([5, 5, 5]);
    const z = nx.scalar(2).broadcastTo([2], { seq: 2 });
    expect(z.namedShape).toEqual({ seq: 2 });
    expect(z.positionalShape).toEqual([2]);
    expect(z.untagPrefix('seq').positionalTensor().arraySync()).toEqual([[2, 2], [2, 2]]);
    [x, y, z].forEach((a) => a.dispose());
  });

  it('wrong forms fail and say how to call it', () => {
    const x = nx.wrap(tf.tensor1d([5]));
    const two = nx.wrap(tf.tensor1d([5, 6]));
    leakFree(() => {
      expect(() => x.broadcastTo({ seq: 3 } as never)).toThrow(/unknown option \['seq'\].*namedShape: \{ seq/s);
      expect(() => x.broadcastTo([1.5])).toThrow(/non-negative integers/);
      expect(() => x.broadcastTo([2, 3], [4] as never)).toThrow(/named shape must map names to sizes/);
      expect(() => two.broadcastTo([3])).toThrow(/positional shape \[2\] is not broadcastable to \[3\]/);
      expect(() => x.broadcastTo('3' as never)).toThrow(/broadcastTo takes/);
    });
    x.dispose();
    two.dispose();
  });
});
