/**
 * Text generation with a KV cache: encode and left-pad the prompts, prefill the cache in
 * chunks, then decode one token per step with the seeded samplers until every row has hit a
 * stop id or the token budget. `generateStream` yields tokens as they come; `generate`
 * collects them.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import type { ChatOptions } from '../tokenizer/chat.js';
import { incrementalDecoder, type IncrementalDecoder } from '../tokenizer/stream.js';
import type { GemmaFamily, Tokenizer } from '../tokenizer/types.js';
import { NonFiniteLogitsError, RandomStream, sample, validateSamplingOptions, type SamplingOptions } from './sampling.js';
import { checkMemory } from '@penjing/named-array';
import { cacheBytes, forwardBytes } from '../model/memory.js';
import type { TransformerMetadata } from '../model/metadata.js';
import { KVCache } from './kv-cache.js';
import { initCache } from './init-cache.js';
import { KVCachingTransformerLM, toCachingModel, type UncachedModel } from './caching-model.js';
import { GenerationError, defaultStopIds, encodePrompt, padLeft, type Prompt } from './prompts.js';
import { isBatchInput, promptList, stripRow, type PromptInput } from './padded-prompts.js';
import { compiledSteps, type CompiledSteps } from './compiled-steps.js';
import { checkArguments } from './generate-arguments.js';

/** Options of {@link generate} and {@link generateStream}. */
export interface GenerateOptions extends SamplingOptions {
  /** Needed for text prompts and for decoded text in the results. */
  readonly tokenizer?: Tokenizer;
  /** Most tokens to generate per prompt (stop ids excluded). Default 64. */
  readonly maxNewTokens?: number;
  /** Seed of the sampling stream; the same seed, prompts and options give the same tokens. Default 0. */
  readonly seed?: number;
  /** Ids that end a row. Default: the tokenizer's `stopIds`, else `<eos>` and the family's `<end_of_turn>`. */
  readonly stopIds?: readonly number[];
  /** Wrap each text prompt as a user turn in the Gemma chat format (true, or chat options). */
  readonly chat?: boolean | ChatOptions;
  /** Prepend `<bos>` to plain text prompts (default true). */
  readonly addBos?: boolean;
  /** The id that pads token prompts (at either end, as in Penzai's right-padded batches); default the model's. */
  readonly padId?: number;
  /** Cache slots; default: the longest prompt plus `maxNewTokens`. */
  readonly cacheLength?: number;
  /** See `InitCacheOptions.slidingWindowCache`. Default `'full'`. */
  readonly slidingWindowCache?: 'full' | 'window';
  /** Prompt tokens per prefill call (bounds the memory of prompt logits). Default 64. */
  readonly prefillChunkSize?: number;
  /**
   * Images of a multimodal model (Gemma 3 with a vision tower): float32 `{batch, image, height,
   * width, channel}`, one row per prompt, for the prompts' image tokens. They enter the prefill
   * only, which then runs in one call so every image block is encoded and attended to whole.
   */
  readonly images?: NamedArray;
  /** Called after every prefill chunk and every decoding step. */
  readonly onProgress?: (progress: GenerationProgress) => void;
  /** Stops generation early (rows end with finishReason `'aborted'`). */
  readonly signal?: AbortSignal;
  /**
   * Run prefill and decoding compiled on ONNX Runtime (`@penjing/jit`, loaded on demand), the
   * KV cache as graph inputs and outputs. Same tokens as eager decoding. Default false.
   */
  readonly jit?: boolean;
}

/** Progress of a generation run. */
export interface GenerationProgress {
  readonly phase: 'prefill' | 'decode';
  /** Prompt tokens processed (prefill) or decoding steps done (decode). */
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  /** Tokens per second in this phase so far (prefill: prompt tokens × rows; decode: steps). */
  readonly tokensPerSecond: number;
}

/** One generated token of one row, as {@link generateStream} yields it. */
export interface GenerationChunk {
  /** The prompt (batch row) it belongs to. */
  readonly row: number;
  /** 0 for the first generated token of the row. */
  readonly step: number;
  /** The sampled id; −1 for the last chunk of a row, which only flushes text the decoder held back. */
  readonly token: number;
  /** The text this token completes ('' mid-character, or without a tokenizer). */
  readonly text: string;
}

