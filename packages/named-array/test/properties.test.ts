// Property tests: lifted ops, nmap, contraction, softmax, reductions and combinators against
// the naive loop reference in naive.ts, over random shapes, name subsets and data layouts.
// Indexing and updates are in properties-indexing.test.ts.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import * as nx from '@penjing/named-array';
import * as ref from './naive.js';
import type { Sizes } from './naive.js';
import { POOL, check, randomRef, seedArb, shuffled } from './property-helpers.js';

beforeAll(async () => {
  await nx.ready();
});

describe('lifted elementwise ops align names like nmap', () => {
  const binaries: [string, (a: nx.NamedArray<string>, b: nx.NamedArray<string>) => nx.NamedArray<string>, (x: number, y: number) => number][] = [
    ['add', nx.add, (x, y) => x + y],
    ['sub', nx.sub, (x, y) => x - y],
    ['div', nx.div, (x, y) => x / y],
    ['mul', (a, b) => a.mul(b), (x, y) => Math.fround(x * y)],
    ['maximum', nx.maximum, Math.max],
    ['minimum', (a, b) => a.minimum(b), Math.min],
    ['greater', (a, b) => nx.greater(a, b).astype('float32'), (x, y) => (x > y ? 1 : 0)],
    ['lessEqual', (a, b) => a.lessEqual(b).astype('float32'), (x, y) => (x <= y ? 1 : 0)],
  ];
  for (const [name, op, f] of binaries) {
    check(name, (sizes, r) => {
      const a = randomRef(ref.subset(POOL, r), sizes, r);
      const b = randomRef(ref.subset(POOL, r), sizes, r);
      ref.expectClose(ref.fromNx(op(shuffled(a, r), shuffled(b, r))), ref.zipWith(a, b, f));
    });
  }

  check('where(cond, a, b) with three different name sets', (sizes, r) => {
    const c = randomRef(ref.subset(POOL, r), sizes, r);
    const a = randomRef(ref.subset(POOL, r), sizes, r);
    const b = randomRef(ref.subset(POOL, r), sizes, r);
    const got = nx.where(nx.greater(shuffled(c, r), 0), shuffled(a, r), shuffled(b, r));
    const cond = ref.zipWith(c, a, (x) => x);
    const want = ref.zipWith(ref.zipWith(cond, a, (x, y) => (x > 0 ? y : NaN)), b, (x, y) => (Number.isNaN(x) ? y : x));
    // NaN marks "take b"; no input is NaN, so this is exact.
    ref.expectClose(ref.fromNx(got), want);
  });

  const unaries: [string, (a: nx.NamedArray<string>) => nx.NamedArray<string>, (x: number) => number][] = [
    ['exp', nx.exp, Math.exp],
    ['log', (a) => a.abs().add(0.1).log(), (x) => Math.log(Math.abs(x) + 0.1)],
    ['tanh', nx.tanh, Math.tanh],
    ['sin', nx.sin, Math.sin],
    ['cos', (a) => a.cos(), Math.cos],
    ['rsqrt', (a) => nx.rsqrt(nx.abs(a).add(0.1)), (x) => 1 / Math.sqrt(Math.abs(x) + 0.1)],
    ['square', nx.square, (x) => x * x],
    ['sigmoid', nx.sigmoid, (x) => 1 / (1 + Math.exp(-x))],
    ['gelu (tanh form)', nx.gelu, (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))],
    ['silu', (a) => a.silu(), (x) => x / (1 + Math.exp(-x))],
    ['neg', nx.neg, (x) => -x],
  ];
  for (const [name, op, f] of unaries) {
    check(name, (sizes, r) => {
      const a = randomRef(ref.subset(POOL, r), sizes, r);
      ref.expectClose(ref.fromNx(op(shuffled(a, r))), { ...a, data: a.data.map(f) });
    });
  }
});

