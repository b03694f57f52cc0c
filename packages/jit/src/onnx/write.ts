/**
 * Turns a trace into an ONNX model: graph inputs, parameters as external-data initializers
 * (one weights file per jitted model, shared by every compiled shape), constants inline, one
 * or a few ONNX nodes per recorded kernel (only those the outputs depend on).
 */
import { kernelDef } from '../kernels/registry.js';
import { JitError, type TraceGraph, type TraceValue } from '../trace/graph.js';
import { simplify } from '../trace/simplify.js';
import { GraphBuilder, ONNX_DTYPE, onnx } from './builder.js';

/** Where a parameter lives in the weights file. */
export interface WeightLocation {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
}

/** ONNX opset of the default domain. */
export const OPSET = 17;

/**
 * Encodes the graph; `weight(label)` gives each parameter's place in the weights file.
 * @example const bytes = writeModel(trace.graph, (label) => store.locate(label));
 */
export function writeModel(traced: TraceGraph, weight: (label: string) => WeightLocation, rewrite?: (b: GraphBuilder) => void): Uint8Array {
  const graph = simplify(traced);
  const b = new GraphBuilder();
  const live = liveOps(graph);
  const name = (v: TraceValue): string => {
    if (v.origin.kind === 'input') return `input_${v.origin.index}`;
    if (v.origin.kind === 'param') return v.origin.view ? `${v.origin.label}#${v.shape.join('x')}` : v.origin.label;
    return `v${v.id}`;
  };
  const used = new Set<number>();
  for (const op of live) for (const i of op.inputs) used.add(i);
  for (const o of graph.outputs) used.add(o);
  const initializers = b.initializers;
  for (const id of used) {
    const v = graph.values[id]!;
    if (v.origin.kind === 'const') b.constant(v.origin.values, v.shape, v.dtype, name(v));
    if (v.origin.kind === 'param') {
      const loc = weight(v.origin.label);
      initializers.push({
        name: name(v),
        dataType: ONNX_DTYPE[v.dtype],
        dims: [...v.shape],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: loc.file },
          { key: 'offset', value: String(loc.offset) },
          { key: 'length', value: String(loc.length) },
        ],
      });
    }
  }
  for (const op of live) {
    const def = kernelDef(op.kernel);
    if (!def) throw new JitError(`At ${op.path || '(root)'}: the tfjs kernel '${op.kernel}' has no ONNX translation.`);
    const ins = op.inputs.map((i) => graph.values[i]!);
    const outs = op.outputs.map((i) => graph.values[i]!);
    try {
      def.emit({ b, op, ins, outs, inNames: ins.map(name), outNames: outs.map(name), attrs: op.attrs });
    } catch (e) {
      throw new JitError(`At ${op.path || '(root)'}: kernel '${op.kernel}' could not be translated: ${(e as Error).message}`);
    }
  }
  const outputNames = graph.outputs.map((id, i) => b.node('Identity', [name(graph.values[id]!)], [`output_${i}`]));
  rewrite?.(b);
  const info = (n: string, v: TraceValue) => ({
    name: n,
    type: { tensorType: { elemType: ONNX_DTYPE[v.dtype], shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: '@penjing/jit',
    opsetImport: [{ domain: '', version: OPSET }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      name: 'penjing',
      node: b.nodes,
      initializer: initializers,
      input: graph.inputs.map((id) => info(name(graph.values[id]!), graph.values[id]!)),
      output: graph.outputs.map((id, i) => info(outputNames[i]!, graph.values[id]!)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The kernels the outputs depend on, in recorded order. */
function liveOps(graph: TraceGraph) {
  const producer = new Map<number, number>();
  graph.ops.forEach((op, i) => op.outputs.forEach((o) => producer.set(o, i)));
  const keep = new Set<number>();
  const stack = [...graph.outputs];
  while (stack.length) {
    const p = producer.get(stack.pop()!);
    if (p === undefined || keep.has(p)) continue;
    keep.add(p);
    stack.push(...graph.ops[p]!.inputs);
  }
  return graph.ops.filter((_, i) => keep.has(i));
}
