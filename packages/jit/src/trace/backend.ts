/**
 * A shape-only tfjs backend. While a trace runs, tfjs ops dispatch here: each kernel computes
 * its output shapes and dtypes (no values), and is recorded. Kernels whose inputs are all
 * constants are folded on tfjs's cpu backend, so tables built from literals (ranges, fills)
 * keep their values. Reading a non-constant value (dataSync/data/array) is an error: its value
 * does not exist until the compiled graph runs.
 */
import * as tf from '@tensorflow/tfjs';
import { JitError, traceDtype, type TraceDtype, type TraceValue, type ValueOrigin } from './graph.js';
import type { Recorder } from './recorder.js';
import { cpuBackend } from '../cpu-backend.js';

export const TRACE_BACKEND = 'penjing-trace';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** Shapes and dtypes of a kernel's outputs, from its inputs' and its attributes. */
export type ShapeRule = (inputs: readonly TraceValue[], attrs: Readonly<Record<string, any>>) => { shape: number[]; dtype: TraceDtype }[];

let active: Recorder | null = null;

/** The recorder of the trace in progress. @internal */
export function activeRecorder(): Recorder {
  if (!active) throw new JitError(`A tfjs op ran on the '${TRACE_BACKEND}' backend outside a jit trace; do not select this backend by hand.`);
  return active;
}

/** Runs `fn` with `rec` receiving every kernel; restores the previous backend afterwards. @internal */
export function withTraceBackend<T>(rec: Recorder, fn: () => T): T {
  ensureRegistered();
  const previous = tf.getBackend();
  if (active) throw new JitError('jit: a trace is already running (traces do not nest).');
  active = rec;
  // setBackend runs synchronously for an initialised backend; the trace itself is synchronous,
  // so no other code can run ops while the trace backend is selected.
  void tf.setBackend(TRACE_BACKEND);
  try {
    return fn();
  } finally {
    active = null;
    void tf.setBackend(previous);
  }
}

class TraceBackend extends tf.KernelBackend {
  readonly ids = new WeakMap<object, number>();
  private count = 0;
  override refCount(): number {
    return 1;
  }
  override incRef(): void {}
  override timerAvailable(): boolean {
    return false;
  }
  override numDataIds(): number {
    return this.count;
  }
  override disposeData(): boolean {
    return true;
  }
  override memory() {
    return { unreliable: true };
  }
  override floatPrecision(): 32 {
    return 32;
  }
  override epsilon(): number {
    return 1e-7;
  }
  override dispose(): void {}
  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object {
    const rec = activeRecorder();
    const t = traceDtype(dtype, rec.here('a constant'));
    const v = rec.newValue(shape, t, { kind: 'const', values: asTyped(values, t) });
    return this.bind(v.id);
  }
  override move(): void {
    throw new JitError('jit: tensors cannot be moved onto the trace backend.');
  }
  override readSync(dataId: object): tf.backend_util.BackendValues {
    const rec = activeRecorder();
    const v = rec.value(this.valueId(dataId));
    if (v.origin.kind === 'const') return v.origin.values;
    throw new JitError(
      `${rec.here('this layer')} reads tensor values during the forward pass (dataSync/data/array/arraySync). ` +
        `A compiled graph computes values only when it runs, so a forward pass that reads them (or whose shapes depend on them) cannot be compiled. ` +
        `Compute the value with tensor ops, or call the model eagerly.`,
    );
  }
  override read(dataId: object): Promise<tf.backend_util.BackendValues> {
    try {
      return Promise.resolve(this.readSync(dataId));
    } catch (e) {
      activeRecorder().fail(e as Error);
      return new Promise(() => {});
    }
  }
  /** A new data id standing for value `id`. */
  bind(id: number): object {
    const dataId = {};
    this.ids.set(dataId, id);
    this.count++;
    return dataId;
  }
  /** The value a data id stands for; a tensor of another backend becomes a constant (read once). */
  valueId(dataId: object): number {
    const id = this.ids.get(dataId);
    if (id !== undefined) return id;
    const rec = activeRecorder();
    const info = tf.engine().state.tensorInfo.get(dataId);
    if (!info) throw new JitError(`${rec.here('a layer')} used a tensor that was already disposed.`);
    const dtype = traceDtype(info.dtype, rec.here('a captured tensor'));
    const v = rec.captureForeign(dataId, info.shape, dtype, () => asTyped(info.backend.readSync(dataId), dtype));
    this.ids.set(dataId, v.id);
    return v.id;
  }
}

let backend: TraceBackend | undefined;
const registeredKernels = new Set<string>();

function ensureRegistered(): void {
  if (backend) return;
  backend = new TraceBackend();
  tf.registerBackend(TRACE_BACKEND, () => backend!, -1);
  tf.engine().findBackend(TRACE_BACKEND);
  cpuBackend();
}

/** The trace backend instance (registering it on first use). @internal */
export function traceBackend(): TraceBackend {
  ensureRegistered();
  return backend!;
}

/**
 * Registers a kernel on the trace backend with its shape rule. Kernels not registered make
 * tfjs raise "Kernel 'X' not registered", which the trace turns into a JitError with the path.
 */
export function registerTraceKernel(kernelName: string, shape: ShapeRule): void {
  if (registeredKernels.has(kernelName)) return;
  registeredKernels.add(kernelName);
  tf.registerKernel({
    kernelName,
    backendName: TRACE_BACKEND,
    kernelFunc: ({ inputs, attrs }) => {
      const b = traceBackend();
      const rec = activeRecorder();
      const ins = Object.values(inputs as Record<string, tf.TensorInfo>).map((t) => rec.value(b.valueId(t.dataId)));
      const outs = rec.record(kernelName, ins, (attrs ?? {}) as Record<string, unknown>, shape(ins, (attrs ?? {}) as Record<string, unknown>), inputs as Record<string, tf.TensorInfo>);
      const infos = outs.map((v) => ({ dataId: b.bind(v.id), shape: [...v.shape], dtype: v.dtype }));
      return infos.length === 1 ? infos[0]! : infos;
    },
  });
}

/** True when the trace backend compiles `kernelName`. @example isTraceKernel('BatchMatMul') // true */
export function isTraceKernel(kernelName: string): boolean {
  return registeredKernels.has(kernelName);
}

function asTyped(values: unknown, dtype: TraceDtype): TypedArray {
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>);
}

export type { ValueOrigin };