/** Why a row stopped. */
export type FinishReason = 'stop' | 'length' | 'aborted';

/** The outcome for one prompt. */
export interface GenerationResult {
  readonly promptTokens: readonly number[];
  /** Generated ids, without the stop id. */
  readonly tokens: readonly number[];
  /** Decoded `tokens` (when a tokenizer was given; special tokens kept). */
  readonly text: string | undefined;
  readonly finishReason: FinishReason;
  /** The stop id that ended the row, when finishReason is `'stop'`. */
  readonly stopToken: number | undefined;
}

/** A model generation accepts: an uncached TransformerLM, or its caching form. */
export type GenerationModel = UncachedModel | KVCachingTransformerLM;

/**
 * Generates text for one prompt or a batch, collecting everything the stream yields.
 *
 * @example
 * const tok = await loadTokenizer(dir);
 * const model = await GemmaTransformer.fromPretrained(dir);
 * const r = await generate(model, 'Why is the sky blue?', { tokenizer: tok, chat: true, maxNewTokens: 50, temperature: 0.7, topK: 64, seed: 1 });
 * r.text;   // the answer
 * const batch = await generate(model, ['Hi', 'Once upon a time'], { tokenizer: tok });  // GenerationResult[]
 */
export async function generate(model: GenerationModel, prompt: Prompt, options?: GenerateOptions): Promise<GenerationResult>;
export async function generate(model: GenerationModel, prompts: readonly Prompt[] | NamedArray, options?: GenerateOptions): Promise<GenerationResult[]>;
export async function generate(model: GenerationModel, prompt: PromptInput, options: GenerateOptions = {}): Promise<GenerationResult | GenerationResult[]> {
  const stream = generateStream(model, prompt, options);
  let r = await stream.next();
  while (!r.done) r = await stream.next();
  return isBatchInput(prompt) ? r.value : r.value[0]!;
}

/**
 * Generates token by token, yielding each new token of each row as soon as it is sampled
 * (with the text it completes, via an incremental decoder). The generator's return value is
 * the {@link GenerationResult} of every row. Breaking out of the loop early frees everything.
 *
 * @example
 * for await (const { text } of generateStream(model, 'Tell me a story', { tokenizer: tok, chat: true })) {
 *   process.stdout.write(text);
 * }
 */
