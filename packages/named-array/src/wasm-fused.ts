/**
 * Fused kernels for the small operations of a decode step on tfjs-backend-wasm. A one-token
 * step of a Gemma-sized model runs ~1,500 kernels on a few hundred elements each, and on wasm
 * each launch costs ~10 µs whatever its size (the engine's bookkeeping and the JS-to-wasm
 * call), more than the arithmetic. Here an RMS norm with its scale (6 kernels), a rotary
 * embedding (6 kernels plus the angle terms) and a tanh-GELU (7 kernels) each become one
 * kernel: a JavaScript loop over Float32Array views of the wasm heap, computing in double
 * precision and rounding once (at least as accurate as the float32 op chains they replace).
 *
 * The kernels are registered for the 'wasm' backend only, and used only where they apply:
 * small float32 data on wasm, no gradients being recorded (they have none), the reduced or
 * rotated axis innermost in memory. Everywhere else (cpu, webgl, webgpu, a compiler's trace backend,
 * training) the callers run their plain op sequences, which other backends and
 * `@penjing/jit` already handle.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from './named-array.js';
import { heapViews, offsetOf, type WasmBackend } from './wasm-heap.js';

const RMS_NORM = 'PenjingRmsNorm';
const ROTARY = 'PenjingRotary';
const GELU_TANH = 'PenjingGeluTanh';

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  sigmoidKernel();
  const kernels: [string, (args: KernelArgs) => tf.TensorInfo][] = [
    [RMS_NORM, rmsNormKernel],
    [ROTARY, rotaryKernel],
    [GELU_TANH, geluTanhKernel],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
}

/**
 * Above this many elements the op sequences are used: their wasm kernels are vectorised and a
 * launch is then small next to the arithmetic (a prefill's activations, whose RoPE angles the
 * op sequence also computes faster), while one-token steps of a Gemma-sized model stay below
 * it (the widest, the MLP's 2,048 neurons per row, for up to 8 rows).
 */
const MAX_FUSED_SIZE = 1 << 14;

/**
 * Whether the fused kernels may run on these tensors now: the wasm backend, float32, small
 * (see MAX_FUSED_SIZE), and no gradient tape (a fused kernel has no gradient; training
 * takes the op sequences).
 */
function fusable(x: tf.Tensor, ...rest: tf.Tensor[]): boolean {
  if (tf.getBackend() !== 'wasm' || tf.engine().state.gradientDepth > 0 || x.size > MAX_FUSED_SIZE) return false;
  if (x.dtype !== 'float32' || !rest.every((r) => r.dtype === 'float32')) return false;
  register();
  return true;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap };

function rmsNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, scale } = inputs as { x: tf.TensorInfo; scale?: tf.TensorInfo };
  const b = backend as WasmBackend;
  const eps = (attrs as { epsilon: number }).epsilon;
  const out = b.makeOutput([...x.shape], 'float32');
  // The views are taken after the output is allocated (an allocation may grow the heap).
  const h = heapViews(b).f32;
  const d = x.shape[x.shape.length - 1]!;
  const n = x.shape.reduce((p, k) => p * k, 1);
  const [xo, oo] = [offsetOf(b, x.dataId, n), offsetOf(b, out.dataId, n)];
  const so = scale ? offsetOf(b, scale.dataId, d) : -1;
  for (let base = 0; base < n; base += d) {
    let sum = 0;
    for (let i = xo + base; i < xo + base + d; i++) sum += h[i]! * h[i]!;
    const f = 1 / Math.sqrt(sum / d + eps);
    if (so >= 0) for (let i = 0; i < d; i++) h[oo + base + i] = h[xo + base + i]! * f * h[so + i]!;
    else for (let i = 0; i < d; i++) h[oo + base + i] = h[xo + base + i]! * f;
  }
  return out;
}

