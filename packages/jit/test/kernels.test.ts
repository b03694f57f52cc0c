/**
 * Every kernel a Gemma forward pass and a caching step record, translated to ONNX, against
 * tfjs's own kernel on the same inputs: the trace is replayed kernel by kernel on tfjs, the
 * ONNX graph (optimisations off) exposes every intermediate value, and they must agree.
 */
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GemmaTransformer } from '@penjing/gemma';
import { KVCache, initCache, toCachingModel } from '@penjing/transformer';
import { traceCall } from '../src/trace/capture.js';
import type { TraceGraph } from '../src/trace/graph.js';
import { writeModel } from '../src/onnx/write.js';
import { tinyConfig, tokens } from './helpers.js';

beforeAll(async () => {
  await nx.ready();
});

async function compareEveryKernel(graph: TraceGraph, inputs: tf.Tensor[]): Promise<Set<string>> {
  const vals = new Map<number, tf.Tensor>();
  const made: tf.Tensor[] = [];
  for (const v of graph.values) {
    if (v.origin.kind === 'input') vals.set(v.id, inputs[v.origin.index]!);
    if (v.origin.kind === 'const') made.push(vals.set(v.id, tf.tensor(v.origin.values, [...v.shape], v.dtype)).get(v.id)!);
    if (v.origin.kind === 'param') vals.set(v.id, (graph.params.get(v.origin.label) as { tensor: tf.Tensor }).tensor);
  }
  const outputs: number[] = [];
  for (const op of graph.ops) {
    const ins = op.inputs.map((i) => vals.get(i)!);
    const named = op.inputNames[0] === '0' ? ins : Object.fromEntries(op.inputNames.map((n, k) => [n, ins[k]]));
    const r = tf.engine().runKernel(op.kernel, named as never, op.attrs as never);
    (Array.isArray(r) ? r : [r]).forEach((t, k) => {
      vals.set(op.outputs[k]!, t as tf.Tensor);
      made.push(t as tf.Tensor);
      outputs.push(op.outputs[k]!);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'penjing-kernels-'));
  const locations = new Map<string, { file: string; offset: number; length: number }>();
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [label, s] of graph.params) {
    const d = (s as { tensor: tf.Tensor }).tensor.dataSync();
    chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    locations.set(label, { file: 'w.bin', offset, length: d.byteLength });
    offset += d.byteLength;
  }
  writeFileSync(join(dir, 'w.bin'), Buffer.concat(chunks));
  writeFileSync(join(dir, 'm.onnx'), writeModel({ ...graph, outputs }, (l) => locations.get(l)!));
  const session = await ort.InferenceSession.create(join(dir, 'm.onnx'), { graphOptimizationLevel: 'disabled' });
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((t, i) => (feeds[`input_${i}`] = new ort.Tensor(t.dtype as 'int32', t.dataSync() as Int32Array, t.shape)));
  const res = await session.run(feeds);
  const seen = new Set<string>();
  let k = 0;
  for (const op of graph.ops) {
    seen.add(op.kernel);
    for (const o of op.outputs) {
      const want = vals.get(o)!.dataSync();
      const got = res[`output_${k++}`]!.data as ArrayLike<number | bigint>;
      expect(got.length, `${op.kernel} at ${op.path}`).toBe(want.length);
      let worst = 0;
      const asNumber = (x: number | bigint) => (graph.values[o]!.dtype === 'bool' ? Number(!!x) : Number(x));
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(asNumber(want[j]!) - asNumber(got[j]!)) / Math.max(1, Math.abs(asNumber(want[j]!))));
      expect(worst, `${op.kernel} ${JSON.stringify(op.attrs)} at ${op.path}: tfjs ${Array.from(want.slice(0, 6))} onnx ${Array.from(got).slice(0, 6)}`).toBeLessThan(1e-5);
    }
  }
  await session.release();
  rmSync(dir, { recursive: true, force: true });
  tf.dispose(made);
  return seen;
}

it('each kernel of Gemma 2 (soft-caps, GQA, sliding window) matches tfjs', async () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma2_2b'), { seed: 1 });
  const t = tokens([[2, 5, 7, 9], [2, 3, 4, 0]]);
  const { graph } = traceCall(model, [t, { returnLastOnly: true }] as const, (m, [x, s]) => m.call(x, s));
  const kernels = await compareEveryKernel(graph, [t.data]);
  expect([...kernels]).toEqual(expect.arrayContaining(['BatchMatMul', 'Softmax', 'Tanh', 'Cumsum', 'GatherV2', 'ArgMax']));
});

