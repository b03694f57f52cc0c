// All of @tensorflow/tfjs, not just tfjs-core and the backends: in Node, tfjs-core's entry
// point registers no gradients (they live in dist/register_all_gradients.js, an ES module
// tree with extensionless imports that Node cannot load), so valueAndGrad and LoRA training
// need tfjs's own bundle. Measured: tfjs-core + cpu/wasm/webgl/webgpu would install 106 MB
// instead of 308 MB and bundle 433 kB (wasm) instead of 1,143 kB, minified.
import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend. The package's browser build reads its .wasm files over HTTP
// (see `wasmPaths`) and its Node build reads them beside itself; neither pulls Node-only
// modules into a browser bundle.
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { MAX_WASM_THREADS, isNodeLike, logicalCores, startThreadedWasm, threadsUnavailable } from './wasm-threads.js';

/** Backends Penjing knows how to select; any registered tfjs backend name also works. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu' | 'tensorflow' | (string & {});

export interface ReadyOptions {
  /**
   * The tensor backend; this option is the one place to choose it.
   * - `wasm` (default): tfjs-backend-wasm, XNNPACK kernels, multi-threaded in Node and Deno
   *   (see `threads`) and in cross-origin-isolated browser pages.
   * - `webgpu`: tfjs-backend-webgpu (loaded on demand): browsers with WebGPU, and Deno
   *   (`navigator.gpu`; on a machine without a GPU, Mesa's lavapipe driver provides one).
   * - `webgl`: browsers (WebGL 2; headless Chromium uses SwiftShader).
   * - `cpu`: plain JavaScript, everywhere, slow.
   * - `tensorflow`: after `import '@tensorflow/tfjs-node'` (not a Penjing dependency).
   * When the backend cannot start, Penjing warns and falls back to `cpu`.
   */
  backend?: BackendName;
  /**
   * Threads of the wasm backend (XNNPACK's pool), fixed the first time wasm starts in this
   * process. Default: the environment variable `PENJING_WASM_THREADS` if set, else every
   * logical core (at most 8, the workers tfjs-backend-wasm creates).
   * `1` or `false` opts out and loads the single-threaded SIMD binary. In Node and Deno the
   * threads are `worker_threads` that never keep the process alive; if they cannot start,
   * Penjing warns and uses the single-threaded binary.
   */
  threads?: number | false;
  /** Silence warnings (fallbacks, threads that could not start). */
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
/** The last backend an explicit `ready({ backend })` started. */
let chosen: string | undefined;

/**
 * Prepares the tensor backend; await it once before computing.
 *
 * In Node and Deno the default is tfjs's wasm backend on every logical core (threads are
 * worker_threads; `{ threads: 1 }` opts out); if it cannot start, Penjing falls back to `cpu`
 * with a warning. In a browser, pass `{ wasmPaths }` for wasm, or `{ backend: 'webgl' }` /
 * `'webgpu'`. A user who has installed `@tensorflow/tfjs-node` can import it and pass
 * `{ backend: 'tensorflow' }`. Resolves to the active backend's name.
 *
 * @example
 * import * as nx from '@penjing/named-array';
 * await nx.ready();                      // 'wasm', all cores
 * await nx.ready({ threads: 1 });        // 'wasm', single-threaded (if wasm has not started yet)
 * await nx.ready({ backend: 'webgpu' }); // Deno or a WebGPU browser
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

function warn(options: ReadyOptions, message: string): void {
  if (!options.quiet) console.warn(`penjing: ${message}`);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String(e.message) : String(e);
}

/** `PENJING_WASM_THREADS` (Node/Deno): the default thread count, e.g. `1` in CI. */
function envThreads(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.PENJING_WASM_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PENJING_WASM_THREADS must be a whole number >= 1, got '${raw}'`);
  return n;
}

/** Threads to ask for: the option, else every logical core; at most tfjs's 8 workers. */
function wantedThreads(options: ReadyOptions): number {
  const fromEnv = envThreads();
  const asked = options.threads === false ? 1 : options.threads ?? fromEnv ?? logicalCores();
  if (!Number.isInteger(asked) || asked < 1) {
    throw new Error(`nx.ready: threads must be a whole number >= 1 or false, got ${String(options.threads)}`);
  }
  if (asked > MAX_WASM_THREADS) {
    if (options.threads !== undefined) warn(options, `threads: ${asked} is more than tfjs-backend-wasm's ${MAX_WASM_THREADS} workers; using ${MAX_WASM_THREADS}.`);
    return MAX_WASM_THREADS;
  }
  return asked;
}

