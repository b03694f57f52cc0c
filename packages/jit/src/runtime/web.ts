/**
 * The web route of jit: ONNX Runtime Web (browsers, or `onnxruntime-web` chosen in Node and
 * Deno) has no file system to map a weights file from, so the weights of a jitted model live
 * in one in-memory buffer that every session receives as its external data, and sessions run
 * on WebGPU when the page has an adapter, else on wasm.
 */
import type * as ortTypes from 'onnxruntime-common';
import type { InferenceSession } from 'onnxruntime-common';
import type { ParamSource } from '../trace/graph.js';
import { WeightLayout, type WeightProgress } from './weights.js';

type Ort = typeof ortTypes;

/** Alignment of each parameter in the buffer (ORT reads float32 and int32 data in place). */
const ALIGN = 64;

/** The weights of one jitted model, in memory: the web counterpart of WeightFile. */
export class WeightBuffer extends WeightLayout {
  private readonly chunks: { offset: number; bytes: Uint8Array }[] = [];
  private joined: Uint8Array | undefined;
  constructor(fileName = 'weights.bin') {
    super(fileName, ALIGN, 'weights buffer');
  }

  /** Copies every parameter not yet in the buffer. @example await buffer.add(trace.graph.params) */
  async add(params: ReadonlyMap<string, ParamSource>, progress?: WeightProgress): Promise<void> {
    await this.place(params, (bytes, offset) => {
      // A copy: a tensor's backing store may be reused once the tensor is disposed.
      this.chunks.push({ offset, bytes: bytes.slice() });
      this.joined = undefined;
    }, progress);
  }

  /** The whole buffer, as sessions receive it (`externalData`). @example buffer.bytes().byteLength */
  bytes(): Uint8Array {
    if (!this.joined) {
      const all = new Uint8Array(this.end);
      for (const c of this.chunks) all.set(c.bytes, c.offset);
      this.joined = all;
    }
    return this.joined;
  }

  /** Drops the buffer. */
  async close(): Promise<void> {
    this.chunks.length = 0;
    this.joined = undefined;
  }
}

/** Whether `ort` is ONNX Runtime Web (its env names a web version). @example isWebOrt(ort) */
export function isWebOrt(ort: Ort): boolean {
  return typeof (ort.env as { versions?: { web?: string } } | undefined)?.versions?.web === 'string';
}

/** Execution providers ONNX Runtime Web may use. */
export type WebExecutionProvider = 'webgpu' | 'wasm';

let chosen: Promise<WebExecutionProvider[]> | undefined;

/** What jit reads of a WebGPU adapter (`isFallbackAdapter` moved into `info` in newer browsers). */
interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { readonly isFallbackAdapter?: boolean };
}

/**
 * The execution providers of web sessions: `webgpu` in a browser whose `navigator.gpu` gives a
 * hardware adapter (ORT runs the ops WebGPU lacks on its CPU kernels), else `wasm`. A fallback
 * (software) adapter such as Chromium's SwiftShader gets wasm: there WebGPU ran the tiny Gemma
 * 5–50× slower than wasm. Node and Deno load ORT Web's Node build, which has no WebGPU, so they
 * get `wasm`. Set with {@link setWebExecutionProviders}.
 */
export function webExecutionProviders(): Promise<WebExecutionProvider[]> {
  chosen ??= (async () => {
    const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }; process?: { versions?: { node?: string } } };
    if (typeof g.process?.versions?.node === 'string') return ['wasm'];
    try {
      const adapter = await g.navigator?.gpu?.requestAdapter();
      if (adapter && !(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter)) return ['webgpu'];
    } catch {
      // An adapter request that throws (blocked, unsupported) means no WebGPU here: wasm.
    }
    return ['wasm'];
  })();
  return chosen;
}

/** Fixes the execution providers of web sessions (undefined: choose again). @example setWebExecutionProviders(['wasm']) */
export function setWebExecutionProviders(providers: readonly WebExecutionProvider[] | undefined): void {
  if (providers !== undefined && (!providers.length || providers.some((p) => p !== 'webgpu' && p !== 'wasm'))) {
    throw new RangeError(`useOnnxRuntime: executionProviders must be a non-empty list of 'webgpu' and 'wasm' (got ${JSON.stringify(providers)}).`);
  }
  chosen = providers ? Promise.resolve([...providers]) : undefined;
}

/**
 * A web session on the model bytes, its weights given from memory. A WebGPU failure (no
 * adapter after all, a build of ORT Web without WebGPU) falls back to wasm, with a warning saying why.
 */
export async function createWebSession(
  ort: Ort, model: Uint8Array, weights: WeightBuffer, options: InferenceSession.SessionOptions,
): Promise<{ session: InferenceSession; provider: WebExecutionProvider }> {
  const providers = await webExecutionProviders();
  // ORT's warnings (e.g. shape ops placed on the CPU) would reach the page as console errors.
  const create = (eps: WebExecutionProvider[]) =>
    ort.InferenceSession.create(model, { logSeverityLevel: 3, ...options, executionProviders: eps, externalData: [{ path: weights.fileName, data: weights.bytes() }] });
  if (!providers.includes('webgpu')) return { session: await create(providers), provider: 'wasm' };
  try {
    // WebGPU alone: ORT would otherwise skip a WebGPU it cannot start and quietly run on wasm.
    return { session: await create(['webgpu']), provider: 'webgpu' };
  } catch (e) {
    console.warn(`@penjing/jit: ONNX Runtime Web could not create a WebGPU session (${(e as Error).message}); running on wasm instead.`);
    setWebExecutionProviders(['wasm']);
    return { session: await create(['wasm']), provider: 'wasm' };
  }
}
