// No tensor leaks: every public operation — each export of the module, each NamedArray method
// and each Positional method — leaves tf.memory().numTensors as it was once the tensors it
// returns are disposed. The tables are keyed by name and must cover every export, so a new
// export without a case here fails the test.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

type Case = () => unknown;

let x: nx.NamedArray<'batch' | 'seq' | 'vocabulary'>; // float {batch: 2, seq: 3, vocabulary: 4}
let y: nx.NamedArray<'vocabulary' | 'embedding'>; // float {vocabulary: 4, embedding: 5}
let ids: nx.NamedArray<'batch' | 'seq'>; // int32 {batch: 2, seq: 3}, values in [0, 4)
let mask: nx.NamedArray<'seq' | 'batch'>; // bool {seq: 3, batch: 2}
let fixtures: Set<tf.Tensor>;

beforeAll(async () => {
  await nx.ready();
  x = nx.randomNormal({ batch: 2, seq: 3, vocabulary: 4 }, { seed: 1 });
  y = nx.randomNormal({ vocabulary: 4, embedding: 5 }, { seed: 2 });
  ids = nx.fromArray([[0, 3, 1], [2, 2, 0]], ['batch', 'seq'], 'int32');
  mask = nx.fromArray([[true, false], [true, true], [false, true]], ['seq', 'batch']);
  fixtures = new Set([x.data, y.data, ids.data, mask.data]);
});
afterAll(() => fixtures.forEach((t) => t.dispose()));

/** Every tensor reachable from a result (NamedArrays, Positionals, tensors, arrays, records). */
function tensorsIn(v: unknown, out = new Set<tf.Tensor>()): Set<tf.Tensor> {
  if (v instanceof tf.Tensor) out.add(v);
  else if (v instanceof nx.NamedArray) out.add(v.data);
  else if (v instanceof nx.Positional) out.add(v.tensor);
  else if (Array.isArray(v)) v.forEach((e) => tensorsIn(e, out));
  else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach((e) => tensorsIn(e, out));
  return out;
}

let args: tf.Tensor[] = [];
/** Marks a value a case builds as an argument (not a result): it is freed after the check. */
function arg<T>(v: T): T {
  args.push(...tensorsIn(v));
  return v;
}

/** Runs a case and checks that only its returned tensors and its arguments remain. */
async function expectNoLeak(name: string, f: Case): Promise<void> {
  args = [];
  const before = tf.memory().numTensors;
  const result = await f();
  const made = new Set([...tensorsIn(result), ...args].filter((t) => !fixtures.has(t) && !t.isDisposed));
  const leaked = tf.memory().numTensors - before - made.size;
  made.forEach((t) => t.dispose());
  expect(leaked, `${name} leaked ${leaked} tensor(s)`).toBe(0);
  expect(tf.memory().numTensors, `${name}`).toBe(before);
}

const w = () => nx.wrap(tf.zeros([2, 3]));
const p = (f: (q: nx.Positional) => nx.Positional | nx.Positional[]) => () => nx.nmap(f)(x.untag('seq', 'vocabulary'));