describe('nmap', () => {
  check('matmul over positional axes, vectorised over the union of names', (sizes, r) => {
    const x = randomRef([...ref.subset(['a', 'b'], r), 'm', 'k'], sizes, r);
    const y = randomRef([...ref.subset(['a', 'b'], r), 'k', 'n'], sizes, r);
    const f = nx.nmap((p: nx.Positional, q: nx.Positional) => p.matmul(q));
    const got = f(shuffled(x, r).untag('m', 'k'), shuffled(y, r).untag('k', 'n')).tag('m', 'n');
    ref.expectClose(ref.fromNx(got), ref.contract(x, y, ['k']));
  });

  check('positional axes broadcast numpy-style inside the function', (sizes, r) => {
    const x = randomRef([...ref.subset(['a', 'b', 'c'], r), 'm', 'k'], sizes, r);
    const y = randomRef([...ref.subset(['a', 'b', 'c'], r), 'k'], sizes, r);
    const got = nx
      .nmap((p: nx.Positional, q: nx.Positional) => [p.sub(q), q.mul(2)])(shuffled(x, r).untag('m', 'k'), shuffled(y, r).untag('k'));
    const diff = got[0].tag('m', 'k');
    ref.expectClose(ref.fromNx(diff), ref.zipWith(x, y, (u, v) => u - v));
    // Every output carries every input name, even one computed from a single argument.
    const twice = got[1].tag('k');
    const all = ref.union(x.names, y.names).filter((n) => n !== 'm');
    ref.expectClose(ref.fromNx(twice), ref.build(all, all.map((n) => (n === 'k' ? 3 : sizes[n as keyof Sizes])), (i) => 2 * ref.get(y, i)));
  });

  check('softmax over a positional axis inside nmap', (sizes, r) => {
    const x = randomRef([...ref.subset(['a', 'b', 'c'], r), 'v'], sizes, r);
    const got = nx.nmap((p: nx.Positional) => p.softmax(-1))(shuffled(x, r).untag('v')).tag('v');
    ref.expectClose(ref.fromNx(got), ref.softmax(x, ['v']));
  });
});

describe('contraction', () => {
  check('contract(names, a, b) against explicit sums', (sizes, r) => {
    const a = randomRef(ref.subset(POOL, r, 1), sizes, r);
    const b = randomRef(ref.subset(POOL, r, 1), sizes, r);
    const shared = a.names.filter((n) => b.names.includes(n));
    const summed = shared.filter(() => r() < 0.6);
    const got = nx.contract(summed, shuffled(a, r), shuffled(b, r));
    ref.expectClose(ref.fromNx(got), ref.contract(a, b, summed));
  });

  it('contract on the cpu backend, where matMul transpose flags are used instead of transposes', async () => {
    await nx.ready({ backend: 'cpu' });
    try {
      fc.assert(
        fc.property(ref.sizesArb, seedArb, (sizes, seed) => {
          tf.tidy(() => {
            const r = ref.prng(seed);
            const a = randomRef(ref.subset(POOL, r, 1), sizes, r);
            const b = randomRef(ref.subset(POOL, r, 1), sizes, r);
            const summed = a.names.filter((n) => b.names.includes(n) && r() < 0.6);
            ref.expectClose(ref.fromNx(nx.contract(summed, shuffled(a, r), shuffled(b, r))), ref.contract(a, b, summed));
          });
        }),
        { numRuns: 25 },
      );
    } finally {
      await nx.ready();
    }
  });

  check('einsum with any output order and one-sided sums', (sizes, r) => {
    const a = randomRef(ref.subset(POOL, r, 1), sizes, r);
    const b = randomRef(ref.subset(POOL, r, 1), sizes, r);
    const all = ref.union(a.names, b.names);
    const out = ref.subset(all, r);
    const spec = `${ref.shuffle(a.names, r).join(' ')}, ${ref.shuffle(b.names, r).join(' ')} -> ${out.join(' ')}`;
    const got = nx.einsum(spec, shuffled(a, r), shuffled(b, r));
    if (got.names.join() !== out.join()) throw new Error(`einsum output order ${got.names} != ${out}`);
    ref.expectClose(ref.fromNx(got), ref.contract(a, b, all.filter((n) => !out.includes(n))));
  });
});

