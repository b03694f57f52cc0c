/**
 * The Gemma chat turn format, written the way the official Hugging Face chat templates of
 * Gemma 1, 2 and 3 write it, so that prompts built here tokenize to the same ids:
 *
 *   <bos><start_of_turn>user\n{msg}<end_of_turn>\n<start_of_turn>model\n{answer}<end_of_turn>\n…<start_of_turn>model\n
 */
import { ChatFormatError } from './errors.js';
import type { GemmaFamily, Tokenizer } from './types.js';
import { encodeChatTemplate } from './template.js';

/** Who wrote a message. `assistant` and `model` are the same role, written `model`. */
export type ChatRole = 'system' | 'user' | 'assistant' | 'model';

/** One message of a conversation. */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** Options for {@link formatChat} and {@link encodeChat}. */
export interface ChatOptions {
  /** Which generation's template to follow; they differ only in system prompts. Default `'gemma3'`. */
  readonly family?: GemmaFamily;
  /**
   * End with `<start_of_turn>model\n` so the model writes the next answer. Default: `true`
   * when the last message is the user's, `false` when it is the model's.
   */
  readonly addGenerationPrompt?: boolean;
  /**
   * Let message text contain control-token strings such as `<end_of_turn>` or `<bos>`. They
   * tokenize to the control ids, so by default they are refused: a pasted `<end_of_turn>`
   * would forge a turn, a pasted `<bos>` a second BOS.
   */
  readonly allowControlTokens?: boolean;
}

const CONTROL_TOKENS = ['<bos>', '<eos>', '<pad>', '<start_of_turn>', '<end_of_turn>'] as const;

// Jinja's `trim` is Python's str.strip(), whose whitespace set differs from String.prototype.trim
// (it includes U+001C–U+001F and U+0085, and excludes U+FEFF).
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

const ROLES: ReadonlySet<string> = new Set<ChatRole>(['system', 'user', 'assistant', 'model']);

function checkMessage(message: ChatMessage, index: number, options: ChatOptions): void {
  if (!ROLES.has(message.role)) {
    throw new ChatFormatError(`message ${index} has role ${JSON.stringify(message.role)}; roles are 'system', 'user', 'assistant' (or 'model')`);
  }
  if (typeof message.content !== 'string') {
    throw new ChatFormatError(`message ${index} (${message.role}): content must be a string, got ${typeof message.content}`);
  }
  if (options.allowControlTokens) return;
  const found = CONTROL_TOKENS.find((t) => message.content.includes(t));
  if (found !== undefined) {
    throw new ChatFormatError(
      `message ${index} (${message.role}) contains the control token ${found}, which would be tokenized as a control id; ` +
        'remove it, or pass {allowControlTokens: true} if that is intended',
    );
  }
}

/** Splits off a leading system message, enforcing where system messages may appear. */
function splitSystem(messages: readonly ChatMessage[], family: GemmaFamily): [string | undefined, readonly ChatMessage[]] {
  messages.forEach((m, i) => {
    if (m.role === 'system' && i > 0) throw new ChatFormatError(`message ${i} is a system message; only the first message may be one`);
  });
  if (messages[0]?.role !== 'system') return [undefined, messages];
  if (family !== 'gemma3') {
    throw new ChatFormatError(
      `message 0 is a system message, but ${family} has no system role (its chat template rejects one); ` +
        'put the instructions at the start of the first user message',
    );
  }
  if (messages.length === 1) throw new ChatFormatError('message 0 is a system message with no user message after it to fold it into');
  return [messages[0].content, messages.slice(1)];
}

/**
 * A conversation as Gemma chat text, beginning with exactly one `<bos>`. Roles must
 * alternate user, model, user, … (after an optional first system message); message text is
 * trimmed as the official templates trim it. For Gemma 3 a system message is folded into the
 * first user turn as `system + "\n\n" + user`; Gemma 1 and 2 have no system role and refuse one.
 * Tokenize the result with `encode(text)` (no `addBos`) — or use {@link encodeChat}.
 *
 * @example
 * formatChat([{ role: 'user', content: 'Hi!' }]);
 * // '<bos><start_of_turn>user\nHi!<end_of_turn>\n<start_of_turn>model\n'
 */
export function formatChat(messages: readonly ChatMessage[], options: ChatOptions = {}): string {
  const family = options.family ?? 'gemma3';
  if (messages.length === 0) throw new ChatFormatError('the conversation has no messages');
  messages.forEach((m, i) => checkMessage(m, i, options));
  const [system, turns] = splitSystem(messages, family);
  const offset = messages.length - turns.length;
  let text = '<bos>';
  turns.forEach((m, i) => {
    const isUser = m.role === 'user';
    if (isUser !== (i % 2 === 0)) {
      throw new ChatFormatError(
        `message ${i + offset} is ${m.role === 'assistant' ? 'an' : 'a'} ${m.role} message where a ${i % 2 === 0 ? 'user' : 'model'} message belongs; ` +
          'roles must alternate user, model, user, … starting with user',
      );
    }
    const prefix = i === 0 && system !== undefined ? `${system}\n\n` : '';
    text += `<start_of_turn>${isUser ? 'user' : 'model'}\n${prefix}${pyStrip(m.content)}<end_of_turn>\n`;
  });
  const endsWithUser = turns[turns.length - 1]!.role === 'user';
  if (options.addGenerationPrompt ?? endsWithUser) text += '<start_of_turn>model\n';
  return text;
}

/**
 * A conversation as token ids, ready for the model: {@link formatChat}'s text, encoded
 * without adding another BOS, so the ids begin with exactly one `bosId`.
 *
 * @example
 * const tok = await loadTokenizer();
 * encodeChat(tok, [{ role: 'user', content: 'Hello' }]);
 * // [2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107]
 */
export function encodeChat(tokenizer: Tokenizer, messages: readonly ChatMessage[], options: ChatOptions = {}): number[] {
  // Other vocabularies use the checkpoint's own Jinja template (Llama 3, Qwen, SmolLM2, …).
  if (tokenizer.kind === 'generic') {
    const roles = messages.map((m) => ({ role: m.role === 'model' ? 'assistant' : m.role, content: m.content }));
    const last = messages[messages.length - 1]?.role;
    return encodeChatTemplate(tokenizer, roles, { addGenerationPrompt: options.addGenerationPrompt ?? last === 'user' });
  }
  return tokenizer.encode(formatChat(messages, options), { addBos: false });
}
