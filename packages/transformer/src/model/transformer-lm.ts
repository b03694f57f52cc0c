/**
 * `TransformerLM` (Penzai's model_parts.TransformerLM): a decoder body plus its metadata.
 * The caller supplies token positions or gets `0, 1, 2, …` along `seq`; every other side
 * input is passed to the body as given.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, staticField, LayerError, PositionsFromTokens, checkValues, type SideInputs } from '@penjing/layers';
import type { TransformerMetadata } from './metadata.js';
import { checkForwardFits, type CallSize } from './memory.js';
import { buildModelFromConfig, loadPretrainedModel, type FamilyLoadOptions } from '../family.js';
import type { PretrainedSource } from '@penjing/io';

/** Options of `TransformerLM.call` (and side inputs for the body). */
export interface TransformerLMCallOptions {
  /** Int positions `{batch…, seq}`; −1 marks padding. Default: `0, 1, …` along `seq`. */
  readonly tokenPositions?: NamedArray;
  /** Return logits for the last token only (no `seq` axis). Default: the model's `returnLastOnly`. */
  readonly returnLastOnly?: boolean;
  readonly [sideInput: string]: unknown;
}

/**
 * Checks the tokens a language model is called with: an int32 NamedArray with a `seq` axis, only
 * named axes, every id inside the vocabulary; throws a LayerError naming `who` and the fix.
 *
 * @example
 * checkTokens(tokens, 262144, "MyLM.call");
 */
export function checkTokens(tokens: unknown, vocabSize: number, who: string): NamedArray {
  const fix = `Build tokens with nx.wrap(tf.tensor2d(ids, [batch, seq], 'int32')).tag('batch', 'seq').`;
  if (!(tokens instanceof NamedArray)) {
    throw new LayerError(`${who}: tokens must be an int32 NamedArray with a 'seq' axis; got ${tokens === null ? 'null' : typeof tokens}. ${fix}`);
  }
  if (tokens.dtype !== 'int32' || !tokens.names.includes('seq') || tokens.positionalShape.length) {
    throw new LayerError(
      `${who}: tokens must be an int32 NamedArray with a 'seq' axis and only named axes; got ${tokens.dtype} ` +
        `${formatNamedShape(tokens.namedShape)}${tokens.positionalShape.length ? ` with positional axes [${tokens.positionalShape}]` : ''}. ${fix}`,
    );
  }
  // A token id outside the table would silently read zeros (or another row) on some backends.
  // A compiler's trace runs this check on the real ids before each compiled call.
  checkValues(tokens.data, (ids) => {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= vocabSize) {
        throw new LayerError(`${who}: token id ${id} (element ${i}) is outside the vocabulary [0, ${vocabSize}).`);
      }
    }
  });
  return tokens;
}

/** Batch size, sequence length and logits mode of a call on `tokens` without a cache. */
export function callSize(tokens: NamedArray, lastOnly: unknown): CallSize {
  const shape = tokens.namedShape as Record<string, number>;
  const seq = shape.seq ?? 1;
  const batch = Object.entries(shape).reduce((a, [n, s]) => (n === 'seq' ? a : a * s), 1);
  return { batch, seq, kvSeq: seq, lastOnly: lastOnly === true };
}

/**
 * Caller-given positions must be int32 with the tokens' axes: a float or NaN position would
 * silently select wrong rotary angles and masks.
 */
export function checkPositions(positions: unknown, tokens: NamedArray, who: string): void {
  if (positions === undefined) return;
  if (!(positions instanceof NamedArray) || positions.dtype !== 'int32') {
    const got = positions instanceof NamedArray ? `a ${positions.dtype} array` : positions === null ? 'null' : typeof positions;
    throw new LayerError(`${who}: tokenPositions must be an int32 NamedArray shaped like the tokens; got ${got}. Float or NaN positions are not positions: build them with nx.arange('seq', n) or round them to int32 first.`);
  }
  const want = formatNamedShape(tokens.namedShape);
  const have = formatNamedShape(positions.namedShape);
  if (want !== have) throw new LayerError(`${who}: tokenPositions has named shape ${have} but the tokens have ${want}; give one position per token.`);
}

/**
 * Logits of a language model: the batch axes `B` of the tokens, `seq` (absent with
 * `returnLastOnly: true`, when `S` is `never`) and `vocabulary`.
 * @example const logits: Logits = model.call(tokens); // NamedArray<'batch' | 'seq' | 'vocabulary'>
 */