export async function* generateStream(
  model: GenerationModel,
  prompt: PromptInput,
  options: GenerateOptions = {},
): AsyncGenerator<GenerationChunk, GenerationResult[], undefined> {
  checkArguments(model, prompt, options);
  const lm = model instanceof KVCachingTransformerLM ? model : toCachingModel(model);
  const family = familyOf(model, options.tokenizer);
  // Padding at either end of a token prompt is dropped, so each row continues from its own end.
  const prompts = promptList(prompt);
  const padId = options.padId ?? lm.padId;
  const rows = prompts.map((p, i) => (typeof p === 'string' ? encodePrompt(p, { ...options, family }) : stripRow(encodePrompt(p, options), padId, i)));
  const plan = planRun(model, lm, rows, options, family);
  // Everything that can be refused is refused before the first tensor is made.
  const rng = new RandomStream(options.seed ?? 0);
  // Families without a pad id (−1) fill with id 0; the mask marks it as padding either way.
  const batch = padLeft(rows, Math.max(lm.padId, 0));
  const decoders: (IncrementalDecoder | undefined)[] = rows.map(() => (options.tokenizer ? incrementalDecoder(options.tokenizer) : undefined));
  const generated: number[][] = rows.map(() => []);
  const finish: (FinishReason | undefined)[] = rows.map(() => undefined);
  const stopToken: (number | undefined)[] = rows.map(() => undefined);
  let cache: KVCache | undefined;
  let logits: tf.Tensor2D | undefined;
  let compiled: CompiledSteps | undefined;
  try {
    if (options.jit) {
      compiled = await compiledSteps(model, lm, rows.length, batch.tokens.namedShape.seq as number, plan.maxNewTokens);
      const started = performance.now();
      logits = await compiled.prefill(batch.tokens, batch.mask, options.images);
      const width = batch.tokens.namedShape.seq as number;
      options.onProgress?.({ phase: 'prefill', done: width, total: width, elapsedMs: performance.now() - started, tokensPerSecond: (width * rows.length * 1000) / Math.max(performance.now() - started, 1) });
    } else {
      cache = initCache(lm, { batchSize: rows.length, cacheLength: plan.cacheLength, slidingWindowCache: options.slidingWindowCache });
      [cache, logits] = prefill(lm, batch, cache, plan.chunk, options.onProgress, options.images ? { images: options.images } : {});
    }
    const sampling = samplingFor(options, logits.shape[1]);
    // Compiled greedy decoding picks each token inside the graph (no logits leave it).
    const greedy = compiled?.decodeGreedy && validateSamplingOptions(sampling, logits.shape[1]);
    const greedyForbidden = greedy && greedy.temperature === 0 ? greedy.forbiddenIds : undefined;
    let picked: number[] | undefined;
    const started = performance.now();
    for (let step = 0; step < plan.maxNewTokens; step++) {
      if (options.signal?.aborted) break;
      let next: number[];
      try {
        next = picked ?? (await sample(logits!, sampling, rng));
        const bad = next.flatMap((id, b) => (id < 0 ? [b] : []));
        if (bad.length) throw new NonFiniteLogitsError(bad);
      } catch (e) {
        if (e instanceof NonFiniteLogitsError) {
          throw new GenerationError(`step ${step}: the model's logits for prompt${e.rows.length > 1 ? 's' : ''} ${e.rows.join(', ')} are NaN or +Infinity, so generation stopped (no token was emitted from them). Check the weights and config for non-finite or overflowing values.`);
        }
        throw e;
      }
      logits?.dispose();
      logits = undefined;
      picked = undefined;
      for (let b = 0; b < rows.length; b++) {
        if (finish[b]) continue;
        const id = next[b]!;
        if (plan.stopIds.has(id)) {
          finish[b] = 'stop';
          stopToken[b] = id;
          continue;
        }
        generated[b]!.push(id);
        yield { row: b, step: generated[b]!.length - 1, token: id, text: decoders[b]?.push(id) ?? '' };
      }
      const elapsed = performance.now() - started;
      options.onProgress?.({ phase: 'decode', done: step + 1, total: plan.maxNewTokens, elapsedMs: elapsed, tokensPerSecond: ((step + 1) * 1000) / Math.max(elapsed, 1) });
      if (finish.every((f) => f) || step + 1 === plan.maxNewTokens) break;
      if (compiled && greedyForbidden) picked = await compiledDecodeStep(lm, (t, m) => compiled!.decodeGreedy!(t, m, greedyForbidden), next, finish);
      else if (compiled) logits = await compiledDecodeStep(lm, (t, m) => compiled!.decode(t, m), next, finish);
      else [cache, logits] = decodeStep(lm, cache!, next, finish);
    }
    for (let b = 0; b < rows.length; b++) {
      const tail = decoders[b]?.flush() ?? '';
      if (tail) yield { row: b, step: generated[b]!.length - 1, token: -1, text: tail };
    }
  } finally {
    logits?.dispose();
    cache?.dispose();
    compiled?.dispose();
    batch.tokens.dispose();
    batch.mask.dispose();
  }
  const aborted = options.signal?.aborted ?? false;
  return rows.map((promptTokens, b) => ({
    promptTokens,
    tokens: generated[b]!,
    text: options.tokenizer?.decode(generated[b]!),
    finishReason: finish[b] ?? (aborted ? 'aborted' : 'length'),
    stopToken: stopToken[b],
  }));
}

interface RunPlan {
  readonly maxNewTokens: number;
  readonly cacheLength: number;
  readonly chunk: number;
  readonly stopIds: ReadonlySet<number>;
}

