// Memory that frees itself, as JAX arrays do: a tensor whose JavaScript object nobody can
// reach any more has its data released, without the user calling dispose().
//
// Every tensor tfjs creates (not variables) is registered with a FinalizationRegistry, keyed
// by the tensor object; the registry holds only what disposal needs (the data id, dtype and
// size), never the tensor. When the garbage collector finds the object unreachable, the
// callback releases one reference to the data through tfjs's own engine.disposeTensor, so
// data shared by several tensor objects (reshape views, NamedArray relabelings) lives until
// the last of them is gone. An explicit dispose (tf.dispose, tf.tidy's scope end) unregisters
// the tensor first, so nothing is released twice. Tensors a tf.tidy scope is tracking, model
// parameters held by a tree, and anything else still referenced are, by construction,
// reachable and never freed.
//
// The callbacks run as their own tasks (never inside a synchronous tidy or kernel). Opt out
// with `nx.setAutoFree(false)` or the environment variable PENJING_AUTO_FREE=0 (explicit
// leak checks that compare tf.memory() before and after an await want it off).
import * as tf from '@tensorflow/tfjs';

interface Released {
  dataId: object;
  dtype: tf.DataType;
  size: number;
}

const INSTALLED: unique symbol = Symbol.for('penjing.autoFree.installed');

/**
 * The engine as this module uses it: tfjs types disposeTensor as taking a Tensor, but it reads
 * only the data id, dtype and size, which is all a released record keeps (holding the tensor
 * would keep it reachable). The install mark lives on the engine, shared by every copy of this module.
 */
interface EngineInternals {
  trackTensor(a: tf.Tensor, backend: tf.KernelBackend): void;
  disposeTensor(a: tf.Tensor | Released): void;
  endScope(result?: unknown): void;
  keep<T extends tf.Tensor>(result: T): T;
  state: { tensorInfo: WeakMap<object, unknown>; activeScope: object | null };
  [INSTALLED]?: boolean;
}

let enabled = readEnv();
const disposeListeners = new WeakMap<tf.Tensor, (() => void)[]>();
let freedCount = 0;

function readEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.PENJING_AUTO_FREE;
  return !(raw === '0' || raw === 'false' || raw === 'off');
}

const engine: EngineInternals = tf.engine();

const registry = new FinalizationRegistry<Released>((held) => {
  if (!enabled) return;
  // Already gone (its backend was disposed, or the data was freed through another route).
  if (!engine.state.tensorInfo.has(held.dataId)) return;
  engine.disposeTensor(held);
  freedCount++;
});

// Registration is deferred for tensors made inside a tf.tidy scope: the scope disposes every
// one of them that does not escape it, and only two ways out exist — being returned from the
// outermost scope, or tf.keep. So a tensor is registered when it is made outside any scope,
// when it leaves the outermost scope as (part of) its result, or when it is kept. A decode
// step makes thousands of short-lived tensors inside its tidy; registering and unregistering
// each cost about as much as the small kernel that made it.
const registered = new WeakSet<tf.Tensor>();

function register(a: tf.Tensor): void {
  if (!enabled || a instanceof tf.Variable || a.isDisposed || registered.has(a)) return;
  registered.add(a);
  registry.register(a, { dataId: a.dataId, dtype: a.dtype, size: a.size }, a);
}

/** Registers every tensor in a scope's result (tensors, arrays and plain objects of them, as tfjs walks it). */
function registerAll(result: unknown, seen = new Set<unknown>()): void {
  if (result instanceof tf.Tensor) return register(result);
  if (result === null || typeof result !== 'object' || seen.has(result)) return;
  seen.add(result);
  const values = Array.isArray(result) ? result : Object.values(result as Record<string, unknown>);
  for (const v of values) registerAll(v, seen);
}

function install(): void {
  if (engine[INSTALLED]) return; // one install per tfjs engine, however many copies of this module load
  engine[INSTALLED] = true;
  const track = engine.trackTensor.bind(engine);
  const dispose = engine.disposeTensor.bind(engine);
  const endScope = engine.endScope.bind(engine);
  const keep = engine.keep.bind(engine);
  engine.trackTensor = (a, backend) => {
    track(a, backend);
    if (engine.state.activeScope == null) register(a);
  };
  engine.endScope = (result) => {
    endScope(result);
    if (engine.state.activeScope == null && result !== undefined) registerAll(result);
  };
  engine.keep = (result) => {
    const kept = keep(result);
    register(kept);
    return kept;
  };
  engine.disposeTensor = (a) => {
    if (a instanceof tf.Tensor) {
      if (registered.has(a)) {
        registered.delete(a);
        registry.unregister(a);
      }
      const listeners = disposeListeners.get(a);
      if (listeners) {
        disposeListeners.delete(a);
        for (const f of listeners) f();
      }
    }
    dispose(a);
  };
}

install();

/**
 * Runs `f` when `tensor` is disposed explicitly (tf.dispose, a tidy scope's end). Data kept
 * beside a tensor (a cached layout) uses it; when the tensor is instead garbage-collected,
 * whatever `f` would free is unreachable too and auto-free releases it.
 * @example whenDisposed(weights, () => transposedCopy.dispose());
 */
export function whenDisposed(tensor: tf.Tensor, f: () => void): void {
  const list = disposeListeners.get(tensor);
  if (list) list.push(f);
  else disposeListeners.set(tensor, [f]);
}

/**
 * Turns automatic freeing of unreachable tensors on (the default) or off. Off, results live
 * until disposed, as in plain tfjs.
 *
 * @example
 * nx.setAutoFree(false); // tf.memory() only changes when you dispose
 */
export function setAutoFree(on: boolean): void {
  enabled = on;
}

/**
 * Whether unreachable tensors are freed automatically, and how many have been so far.
 *
 * @example
 * nx.autoFreeStats(); // { enabled: true, freed: 1234 }
 */
export function autoFreeStats(): { enabled: boolean; freed: number } {
  return { enabled, freed: freedCount };
}