/** One case per runtime export. Classes are covered by the method tables below. */
const exportsTable: Record<string, Case> = {
  NamedArray: () => new nx.NamedArray(tf.zeros([2]), ['a']),
  wrap: () => nx.wrap(tf.zeros([2, 3]), 'a', 'b'),
  isNamedArray: () => nx.isNamedArray(x),
  checkAxes: () => nx.checkAxes(['a', 0], [2, 3]),
  Positional: p((q) => new nx.Positional(q.tensor, q.batchRank).exp()),
  broadcastShapes: () => nx.broadcastShapes([2, 1], [3]),
  nmap: () => nx.nmap((a: nx.Positional, b: nx.Positional) => [a.matmul(b), a.sum()])(x.untag('seq', 'vocabulary'), y.untag('vocabulary', 'embedding')),
  alignNames: () => nx.alignNames([x, y]),
  stopGradient: () => nx.stopGradient(x),
  contract: () => nx.contract(['vocabulary'], x, y),
  einsum: () => nx.einsum('batch seq vocabulary, vocabulary embedding -> embedding seq', x, y),
  einsumTensors: () => nx.einsumTensors([['b', 's', 'v'], ['v', 'e']], ['e', 's'], [x.unwrap('batch', 'seq', 'vocabulary'), y.unwrap('vocabulary', 'embedding')]),
  planContraction: () => nx.planContraction(['b', 'v'], ['v', 'e'], ['b', 'e']),
  slice: () => nx.slice(0, 2),
  dynamicSlice: () => nx.dynamicSlice(1, 2),
  gatherNamed: () => nx.gatherNamed(x, 'vocabulary', ids),
  zeros: () => nx.zeros({ a: 2 }),
  ones: () => nx.ones({ a: 2 }, 'int32'),
  full: () => [nx.full({ a: 2 }, 3), nx.full({ a: 2 }, true)],
  scalar: () => nx.scalar(1.5),
  fromArray: () => nx.fromArray([[1, 2]], ['a', 'b']),
  arange: () => [nx.arange('seq', 4), nx.arange('seq', 1, 2, 0.25), nx.arange('seq', 0, 3, 1, 'float32')],
  randomNormal: () => [nx.randomNormal({ a: 3 }, { seed: 0 }), nx.randomNormal({ a: 3 }, { key: arg(nx.randomSplit(arg(nx.randomKey(0)), { k: 2 })) })],
  randomUniform: () => nx.randomUniform({ a: 3 }, { seed: 0, min: -1 }),
  stack: () => [nx.stack([x, arg(x.orderAs('vocabulary', 'seq', 'batch'))], 'copies'), nx.stack([ids, mask, arg(x.index({ vocabulary: 0 }))], 'k')],
  concatenate: () => [nx.concatenate([x, arg(x.orderAs('vocabulary', 'batch', 'seq'))], 'seq'), nx.concatenate([x], 'seq')],
  unstack: () => nx.unstack(x, 'seq'),
  split: () => [nx.split(x, 'vocabulary', 2), nx.split(x, 'vocabulary', [1, 3])],
  oneHot: () => [nx.oneHot(ids, 'vocabulary', 4), nx.oneHot(ids, 'vocabulary', 4, 'int32')],
  ready: () => nx.ready(),
  ensureReady: () => nx.ensureReady(),
  backendName: () => nx.backendName(),
  backendThreads: () => nx.backendThreads(),
  wasmThreadStats: () => nx.wasmThreadStats(),
  setAutoFree: () => nx.setAutoFree(nx.autoFreeStats().enabled),
  autoFreeStats: () => nx.autoFreeStats(),
  setGemvLayout: () => nx.setGemvLayout(true),
  fusedRmsNorm: () => [nx.fusedRmsNorm(x, 'vocabulary', 1e-6), nx.fusedRmsNorm(x, 'vocabulary', 1e-6, arg(nx.ones({ vocabulary: 4 })))],
  fusedRotary: () => nx.fusedRotary(x, 'vocabulary', ids, Float32Array.from([1, 0.5]), 'memory-test'),
  writeSlotsInPlace: () => nx.writeSlotsInPlace(arg(nx.zeros({ seq: 3, vocabulary: 4 })), 'seq', 1, arg(nx.ones({ seq: 1, vocabulary: 4 }))),
  whereOfOneShape: () => nx.whereOfOneShape(arg(tf.ones([1, 1, 1, 1, 2], 'bool')), arg(tf.zeros([1, 1, 1, 1, 2])), arg(tf.ones([1, 1, 1, 1, 2]))),
  NamedAxisError: () => new nx.NamedAxisError('x'),
  MemoryBudgetError: () => new nx.MemoryBudgetError(1, 0, 'x'),
  WASM_HEAP_BYTES: () => nx.WASM_HEAP_BYTES,
  memoryBudget: () => nx.memoryBudget(),
  setHeapLimit: () => nx.setHeapLimit(null),
  checkMemory: () => nx.checkMemory(1, 'x', 'y'),
  formatNamedShape: () => nx.formatNamedShape(x.namedShape),
  add: () => nx.add(x, y),
  sub: () => nx.sub(x, 1),
  mul: () => nx.mul(2, x),
  div: () => nx.div(x, y),
  pow: () => nx.pow(x, 2),
  mod: () => nx.mod(ids, 2),
  floorDiv: () => nx.floorDiv(ids, 2),
  maximum: () => nx.maximum(x, y),
  minimum: () => nx.minimum(x, 0),
  equal: () => nx.equal(ids, 2),
  notEqual: () => nx.notEqual(ids, ids),
  less: () => nx.less(x, y),
  lessEqual: () => nx.lessEqual(x, 0),
  greater: () => nx.greater(x, y),
  greaterEqual: () => nx.greaterEqual(ids, 1),
  logicalAnd: () => nx.logicalAnd(mask, arg(nx.greater(x, 0))),
  logicalOr: () => nx.logicalOr(mask, true),
  neg: () => nx.neg(x),
  abs: () => nx.abs(x),
  exp: () => nx.exp(x),
  log: () => nx.log(x),
  sqrt: () => nx.sqrt(x),
  rsqrt: () => nx.rsqrt(x),
  square: () => nx.square(x),
  tanh: () => nx.tanh(x),
  sin: () => nx.sin(x),
  cos: () => nx.cos(x),
  sigmoid: () => nx.sigmoid(x),
  relu: () => nx.relu(x),
  gelu: () => nx.gelu(x),
  silu: () => nx.silu(x),
  logicalNot: () => nx.logicalNot(mask),
  astype: () => [nx.astype(ids, 'float32'), nx.astype(x, 'float32')],
  where: () => [nx.where(mask, x, y), nx.where(mask, ids, 0.5), nx.where(ids, 1, 0)],
  sum: () => [nx.sum(x, 'seq'), nx.sum(x.untag('seq'))],
  mean: () => nx.mean(x, 'seq', 'batch'),
  max: () => nx.max(x, 'vocabulary'),
  min: () => nx.min(x, ...x.names),
  prod: () => nx.prod(x, 'seq'),
  randomKey: () => nx.randomKey(3),
  randomFoldIn: () => nx.randomFoldIn(arg(nx.randomSplit(arg(nx.randomKey(1)), { b: 2 })), 4),
  randomSplit: () => nx.randomSplit(arg(nx.randomKey(1)), { batch: 3 }),
  std: () => [nx.std(x, 'seq'), nx.std(x.untag('vocabulary'))],
  variance: () => nx.variance(x, 'batch', 'vocabulary'),
  argmax: () => nx.argmax(x, 'vocabulary'),
  argmin: () => nx.argmin(x, 'seq'),
  softmax: () => [nx.softmax(x, 'vocabulary'), nx.softmax(x, 'seq', 'batch')],
  logSoftmax: () => [nx.logSoftmax(x, 'vocabulary'), nx.logSoftmax(x, 'seq')],
  cumsum: () => [nx.cumsum(x, 'seq'), nx.cumsum(mask, 'seq')],
  broadcastTo: () => nx.broadcastTo(x.untag('seq'), [2, 3], { heads: 2 }),
};

