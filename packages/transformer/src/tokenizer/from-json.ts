/**
 * Building a {@link Tokenizer} from the two Hugging Face files, `tokenizer.json` and
 * `tokenizer_config.json`, through @lenml/tokenizers (transformers.js's tokenizer code).
 * Both the bundled Gemma 3 vocabulary and a checkpoint's own file come through here, so they
 * behave identically.
 */
import { TokenizerLoader } from '@lenml/tokenizers';
import { TokenizerError } from './errors.js';
import { pieceLabel } from './labels.js';
import { unsafeTokenizerPattern } from './safe-pattern.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './types.js';

/** The members of a @lenml/tokenizers tokenizer this module relies on. */
interface LenmlTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  model: { vocab: string[]; tokens_to_ids: Map<string, number> };
  added_tokens: ReadonlyArray<{ id: number; content: string; special: boolean }>;
}

/**
 * Pieces every Gemma vocabulary has; their ids come from the vocabulary, never from the config.
 * Other vocabularies (Llama 3, Qwen, GPT-2, …) take their special ids from tokenizer_config.json.
 */
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
  const problem = vocabularyProblem(model['vocab']);
  if (problem) {
    throw new TokenizerError(source, `has an unusable vocabulary: model.vocab ${problem}`, { fix: 'Use the tokenizer.json published with the model.' });
  }
  // Defaults that make every file behave like Gemma's own: its tokenizer class, and no
  // "clean up" of spaces before punctuation (SentencePiece decoding never does that).
  const fullConfig = { tokenizer_class: 'GemmaTokenizer', ...config, clean_up_tokenization_spaces: false };
  const fullJson = { added_tokens: [], ...json };
  // The library compiles the file's patterns on a backtracking engine; refuse hostile ones first.
  const unsafe = unsafeTokenizerPattern(json);
  if (unsafe) {
    throw new TokenizerError(source, `has an unsafe regular expression: ${unsafe}`, {
      fix: 'Use the tokenizer.json published with the model; patterns must not nest quantifiers or use back-references.',
    });
  }
  try {
    return TokenizerLoader.fromPreTrained({ tokenizerJSON: fullJson, tokenizerConfig: fullConfig }) as unknown as LenmlTokenizer;
  } catch (cause) {
    throw new TokenizerError(source, `could not be built into a tokenizer (${(cause as Error).message})`, { cause });
  }
}

/** What is wrong with a tokenizer.json `model.vocab` (BPE: piece → id; Unigram: [piece, score] pairs), if anything. */
function vocabularyProblem(vocab: unknown): string | undefined {
  if (Array.isArray(vocab)) {
    if (vocab.length === 0) return 'is empty';
    const bad = vocab.findIndex((e) => !Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number');
    return bad >= 0 ? `entry ${bad} is ${JSON.stringify(vocab[bad])}, not a [piece, score] pair` : undefined;
  }
  if (!isObject(vocab)) return `is ${vocab === null ? 'null' : typeof vocab}, not a piece → id table`;
  const entries = Object.entries(vocab);
  if (entries.length === 0) return 'is empty';
  const seen = new Map<number, string>();
  for (const [piece, id] of entries) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return `maps ${JSON.stringify(piece)} to ${JSON.stringify(id)}, not a token id`;
    const other = seen.get(id);
    if (other !== undefined) return `maps both ${JSON.stringify(other)} and ${JSON.stringify(piece)} to id ${id}`;
    seen.set(id, piece);
  }
  return undefined;
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
  return wrap(lenml, source, tokenizerConfig);
}

/** A special token named in tokenizer_config.json: a string, or `{content: string}`. */
function configToken(config: Record<string, unknown>, key: string): string | undefined {
  const v = config[key];
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v['content'] === 'string') return v['content'];
  return undefined;
}

