/**
 * Traces one call of a layer tree: parameters and inputs become placeholders on the shape-only
 * backend (no weight is read or allocated), the tree's own `call` runs, and every kernel is
 * recorded with the layer it ran in.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import {
  LazyParameter, Parameter, ParameterSlot, isArrayLeaf, keyPathToString, mapLeaves, mapParameterNodes, setTraceHooks, walk,
  type Layer, type SideInputs,
} from '@penjing/layers';
import '../kernels/index.js';
import { traceBackend, withTraceBackend } from './backend.js';
import { JitError, traceDtype, type TraceGraph, type TraceValue } from './graph.js';
import { Recorder } from './recorder.js';

/** Where an output leaf's array goes when the result is rebuilt. */
export type OutputLeaf = { readonly output: number; readonly axes: readonly (string | number)[] | null };

/** A value check to run on a graph input's real values before each compiled call. */
export interface InputCheck {
  readonly input: number;
  readonly check: (values: ArrayLike<number>) => void;
}

/** A trace plus what is needed to run it: the result's structure and the input checks. */
export interface Trace {
  readonly graph: TraceGraph;
  /** The result with each array leaf replaced by an {@link OutputLeaf}. */
  readonly template: unknown;
  readonly checks: readonly InputCheck[];
}

/**
 * Traces `fn(model', inputs')` where model' and inputs' hold placeholders: `inputs` is any
 * value whose array leaves become graph inputs in leaf order.
 *
 * @example const t = traceCall(model, [tokens, {}], (m, [x, side]) => m.call(x, side));
 */
export function traceCall<M extends Layer, A>(model: M, inputs: A, fn: (model: M, inputs: A) => unknown): Trace {
  const rec = new Recorder();
  const checks: InputCheck[] = [];
  let template: unknown;
  const b = traceBackend();
  withTraceBackend(rec, () => {
    const placeholder = (v: TraceValue): tf.Tensor => tf.engine().makeTensorFromDataId(b.bind(v.id), [...v.shape], v.dtype, b);
    tf.tidy(() => {
      const traced = mapParameterNodes(model, (node) => paramPlaceholder(rec, node, placeholder)) as M;
      let inputIndex = 0;
      const tracedInputs = mapLeaves(inputs, (leaf) => {
        if (!isArrayLeaf(leaf)) return leaf;
        const t = leaf instanceof NamedArray ? leaf.data : leaf;
        const v = rec.newValue(t.shape, traceDtype(t.dtype, `jit input ${inputIndex}`), { kind: 'input', index: inputIndex++ });
        const p = placeholder(v);
        return leaf instanceof NamedArray ? new NamedArray(p, leaf.axes) : p;
      }, isArrayLeaf) as A;
      const paths = layerPaths(traced);
      const stack: object[] = [];
      setTraceHooks(
        {
          enter: (layer) => {
            stack.push(layer);
            rec.pathStack.push(paths.get(layer) ?? '(a layer outside the tree)');
          },
          exit: () => {
            stack.pop();
            rec.pathStack.pop();
          },
        },
        (tensor, check) => {
          const v = rec.value(b.valueId(tensor.dataId));
          if (v.origin.kind === 'input') {
            checks.push({ input: v.origin.index, check });
            return true;
          }
          if (v.origin.kind === 'const') return false;
          throw new JitError(`${rec.here('a value check')} reads values computed inside the forward pass; only the inputs' values can be checked before a compiled call.`);
        },
      );
      let result: unknown;
      try {
        result = fn(traced, tracedInputs);
      } catch (e) {
        throw explain(e);
      } finally {
        setTraceHooks(null, null);
      }
      if (rec.failure) throw rec.failure;
      const outputs: number[] = [];
      template = mapLeaves(result, (leaf) => {
        if (!isArrayLeaf(leaf)) return leaf;
        const t = leaf instanceof NamedArray ? leaf.data : leaf;
        outputs.push(b.valueId(t.dataId));
        return { output: outputs.length - 1, axes: leaf instanceof NamedArray ? leaf.axes : null } satisfies OutputLeaf;
      }, isArrayLeaf);
      const inputIds = rec.values.filter((v) => v.origin.kind === 'input').map((v) => v.id);
      (rec as { graph?: TraceGraph }).graph = { values: rec.values, ops: rec.ops, inputs: inputIds, outputs, params: rec.params };
    });
  });
  return { graph: (rec as { graph?: TraceGraph }).graph!, template, checks };
}

function paramPlaceholder(rec: Recorder, node: Parameter | ParameterSlot, placeholder: (v: TraceValue) => tf.Tensor): unknown {
  if (node instanceof Parameter) {
    const value = node.value;
    const v = rec.param(node.label, value.data.shape, traceDtype(value.dtype, `parameter '${node.label}'`), { kind: 'tensor', tensor: value.data });
    return new Parameter({ label: node.label, value: new NamedArray(placeholder(v), value.axes), trainable: node.trainable });
  }
  if (node instanceof LazyParameter) {
    const s = node.source;
    const dtype = /int/i.test(s.storedDtype) ? 'int32' : 'float32';
    const v = rec.param(node.label, s.shape, dtype, { kind: 'lazy', read: () => s.read(), describe: s.describe });
    return new Parameter({ label: node.label, value: new NamedArray(placeholder(v), Object.keys(node.namedShape ?? {})), trainable: false });
  }
  throw new JitError(`Parameter '${node.label}' has no value (an unbound ParameterSlot): bind one with bindParameters or load a checkpoint before jit.`);
}

function layerPaths(tree: unknown): Map<object, string> {
  const out = new Map<object, string>();
  walk(tree, (node, path) => {
    if (node && typeof node === 'object' && !out.has(node)) out.set(node, keyPathToString(path));
  });
  return out;
}

/** Turns tfjs's "kernel not registered" into a compiler message (the layer path is already prefixed). */
function explain(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const m = /Kernel '(\w+)' not registered for backend 'penjing-trace'/.exec(e.message);
  if (m) {
    const where = e.message.slice(0, m.index);
    return new JitError(`${where}the tfjs kernel '${m[1]}' cannot be compiled: @penjing/jit has no ONNX translation for it. Rewrite the layer with ops that compile, or call it eagerly.`);
  }
  if (e instanceof JitError || e.name === 'JitError') return e;
  return e;
}
