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
import { GemmaTransformer, initCache, toCachingModel } from '@penjing/gemma';
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
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(Number(want[j]) - Number(got[j])) / Math.max(1, Math.abs(Number(want[j]))));
      expect(worst, `${op.kernel} at ${op.path}`).toBeLessThan(1e-5);
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
    const c = new (cache.constructor as typeof import('@penjing/gemma').KVCache)({ endIndex: 2, kvTokenPositions: kvp, layers: cache.layers.map((e, i) => e.replace({ keys: kv[2 * i]!, values: kv[2 * i + 1]! })) });
    const out = m.step(x, c);
    return [out.logits, out.cache.kvTokenPositions, ...out.cache.layers.flatMap((e) => [e.keys, e.values])];
  });
  await compareEveryKernel(graph, args.map((a) => a.data));
  cache.dispose();
});
