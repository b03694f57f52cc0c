/**
 * Raised when a tokenizer cannot be loaded or used. The message names the file (or the
 * tokenizer's source) and says what to do, so a user who sees only the message can act.
 *
 * @example
 * try { await tokenizerFromFile('ckpt'); }
 * catch (e) { if (e instanceof TokenizerError) console.error(e.file, e.message); }
 */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  /** The file (or tokenizer source) the problem is in. */
  readonly file: string;

  constructor(file: string, problem: string, options: { fix?: string; cause?: unknown } = {}) {
    const fix = options.fix === undefined ? '' : ` ${options.fix}`;
    super(`${file}: ${problem}.${fix}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
  }
}

/**
 * Raised when a conversation cannot be written in the Gemma turn format; the message names
 * the offending message by index and role.
 *
 * @example
 * formatChat([{ role: 'assistant', content: 'hi' }]);  // ChatFormatError: message 0 …
 */
export class ChatFormatError extends Error {
  override readonly name = 'ChatFormatError';
}
