// Multi-threaded wasm in Node and Deno.
//
// tfjs-backend-wasm ships a threaded-SIMD binary (Emscripten pthreads over XNNPACK's
// thread pool) but switches it off whenever `process.versions.node` exists, which is true in
// Node and in Deno. Three things stand between that binary and `worker_threads`:
//
// 1. Emscripten starts each pthread worker from a `blob:` URL and sends it the main script
//    as a Blob; `worker_threads` loads only files. While the backend starts we note the text
//    of every Blob tfjs creates, write the two scripts to a temporary folder, and hand the
//    workers those files (the folder is removed once the workers have read them).
// 2. The main script is the toString() of a function from tfjs's Node bundle, so it refers
//    to names that bundle defines at its top (`require$$0` for fs, tslib's `__values`, …).
//    Each worker file starts with a prelude that defines them, and makes `location`
//    writable (Deno's workers have a read-only one that the pthread script assigns).
// 3. The backend sizes its pool as min(requested, 8, logical cores / 2), so a 2-core machine
//    gets one thread. It reads the core count through `os.cpus()` once, at start-up; we
//    report twice the requested count for that moment.
//
// Workers never keep the process alive: Emscripten refs a worker while it runs a pthread
// (XNNPACK's pool threads live for ever), and our subclass ignores that ref.
//
// Node built-ins are reached through `process.getBuiltinModule`, so browser bundles of this
// package never see them.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** tfjs-backend-wasm starts this many pthread workers and never uses more. */
export const MAX_WASM_THREADS = 8;

type NodeRequire = (name: string) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: NodeRequire;
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p && typeof p.versions?.node === 'string' ? p : undefined;
}

/** True in Node and Deno (where tfjs loads its Node bundle and turns threads off). */
export function isNodeLike(): boolean {
  return nodeProcess() !== undefined;
}