/** One case per NamedArray method or getter. */
const methodTable: Record<string, Case> = {
  namedShape: () => x.namedShape,
  names: () => x.names,
  positionalShape: () => x.positionalShape,
  dtype: () => x.dtype,
  size: () => x.size,
  dataAxisOf: () => x.dataAxisOf('seq'),
  checkValid: () => x.checkValid(),
  tag: () => w().tag('a', 'b'),
  tagPrefix: () => w().tagPrefix('a'),
  untag: () => x.untag('seq', 'batch'),
  untagPrefix: () => x.untag('seq').untagPrefix('batch'),
  unwrap: () => [x.unwrap('batch', 'seq', 'vocabulary'), x.unwrap('vocabulary', 'batch', 'seq')],
  positionalTensor: () => [x.untag('seq', 'batch', 'vocabulary').positionalTensor(), x.untag('batch', 'seq', 'vocabulary').positionalTensor()],
  orderAs: () => x.orderAs('vocabulary', 'batch', 'seq'),
  orderLike: () => x.orderLike(mask),
  canonicalize: () => arg(x.orderAs('vocabulary', 'seq', 'batch')).canonicalize(),
  broadcastTo: () => [x.broadcastTo({ namedShape: { heads: 3 } }), x.untag('seq').broadcastTo([2, 3], { heads: 2 })],
  broadcastLike: () => ids.broadcastLike(y),
  index: () => [
    x.index({ seq: 1, vocabulary: nx.slice(null, null, -2), extra: null }),
    x.index({ vocabulary: ids }),
    x.index({ seq: [2, 0, 2] }),
    x.index({ seq: nx.dynamicSlice(arg(nx.fromArray([2, 0], ['batch'], 'int32')), 2) }),
    x.index({ batch: arg(nx.fromArray([1, 0], ['k'], 'int32')), seq: arg(nx.fromArray([2, 1], ['k'], 'int32')) }),
  ],
  at: () => [
    x.at({ seq: nx.slice(1, 3) }).set(arg(nx.ones({ seq: 2 }))),
    x.at({ seq: 0, batch: nx.dynamicSlice(1, 1) }).add(1),
    x.at({ seq: nx.dynamicSlice(arg(nx.fromArray([2, 0], ['batch'], 'int32')), 1) }).mul(arg(nx.full({ seq: 1, vocabulary: 4 }, 2))),
    x.at({ vocabulary: 3 }).get(),
    x.at({ seq: arg(nx.fromArray([[0, 2], [1, 1]], ['batch', 'k'], 'int32')) }).add(arg(nx.ones({ k: 2 }))),
    x.at({ seq: [2, -1] }).set(arg(nx.wrap(tf.ones([2])))),
  ],
  add: () => x.add(y),
  sub: () => x.sub(y),
  mul: () => x.mul(y),
  mod: () => ids.mod(3),
  floorDiv: () => ids.floorDiv(arg(ids.add(1))),
  div: () => x.div(2),
  pow: () => x.pow(y),
  maximum: () => x.maximum(y),
  minimum: () => x.minimum(y),
  equal: () => x.equal(y),
  notEqual: () => x.notEqual(0),
  less: () => x.less(y),
  lessEqual: () => x.lessEqual(y),
  greater: () => x.greater(1),
  greaterEqual: () => x.greaterEqual(y),
  logicalAnd: () => mask.logicalAnd(false),
  logicalOr: () => mask.logicalOr(mask),
  neg: () => x.neg(),
  abs: () => x.abs(),
  exp: () => x.exp(),
  log: () => x.log(),
  sqrt: () => x.sqrt(),
  rsqrt: () => x.rsqrt(),
  square: () => x.square(),
  tanh: () => x.tanh(),
  sin: () => x.sin(),
  cos: () => x.cos(),
  sigmoid: () => x.sigmoid(),
  relu: () => x.relu(),
  gelu: () => x.gelu(),
  silu: () => x.silu(),
  logicalNot: () => mask.logicalNot(),
  astype: () => x.astype('int32'),
  sum: () => x.sum('seq', 'batch'),
  mean: () => x.untag('seq').mean(),
  max: () => x.max('batch'),
  min: () => x.min('vocabulary'),
  prod: () => x.prod('vocabulary'),
  std: () => x.std('seq'),
  var: () => x.untag('seq').var(),
  argmax: () => x.argmax('seq'),
  argmin: () => x.argmin('vocabulary'),
  softmax: () => x.softmax('vocabulary', 'seq'),
  logSoftmax: () => x.logSoftmax('batch'),
  cumsum: () => x.cumsum('vocabulary'),
  array: () => x.array('seq', 'batch', 'vocabulary'),
  arraySync: () => [x.arraySync('batch', 'seq', 'vocabulary'), x.arraySync('seq', 'vocabulary', 'batch')],
  item: () => arg(x.sum(...x.names)).item(),
  dispose: () => nx.zeros({ a: 2 }).dispose(),
  toString: () => x.untag('seq').toString(),
};