/**
 * `x · rsqrt(mean(x², axis) + ε)`, times `scale` (a float32 array over `axis` alone) when
 * given, as one kernel; `null` where the fused kernel does not apply (then run the op
 * sequence): not on wasm, gradients recorded, not float32, over 16,384 elements (where the
 * vectorised op sequence is faster), or `axis` not innermost in memory.
 *
 * @example
 * const y = fusedRmsNorm(x, 'embedding', 1e-6, scale) ?? x.mul(x.square().mean('embedding').add(1e-6).rsqrt()).mul(scale);
 */
export function fusedRmsNorm(x: NamedArray, axis: string, epsilon: number, scale?: NamedArray): NamedArray | null {
  if (!fusable(x.data, ...(scale ? [scale.data] : [])) || x.axes[x.axes.length - 1] !== axis) return null;
  const d = x.data.shape[x.data.rank - 1]!;
  if (scale && (scale.axes.length !== 1 || scale.axes[0] !== axis || scale.data.shape[0] !== d)) return null;
  const inputs: tf.NamedTensorMap = scale ? { x: x.data, scale: scale.data } : { x: x.data };
  return new NamedArray(tf.engine().runKernel(RMS_NORM, inputs, { epsilon }) as tf.Tensor, x.axes);
}

/** Angle tables of one positions array and frequency list: cos and sin, `[position, d/2]`. */
interface AngleTable {
  cos: Float32Array;
  sin: Float32Array;
}

// Every query and key of a call rotates by the same positions object, so its tables are made
// once per call (plain JS arrays: nothing to dispose). Keyed by the positions' tensor, whose
// values never change.
const angleTables = new WeakMap<tf.Tensor, Map<string, AngleTable>>();

function anglesFor(positions: tf.Tensor, inv: Float32Array, key: string): AngleTable {
  let byKey = angleTables.get(positions);
  if (!byKey) angleTables.set(positions, (byKey = new Map()));
  let table = byKey.get(key);
  if (!table) {
    const pos = positions.dataSync();
    const half = inv.length;
    const cos = new Float32Array(pos.length * half);
    const sin = new Float32Array(pos.length * half);
    for (let p = 0; p < pos.length; p++) {
      // θ rounded to float32 as the op sequence computes it (float32 position × frequency).
      for (let j = 0; j < half; j++) {
        const theta = Math.fround(Math.fround(pos[p]!) * inv[j]!);
        cos[p * half + j] = Math.cos(theta);
        sin[p * half + j] = Math.sin(theta);
      }
    }
    byKey.set(key, (table = { cos, sin }));
  }
  return table;
}

function rotaryKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const b = backend as WasmBackend;
  const a = attrs as Record<string, unknown>;
  const [cos, sin, rowAngles] = [a.cos as Float32Array, a.sin as Float32Array, a.rowAngles as Int32Array];
  const out = b.makeOutput([...x.shape], 'float32');
  const h = heapViews(b).f32;
  const d = x.shape[x.shape.length - 1]!;
  const half = d / 2;
  const n = rowAngles.length * d;
  const [xo, oo] = [offsetOf(b, x.dataId, n), offsetOf(b, out.dataId, n)];
  for (let r = 0; r < rowAngles.length; r++) {
    const angle = rowAngles[r]!;
    const [xb, ob] = [xo + r * d, oo + r * d];
    for (let j = 0; j < half; j++) {
      const x1 = h[xb + j]!;
      const x2 = h[xb + half + j]!;
      const c = cos[angle + j]!;
      const s = sin[angle + j]!;
      h[ob + j] = x1 * c - x2 * s;
      h[ob + half + j] = x2 * c + x1 * s;
    }
  }
  return out;
}

/**
 * Split-half rotary embedding of `axis` (size d) by int positions (named with axes of `x`):
 * `θ_j = position · inverseFrequencies[j]`, out = `[x1·cos θ − x2·sin θ, x2·cos θ + x1·sin θ]`,
 * as one kernel; `null` where the fused kernel does not apply (see {@link fusedRmsNorm}).
 * `key` names the frequency list (angle tables are cached per positions array and key).
 *
 * @example
 * const rotated = fusedRotary(q, 'projection', positions, inv, inv.join(',')); // null off wasm: use the op sequence
 */
