/**
 * Gemma tokenizers and the chat format: one {@link Tokenizer} interface over the bundled
 * Gemma 3 vocabulary and any checkpoint's own `tokenizer.json`.
 *
 * @example
 * import { loadTokenizer, encodeChat } from '@penjing/gemma';
 * const tok = await loadTokenizer();
 * encodeChat(tok, [{ role: 'user', content: 'Hello' }]);
 * // [2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107]
 */
export type { Tokenizer, EncodeOptions, DecodeOptions, GemmaFamily } from './types.js';
export { TokenizerError, ChatFormatError } from './errors.js';
export { pieceLabel } from './labels.js';
export { tokenizerFromJson } from './from-json.js';
export { gemma3Tokenizer, GEMMA3_BUNDLED_SOURCE } from './gemma3.js';
export { tokenizerFromFile, loadTokenizer, type TokenizerFileOptions } from './file.js';
export { formatChat, encodeChat, type ChatMessage, type ChatRole, type ChatOptions } from './chat.js';
export { incrementalDecoder, type IncrementalDecoder } from './stream.js';
export { unsafePatternReason, safeRegExp, unsafeTokenizerPattern, MAX_UNBOUNDED_IN_SEQUENCE } from './safe-pattern.js';
