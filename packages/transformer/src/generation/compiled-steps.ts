/**
 * The hook through which `generate(…, { jit: true })` runs its prefill and decode steps
 * compiled. `@penjing/jit`, when imported, stores a {@link CompiledStepsFactory} on
 * `globalThis` under `Symbol.for('penjing.jit.compiledSteps')`; generation imports nothing from
 * it (it is an optional package) and loads it on first use if nobody imported it yet.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '@penjing/named-array';
import type { KVCachingTransformerLM } from './caching-model.js';
import { initCache } from './init-cache.js';
import { KVCache } from './kv-cache.js';
import { GenerationError } from './prompts.js';

/** Compiled generation steps for one batch; the KV cache stays inside. */
export interface CompiledSteps {
  /** Runs the (left-padded) prompt batch, with a multimodal model's images; returns the last position's logits `[batch, vocab]`. */
  prefill(tokens: NamedArray, mask: NamedArray, images?: NamedArray): Promise<tf.Tensor2D>;
  /** Appends one token per row (`{batch, seq: 1}`); returns its logits `[batch, vocab]`. */
  decode(tokens: NamedArray, mask: NamedArray): Promise<tf.Tensor2D>;
  /**
   * Like `decode`, for greedy sampling: each row's argmax of the logits with `forbiddenIds`
   * excluded (lowest id on ties), or −1 for a row holding NaN or +Infinity.
   */
  decodeGreedy?(tokens: NamedArray, mask: NamedArray, forbiddenIds: readonly number[]): Promise<number[]>;
  /** Frees the cache (the compiled graphs stay cached with the model). */
  dispose(): void;
}

/** What the factory gets: the caching model, the run's sizes, and the cache constructors. */
export interface CompiledStepsRequest {
  readonly lm: KVCachingTransformerLM;
  /** The model generate was given (compiled graphs are cached per model object). */
  readonly model: object;
  readonly batchSize: number;
  readonly promptLength: number;
  readonly maxNewTokens: number;
  readonly initCache: typeof initCache;
  readonly KVCache: typeof KVCache;
}

export type CompiledStepsFactory = (request: CompiledStepsRequest) => Promise<CompiledSteps>;

const KEY = Symbol.for('penjing.jit.compiledSteps');

/** Compiled steps for a run, loading `@penjing/jit` when needed. @internal */
export async function compiledSteps(model: object, lm: KVCachingTransformerLM, batchSize: number, promptLength: number, maxNewTokens: number): Promise<CompiledSteps> {
  let factory = (globalThis as Record<symbol, unknown>)[KEY] as CompiledStepsFactory | undefined;
  if (!factory) {
    try {
      const spec = '@penjing/jit';
      await import(/* @vite-ignore */ spec);
    } catch {
      // Reported below with the fix.
    }
    factory = (globalThis as Record<symbol, unknown>)[KEY] as CompiledStepsFactory | undefined;
  }
  if (!factory) {
    throw new GenerationError(`{ jit: true } needs @penjing/jit and ONNX Runtime: npm install @penjing/jit onnxruntime-node (or import '@penjing/jit' first).`);
  }
  return factory({ lm, model, batchSize, promptLength, maxNewTokens, initCache, KVCache });
}
