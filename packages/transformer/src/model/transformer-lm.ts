/**
 * `TransformerLM` (Penzai's model_parts.TransformerLM): a decoder body plus its metadata.
 * The caller supplies token positions or gets `0, 1, 2, …` along `seq`; every other side
 * input is passed to the body as given.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError, PositionsFromTokens, type SideInputs } from '@penjing/layers';
import type { TransformerMetadata } from './metadata.js';

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
  const ids = tokens.data.dataSync();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= vocabSize) {
      throw new LayerError(`${who}: token id ${id} (element ${i}) is outside the vocabulary [0, ${vocabSize}).`);
    }
  }
  return tokens;
}

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
export class TransformerLM extends Layer<NamedArray, NamedArray> {
  static override readonly fields = ['body', 'metadata', 'returnLastOnly'] as const;
  declare readonly body: Layer<NamedArray, NamedArray>;
  declare readonly metadata: TransformerMetadata;
  /** Default of the `returnLastOnly` call option. */
  declare readonly returnLastOnly: boolean;
  constructor(f: { body: Layer<NamedArray, NamedArray>; metadata: TransformerMetadata; returnLastOnly?: boolean }) {
    super({ body: f.body, metadata: f.metadata, returnLastOnly: f.returnLastOnly ?? false });
  }

  override handledSideInputs(): readonly string[] {
    return ['tokenPositions', 'returnLastOnly'];
  }

  /**
   * Scores the tokens: logits `{batch…, seq, vocabulary}`, or `{batch…, vocabulary}` with
   * `returnLastOnly`.
   *
   * @example lm.call(tokens, { returnLastOnly: true })
   */
  override call(tokens: NamedArray, options: TransformerLMCallOptions = {}): NamedArray {
    return super.call(tokens, options);
  }

  protected override forward(tokens: NamedArray, side: SideInputs): NamedArray {
    checkTokens(tokens, this.metadata.vocabularySize, 'TransformerLM.call');
    const tokenPositions = side.tokenPositions ?? new PositionsFromTokens().compute(tokens);
    const returnLastOnly = side.returnLastOnly ?? this.returnLastOnly;
    return this.body.call(tokens, { ...side, tokenPositions, returnLastOnly });
  }
}
