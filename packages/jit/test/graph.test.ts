/** The shape of the ONNX graph ORT receives: fused norms, weights read in place, shared masks. */
import { beforeAll, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { traceCall } from '../src/trace/capture.js';
import { writeModel } from '../src/onnx/write.js';
import { onnx } from '../src/onnx/builder.js';
import { newCacheRowsOnly } from '../src/trace/cache-rows.js';
import type { TraceGraph, TraceOp, TraceValue } from '../src/trace/graph.js';
import { tinyConfig, tokens } from './helpers.js';

beforeAll(async () => {
  await nx.ready();
});

it('a Gemma 3 graph: one SimplifiedLayerNormalization per RMS norm, one FastGelu per GELU, weights never transposed or reshaped by nodes, masks built once', () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m', { numLayers: 3, attentionTypes: ['local', 'local', 'global'], slidingWindowSize: 2 }), { seed: 1 });
  const t = tokens([[2, 5, 7, 9]]);
  const { graph } = traceCall(model, [t, {}] as const, (m, [x, s]) => m.call(x, s));
  const bytes = writeModel(graph, (label) => ({ file: 'w.bin', offset: 0, length: 4 * graph.values.find((v) => v.origin.kind === 'param' && v.origin.label === label)!.shape.reduce((a, b) => a * b, 1) }));
  const nodes = onnx.ModelProto.decode(bytes).graph!.node!;
  const count = (op: string) => nodes.filter((n) => n.opType === op).length;
  // Per block: pre/post attention, pre/post feed-forward, query and key norms; plus the final norm.
  expect(count('SimplifiedLayerNormalization')).toBe(3 * 6 + 1);
  // The feed-forward GELU of each block: one FastGelu, none of its seven pieces left.
  expect(count('FastGelu')).toBe(3);
  expect(count('Sigmoid')).toBe(0);
  const params = new Set(graph.params.keys());
  const weightNodes = nodes.filter((n) => n.opType !== 'Gather' && n.opType !== 'SimplifiedLayerNormalization' && n.opType !== 'Reshape' && n.input!.some((i) => params.has(i.split('#')[0]!) && !['MatMul', 'FusedMatMul'].includes(n.opType!)));
  expect(weightNodes.map((n) => n.opType)).toEqual([]);
  expect(count('FusedMatMul')).toBe(1); // the tied vocabulary projection, read transposed in place
  // Causal and sliding-window masks: one comparison set each, not one per layer.
  expect(count('GreaterOrEqual')).toBeLessThanOrEqual(4);
  t.dispose();
});

it('a decode step keeps its caches out of the outputs: new rows out, one ScatterND per cache; other writes are named', () => {
  // A hand-made step over one cache input [1, 4, 2]: concat(slice(cache, 0..3), fresh) along axis 1.
  const v = (id: number, shape: number[], origin: TraceValue['origin']): TraceValue => ({ id, shape, dtype: 'float32', origin });
  const values = [v(0, [1, 4, 2], { kind: 'input', index: 0 }), v(1, [1, 1, 2], { kind: 'input', index: 1 }), v(2, [1, 3, 2], { kind: 'op' }), v(3, [1, 4, 2], { kind: 'op' })];
  const op = (kernel: string, inputs: number[], outputs: number[], attrs = {}): TraceOp => ({ kernel, inputs, inputNames: inputs.map(String), attrs, outputs, path: '' });
  const step = (write: TraceOp): TraceGraph => ({ values, inputs: [0, 1], outputs: [3], params: new Map(), ops: [op('Slice', [0], [2], { begin: [0, 0, 0], size: [1, 3, 2] }), write] });
  const rows = newCacheRowsOnly(step(op('Concat', [2, 1], [3], { axis: 1 })), new Map([[0, { input: 0, axis: 1, what: 'layer 0 keys' }]]));
  expect(rows.outputs).toEqual([1]);
  expect(rows.ops.map((o) => o.kernel)).toEqual(['Slice', '_SetLastSlot']);
  const nodes = onnx.ModelProto.decode(writeModel({ ...rows, outputs: [3] }, () => ({ file: 'w.bin', offset: 0, length: 0 }))).graph!.node!;
  expect(nodes.filter((n) => n.opType === 'ScatterND')).toHaveLength(1);
  expect(nodes.filter((n) => n.opType === 'Slice' || n.opType === 'Concat')).toHaveLength(0);
  expect(() => newCacheRowsOnly(step(op('Add', [0, 1], [3])), new Map([[0, { input: 0, axis: 1, what: 'layer 0 keys' }]])))
    .toThrow(/writes its layer 0 keys cache by a 'Add' kernel with 2 inputs, not by concat/);
  expect(() => newCacheRowsOnly(step(op('Concat', [2, 1], [3], { axis: 1 })), new Map([[0, { input: 0, axis: 2, what: 'positions' }]])))
    .toThrow(/positions cache by concatenating 1×3×2 and 1×1×2 along axis 1/);
});
