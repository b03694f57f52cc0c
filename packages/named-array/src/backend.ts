// All of @tensorflow/tfjs, not just tfjs-core and the backends: in Node, tfjs-core's entry
// point registers no gradients (they live in dist/register_all_gradients.js, an ES module
// tree with extensionless imports that Node cannot load), so valueAndGrad and LoRA training
// need tfjs's own bundle. Measured: tfjs-core + cpu/wasm/webgl/webgpu would install 106 MB
// instead of 308 MB and bundle 433 kB (wasm) instead of 1,143 kB, minified.
import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend. The package's browser build reads its .wasm files over HTTP
// (see `wasmPaths`) and its Node build reads them beside itself; neither pulls Node-only
// modules into a browser bundle.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Backends Penjing knows how to select; any registered tfjs backend name also works. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu' | 'tensorflow' | (string & {});

export interface ReadyOptions {
  /**
   * Backend to use. Default: `wasm` (fast in Node, Deno and browsers), falling back to
   * `cpu`. `webgl`/`webgpu` need `import '@tensorflow/tfjs-backend-webgpu'` (webgl ships with
   * `@tensorflow/tfjs`); `tensorflow` needs `import '@tensorflow/tfjs-node'`.
   */
  backend?: BackendName;
  /** Silence the fallback warning. */
  quiet?: boolean;
  /**
   * Where the browser fetches tfjs-backend-wasm's `.wasm` files from: a URL prefix ending in
   * `/` (e.g. where a bundler copied `node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm`).
   * Default in a browser: the folder of the script that holds this module (your bundle), so
   * copying the three `.wasm` files next to the bundle needs no configuration. Must be given
   * before the wasm backend first starts. Not needed in Node or Deno.
   */
  wasmPaths?: string;
}

let pending: Promise<string> | undefined;
let pendingFor: string | undefined;

/**
 * Prepares the tensor backend; await it once before computing.
 *
 * In Node and Deno the default is tfjs's wasm backend (about 25× faster than `cpu` for
 * matMul, single-threaded); if it cannot start, Penjing falls back to `cpu` with a warning.
 * In a browser, pass `{ wasmPaths }` for wasm, or `{ backend: 'webgl' }` / `'webgpu'` (after
 * importing that backend's package). A user who has installed `@tensorflow/tfjs-node` can
 * import it and pass `{ backend: 'tensorflow' }`. Resolves to the active backend's name.
 *
 * @example
 * import * as nx from '@penjing/named-array';
 * await nx.ready();            // 'wasm'
 * await nx.ready({ backend: 'webgl' });
 */
export function ready(options: ReadyOptions = {}): Promise<string> {
  const want = options.backend ?? 'wasm';
  if (pending && pendingFor === want && !options.wasmPaths) {
    // Still valid unless someone switched backends behind our back.
    return pending.then((got) => (tf.getBackend() === got ? got : start(want, options)));
  }
  pendingFor = want;
  const started = start(want, options).catch((e: unknown) => {
    if (pending === started) pending = undefined; // a later call may fix the cause (e.g. pass wasmPaths)
    throw e;
  });
  pending = started;
  return pending;
}

/** True in a browser or worker (no Node/Deno), where the wasm files are fetched over HTTP. */
function inBrowser(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown; document?: unknown; importScripts?: unknown };
  return !g.process?.versions?.node && !g.Deno && (g.document !== undefined || g.importScripts !== undefined);
}

/** The folder of the script this module is in (the bundle), where the wasm files are looked for by default. */
function moduleFolder(): string | undefined {
  try {
    return new URL('./', import.meta.url).href;
  } catch {
    return undefined;
  }
}

const WASM_FILES = 'tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and tfjs-backend-wasm-threaded-simd.wasm';

async function start(want: string, options: ReadyOptions): Promise<string> {
  const browser = inBrowser();
  const wasmPaths = options.wasmPaths ?? (browser && want === 'wasm' ? moduleFolder() : undefined);
  if (wasmPaths) setWasmPaths(wasmPaths);
  let ok = false;
  let why = '';
  try {
    ok = await tf.setBackend(want);
    if (!ok) why = 'its initialisation failed';
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
  if (!ok && browser && want === 'wasm') {
    // In a browser the cause is nearly always that the .wasm files are not where they were
    // looked for; falling back to cpu (20× slower) would hide that, so say what to do.
    throw new Error(
      `penjing: nx.ready() could not start the wasm backend (${why}): its .wasm files were looked for at ${wasmPaths ?? '(the page)'}. ` +
        `Copy ${WASM_FILES} from node_modules/@tensorflow/tfjs-backend-wasm/dist/ next to your bundle, ` +
        `or say where they are: await nx.ready({ wasmPaths: '/assets/tfjs-wasm/' }) — or choose another backend: nx.ready({ backend: 'webgl' }).`,
    );
  }
  if (!ok) {
    if (!options.quiet) {
      console.warn(
        `penjing: the '${want}' tensor backend could not start (${why}); falling back to 'cpu', which is much slower. ` +
          `Registered backends: ${Object.keys(tf.engine().registryFactory).join(', ')}.`,
      );
    }
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend();
}

/**
 * The name of the active tfjs backend, e.g. `'wasm'`.
 * @example nx.backendName(); // 'wasm'
 */
export function backendName(): string {
  return tf.getBackend();
}
