/**
 * The tokenizer contract shared by the bundled Gemma 3 tokenizer and the ones read from a
 * checkpoint's `tokenizer.json`, so that generation, chat and the viewer never care where the
 * vocabulary came from.
 */

/** The Gemma generations whose vocabularies and chat formats differ. */
export type GemmaFamily = 'gemma1' | 'gemma2' | 'gemma3';

/** Options for {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Prepend `<bos>`. Default `false`, as in `gm.text.Tokenizer.encode`: encoding is also used
   * for fragments (viewer labels, continuations), and a second BOS silently degrades a model.
   * Throws if the text itself already starts with `<bos>`, so a sequence can never get two.
   */
  readonly addBos?: boolean;
}

/** Options for {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (`<bos>`, `<eos>`, `<pad>`, turn markers, image markers). Default `false`. */
  readonly skipSpecial?: boolean;
}

/**
 * A Gemma tokenizer: text ⇄ token ids, plus the ids a generation loop and a chat formatter need.
 *
 * @example
 * const tok = await loadTokenizer();            // Gemma 3 vocabulary
 * tok.encode('Hello, world!');                  // [9259, 236764, 1902, 236888]
 * tok.encode('Hi', { addBos: true });           // [2, 10979]
 * tok.decode([9259, 236764, 1902, 236888]);     // 'Hello, world!'
 * tok.tokenStrings([9259, 1902]);               // ['Hello', ' world']
 * tok.stopIds;                                  // [1, 106] (<eos>, <end_of_turn>)
 */
export interface Tokenizer {
  /** Where the vocabulary came from (a file path, or the bundled package), for messages. */
  readonly source: string;
  /** `gemma` for Gemma vocabularies (hand-checked chat format), `generic` for others (chat via the checkpoint's template). */
  readonly kind?: 'gemma' | 'generic';
  /** tokenizer_config.json's Jinja `chat_template`, when it has one. */
  readonly chatTemplate?: string;
  /** Special-token strings from tokenizer_config.json (`bos_token`, `eos_token`, …), for rendering the template. */
  readonly specialTokens?: Readonly<Record<string, string>>;
  /** Number of ids the tokenizer knows (ids are `0 … vocabSize-1`). May differ from a model's embedding rows. */
  readonly vocabSize: number;
  /** Special ids; −1 where a (non-Gemma) vocabulary has no such token. */
  readonly padId: number;
  readonly eosId: number;
  readonly bosId: number;
  readonly startOfTurnId: number;
  readonly endOfTurnId: number;
  /** Ids that end generation: `<eos>` and `<end_of_turn>` (Gemma 1/2: 1 and 107; Gemma 3: 1 and 106). */
  readonly stopIds: readonly number[];
  /** Ids a text-only sampler must never emit (Gemma 3's image markers), as in `gm`'s `FORBIDDEN_TOKENS`. */
  readonly forbiddenIds: readonly number[];
  /** Ids of special (control) tokens, the ones `decode(…, {skipSpecial: true})` drops. */
  readonly specialIds: readonly number[];

  /** Text to ids. Special-token strings in the text (`<end_of_turn>`, …) become their ids, as in Hugging Face. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Ids to text. Throws on ids outside `0 … vocabSize-1`. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /**
   * One readable, single-line label per id, for the viewer's axis labels: the piece `▁the`
   * reads ` the`, a newline piece reads `\n` (escaped), a byte piece `<0xF4>` reads `\xF4`.
   */
  tokenStrings(ids: readonly number[]): string[];
  /** The raw vocabulary piece of an id (`▁the`, `<0x0A>`, `<bos>`). Throws on an unknown id. */
  idToToken(id: number): string;
  /** The id of a raw vocabulary piece, or `undefined` when the piece is not in the vocabulary. */
  tokenToId(token: string): number | undefined;
}