it('each kernel of a KV-caching step matches tfjs', async () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m', { attentionTypes: ['local', 'global'], slidingWindowSize: 2 }), { seed: 2 });
  const lm = toCachingModel(model);
  const cache = initCache(lm, { batchSize: 1, cacheLength: 8 });
  const t = tokens([[2, 5, 7]]);
  const args = [t, cache.kvTokenPositions, ...cache.layers.flatMap((e) => [e.keys, e.values])] as const;
  const { graph } = traceCall(lm, args, (m, [x, kvp, ...kv]) => {
    const c = new KVCache({ endIndex: 2, kvTokenPositions: kvp, layers: cache.layers.map((e, i) => e.replace({ keys: kv[2 * i]!, values: kv[2 * i + 1]! })) });
    const out = m.step(x, c);
    return [out.logits, out.cache.kvTokenPositions, ...out.cache.layers.flatMap((e) => [e.keys, e.values])];
  });
  await compareEveryKernel(graph, args.map((a) => a.data));
  cache.dispose();
});

it('each kernel of the compiled set matches tfjs (an op zoo over float, int and bool values)', async () => {
  const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 7);
  const i = tf.tensor2d([[3, -2, 7], [0, 5, -9]], [2, 3], 'int32');
  const { graph } = traceCall(new (class {} as never)(), [x, i] as const, (_m, [a, n]) => {
    const b = a.abs().add(0.5);
    const out: tf.Tensor[] = [
      a.exp(), b.log(), b.sqrt(), a.sin(), a.cos(), a.tanh(), a.sigmoid(), a.neg(), a.relu(), a.erf(), a.floor(), a.ceil(), a.sign(), b.reciprocal(),
      tf.softplus(a), b.rsqrt(), a.square(), tf.relu6(a.mul(4)), tf.elu(a), tf.step(a, 0.1), a.clipByValue(-0.5, 0.5), tf.leakyRelu(a, 0.3),
      a.add(b), a.sub(b), a.mul(b), a.div(b), tf.maximum(a, b.neg()), tf.minimum(a, b.neg()), b.pow(a), tf.addN([a, b, a]), tf.squaredDifference(a, b),
      tf.floorDiv(a, b), tf.floorDiv(n, tf.scalar(4, 'int32')), tf.mod(b, tf.scalar(0.7)), tf.mod(n.abs(), tf.scalar(4, 'int32')),
      a.equal(b), a.less(0), a.lessEqual(0), a.greater(0), a.greaterEqual(0), a.notEqual(0), a.greater(0).logicalAnd(a.less(1)),
      a.greater(0).logicalOr(a.less(-1)), a.greater(0).logicalNot(), tf.isNaN(a), a.cast('int32'), n.cast('float32'), n.cast('bool'), // (float → bool on tfjs-wasm truncates; ONNX and tfjs's documented x ≠ 0 agree)
       tf.where(a.greater(0), a, b),
      a.reshape([6, 4]), a.transpose([2, 0, 1]), a.slice([0, 1, 1], [2, 2, 2]), tf.stridedSlice(a, [0, 2, 0], [2, 0, 4], [1, -1, 2]),
      tf.concat([a, b], 1), tf.gather(a, tf.tensor1d([2, 0, 2], 'int32'), 1), tf.stack([a, b], 1), ...tf.unstack(a, 2), ...tf.split(a, [1, 3], 2),
      a.tile([1, 2, 1]), a.pad([[0, 0], [1, 2], [0, 1]], 0.25), a.reverse([1, 2]), tf.zerosLike(a), tf.onesLike(n), tf.broadcastTo(a.slice([0, 0, 0], [1, 3, 4]), [2, 3, 4]),
      a.sum(1), n.sum(), a.mean([0, 2], true), a.max(2), a.min(0), b.prod(1), a.greater(0).any(2), a.greater(-3).all(1), a.argMax(2), a.argMin(1),
      tf.softmax(a), tf.logSoftmax(a), a.cumsum(1), a.cumsum(2, true, true), n.cumsum(1), tf.topk(a, 2).values, tf.topk(a, 2).indices,
      tf.oneHot(tf.minimum(n.abs(), tf.scalar(4, 'int32')), 5), tf.matMul(a, b, false, true), tf.matMul(a.reshape([6, 4]), b.reshape([6, 4]), true, false),
      a.max(1).add(tf.range(0, 4)).add(tf.fill([2, 4], 0.5)),
    ];
    return out;
  });
  const seen = await compareEveryKernel(graph, [x, i]);
  const { compiledKernels } = await import('../src/kernels/index.js');
  const untested = compiledKernels().filter((k) => !seen.has(k) && !['Fill', 'Range'].includes(k));
  expect(untested).toEqual([]);
  tf.dispose([x, i]);
});