/** Re-registers wasm so that a failed (or hung) start can be retried with other settings. */
function resetWasmBackend(): void {
  const factory = tf.findBackendFactory('wasm');
  if (!factory) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
}

/** Whether a backend instance exists (tf.findBackend would start it as a side effect). */
function isStarted(name: string): boolean {
  return name in tf.engine().registry;
}

async function startWasm(options: ReadyOptions, threads: number): Promise<void> {
  const started = isStarted('wasm');
  if (started) {
    const running = getThreadsCount();
    if (options.threads !== undefined && running !== threads) {
      warn(options, `the wasm backend already runs ${running} thread(s); threads: ${threads} takes effect only before wasm first starts (restart the process).`);
    }
    await tf.setBackend('wasm');
    return;
  }
  if (isNodeLike()) {
    if (threads > 1) {
      const why = threadsUnavailable();
      if (!why) {
        try {
          await startThreadedWasm(threads);
          return;
        } catch (e) {
          warn(options, `wasm threads could not start (${messageOf(e)}); using the single-threaded wasm binary. Pass { threads: 1 } to skip the attempt.`);
          resetWasmBackend();
        }
      } else {
        warn(options, `wasm threads are unavailable (${why}); using the single-threaded wasm binary.`);
      }
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } else {
    // Browsers: tfjs decides from cross-origin isolation; we only choose the count.
    if (threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('its initialisation failed');
}

/** Loads a backend package that registers itself on import, if it is not registered yet. */
async function registerOnDemand(name: string): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
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
  const threads = want === 'wasm' ? wantedThreads(options) : 1;
  let ok = false;
  let why = '';
  try {
    if (want === 'wasm') {
      await startWasm(options, threads);
      ok = true;
    } else {
      await registerOnDemand(want);
      ok = await tf.setBackend(want);
      if (!ok) why = 'its initialisation failed';
    }
  } catch (e) {
    why = messageOf(e);
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
    warn(
      options,
      `the '${want}' tensor backend could not start (${why}); falling back to 'cpu', which is much slower. ` +
        `Registered backends: ${Object.keys(tf.engine().registryFactory).join(', ')}.`,
    );
    await tf.setBackend('cpu');
  }
  await tf.ready();
  if (options.backend !== undefined) chosen = ok ? want : undefined;
  return tf.getBackend();
}

/**
 * Awaits the backend the last `nx.ready({ backend })` chose, or starts the default (wasm) when
 * none was chosen. Library code that needs a backend (loaders) calls this, so that it never
 * overrides the user's choice.
 *
 * @example
 * await nx.ready({ backend: 'webgpu' });
 * await nx.ensureReady(); // 'webgpu'
 */
export function ensureReady(): Promise<string> {
  return ready(chosen ? { backend: chosen, quiet: true } : {});
}

/**
 * The name of the active tfjs backend, e.g. `'wasm'`.
 * @example nx.backendName(); // 'wasm'
 */
export function backendName(): string {
  return tf.getBackend();
}

/**
 * Threads the active backend computes with: XNNPACK's pool size on wasm, 1 on cpu, and
 * undefined on GPU backends.
 * @example
 * await nx.ready({ threads: 2 });
 * nx.backendThreads(); // 2
 */
export function backendThreads(): number | undefined {
  const name = tf.getBackend();
  if (name === 'wasm') return getThreadsCount();
  if (name === 'cpu') return 1;
  return undefined;
}
