/** The shape of the ONNX graph ORT receives: fused norms, weights read in place, shared masks. */
import { beforeAll, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { traceCall } from '../src/trace/capture.js';
import { writeModel } from '../src/onnx/write.js';
import { onnx } from '../src/onnx/builder.js';
import { tinyConfig, tokens } from './helpers.js';

beforeAll(async () => {
  await nx.ready();
});

it('a Gemma 3 graph: one SimplifiedLayerNormalization per RMS norm, weights never transposed or reshaped by nodes, masks built once', () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m', { numLayers: 3, attentionTypes: ['local', 'local', 'global'], slidingWindowSize: 2 }), { seed: 1 });
  const t = tokens([[2, 5, 7, 9]]);
  const { graph } = traceCall(model, [t, {}] as const, (m, [x, s]) => m.call(x, s));
  const bytes = writeModel(graph, (label) => ({ file: 'w.bin', offset: 0, length: 4 * graph.values.find((v) => v.origin.kind === 'param' && v.origin.label === label)!.shape.reduce((a, b) => a * b, 1) }));
  const nodes = onnx.ModelProto.decode(bytes).graph!.node!;
  const count = (op: string) => nodes.filter((n) => n.opType === op).length;
  // Per block: pre/post attention, pre/post feed-forward, query and key norms; plus the final norm.
  expect(count('SimplifiedLayerNormalization')).toBe(3 * 6 + 1);
  const params = new Set(graph.params.keys());
  const weightNodes = nodes.filter((n) => n.opType !== 'Gather' && n.opType !== 'SimplifiedLayerNormalization' && n.opType !== 'Reshape' && n.input!.some((i) => params.has(i.split('#')[0]!) && !['MatMul', 'FusedMatMul'].includes(n.opType!)));
  expect(weightNodes.map((n) => n.opType)).toEqual([]);
  expect(count('FusedMatMul')).toBe(1); // the tied vocabulary projection, read transposed in place
  // Causal and sliding-window masks: one comparison set each, not one per layer.
  expect(count('GreaterOrEqual')).toBeLessThanOrEqual(4);
  t.dispose();
});
