/**
 * Building a {@link Tokenizer} from the two Hugging Face files, `tokenizer.json` and
 * `tokenizer_config.json`, through @lenml/tokenizers (transformers.js's tokenizer code).
 * Both the bundled Gemma 3 vocabulary and a checkpoint's own file come through here, so they
 * behave identically.
 */
import { TokenizerLoader } from '@lenml/tokenizers';
import { TokenizerError } from './errors.js';
import { pieceLabel } from './labels.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './types.js';

/** The members of a @lenml/tokenizers tokenizer this module relies on. */
interface LenmlTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  model: { vocab: string[]; tokens_to_ids: Map<string, number> };
  added_tokens: ReadonlyArray<{ id: number; content: string; special: boolean }>;
}

/** Pieces every Gemma vocabulary has; their ids come from the vocabulary, never from the config. */
const REQUIRED = ['<pad>', '<eos>', '<bos>', '<start_of_turn>', '<end_of_turn>'] as const;
/** Multimodal markers a text-only sampler must not emit (gm's `FORBIDDEN_TOKENS`, plus HF's image soft token). */
const IMAGE_MARKERS = ['<start_of_image>', '<end_of_image>', '<image_soft_token>'] as const;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function build(json: Record<string, unknown>, config: Record<string, unknown>, source: string): LenmlTokenizer {
  const model = json['model'];
  if (!isObject(model) || model['vocab'] === undefined) {
    throw new TokenizerError(source, 'has no "model.vocab" entry, so it is not a Hugging Face tokenizer.json', {
      fix: 'Point at the tokenizer.json saved next to the checkpoint (tokenizer.model files are not supported).',
    });
  }
  // Defaults that make every file behave like Gemma's own: its tokenizer class, and no
  // "clean up" of spaces before punctuation (SentencePiece decoding never does that).
  const fullConfig = { tokenizer_class: 'GemmaTokenizer', ...config, clean_up_tokenization_spaces: false };
  const fullJson = { added_tokens: [], ...json };
  try {
    return TokenizerLoader.fromPreTrained({ tokenizerJSON: fullJson, tokenizerConfig: fullConfig }) as unknown as LenmlTokenizer;
  } catch (cause) {
    throw new TokenizerError(source, `could not be built into a tokenizer (${(cause as Error).message})`, { cause });
  }
}

/**
 * A tokenizer from already-parsed `tokenizer.json` (and optionally `tokenizer_config.json`)
 * objects; works anywhere, including browsers that fetched the files themselves.
 * `source` names the origin in error messages.
 *
 * @example
 * const json = await (await fetch('/ckpt/tokenizer.json')).json();
 * const tok = tokenizerFromJson(json, undefined, '/ckpt/tokenizer.json');
 * tok.encode('Hello');  // [9259] with the Gemma 3 vocabulary
 */
export function tokenizerFromJson(tokenizerJson: unknown, tokenizerConfig: unknown = {}, source = 'tokenizer.json'): Tokenizer {
  if (!isObject(tokenizerJson)) throw new TokenizerError(source, 'does not hold a JSON object');
  if (!isObject(tokenizerConfig)) throw new TokenizerError(source, 'its tokenizer_config does not hold a JSON object');
  const lenml = build(tokenizerJson, tokenizerConfig, source);
  return wrap(lenml, source);
}

function wrap(lenml: LenmlTokenizer, source: string): Tokenizer {
  const { vocab, tokens_to_ids: toId } = lenml.model;
  const vocabSize = vocab.length;
  const required = {} as Record<(typeof REQUIRED)[number], number>;
  for (const piece of REQUIRED) {
    const id = toId.get(piece);
    if (id === undefined) {
      throw new TokenizerError(source, `the vocabulary has no ${JSON.stringify(piece)} token, so it is not a Gemma tokenizer`);
    }
    required[piece] = id;
  }
  const specialIds = Object.freeze(lenml.added_tokens.filter((t) => t.special).map((t) => t.id));
  const forbiddenIds = Object.freeze(IMAGE_MARKERS.flatMap((p) => (toId.has(p) ? [toId.get(p)!] : [])));
  const bosId = required['<bos>'];

  const checkIds = (ids: readonly number[], what: string): void => {
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize || vocab[id] === undefined) {
        throw new TokenizerError(source, `${what}: id ${id} at position ${i} is not a token id (valid ids are 0 … ${vocabSize - 1})`);
      }
    });
  };

  const tokenizer: Tokenizer = {
    source,
    vocabSize,
    padId: required['<pad>'],
    eosId: required['<eos>'],
    bosId,
    startOfTurnId: required['<start_of_turn>'],
    endOfTurnId: required['<end_of_turn>'],
    stopIds: Object.freeze([required['<eos>'], required['<end_of_turn>']]),
    forbiddenIds,
    specialIds,
    encode(text: string, options: EncodeOptions = {}): number[] {
      if (typeof text !== 'string') throw new TokenizerError(source, `encode expects a string, got ${typeof text}`);
      // BOS is always ours to add: tokenizer.json post-processors disagree across Gemma
      // versions, and the chat template writes its own `<bos>` into the text.
      const ids = lenml.encode(text, { add_special_tokens: false });
      if (!options.addBos) return ids;
      if (ids[0] === bosId) {
        throw new TokenizerError(source, 'encode(text, {addBos: true}) was given text that already starts with <bos>; a second BOS would reach the model', {
          fix: 'Pass addBos: false (formatChat output carries its own <bos>), or remove <bos> from the text.',
        });
      }
      return [bosId, ...ids];
    },
    decode(ids: readonly number[], options: DecodeOptions = {}): string {
      checkIds(ids, 'decode');
      if (ids.length === 0) return '';
      return lenml.decode([...ids], { skip_special_tokens: options.skipSpecial ?? false, clean_up_tokenization_spaces: false });
    },
    tokenStrings(ids: readonly number[]): string[] {
      checkIds(ids, 'tokenStrings');
      return ids.map((id) => pieceLabel(vocab[id]!));
    },
    idToToken(id: number): string {
      checkIds([id], 'idToToken');
      return vocab[id]!;
    },
    tokenToId(token: string): number | undefined {
      return toId.get(token);
    },
  };
  return Object.freeze(tokenizer);
}
