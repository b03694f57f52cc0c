/**
 * Prompts to token rows: text is encoded (as a chat turn when asked), a batch of rows of
 * different lengths is left-padded, and the padding is marked so that it gets position −1.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { encodeChat, type ChatOptions } from '../tokenizer/chat.js';
import type { GemmaFamily, Tokenizer } from '../tokenizer/types.js';

/** One prompt: text (needs a tokenizer) or token ids. */
export type Prompt = string | readonly number[];

/** Raised for prompts or generation options that cannot work; says what to change. */
export class GenerationError extends Error {
  override readonly name = 'GenerationError';
}

/** True when `p` is a batch of prompts rather than one prompt. */
export function isPromptBatch(p: Prompt | readonly Prompt[]): p is readonly Prompt[] {
  return Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string' || Array.isArray(x));
}

/** How text prompts become ids. */
export interface EncodePromptOptions {
  readonly tokenizer?: Tokenizer;
  /** Wrap each text prompt as one user turn in the Gemma chat format (true, or chat options). */
  readonly chat?: boolean | ChatOptions;
  /** Prepend `<bos>` to plain (non-chat) text prompts. Default: true when the vocabulary has a BOS token (Gemma and Llama expect it). */
  readonly addBos?: boolean;
  /** The model's family, for the chat format when `chat` does not say. */
  readonly family?: GemmaFamily;
}

/**
 * Token ids of one prompt. Id prompts are used as given (chat formatting needs text).
 * @example encodePrompt('Hello', { tokenizer: tok }) // [2, 9259]
 */
export function encodePrompt(prompt: Prompt, options: EncodePromptOptions): number[] {
  if (typeof prompt !== 'string') {
    if (options.chat) throw new GenerationError('chat formatting needs a text prompt; got token ids. Pass the text, or format the ids yourself with encodeChat.');
    prompt.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) throw new GenerationError(`prompt token ${i} is ${id}; token ids are non-negative integers.`);
    });
    return [...prompt];
  }
  const tok = options.tokenizer;
  if (!tok) throw new GenerationError('a text prompt needs a tokenizer: pass {tokenizer: await loadTokenizer(dir)}, or pass token ids.');
  if (options.chat) {
    const chat = options.chat === true ? {} : options.chat;
    return encodeChat(tok, [{ role: 'user', content: prompt }], { family: options.family, ...chat });
  }
  // Default: a BOS when the vocabulary has one (Gemma, Llama); Qwen's has none.
  return tok.encode(prompt, { addBos: options.addBos ?? tok.bosId >= 0 });
}

/** A left-padded batch of prompts. */
export interface PaddedBatch {
  /** Int32 `{batch, seq}`; padding holds `padId`. */
  readonly tokens: NamedArray;
  /** Bool `{batch, seq}`: true for prompt tokens. */
  readonly mask: NamedArray;
  /** Prompt length of each row. */
  readonly lengths: readonly number[];
}

/**
 * Left-pads rows to one length, so every row's last prompt token is at the same index and
 * decoding writes every row's next token into the same cache slot. Padding is masked (its
 * position is −1), so a padded row computes exactly what it would alone.
 *
 * @example padLeft([[2, 5], [2, 5, 6]], 0) // tokens [[0, 2, 5], [2, 5, 6]], mask [[F, T, T], [T, T, T]]
 */
export function padLeft(rows: readonly (readonly number[])[], padId: number): PaddedBatch {
  const lengths = rows.map((r) => r.length);
  lengths.forEach((n, i) => {
    if (n === 0) throw new GenerationError(`prompt ${i} is empty; every prompt needs at least one token (e.g. <bos>).`);
  });
  const width = Math.max(...lengths);
  const ids = new Int32Array(rows.length * width).fill(padId);
  const real = new Uint8Array(rows.length * width);
  rows.forEach((r, b) => {
    const start = b * width + width - r.length;
    ids.set(r, start);
    real.fill(1, start, start + r.length);
  });
  const shape: [number, number] = [rows.length, width];
  return {
    tokens: new NamedArray(tf.tensor2d(ids, shape, 'int32'), ['batch', 'seq']),
    mask: new NamedArray(tf.tensor2d(real, shape, 'bool'), ['batch', 'seq']),
    lengths,
  };
}

/**
 * The ids generation stops at, by family: `<eos>` (1) and `<end_of_turn>` (107 for Gemma 1/2,
 * 106 for Gemma 3).
 * @example defaultStopIds('gemma2') // [1, 107]
 */
export function defaultStopIds(family: GemmaFamily): number[] {
  return family === 'gemma3' ? [1, 106] : [1, 107];
}
