/**
 * Rewrites a trace into fewer, larger ONNX operations before it is written:
 * - a reshape of a parameter becomes a view of the same bytes (an initializer with other dims
 *   on the same external data), so ORT never materialises a reshaped copy of a weight;
 * - `reshape → 2-D matMul → reshape` (how tfjs contracts a weight with activations) becomes one
 *   N-D MatMul that writes its result in the final shape, and a transposed weight is read in
 *   place (FusedMatMul transB) instead of being copied transposed;
 * - RMS norms and tanh-approximated GELUs, as named-array records them, become ONNX Runtime's
 *   fused kernels (one pass over the activations instead of six or seven).
 */
import { sizeOf, type TraceGraph, type TraceOp, type TraceValue } from './graph.js';

/** The simplified graph (same inputs, outputs and parameters). @example const smaller = simplify(graph); // then written as ONNX */
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
  for (const op of graph.ops) {
    const fused = rmsNorm(op, producer, consumers, values, outputs) ?? geluTanh(op, producer, consumers, values, outputs);
    if (fused) replaced.set(op, fused);
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

/**
 * `x · rsqrt(mean(x², last axis) + ε) · w` (RMSLayerNorm, as tfjs records it) becomes one
 * `_RMSNorm` (ONNX Runtime's SimplifiedLayerNormalization), when the intermediate values are
 * used nowhere else.
 */
function rmsNorm(op: TraceOp, producer: Map<number, TraceOp>, consumers: Map<number, TraceOp[]>, values: readonly TraceValue[], outputs: ReadonlySet<number>): TraceOp | undefined {
  if (op.kernel !== 'Multiply') return undefined;
  const only = (id: number, kernel: string) => {
    const p = producer.get(id);
    return p?.kernel === kernel && (consumers.get(id) ?? []).length === 1 && !outputs.has(id) ? p : undefined;
  };
  for (const [ni, wi] of [[0, 1], [1, 0]] as const) {
    const w = values[op.inputs[wi]!]!;
    const d = w.shape[w.shape.length - 1]!;
    if (w.origin.kind !== 'param' || w.shape.slice(0, -1).some((s) => s !== 1)) continue;
    const m1 = only(op.inputs[ni]!, 'Multiply');
    if (!m1) continue;
    for (const [xi, ri] of [[0, 1], [1, 0]] as const) {
      const x = values[m1.inputs[xi]!]!;
      const reshape = only(m1.inputs[ri]!, 'Reshape');
      const rsqrt = reshape && only(reshape.inputs[0]!, 'Rsqrt');
      const add = rsqrt && only(rsqrt.inputs[0]!, 'Add');
      const eps = add && values[add.inputs[1]!]!;
      const mean = add && only(add.inputs[0]!, 'Mean');
      const square = mean && only(mean.inputs[0]!, 'Square');
      if (!square || !eps || square.inputs[0] !== x.id || x.shape[x.shape.length - 1] !== d || eps.origin.kind !== 'const' || eps.shape.length) continue;
      const axes = ([] as number[]).concat(mean.attrs.axis as number | number[]).map((a) => (a + x.shape.length) % x.shape.length);
      if (mean.attrs.keepDims || axes.length !== 1 || axes[0] !== x.shape.length - 1) continue;
      const epsilon = (eps.origin as { values: Float32Array }).values[0]!;
      return { ...op, kernel: '_RMSNorm', inputs: [x.id, w.id], inputNames: ['x', 'scale'], attrs: { epsilon } };
    }
  }
  return undefined;
}

/** The scalar value of a constant, or undefined. */
function scalarConst(v: TraceValue | undefined): number | undefined {
  return v?.origin.kind === 'const' && sizeOf(v.shape) === 1 ? (v.origin as { values: Float32Array }).values[0] : undefined;
}

/**
 * `x · sigmoid(2√(2/π) · (x + 0.044715 · x·x·x))` (named-array's tanh-approximated GELU, as
 * tfjs records it) becomes one `_GeluTanh` (ONNX Runtime's FastGelu, the same function), when
 * the intermediate values are used nowhere else.
 */
function geluTanh(op: TraceOp, producer: Map<number, TraceOp>, consumers: Map<number, TraceOp[]>, values: readonly TraceValue[], outputs: ReadonlySet<number>): TraceOp | undefined {
  if (op.kernel !== 'Multiply' || op.inputs.length !== 2) return undefined;
  const only = (id: number, kernel: string) => {
    const p = producer.get(id);
    return p?.kernel === kernel && (consumers.get(id) ?? []).length === 1 && !outputs.has(id) ? p : undefined;
  };
  /** `op`'s inputs as [constant c, other] when one is a scalar constant near `want`. */
  const scaled = (p: TraceOp | undefined, want: number): number | undefined => {
    if (!p || p.inputs.length !== 2) return undefined;
    for (const [ci, oi] of [[0, 1], [1, 0]] as const) {
      const c = scalarConst(values[p.inputs[ci]!]);
      if (c !== undefined && Math.abs(c - want) <= 1e-6 * want) return p.inputs[oi];
    }
    return undefined;
  };
  const out = values[op.outputs[0]!]!;
  for (const [xi, si] of [[0, 1], [1, 0]] as const) {
    const x = op.inputs[xi]!;
    if (values[x]!.dtype !== 'float32' || values[x]!.shape.join() !== out.shape.join()) continue;
    const sigmoid = only(op.inputs[si]!, 'Sigmoid');
    const outer = sigmoid && only(sigmoid.inputs[0]!, 'Multiply');
    const sumId = outer && scaled(outer, 2 * Math.sqrt(2 / Math.PI));
    const add = sumId !== undefined ? only(sumId, 'Add') : undefined;
    if (!add || !add.inputs.includes(x)) continue;
    const inner = only(add.inputs[add.inputs[0] === x ? 1 : 0]!, 'Multiply');
    const cubeId = inner && scaled(inner, 0.044715);
    const cube = cubeId !== undefined ? only(cubeId, 'Multiply') : undefined;
    const square = cube && cube.inputs.includes(x) ? only(cube.inputs[cube.inputs[0] === x ? 1 : 0]!, 'Multiply') : undefined;
    if (square && square.inputs[0] === x && square.inputs[1] === x) return { ...op, kernel: '_GeluTanh', inputs: [x], inputNames: ['x'], attrs: {} };
  }
  return undefined;
}
