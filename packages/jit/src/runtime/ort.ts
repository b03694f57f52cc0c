/**
 * Loads ONNX Runtime: `onnxruntime-node` in Node and Deno (its native addon), and
 * `onnxruntime-web` (wasm, WebGPU when present) in browsers or where the addon cannot load.
 * Both are optional peers of @penjing/jit; the error says which to install.
 */
import type * as ortTypes from 'onnxruntime-common';
import { setWebExecutionProviders, type WebExecutionProvider } from './web.js';

export type Ort = typeof ortTypes;

let loaded: Promise<{ ort: Ort; kind: 'node' | 'web' | 'given' }> | undefined;

/**
 * Makes jit use this ONNX Runtime module (`onnxruntime-node` or `onnxruntime-web`) instead of
 * loading one on first use — needed where bare dynamic imports do not resolve (bundled browser
 * code), and a way to pick the web build in Node.
 *
 * With `onnxruntime-web`, sessions run on WebGPU when `navigator.gpu` gives a hardware adapter, else on
 * wasm; `executionProviders` fixes the choice.
 *
 * @example
 * import * as ort from 'onnxruntime-node';
 * useOnnxRuntime(ort);
 */
export function useOnnxRuntime(ort: unknown, options: { readonly executionProviders?: readonly WebExecutionProvider[] } = {}): void {
  const m = ort as Partial<Ort> | null;
  if (!m || typeof m.InferenceSession?.create !== 'function' || typeof m.Tensor !== 'function') {
    throw new TypeError(`useOnnxRuntime: expected the onnxruntime-node or onnxruntime-web module (import * as ort from 'onnxruntime-node'); got ${m === null ? 'null' : typeof m}.`);
  }
  setWebExecutionProviders(options.executionProviders);
  loaded = Promise.resolve({ ort: m as Ort, kind: 'given' as const });
}

const isNodeLike = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** ONNX Runtime for this platform (loaded once). @example const { ort, kind } = await loadOrt(); */
export function loadOrt(): Promise<{ ort: Ort; kind: 'node' | 'web' | 'given' }> {
  loaded ??= (async () => {
    const errors: string[] = [];
    if (isNodeLike) {
      try {
        const spec = 'onnxruntime-node';
        return { ort: (await import(/* @vite-ignore */ spec)) as Ort, kind: 'node' as const };
      } catch (e) {
        errors.push(`onnxruntime-node: ${(e as Error).message}`);
      }
    }
    try {
      const spec = 'onnxruntime-web';
      return { ort: (await import(/* @vite-ignore */ spec)) as Ort, kind: 'web' as const };
    } catch (e) {
      errors.push(`onnxruntime-web: ${(e as Error).message}`);
    }
    loaded = undefined;
    throw new Error(
      `@penjing/jit needs ONNX Runtime: install onnxruntime-node (Node, Deno) or onnxruntime-web (browsers) next to it ` +
        `(npm install onnxruntime-node). Tried: ${errors.join('; ')}`,
    );
  })();
  return loaded;
}

/** Threads for intra-op parallelism: the machine's cores. */
export function coreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  return 1;
}
