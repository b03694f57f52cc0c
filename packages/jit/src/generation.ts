/**
 * Compiled generation steps for `generate(model, prompts, { jit: true })`: a prefill graph and
 * a decode graph of the model's KV-caching form, with the cache as graph inputs.
 *
 * Each step's graph must not depend on how many tokens are cached: the prompt (left-padded to
 * a bucket length) fills the slots just before the last one, and decode step n writes its
 * token into slot n. The decode graph returns only each cache's new row (see
 * newCacheRowsOnly): the caches stay in JS-side typed arrays that ONNX Runtime reads as inputs
 * without copying, and each step's rows are written into them in place, so a step never
 * copies the caches out of ONNX Runtime. Attention reads slots through their positions (−1
 * for empty ones), never their order, so this gives the tokens eager decoding gives, with one
 * decode graph for every step.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import type { Layer } from '@penjing/layers';
import { bucketLength } from './buckets.js';
import { JittedModel } from './jit.js';
import { ortToTf, type OrtTensor } from './runtime/compiled.js';
import type { TraceGraph } from './trace/graph.js';
import { newCacheRowsOnly } from './trace/cache-rows.js';

const KV = 'kv_seq';

/** The parts of a KV cache generation hands over (structurally typed: jit does not import the model packages). */
interface CacheEntryLike {
  readonly keys: NamedArray;
  readonly values: NamedArray;
  readonly kvTokenPositions: NamedArray | null;
  replace(f: Record<string, unknown>): CacheEntryLike;
}
interface CacheLike {
  readonly kvTokenPositions: NamedArray;
  readonly layers: readonly CacheEntryLike[];
  dispose(): void;
}
interface StepOutput {
  readonly logits: NamedArray;
  readonly cache: CacheLike;
}
interface CachingLM extends Layer {
  readonly padId: number;
  step(tokens: NamedArray, cache: CacheLike, options: { tokenMask?: NamedArray; returnLastOnly?: boolean; sideInputs?: Record<string, unknown> }): StepOutput;
}
interface StepsRequest {
  readonly lm: CachingLM;
  readonly model?: object;
  readonly batchSize: number;
  readonly promptLength: number;
  readonly maxNewTokens: number;
  readonly initCache: (lm: CachingLM, o: { batchSize: number; cacheLength: number; slidingWindowCache?: 'full' | 'window' }) => CacheLike;
  readonly KVCache: new (f: { endIndex: number; kvTokenPositions: NamedArray; layers: readonly CacheEntryLike[] }) => CacheLike;
}

/** One compiled caching model per uncached model object, so repeated generate calls reuse graphs. */
const compiledModels = new WeakMap<object, JittedModel>();

/** tokens, mask, cache positions, keys and values of each layer, then (a multimodal prefill) the images. */
type StepArgs = readonly [NamedArray, NamedArray, NamedArray, ...NamedArray[]];
const FIRST_CACHE_INPUT = 2;
const DECODE_ROOM = 64;

/** One cache tensor between steps: JS-side values that ONNX Runtime reads in place, and its slot axis. */
interface CacheState {
  readonly tensor: OrtTensor;
  readonly axis: number;
}

/** A greedy decode step's forbidden-id mask, and its ONNX Runtime copy once made. */
interface ForbiddenMask {
  readonly ids: readonly number[];
  readonly mask: NamedArray;
  ort?: OrtTensor;
}