/** Logical cores of this machine in Node/Deno, `navigator.hardwareConcurrency` elsewhere. */
export function logicalCores(): number {
  const builtin = nodeProcess()?.getBuiltinModule;
  if (builtin) {
    const os = builtin('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Why threads cannot run here, or undefined when they can. */
export function threadsUnavailable(): string | undefined {
  const proc = nodeProcess();
  if (!proc) return 'not running in Node or Deno';
  if (typeof proc.getBuiltinModule !== 'function') return 'process.getBuiltinModule is missing (Node >= 20.16 or Deno 2 needed)';
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  try {
    // A module with a shared memory: validates only where wasm threads exist.
    const sharedMemoryModule = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1]);
    if (!WebAssembly.validate(sharedMemoryModule)) return 'this WebAssembly engine has no threads';
  } catch (e) {
    return `WebAssembly threads check failed (${e instanceof Error ? e.message : String(e)})`;
  }
  return undefined;
}

// The prelude of every pthread worker file: the names tfjs's Node bundle defines at its top
// and the function text refers to, plus a writable `location` (Deno).
// No 'use strict': the main script is run by indirect eval and must define a global.
const PRELUDE = `globalThis.global = globalThis;
globalThis.require$$0 = require('fs');
globalThis.require$$1 = require('path');
globalThis.require$$3 = require('perf_hooks');
globalThis.require$$4 = require('os');
globalThis.commonjsGlobal = globalThis;
globalThis.__values = (o) => o[Symbol.iterator]();
globalThis.__read = (o, n) => { const out = []; for (const x of o) { if (n !== undefined && out.length >= n) break; out.push(x); } return out; };
globalThis.__spreadArray = (to, from) => to.concat(Array.prototype.slice.call(from));
try { Object.defineProperty(globalThis, 'location', { value: undefined, writable: true, configurable: true, enumerable: true }); } catch (e) {}
`;

function messageOfError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What one threaded start-up saw: how many pthreads ran, and the first worker error. */
export interface ThreadStats {
  workersCreated: number;
  pthreadsStarted: number;
}

const stats: ThreadStats = { workersCreated: 0, pthreadsStarted: 0 };

/** Counters of the pthread workers started in this process (evidence that threads run). */
export function wasmThreadStats(): ThreadStats {
  return { ...stats };
}

/**
 * Starts tfjs's wasm backend with its threaded-SIMD binary and `threads` threads, in Node or
 * Deno. Resolves when the backend is ready; rejects (leaving the backend unregistered state
 * to the caller) when a worker fails or nothing happens for `timeoutMs`.
 */
export async function startThreadedWasm(threads: number, timeoutMs = 60_000): Promise<void> {
  const require = nodeProcess()!.getBuiltinModule!;
  const os = require('node:os');
  const fs = require('node:fs');
  const path = require('node:path');
  const { Worker: NodeWorker } = require('node:worker_threads');

  const dir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'penjing-wasm-threads-'));
  let fileCount = 0;
  const writeScript = (text: string): string => {
    const file = path.join(dir, `script-${fileCount++}.cjs`);
    fs.writeFileSync(file, PRELUDE + text);
    return file;
  };

  const blobText = new WeakMap<Blob, string>();
  const urlText = new Map<string, string>();
  const OriginalBlob = globalThis.Blob;
  let failWith: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (failWith = reject));
  let mainScriptFile: string | undefined;
  let settled = false;
  const workers: { terminate(): unknown }[] = [];

  class TextKeepingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts && parts.every((p) => typeof p === 'string')) blobText.set(this, (parts as string[]).join(''));
    }
  }
  class PthreadWorker extends NodeWorker {
    // node:worker_threads comes through getBuiltinModule, untyped: name the one base method used here.
    declare terminate: () => unknown;
    constructor(url: string | URL, options?: object) {
      const text = urlText.get(String(url));
      try {
        super(text === undefined ? url : writeScript(text), options);
      } catch (e) {
        failWith(new Error(`a wasm pthread worker could not be created: ${messageOfError(e)}`));
        throw e;
      }
      stats.workersCreated++;
      workers.push(this);
    }
    // Emscripten's error listener rethrows, which would end the process: report instead.
    on(event: string, listener: (...args: unknown[]) => void): this {
      if (event !== 'error') return super.on(event, listener);
      return super.on('error', (e: Error) => {
        if (settled) console.error(`penjing: a wasm pthread worker failed: ${e.message}`);
        else failWith(new Error(`a wasm pthread worker failed: ${e.message}`));
      });
    }
    // Emscripten refs a worker while its pthread runs; XNNPACK's threads run for ever.
    ref(): void {}
    postMessage(message: { cmd?: string; urlOrBlob?: unknown }, transfer?: readonly unknown[]): void {
      if (message?.cmd === 'load' && message.urlOrBlob instanceof OriginalBlob) {
        const text = blobText.get(message.urlOrBlob);
        if (text === undefined) throw new Error('penjing: the wasm main script arrived as a Blob whose text was not seen');
        mainScriptFile ??= writeScript(text);
        message = { ...message, urlOrBlob: mainScriptFile };
      }
      if (message?.cmd === 'run') stats.pthreadsStarted++;
      super.postMessage(message, transfer);
    }
  }

  const originalCreateObjectURL = URL.createObjectURL;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const originalCpus = os.cpus;
  const restore = () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
    if (workerDescriptor) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };

  globalThis.Blob = TextKeepingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob | MediaSource) => {
    const url = originalCreateObjectURL.call(URL, obj);
    const text = blobText.get(obj as Blob);
    if (text !== undefined) urlText.set(url, text);
    return url;
  };
  // Emscripten assigns worker_threads' Worker to the global and constructs it right away.
  Object.defineProperty(globalThis, 'Worker', { get: () => PthreadWorker, set: () => {}, configurable: true });
  const oneCpu = originalCpus.call(os)[0];
  os.cpus = () => Array.from({ length: 2 * threads }, () => oneCpu);

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the pthread workers did not start within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const ok = await Promise.race([tf.setBackend('wasm'), failed, timeout]);
    if (!ok) throw new Error('tfjs could not initialise the threaded wasm binary');
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  } finally {
    settled = true;
    clearTimeout(timer);
    restore();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
