/**
 * Turning generated ids into text one token at a time. Decoding each id on its own is wrong
 * for characters that Gemma spells as several byte-fallback tokens (`<0xF0><0x9F>…`): a lone
 * byte decodes to U+FFFD. This holds such bytes back until the character is complete.
 */
import type { DecodeOptions, Tokenizer } from './types.js';

/** The most tokens one character can need: a UTF-8 character has at most 4 bytes. */
const MAX_PENDING = 4;

/** Feeds ids in, gets text deltas out. */
export interface IncrementalDecoder {
  /** Adds one generated id; returns the text it completes (often `''` mid-character). */
  push(id: number): string;
  /** Returns whatever is still held back (a truncated character decodes to U+FFFD). */
  flush(): string;
}

/**
 * An {@link IncrementalDecoder} for streaming generated tokens to a terminal or a page. The
 * concatenation of every `push` result and the final `flush` equals `decode(allIds)` whenever
 * the ids spell valid UTF-8 (a model emitting stray bytes may see them replaced differently).
 *
 * @example
 * const stream = incrementalDecoder(tok);
 * for await (const id of generated) process.stdout.write(stream.push(id));
 * process.stdout.write(stream.flush());
 */
export function incrementalDecoder(tokenizer: Tokenizer, options: DecodeOptions = {}): IncrementalDecoder {
  let pending: number[] = [];
  const take = (): string => {
    const text = tokenizer.decode(pending, options);
    pending = [];
    return text;
  };
  return {
    push(id: number): string {
      pending.push(id);
      let out = '';
      for (;;) {
        const text = tokenizer.decode(pending, options);
        // A trailing U+FFFD means an unfinished byte sequence — unless 4 tokens have not
        // completed it, in which case the oldest held token cannot start a character.
        if (!text.endsWith('\uFFFD')) {
          pending = [];
          return out + text;
        }
        if (pending.length < MAX_PENDING) return out;
        out += tokenizer.decode([pending.shift()!], options);
      }
    },
    flush: take,
  };
}