/** Builds the compiled steps of one generation run. @internal (registered with generation) */
export async function compiledGenerationSteps(req: StepsRequest) {
  const key = req.model ?? req.lm;
  let jm = compiledModels.get(key);
  if (!jm) compiledModels.set(key, (jm = new JittedModel(req.lm, { buckets: false })));
  const jitted = jm;
  const width = bucketLength(req.promptLength);
  // The prompt's slots, one per decode step (maxNewTokens − 1) and the decode graph's scratch
  // slot (see newCacheRowsOnly), rounded up to 64 so nearby maxNewTokens share graphs: every
  // decode step reads every slot, so a coarser bucket would make each step slower.
  const cacheLength = width + Math.ceil(req.maxNewTokens / DECODE_ROOM) * DECODE_ROOM;
  const promptStart = cacheLength - 1 - width;
  const empty = req.initCache(req.lm, { batchSize: req.batchSize, cacheLength, slidingWindowCache: 'full' });
  const layout: StepArgs = [
    nx.wrap(tf.zeros([req.batchSize, 1], 'int32'), 'batch', 'seq'),
    nx.wrap(tf.zeros([req.batchSize, 1], 'bool'), 'batch', 'seq'),
    empty.kvTokenPositions,
    ...empty.layers.flatMap((e) => [e.keys, e.values]),
  ];
  const caches = layout.slice(FIRST_CACHE_INPUT) as [NamedArray, ...NamedArray[]];
  const cacheNames = ['positions', ...empty.layers.flatMap((_, i) => [`layer ${i} keys`, `layer ${i} values`])];
  let state: CacheState[] | undefined;

  // One step: the cache with its next write at slot `endIndex`; returns the last logits and
  // the next cache in the input layout.
  const step = (lm: Layer, [tokens, mask, kvp, ...rest]: readonly NamedArray[], endIndex: number) => {
    const kv = rest.slice(0, 2 * empty.layers.length);
    const images = rest[2 * empty.layers.length];
    const layers = empty.layers.map((e, i) => e.replace({ keys: kv[2 * i]!, values: kv[2 * i + 1]! }));
    const cache = new req.KVCache({ endIndex, kvTokenPositions: kvp, layers });
    const out = (lm as CachingLM).step(tokens, cache, { tokenMask: mask, returnLastOnly: true, sideInputs: images ? { images } : {} });
    const logits = out.logits.names.includes('seq') ? out.logits.index({ seq: (out.logits.namedShape.seq as number) - 1 }) : out.logits;
    return [
      logits.orderAs('batch', 'vocabulary'),
      out.cache.kvTokenPositions.orderLike(kvp),
      ...out.cache.layers.flatMap((e, i) => [e.keys.orderLike(kv[2 * i]!), e.values.orderLike(kv[2 * i + 1]!)]),
    ];
  };
  // Output 1 + i is cache input FIRST_CACHE_INPUT + i; the decode graph returns its new row.
  const cacheOutputs = new Map(caches.map((c, i) => [1 + i, { input: FIRST_CACHE_INPUT + i, axis: c.dataAxisOf(KV), what: cacheNames[i]! }]));
  const decodeRows = (g: TraceGraph) => newCacheRowsOnly(g, cacheOutputs);
  let steps = 0;

  /**
   * One decode step: the graph's first output (the logits, or with a forbidden-id mask after
   * the caches, each row's greedy pick), the new cache rows written in place.
   */
  const decodeStep = async (tokens: NamedArray, mask: NamedArray, greedy?: ForbiddenMask): Promise<OrtTensor> => {
    if (!state) throw new Error('jit generation: decode before prefill.');
    if (steps >= promptStart) throw new Error(`jit generation: the cache of ${cacheLength} slots is full.`);
    const args: StepArgs = [tokens.orderAs('batch', 'seq'), mask.orderAs('batch', 'seq'), ...caches, ...(greedy ? [greedy.mask] : [])];
    const graph = greedy
      ? await jitted.graphFor(args, (lm, a) => greedyStep(step(lm, a.slice(0, -1), cacheLength - 1), a.at(-1)!), 'decode-greedy:', decodeRows)
      : await jitted.graphFor(args, (lm, a) => step(lm, a, cacheLength - 1), 'decode:', decodeRows);
    // The mask goes to ONNX Runtime as one JS-side array made once per run, not read back every step.
    const extra = greedy ? [(greedy.ort ??= await graph.toOrt(greedy.mask.data))] : [];
    const [first, ...rows] = await graph.runOrt([await graph.toOrt(args[0].data), await graph.toOrt(args[1].data), ...state.map((s) => s.tensor), ...extra]);
    state.forEach((s, i) => writeRow(s, rows[i]!, steps));
    steps++;
    return first!;
  };
  let vocab = 0;
  let forbid: ForbiddenMask | undefined;

  return {
    async prefill(tokens: NamedArray, mask: NamedArray, images?: NamedArray): Promise<tf.Tensor2D> {
      const pad = width - (tokens.namedShape.seq as number);
      const padded = tf
        .tidy(() => [
          tf.pad(tokens.unwrap('batch', 'seq'), [[0, 0], [pad, 0]], Math.max(req.lm.padId, 0)),
          tf.pad(mask.unwrap('batch', 'seq').cast('int32'), [[0, 0], [pad, 0]], 0).cast('bool'),
        ])
        .map((t) => nx.wrap(t, 'batch', 'seq'));
      try {
        // Images are a prefill input only: their soft tokens enter the cache with the prompt.
        const args: StepArgs = [padded[0]!, padded[1]!, ...caches, ...(images ? [images] : [])];
        const graph = await jitted.graphFor(args, (lm, a) => step(lm, a, promptStart), `prefill@${promptStart}:`);
        const leaves = args.map((a) => a.data);
        await graph.check(leaves);
        steps = 0;
        const [logits, ...next] = await graph.runOrt(await Promise.all(leaves.map((t) => graph.toOrt(t))));
        state = next.slice(0, caches.length).map((tensor, i) => ({ tensor, axis: cacheOutputs.get(1 + i)!.axis }));
        vocab = logits!.dims[1]!;
        return ortToTf(logits!) as tf.Tensor2D;
      } finally {
        tf.dispose(padded.map((p) => p.data));
      }
    },
    async decode(tokens: NamedArray, mask: NamedArray): Promise<tf.Tensor2D> {
      return ortToTf(await decodeStep(tokens, mask)) as tf.Tensor2D;
    },
    async decodeGreedy(tokens: NamedArray, mask: NamedArray, forbiddenIds: readonly number[]): Promise<number[]> {
      if (forbid?.ids !== forbiddenIds) {
        forbid?.mask.dispose();
        forbid = { ids: forbiddenIds, mask: forbidMask(vocab, forbiddenIds) };
      }
      return Array.from((await decodeStep(tokens, mask, forbid)).data as Int32Array);
    },
    dispose(): void {
      state = undefined;
      forbid?.mask.dispose();
      tf.dispose([layout[0].data, layout[1].data]);
      empty.dispose();
    },
  };
}