/** One case per Positional method (run through nmap over x's `batch` axis). */
const positionalTable: Record<string, Case> = {
  shape: p((q) => (void q.shape, q)),
  rank: p((q) => (void q.rank, q)),
  dtype: p((q) => (void q.dtype, q)),
  axis: p((q) => (void q.axis(-1), q)),
  add: p((q) => q.add(q.sum(-1, true))),
  sub: p((q) => q.sub(1)),
  mul: p((q) => q.mul(q)),
  div: p((q) => q.div(2)),
  pow: p((q) => q.pow(2)),
  mod: p((q) => q.mod(2)),
  floorDiv: p((q) => q.floorDiv(2)),
  maximum: p((q) => q.maximum(0)),
  minimum: p((q) => q.minimum(q.sum(0))),
  equal: p((q) => q.equal(0)),
  notEqual: p((q) => q.notEqual(0)),
  less: p((q) => q.less(0)),
  lessEqual: p((q) => q.lessEqual(0)),
  greater: p((q) => q.greater(0)),
  greaterEqual: p((q) => q.greaterEqual(0)),
  logicalAnd: p((q) => q.greater(0).logicalAnd(true)),
  logicalOr: p((q) => q.greater(0).logicalOr(q.less(-1))),
  neg: p((q) => q.neg()),
  abs: p((q) => q.abs()),
  exp: p((q) => q.exp()),
  log: p((q) => q.log()),
  sqrt: p((q) => q.sqrt()),
  rsqrt: p((q) => q.rsqrt()),
  square: p((q) => q.square()),
  tanh: p((q) => q.tanh()),
  sin: p((q) => q.sin()),
  cos: p((q) => q.cos()),
  sigmoid: p((q) => q.sigmoid()),
  relu: p((q) => q.relu()),
  floor: p((q) => q.floor()),
  sign: p((q) => q.sign()),
  logicalNot: p((q) => q.greater(0).logicalNot()),
  gelu: p((q) => q.gelu()),
  silu: p((q) => q.silu()),
  astype: p((q) => q.astype('int32')),
  sum: p((q) => q.sum()),
  mean: p((q) => q.mean(0)),
  max: p((q) => q.max(1)),
  min: p((q) => q.min([0, 1])),
  prod: p((q) => q.prod(-1)),
  std: p((q) => q.std(0)),
  var: p((q) => q.var()),
  argmax: p((q) => q.argmax()),
  argmin: p((q) => q.argmin(0)),
  cumsum: p((q) => q.cumsum(0)),
  softmax: p((q) => [q.softmax(), q.softmax(0)]),
  logSoftmax: p((q) => [q.logSoftmax(), q.logSoftmax(0)]),
  matmul: p((q) => q.matmul(q, false, true)),
  transpose: p((q) => q.transpose([1, 0])),
  reshape: p((q) => q.reshape([-1])),
  expandDims: p((q) => q.expandDims(1)),
  squeeze: p((q) => q.expandDims(0).squeeze()),
  slice: p((q) => q.slice([1, 0], [1, -1])),
  take: p((q) => [q.take([0, -1], 1), q.take(tf.tensor1d([2, 0], 'int32')), q.take(q.argmax(1).expandDims(-1), 1)]),
  broadcastTo: p((q) => q.broadcastTo([2, 3, 4])),
};
const positionalStatics: Record<string, Case> = {
  where: p((q) => nx.Positional.where(q.greater(0), q, 0)),
};

