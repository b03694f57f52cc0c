/**
 * Loads ONNX Runtime: `onnxruntime-node` in Node and Deno (its native addon), and
 * `onnxruntime-web` (wasm, WebGPU when present) in browsers or where the addon cannot load.
 * Both are optional peers of @penjing/jit; the error says which to install.
 */
import type * as ortTypes from 'onnxruntime-common';

export type Ort = typeof ortTypes;

let loaded: Promise<{ ort: Ort; kind: 'node' | 'web' }> | undefined;

const isNodeLike = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** ONNX Runtime for this platform (loaded once). @example const { ort, kind } = await loadOrt(); */
export function loadOrt(): Promise<{ ort: Ort; kind: 'node' | 'web' }> {
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