/** The special ids of a non-Gemma vocabulary: from tokenizer_config.json's names, and the usual turn markers. */
function genericIds(toId: Map<string, number>, config: Record<string, unknown>) {
  const id = (piece: string | undefined) => (piece === undefined ? undefined : toId.get(piece));
  const first = (...pieces: string[]) => pieces.map((p) => toId.get(p)).find((x) => x !== undefined) ?? -1;
  const eos = id(configToken(config, 'eos_token')) ?? -1;
  return {
    bos: id(configToken(config, 'bos_token')) ?? -1,
    eos,
    pad: id(configToken(config, 'pad_token')) ?? -1,
    // Llama 3's and ChatML's (Qwen, SmolLM2) turn markers.
    startOfTurn: first('<|start_header_id|>', '<|im_start|>'),
    endOfTurn: first('<|eot_id|>', '<|im_end|>'),
  };
}

function wrap(lenml: LenmlTokenizer, source: string, config: Record<string, unknown> = {}): Tokenizer {
  const { vocab, tokens_to_ids: toId } = lenml.model;
  if (!Array.isArray(vocab) || vocab.length === 0 || !(toId instanceof Map)) {
    throw new TokenizerError(source, 'has an empty or unreadable vocabulary (model.vocab)', {
      fix: 'Use the tokenizer.json published with the model.',
    });
  }
  for (const t of lenml.added_tokens) if (!toId.has(t.content)) toId.set(t.content, t.id);
  const vocabSize = Math.max(vocab.length, ...lenml.added_tokens.map((t) => t.id + 1));
  // A vocabulary with Gemma's turn marker is Gemma's and must have all of Gemma's pieces.
  const isGemma = toId.has('<start_of_turn>');
  const lacking = REQUIRED.find((p) => !toId.has(p));
  if (isGemma && lacking !== undefined) {
    throw new TokenizerError(source, `the vocabulary has no ${JSON.stringify(lacking)} token, so it is not a Gemma tokenizer`);
  }
  for (const piece of isGemma ? REQUIRED : []) {
    const id = toId.get(piece)!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize || vocab[id] !== piece) {
      throw new TokenizerError(source, `the vocabulary maps ${JSON.stringify(piece)} to id ${id}, which is not its entry in a ${vocabSize}-token vocabulary`, {
        fix: 'Use the tokenizer.json published with the model.',
      });
    }
  }
  const g = isGemma
    ? { bos: toId.get('<bos>')!, eos: toId.get('<eos>')!, pad: toId.get('<pad>')!, startOfTurn: toId.get('<start_of_turn>')!, endOfTurn: toId.get('<end_of_turn>')! }
    : genericIds(toId, config);
  const specialIds = Object.freeze(lenml.added_tokens.filter((t) => t.special).map((t) => t.id));
  const forbiddenIds = Object.freeze(IMAGE_MARKERS.flatMap((p) => (toId.has(p) ? [toId.get(p)!] : [])));
  const bosId = g.bos;
  const chatTemplate = typeof config['chat_template'] === 'string' ? config['chat_template'] : undefined;
  const specialTokens = Object.freeze(Object.fromEntries(
    ['bos_token', 'eos_token', 'pad_token', 'unk_token'].flatMap((k) => (configToken(config, k) === undefined ? [] : [[k, configToken(config, k)!]])),
  ));
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
    kind: isGemma ? 'gemma' : 'generic',
    padId: g.pad,
    eosId: g.eos,
    bosId,
    startOfTurnId: g.startOfTurn,
    endOfTurnId: g.endOfTurn,
    stopIds: Object.freeze([...new Set([g.eos, g.endOfTurn].filter((x) => x >= 0))]),
    chatTemplate,
    specialTokens,
    forbiddenIds,
    specialIds,
    encode(text: string, options: EncodeOptions = {}): number[] {
      if (typeof text !== 'string') throw new TokenizerError(source, `encode expects a string, got ${typeof text}`);
      // BOS is always ours to add: tokenizer.json post-processors disagree across Gemma
      // versions, and the chat template writes its own `<bos>` into the text.
      const ids = lenml.encode(text, { add_special_tokens: false });
      if (!options.addBos) return ids;
      if (bosId < 0) {
        throw new TokenizerError(source, 'encode(text, {addBos: true}): this vocabulary has no BOS token (tokenizer_config.json names no bos_token)', {
          fix: 'Pass addBos: false.',
        });
      }
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
