/**
 * Gemma tokenizers and the chat format: one {@link Tokenizer} interface over the bundled
 * Gemma 3 vocabulary and any checkpoint's own `tokenizer.json`.
 *
 * @example
 * import { loadTokenizer, encodeChat } from '@penjing/transformer/tokenizer';
 * const tok = await loadTokenizer();
 * encodeChat(tok, [{ role: 'user', content: 'Hello' }]);
 * // [2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107]
 */
export type { Tokenizer, EncodeOptions, DecodeOptions, GemmaFamily } from './tokenizer/types.js';
export { TokenizerError, ChatFormatError } from './tokenizer/errors.js';
export { pieceLabel } from './tokenizer/labels.js';
export { tokenizerFromJson } from './tokenizer/from-json.js';
export { gemma3Tokenizer, GEMMA3_BUNDLED_SOURCE } from './tokenizer/gemma3.js';
export { tokenizerFromFile, loadTokenizer, type TokenizerFileOptions } from './tokenizer/file.js';
export { formatChat, encodeChat, type ChatMessage, type ChatRole, type ChatOptions } from './tokenizer/chat.js';
export { incrementalDecoder, type IncrementalDecoder } from './tokenizer/stream.js';
export { unsafePatternReason, safeRegExp, unsafeTokenizerPattern, MAX_UNBOUNDED_IN_SEQUENCE, MAX_PATTERN_LENGTH } from './tokenizer/safe-pattern.js';
export { renderChatTemplate, encodeChatTemplate, type TemplateMessage, type ChatTemplateOptions } from './tokenizer/template.js';
