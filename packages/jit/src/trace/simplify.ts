/**
 * Rewrites a trace into fewer, larger ONNX operations before it is written:
 * - a reshape of a parameter becomes a view of the same bytes (an initializer with other dims
 *   on the same external data), so ORT never materialises a reshaped copy of a weight;
 * - `reshape → 2-D matMul → reshape` (how tfjs contracts a weight with activations) becomes one
 *   N-D MatMul that writes its result in the final shape, and a transposed weight is read in
 *   place (FusedMatMul transB) instead of being copied transposed.
 */
import { sizeOf, type TraceGraph, type TraceOp, type TraceValue } from './graph.js';

/** The simplified graph (same inputs, outputs and parameters). @example writeModel(simplify(trace.graph), ...) */
export function simplify(traced: TraceGraph): TraceGraph {
  const graph = withoutRepeats(traced);
  const values = [...graph.values];
  const producer = new Map<number, TraceOp>();
  const consumers = new Map<number, TraceOp[]>();
  for (const op of graph.ops) {
    for (const o of op.outputs) producer.set(o, op);
    for (const i of op.inputs) consumers.set(i, [...(consumers.get(i) ?? []), op]);
  }
  const outputs = new Set(graph.outputs);
  const removed = new Set<TraceOp>();
  const replaced = new Map<TraceOp, TraceOp>();

  for (const op of graph.ops) {
    const src = values[op.inputs[0] ?? -1];
    if (op.kernel === 'Reshape' && src?.origin.kind === 'param') {
      const out = values[op.outputs[0]!]!;
      values[out.id] = { ...out, origin: { kind: 'param', label: src.origin.label, view: true } };
      removed.add(op);
    }
  }
  for (const op of graph.ops) {
    if (op.kernel !== 'BatchMatMul' || op.attrs.transposeA) continue;
    const [a, w] = op.inputs.map((i) => values[i]!) as [TraceValue, TraceValue];
    if (a.shape.length !== 2 || w.shape.length !== 2) continue;
    const aProd = producer.get(a.id);
    const x = aProd?.kernel === 'Reshape' && !removed.has(aProd) ? values[aProd.inputs[0]!]! : a;
    const k = a.shape[1]!;
    const n = values[op.outputs[0]!]!.shape[1]!;
    if (x.shape[x.shape.length - 1] !== k || sizeOf(x.shape) !== sizeOf(a.shape)) continue;
    const users = consumers.get(op.outputs[0]!) ?? [];
    const only = users.length === 1 && !outputs.has(op.outputs[0]!) ? users[0]! : undefined;
    const target = [...x.shape.slice(0, -1), n];
    if (only?.kernel === 'Reshape' && values[only.outputs[0]!]!.shape.join() === target.join()) {
      replaced.set(op, { ...op, kernel: '_MatMul', inputs: [x.id, w.id], inputNames: ['a', 'b'], outputs: only.outputs });
      removed.add(only);
    } else {
      replaced.set(op, { ...op, kernel: '_MatMul', inputs: [a.id, w.id], inputNames: ['a', 'b'] });
    }
  }
  for (const op of graph.ops) {
    if (op.kernel !== 'Slice') continue;
    const cat = producer.get(op.inputs[0]!);
    if (cat?.kernel !== 'Concat') continue;
    const through = sliceThroughConcat(op, cat, values);
    if (through) replaced.set(op, through);
  }
  const ops = graph.ops.filter((op) => !removed.has(op)).map((op) => replaced.get(op) ?? op);
  return { ...graph, values, ops };
}

/** The slice re-targeted at the one concat input it reads, if it reads only one. */
function sliceThroughConcat(op: TraceOp, cat: TraceOp, values: readonly TraceValue[]): TraceOp | undefined {
  const whole = values[cat.outputs[0]!]!.shape;
  const axis = ((cat.attrs.axis as number) + whole.length) % whole.length;
  const begin = op.attrs.begin as number[];
  const size = (op.attrs.size as number[]).map((s, i) => (s < 0 ? whole[i]! - begin[i]! : s));
  if (begin.length !== whole.length || whole.some((d, i) => i !== axis && (begin[i] !== 0 || size[i] !== d))) return undefined;
  let offset = 0;
  for (const input of cat.inputs) {
    const len = values[input]!.shape[axis]!;
    if (begin[axis]! >= offset && begin[axis]! + size[axis]! <= offset + len) {
      const b = begin.map((x, i) => (i === axis ? x - offset : 0));
      return { ...op, inputs: [input], attrs: { ...op.attrs, begin: b, size } };
    }
    offset += len;
  }
  return undefined;
}

/** Common subexpressions: a kernel with the same name, attributes and inputs as an earlier one reuses its outputs. */
function withoutRepeats(graph: TraceGraph): TraceGraph {
  const alias = new Map<number, number>();
  const seen = new Map<string, TraceOp>();
  const at = (id: number) => alias.get(id) ?? id;
  const ops: TraceOp[] = [];
  for (const op of graph.ops) {
    const inputs = op.inputs.map(at);
    const key = `${op.kernel}|${inputs.join(',')}|${JSON.stringify(op.attrs)}`;
    const earlier = seen.get(key);
    if (earlier) {
      op.outputs.forEach((o, k) => alias.set(o, earlier.outputs[k]!));
      continue;
    }
    const kept = { ...op, inputs };
    seen.set(key, kept);
    ops.push(kept);
  }
  return { ...graph, ops, outputs: graph.outputs.map(at) };
}