function getterOrMethodNames(proto: object): string[] {
  return Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor');
}

describe('no tensor leaks', () => {
  it('the tables cover every export, NamedArray member and Positional member', () => {
    expect(Object.keys(nx).sort()).toEqual(Object.keys(exportsTable).sort());
    expect(getterOrMethodNames(nx.NamedArray.prototype).sort()).toEqual(Object.keys(methodTable).sort());
    expect(getterOrMethodNames(nx.Positional.prototype).filter((k) => k !== 'wrap' && k !== 'axes').sort()).toEqual(Object.keys(positionalTable).sort());
    const statics = Object.getOwnPropertyNames(nx.Positional).filter((k) => !['length', 'name', 'prototype'].includes(k));
    expect(statics.sort()).toEqual(Object.keys(positionalStatics).sort());
  });

  for (const [name, f] of Object.entries(exportsTable)) it(`nx.${name}`, () => expectNoLeak(name, f));
  for (const [name, f] of Object.entries(methodTable)) it(`NamedArray#${name}`, () => expectNoLeak(name, f));
  for (const [name, f] of Object.entries({ ...positionalTable, ...positionalStatics })) it(`Positional#${name}`, () => expectNoLeak(name, f));

  it('a failed planner einsum frees what it made', () => {
    const before = tf.memory().numTensors;
    const bad = tf.zeros([3, 5]);
    expect(() => nx.einsumTensors([x.names, ['vocabulary', 'embedding']], ['embedding'], [x.data, bad])).toThrow(/label 'vocabulary' has size/);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('failed operations free what they made before failing', () => {
    const starts2 = nx.fromArray([0, 1], ['seq'], 'int32');
    const starts3 = nx.fromArray([0, 1, 2], ['batch'], 'int32');
    const z3 = nx.zeros({ seq: 3 });
    const y3 = nx.zeros({ vocabulary: 3, embedding: 5 });
    const failing: Case[] = [
      () => x.at({ seq: nx.slice(0, 2), batch: nx.dynamicSlice(starts2, 1) }).set(z3),
      () => x.index({ vocabulary: ids, seq: nx.slice(0, 2) }),
      () => nx.einsum('batch seq vocabulary, vocabulary embedding -> seq', x, y3 as never),
      () => nx.nmap((q: nx.Positional) => q.sum(5))(x.untag('seq')),
      () => x.index({ seq: nx.dynamicSlice(starts3, 1) }),
      () => nx.contract(['vocabulary'], x, y3 as never),
    ];
    for (const [i, f] of failing.entries()) {
      const before = tf.memory().numTensors;
      expect(f, `failing case ${i}`).toThrow(nx.NamedAxisError);
      expect(tf.memory().numTensors, `failing case ${i} leaked`).toBe(before);
    }
    tf.dispose([starts2.data, starts3.data, z3.data, y3.data]);
  });
});