function planRun(model: GenerationModel, lm: KVCachingTransformerLM, rows: readonly number[][], options: GenerateOptions, family: GemmaFamily): RunPlan {
  const problems: string[] = [];
  const maxNewTokens = options.maxNewTokens ?? 64;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) problems.push(`maxNewTokens must be a positive integer (got ${maxNewTokens})`);
  const longest = Math.max(...rows.map((r) => r.length));
  const cacheLength = options.cacheLength ?? longest + maxNewTokens;
  if (!Number.isInteger(cacheLength) || cacheLength < longest + 1) {
    problems.push(`cacheLength must be an integer ≥ the longest prompt + 1 = ${longest + 1} (got ${cacheLength})`);
  }
  // Positions past the model's trained range are refused: a run of a million steps would not
  // crash, but it would look like a hang and its output would be meaningless.
  const maxPositions = (lm.metadata as { maxPositions?: unknown } | null)?.maxPositions ?? (model as { config?: { maxPositionEmbeddings?: unknown } }).config?.maxPositionEmbeddings;
  if (typeof maxPositions === 'number' && Number.isInteger(cacheLength) && cacheLength > maxPositions) {
    problems.push(`the longest prompt (${longest} tokens) plus maxNewTokens (${maxNewTokens}) needs ${cacheLength} positions, more than the model's max_position_embeddings of ${maxPositions}; lower maxNewTokens (at most ${Math.max(0, maxPositions - longest)} here)`);
  }
  // Image blocks must not be split across prefill calls (each call encodes its own images).
  const chunk = options.images ? Math.max(1, longest) : options.prefillChunkSize ?? 64;
  if (!Number.isInteger(chunk) || chunk < 1) problems.push(`prefillChunkSize must be a positive integer (got ${chunk})`);
  const vocab = vocabularySize(lm);
  const tooBig = vocab === undefined ? [] : rows.flat().filter((id) => id >= vocab);
  if (tooBig.length) problems.push(`prompt token ids ${[...new Set(tooBig)].slice(0, 5).join(', ')} are beyond the model's vocabulary of ${vocab} rows`);
  if (problems.length) throw new GenerationError(`cannot generate: ${problems.join('; ')}.`);
  const meta = lm.metadata as TransformerMetadata | undefined;
  if (meta && typeof meta.numLayers === 'number') {
    const size = { batch: rows.length, seq: Math.min(chunk, longest), kvSeq: cacheLength, lastOnly: true };
    checkMemory(3 * cacheBytes(meta, rows.length, cacheLength) + forwardBytes(meta, size),
      `generate with maxNewTokens ${maxNewTokens} (a ${cacheLength}-slot KV cache for ${rows.length} prompt${rows.length > 1 ? 's' : ''})`,
      'Lower maxNewTokens or cacheLength, generate fewer prompts at once, or lower prefillChunkSize.');
  }
  // Checked now, before any compute, with what is known of the vocabulary.
  validateSamplingOptions(samplingFor(options, vocab));
  const stopIds = new Set(options.stopIds ?? options.tokenizer?.stopIds ?? modelStopIds(lm) ?? defaultStopIds(family));
  return { maxNewTokens, cacheLength, chunk, stopIds };
}

/**
 * The sampler's options for logits with `vocab` rows: the caller's forbidden ids, the
 * tokenizer's (Gemma 3's image markers), and every row the tokenizer cannot decode (e.g. the
 * 64 image rows of Hugging Face Gemma 3 4B+), never sampled.
 */
function samplingFor(options: GenerateOptions, vocab: number | undefined): SamplingOptions {
  const tokVocab = options.tokenizer?.vocabSize;
  const beyond = vocab !== undefined && tokVocab !== undefined && vocab > tokVocab ? Array.from({ length: vocab - tokVocab }, (_, i) => tokVocab + i) : [];
  const forbidden = [...(options.forbiddenIds ?? []), ...(options.tokenizer?.forbiddenIds ?? []), ...beyond].filter((id) => vocab === undefined || id < vocab);
  return { temperature: options.temperature, topK: options.topK, topP: options.topP, forbiddenIds: forbidden };
}