describe('normalisation and reductions over named axes', () => {
  for (const log of [false, true]) {
    check(log ? 'logSoftmax' : 'softmax', (sizes, r) => {
      const x = randomRef(ref.subset(POOL, r, 1), sizes, r);
      const over = ref.subset(x.names, r, 1);
      const a = shuffled(x, r);
      const got = log ? a.logSoftmax(...over) : nx.softmax(a, ...over);
      ref.expectClose(ref.fromNx(got), ref.softmax(x, over, log));
    });
  }

  const reductions: [string, (a: nx.NamedArray<string>, ns: string[]) => nx.NamedArray<string>, (v: number[]) => number][] = [
    ['sum', (a, ns) => a.sum(...ns), (v) => v.reduce((p, q) => p + q, 0)],
    ['mean', (a, ns) => nx.mean(a, ...ns), (v) => v.reduce((p, q) => p + q, 0) / v.length],
    ['max', (a, ns) => a.max(...ns), (v) => Math.max(...v)],
    ['min', (a, ns) => nx.min(a, ...ns), (v) => Math.min(...v)],
    ['prod', (a, ns) => a.prod(...ns), (v) => v.reduce((p, q) => p * q, 1)],
  ];
  for (const [name, op, f] of reductions) {
    check(`${name} over a random subset of named axes, or of untagged ones with no names`, (sizes, r) => {
      const x = randomRef(ref.subset(POOL, r, 1), sizes, r);
      const over = ref.subset(x.names, r);
      const axes = over.length ? over : x.names;
      const keep = x.names.filter((n) => !axes.includes(n));
      const values = ref.build(keep, keep.map((n) => x.shape[x.names.indexOf(n)]), (idx) => {
        const red = axes.map((n) => x.shape[x.names.indexOf(n)]);
        return f([...ref.indices(axes, red)].map((inner) => ref.get(x, { ...idx, ...inner })));
      });
      // Half the cases untag the reduced axes and name none (Penzai: positional axes reduce).
      const a = shuffled(x, r);
      const got = r() < 0.5 ? op(a.untag(...axes), []) : op(a, axes);
      ref.expectClose(ref.fromNx(got), values);
    });
  }

  for (const kind of ['argmax', 'argmin'] as const) {
    check(kind, (sizes, r) => {
      const x = randomRef(ref.subset(POOL, r, 1), sizes, r);
      const axis = x.names[Math.floor(r() * x.names.length)];
      const a = shuffled(x, r);
      const got = kind === 'argmax' ? a.argmax(axis) : nx.argmin(a, axis);
      const n = x.shape[x.names.indexOf(axis)];
      const keep = x.names.filter((m) => m !== axis);
      const want = ref.build(keep, keep.map((m) => x.shape[x.names.indexOf(m)]), (idx) => {
        let best = 0;
        for (let i = 1; i < n; i++) {
          const v = ref.get(x, { ...idx, [axis]: i });
          const b = ref.get(x, { ...idx, [axis]: best });
          if (kind === 'argmax' ? v > b : v < b) best = i;
        }
        return best;
      });
      if (got.dtype !== 'int32') throw new Error(`${kind} dtype ${got.dtype}`);
      ref.expectClose(ref.fromNx(got), want, 0);
    });
  }

  check('cumsum along a named axis', (sizes, r) => {
    const x = randomRef(ref.subset(POOL, r, 1), sizes, r);
    const axis = x.names[Math.floor(r() * x.names.length)];
    const want = ref.build(x.names, x.shape, (idx) => {
      let s = 0;
      for (let i = 0; i <= idx[axis]; i++) s += ref.get(x, { ...idx, [axis]: i });
      return s;
    });
    ref.expectClose(ref.fromNx(shuffled(x, r).cumsum(axis)), want);
  });
});

describe('combinators', () => {
  check('stack, concatenate, unstack and split round-trip across layouts', (sizes, r) => {
    const names = ref.subset(['a', 'b', 'c'], r, 1);
    const parts = [0, 1, 2].map(() => randomRef(names, sizes, r));
    const stacked = nx.stack(parts.map((p) => shuffled(p, r)), 's');
    ref.expectClose(ref.fromNx(stacked, ['s', ...names]), ref.build(['s', ...names], [3, ...names.map((n) => sizes[n as keyof Sizes])], (i) => ref.get(parts[i.s], i)));
    const axis = names[0];
    const cat = nx.concatenate(parts.map((p) => shuffled(p, r)), axis);
    const n = sizes[axis as keyof Sizes];
    ref.expectClose(ref.fromNx(cat, names), ref.build(names, names.map((m) => (m === axis ? 3 * n : sizes[m as keyof Sizes])), (i) => ref.get(parts[Math.floor(i[axis] / n)], { ...i, [axis]: i[axis] % n })));
    nx.unstack(stacked, 's').forEach((u, j) => ref.expectClose(ref.fromNx(u, names), parts[j]));
    nx.split(cat, axis, 3).forEach((u, j) => ref.expectClose(ref.fromNx(u, names), parts[j]));
  });
});