export type Logits<B extends string = 'batch', S extends string = 'seq'> = NamedArray<B | S | 'vocabulary'>;

/**
 * A transformer language model: `body` maps int tokens `{batch…, seq}` to logits
 * `{batch…, seq, vocabulary}` given the side input `tokenPositions` (and `returnLastOnly`);
 * `metadata` records its axis names and sizes.
 *
 * @example
 * const lm = model.toTransformerLM();
 * const logits = lm.call(tokens, { tokenPositions }); // explicit positions
 * lm.call(tokens);                                    // positions 0, 1, … along seq
 */
export class TransformerLM extends Layer.define('TransformerLM', {
  body: child<Layer<NamedArray, NamedArray>>(),
  metadata: staticField<TransformerMetadata>(),
  /** Default of the `returnLastOnly` call option. */
  returnLastOnly: staticField<boolean>().default(false),
})<NamedArray, NamedArray> {

  /**
   * Loads a Hugging Face checkpoint with the family that reads its config.json `model_type`:
   * llama, mistral, qwen2, qwen3, gpt2, gpt_neox (and Gemma's types once `@penjing/gemma` is
   * imported; a Gemma model comes back through its `toTransformerLM()`).
   *
   * The source is a directory path (Node/Deno), a URL or base URL (fetched with Range
   * requests), `{ safetensors: bytes, config }`, or a File/FileList/directory handle from a page.
   *
   * @example const lm = await TransformerLM.fromPretrained('models/SmolLM2-135M');
   */
  static async fromPretrained(path: PretrainedSource, options: FamilyLoadOptions & { returnLastOnly?: boolean } = {}): Promise<TransformerLM> {
    return asTransformerLM(await loadPretrainedModel(path, options));
  }

  /**
   * A randomly initialised model (or, with `seed: null`, parameter slots) for a config.json
   * object, built by the family that reads its `model_type`.
   *
   * @example TransformerLM.fromConfig({ model_type: 'gpt2', n_embd: 64, n_head: 4, n_layer: 2, n_positions: 128, vocab_size: 100 }, { seed: 0 })
   */
  static fromConfig(config: Readonly<Record<string, unknown>>, options: { seed?: number | null; returnLastOnly?: boolean } = {}): TransformerLM {
    return asTransformerLM(buildModelFromConfig(config, options));
  }

  override handledSideInputs(): readonly string[] {
    return ['tokenPositions', 'returnLastOnly'];
  }

  /**
   * Scores the tokens: logits `{batch…, seq, vocabulary}`, or `{batch…, vocabulary}` with
   * `returnLastOnly`.
   *
   * Axis names are tracked as in `GemmaTransformer.call`.
   *
   * @example lm.call(tokens, { returnLastOnly: true }) // NamedArray<'batch' | 'vocabulary'>
   */
  override call<B extends string = 'batch'>(tokens: NamedArray<B | 'seq'>, options: TransformerLMCallOptions & { readonly returnLastOnly: true }): Logits<B, never>;
  override call<B extends string = 'batch'>(tokens: NamedArray<B | 'seq'>, options?: TransformerLMCallOptions & { readonly returnLastOnly?: false }): Logits<B>;
  override call<B extends string = 'batch'>(tokens: NamedArray<B | 'seq'>, options?: TransformerLMCallOptions): Logits<B> | Logits<B, never>;
  override call(tokens: NamedArray, options: TransformerLMCallOptions = {}): NamedArray {
    return super.call(tokens, options);
  }

  protected override forward(tokens: NamedArray, side: SideInputs): NamedArray {
    checkTokens(tokens, this.metadata.vocabularySize, 'TransformerLM.call');
    checkPositions(side.tokenPositions, tokens, 'TransformerLM.call');
    checkForwardFits(this.metadata, callSize(tokens, side.returnLastOnly ?? this.returnLastOnly), 'TransformerLM.call');
    const tokenPositions = side.tokenPositions ?? new PositionsFromTokens().compute(tokens);
    const returnLastOnly = side.returnLastOnly ?? this.returnLastOnly;
    return this.body.call(tokens, { ...side, tokenPositions, returnLastOnly });
  }
}

function asTransformerLM(model: Layer<NamedArray, NamedArray>): TransformerLM {
  if (model instanceof TransformerLM) return model;
  const convert = (model as { toTransformerLM?: () => unknown }).toTransformerLM;
  if (typeof convert === 'function') return convert.call(model) as TransformerLM;
  throw new LayerError(`TransformerLM: the family built a ${model.typeName()}, which has no toTransformerLM(); use that model directly.`);
}