/** Runs the prompt through the model in chunks; returns the cache and the last position's logits `[batch, vocab]`. */
function prefill(
  lm: KVCachingTransformerLM,
  batch: ReturnType<typeof padLeft>,
  empty: KVCache,
  chunk: number,
  onProgress: GenerateOptions['onProgress'],
  sideInputs: Readonly<Record<string, unknown>>,
): [KVCache, tf.Tensor2D] {
  const width = batch.tokens.namedShape.seq as number;
  const rows = batch.tokens.namedShape.batch as number;
  const started = performance.now();
  let cache = empty;
  let last: tf.Tensor2D | undefined;
  try {
    for (let start = 0; start < width; start += chunk) {
      const size = Math.min(chunk, width - start);
      const part = { seq: nx.slice(start, start + size) };
      const tokens = batch.tokens.index(part);
      const mask = batch.mask.index(part);
      // Only the last chunk's last logits are used; with returnLastOnly, Gemma decodes one
      // position per row instead of the whole chunk (a 262k-row matmul per token saved).
      // The loop owns its cache, so each step may extend it in place (donateCache).
      const out = lm.step(tokens, cache, { tokenMask: mask, returnLastOnly: true, donateCache: true, sideInputs });
      tokens.dispose();
      mask.dispose();
      cache.dispose();
      cache = out.cache;
      if (start + size === width) last = lastLogits(out.logits);
      out.logits.dispose();
      const elapsed = performance.now() - started;
      onProgress?.({ phase: 'prefill', done: start + size, total: width, elapsedMs: elapsed, tokensPerSecond: ((start + size) * rows * 1000) / Math.max(elapsed, 1) });
    }
  } catch (e) {
    cache.dispose();
    last?.dispose(); // a progress callback may throw after the last chunk
    throw e;
  }
  return [cache, last!];
}

/** The next step's tokens `{batch, seq: 1}` and mask: finished rows get padding (position −1, so it changes nothing). */
function nextTokens(lm: KVCachingTransformerLM, next: readonly number[], finished: readonly (FinishReason | undefined)[]): [NamedArray, NamedArray] {
  const ids = next.map((id, b) => (finished[b] ? Math.max(lm.padId, 0) : id));
  const tokens = nx.wrap(tf.tensor2d(ids, [ids.length, 1], 'int32'), 'batch', 'seq');
  const mask = nx.wrap(tf.tensor2d(finished.map((f) => !f), [ids.length, 1], 'bool'), 'batch', 'seq');
  return [tokens, mask];
}

async function compiledDecodeStep<R>(lm: KVCachingTransformerLM, decode: (tokens: NamedArray, mask: NamedArray) => Promise<R>, next: readonly number[], finished: readonly (FinishReason | undefined)[]): Promise<R> {
  const [tokens, mask] = nextTokens(lm, next, finished);
  try {
    return await decode(tokens, mask);
  } finally {
    tokens.dispose();
    mask.dispose();
  }
}

/** Feeds each row's sampled token back. */
function decodeStep(lm: KVCachingTransformerLM, cache: KVCache, next: readonly number[], finished: readonly (FinishReason | undefined)[]): [KVCache, tf.Tensor2D] {
  const [tokens, mask] = nextTokens(lm, next, finished);
  try {
    const out = lm.step(tokens, cache, { tokenMask: mask, returnLastOnly: true, donateCache: true });
    cache.dispose();
    const logits = lastLogits(out.logits);
    out.logits.dispose();
    return [out.cache, logits];
  } finally {
    tokens.dispose();
    mask.dispose();
  }
}

/** `[batch, vocab]` logits of the last position (left padding puts every row's last token there). */
function lastLogits(logits: NamedArray): tf.Tensor2D {
  return tf.tidy(() => {
    // A body that ignores returnLastOnly still has its seq axis.
    const last = logits.names.includes('seq') ? logits.index({ seq: (logits.namedShape.seq as number) - 1 }) : logits;
    return tf.clone(last.unwrap('batch', 'vocabulary')) as tf.Tensor2D;
  });
}

/** The eos ids of a family model's config (config.json's `eos_token_id`), if it has any. */
function modelStopIds(lm: KVCachingTransformerLM): readonly number[] | undefined {
  const ids = (lm.metadata as { modelConfig?: { eosTokenIds?: readonly number[] } } | null)?.modelConfig?.eosTokenIds;
  return ids?.length ? ids : undefined;
}

function vocabularySize(lm: KVCachingTransformerLM): number | undefined {
  const v = (lm.metadata as { vocabularySize?: unknown } | null)?.vocabularySize;
  return typeof v === 'number' ? v : undefined;
}

function familyOf(model: GenerationModel, tokenizer: Tokenizer | undefined): GemmaFamily {
  const f = (model as { config?: { family?: unknown } }).config?.family;
  if (f === 'gemma1' || f === 'gemma2' || f === 'gemma3') return f;
  // Gemma 3's <end_of_turn> is 106; Gemma 1/2's is 107.
  if (tokenizer) return tokenizer.endOfTurnId === 106 ? 'gemma3' : 'gemma2';
  return 'gemma3';
}