export function fusedRotary(x: NamedArray, axis: string, positions: NamedArray, inverseFrequencies: Float32Array, key: string): NamedArray | null {
  const d = x.data.shape[x.data.rank - 1]!;
  if (!fusable(x.data) || x.axes[x.axes.length - 1] !== axis || d !== 2 * inverseFrequencies.length) return null;
  if (positions.dtype !== 'int32' || positions.positionalShape.length || !positions.names.every((n) => x.names.includes(n) && n !== axis)) return null;
  const { cos, sin } = anglesFor(positions.data, inverseFrequencies, key);
  // Per row of x (every axis but the innermost), the offset of its angles in the tables.
  const lead = x.data.shape.slice(0, -1);
  const strides = x.axes.slice(0, -1).map((a) => (typeof a === 'string' && positions.names.includes(a) ? positionStride(positions, a) : 0));
  const rows = lead.reduce((p, n) => p * n, 1);
  const rowAngles = new Int32Array(rows);
  const index = lead.map(() => 0);
  for (let r = 0; r < rows; r++) {
    let p = 0;
    for (let i = 0; i < lead.length; i++) p += index[i]! * strides[i]!;
    rowAngles[r] = p * (d / 2);
    for (let i = lead.length - 1; i >= 0 && ++index[i]! === lead[i]; i--) index[i] = 0;
  }
  // Typed arrays as attributes: the kernel runs at once, in this process, and nothing records them.
  const attrs: Record<string, unknown> = { cos, sin, rowAngles };
  return new NamedArray(tf.engine().runKernel(ROTARY, { x: x.data }, attrs as tf.NamedAttrMap) as tf.Tensor, x.axes);
}

/** The element stride of named axis `name` in an array's data. */
function positionStride(a: NamedArray, name: string): number {
  const p = a.dataAxisOf(name);
  return a.data.shape.slice(p + 1).reduce((s, n) => s * n, 1);
}

const GELU_K = 2 * Math.sqrt(2 / Math.PI);

/** tfjs-backend-wasm's Sigmoid kernel function (XNNPACK's vectorised sigmoid), taken at registration. */
let sigmoid: tf.KernelFunc | undefined;

function sigmoidKernel(): tf.KernelFunc {
  sigmoid ??= tf.getKernel('Sigmoid', 'wasm')?.kernelFunc;
  if (!sigmoid) throw new Error('fusedGeluTanh: the wasm backend has no Sigmoid kernel.');
  return sigmoid;
}

function geluTanhKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const b = backend as WasmBackend;
  const n = x.shape.reduce((p, k) => p * k, 1);
  // x·sigmoid(2·√(2/π)·(x + 0.044715·x³)) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): the
  // argument here, the sigmoid by the backend's own vectorised kernel (called directly, no
  // launch; JS's Math.exp would cost 3× the whole op sequence), the product here.
  const z = b.makeOutput([...x.shape], 'float32');
  let h = heapViews(b).f32;
  const [xo, zo] = [offsetOf(b, x.dataId, n), offsetOf(b, z.dataId, n)];
  for (let i = 0; i < n; i++) {
    const v = h[xo + i]!;
    h[zo + i] = GELU_K * (v + 0.044715 * v * v * v);
  }
  const out = sigmoidKernel()({ inputs: { x: z }, backend, attrs: {} }) as tf.TensorInfo;
  b.disposeData(z.dataId);
  h = heapViews(b).f32;
  const oo = offsetOf(b, out.dataId, n);
  for (let i = 0; i < n; i++) h[oo + i] = h[xo + i]! * h[oo + i]!;
  return out;
}

/**
 * Tanh-approximated GELU of a float32 tensor as one kernel on wasm; `null` where the fused
 * kernel does not apply (see {@link fusedRmsNorm}).
 * @example const y = fusedGeluTanh(x); // null off wasm: use the op sequence
 */
export function fusedGeluTanh(x: tf.Tensor): tf.Tensor | null {
  if (!fusable(x)) return null;
  return tf.engine().runKernel(GELU_TANH, { x }) as tf.Tensor;
}