/**
 * Greedy picks inside the graph, so a greedy step returns `batch` ids instead of `batch ×
 * vocab` logits (1 MB a row at 262k words, copied out of ONNX Runtime and into tfjs every
 * step): the argmax of the logits plus the forbidden-id mask (lowest id on ties, as
 * `sample`), or −1 for a row holding NaN or +Infinity.
 */
function greedyStep([logits, ...caches]: NamedArray[], forbidden: NamedArray): NamedArray[] {
  const masked = tf.add(logits!.unwrap('batch', 'vocabulary'), forbidden.unwrap('vocabulary'));
  const bad = tf.any(tf.logicalOr(tf.isNaN(masked), tf.equal(masked, Infinity)), 1);
  const ids = tf.where(bad, tf.fill(bad.shape, -1, 'int32'), tf.argMax(masked, 1));
  return [nx.wrap(ids, 'batch'), ...caches];
}

/** A `[vocabulary]` mask: −Infinity at each forbidden id, 0 elsewhere. */
function forbidMask(vocab: number, ids: readonly number[]): NamedArray {
  const mask = new Float32Array(vocab);
  for (const id of ids) if (id >= 0 && id < vocab) mask[id] = -Infinity;
  return nx.wrap(tf.tensor1d(mask), 'vocabulary');
}

/** Writes a decode step's new row (size 1 along the cache axis) into slot `slot` of the cache, in place. */
function writeRow({ tensor, axis }: CacheState, row: OrtTensor, slot: number): void {
  const dims = tensor.dims;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const cache = tensor.data as Float32Array | Int32Array;
  const fresh = row.data as Float32Array | Int32Array;
  const length = dims[axis]!;
  if (inner === 1) {
    // Slots last (value caches): one element per row; a typed-array view each costs more than the copy.
    for (let o = 0; o < outer; o++) cache[o * length + slot] = fresh[o]!;
  } else {
    for (let o = 0; o < outer; o++) cache.set(fresh.subarray(o * inner, (o + 1) * inner), (o * length + slot) * inner);
  }
}

/** Frees the compiled generation graphs of a model (they are otherwise kept while the model lives). @example await releaseCompiledGeneration(model) */
export async function releaseCompiledGeneration(model: object): Promise<void> {
  const jm = compiledModels.get(model);
  compiledModels.delete(model);
  await jm?.dispose();
}

(globalThis as Record<symbol, unknown>)[Symbol.for('penjing.jit.compiledSteps')] = compiledGenerationSteps;
