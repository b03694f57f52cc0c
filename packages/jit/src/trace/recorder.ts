/**
 * Collects a trace: values, kernel calls, the layer path each kernel ran in, and the first
 * error that makes the forward pass uncompilable.
 */
import * as tf from '@tensorflow/tfjs';
import { JitError, sizeOf, type ParamSource, type TraceDtype, type TraceOp, type TraceValue, type ValueOrigin } from './graph.js';
import { cpuBackend } from '../cpu-backend.js';

/** Constants up to this many elements are folded on the cpu backend when all inputs are constant. */
const FOLD_LIMIT = 1 << 22;

export class Recorder {
  readonly values: TraceValue[] = [];
  readonly ops: TraceOp[] = [];
  readonly params = new Map<string, ParamSource>();
  readonly paramValue = new Map<string, number>();
  readonly foreign = new Map<object, number>();
  /** Values read from tensors of other backends (constants the tree holds outside parameters). */
  readonly pathStack: string[] = [];
  failure: Error | null = null;

  /** Where the trace is now, for messages: `At .body.blocks[0].mlp: <what>`. */
  here(what: string): string {
    const p = this.pathStack[this.pathStack.length - 1];
    return p === undefined ? what : `At ${p || '(root)'}: ${what}`;
  }

  currentPath(): string {
    return this.pathStack[this.pathStack.length - 1] ?? '';
  }

  fail(e: Error): void {
    this.failure ??= e;
  }

  newValue(shape: readonly number[], dtype: TraceDtype, origin: ValueOrigin): TraceValue {
    const v: TraceValue = { id: this.values.length, shape: [...shape], dtype, origin };
    this.values.push(v);
    return v;
  }

  value(id: number): TraceValue {
    return this.values[id]!;
  }

  /** A parameter placeholder, one per label (tied parameters share it). */
  param(label: string, shape: readonly number[], dtype: TraceDtype, source: ParamSource): TraceValue {
    const known = this.paramValue.get(label);
    if (known !== undefined) return this.values[known]!;
    const v = this.newValue(shape, dtype, { kind: 'param', label });
    this.paramValue.set(label, v.id);
    this.params.set(label, source);
    return v;
  }

  captureForeign(dataId: object, shape: readonly number[], dtype: TraceDtype, read: () => Float32Array | Int32Array | Uint8Array): TraceValue {
    const known = this.foreign.get(dataId);
    if (known !== undefined) return this.values[known]!;
    const v = this.newValue(shape, dtype, { kind: 'const', values: read() });
    this.foreign.set(dataId, v.id);
    return v;
  }

  /** Records a kernel call (or folds it when every input is a small constant); returns its outputs. */
  record(
    kernel: string,
    inputs: readonly TraceValue[],
    attrs: Readonly<Record<string, unknown>>,
    outs: readonly { shape: number[]; dtype: TraceDtype }[],
    named: Record<string, tf.TensorInfo>,
  ): TraceValue[] {
    if (inputs.every((v) => v.origin.kind === 'const') && outs.every((o) => sizeOf(o.shape) <= FOLD_LIMIT)) {
      const folded = fold(kernel, inputs, attrs, named);
      // The cpu kernel's own output dtype is the truth for a folded value (tfjs sees this dtype).
      if (folded) return folded.map((f, i) => this.newValue(f.shape, f.dtype, { kind: 'const', values: f.values }));
    }
    const outputs = outs.map((o) => this.newValue(o.shape, o.dtype, { kind: 'op' }));
    this.ops.push({ kernel, inputs: inputs.map((v) => v.id), inputNames: Object.keys(named), attrs: { ...attrs }, outputs: outputs.map((v) => v.id), path: this.currentPath() });
    return outputs;
  }
}

/** Runs a kernel on tfjs's cpu backend for constant inputs; undefined when that backend lacks it. */
type Folded = { shape: number[]; dtype: TraceDtype; values: Float32Array | Int32Array | Uint8Array };

function fold(kernel: string, inputs: readonly TraceValue[], attrs: Readonly<Record<string, unknown>>, named: Record<string, tf.TensorInfo>): Folded[] | undefined {
  const config = tf.getKernel(kernel, 'cpu');
  if (!config) return undefined;
  const cpu = cpuBackend();
  if (!cpu) return undefined;
  const keys = Object.keys(named);
  const cpuInputs: Record<string, tf.TensorInfo> = Array.isArray(named) ? ([] as unknown as Record<string, tf.TensorInfo>) : {};
  const written: object[] = [];
  keys.forEach((k, i) => {
    const v = inputs[i]!;
    const vals = (v.origin as { values: Float32Array | Int32Array | Uint8Array }).values;
    const dataId = cpu.write(v.dtype === 'bool' ? Uint8Array.from(vals) : vals.slice(), [...v.shape], v.dtype);
    written.push(dataId);
    cpuInputs[k] = { dataId, shape: [...v.shape], dtype: v.dtype };
  });
  try {
    const out = config.kernelFunc({ inputs: cpuInputs, attrs: attrs as tf.NamedAttrMap, backend: cpu });
    const infos = Array.isArray(out) ? out : [out];
    return infos.map((info) => {
      const raw = cpu.readSync(info.dataId) as ArrayLike<number>;
      cpu.disposeData(info.dataId, true);
      const dtype = info.dtype === 'bool' || info.dtype === 'int32' ? info.dtype : 'float32';
      const values = dtype === 'float32' ? Float32Array.from(raw) : dtype === 'int32' ? Int32Array.from(raw) : Uint8Array.from(raw);
      return { shape: [...info.shape], dtype, values };
    });
  } finally {
    for (const d of written) cpu.disposeData(d, true);
  }
}
