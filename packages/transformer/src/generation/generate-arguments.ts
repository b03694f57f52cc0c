/**
 * The argument checks `generate` runs before anything else: a wrong-typed prompt, model or
 * option is named with the fix instead of failing deep inside a forward pass.
 */
import { NamedArray } from '@penjing/named-array';
import { GenerationError } from './prompts.js';
import type { GenerateOptions } from './generate.js';

/** Wrong-typed arguments, named with the fix, before anything runs. */
export function checkArguments(model: unknown, prompt: unknown, options: unknown): void {
  const fail = (msg: string): never => {
    throw new GenerationError(msg);
  };
  if (model === null || typeof model !== 'object') fail(`generate: the model is ${model === null ? 'null' : typeof model}; pass a GemmaTransformer (or another TransformerLM).`);
  const isPrompt = (p: unknown) => typeof p === 'string' || (Array.isArray(p) && p.every((x) => typeof x === 'number'));
  // A NamedArray of token ids is checked in full by promptList.
  if (!(prompt instanceof NamedArray || isPrompt(prompt) || (Array.isArray(prompt) && prompt.length > 0 && prompt.every(isPrompt)))) {
    fail(`generate: the prompt is ${prompt === null ? 'null' : Array.isArray(prompt) ? 'an array that is neither token ids nor a list of prompts' : typeof prompt}; ` +
      'pass a string, an array of token ids, a non-empty array of those, or an int32 NamedArray {batch, seq} / {seq}.');
  }
  if (options === null || typeof options !== 'object') fail(`generate: options must be an object; got ${options === null ? 'null' : typeof options}.`);
  const o = options as GenerateOptions;
  if (o.stopIds !== undefined && !(Array.isArray(o.stopIds) && o.stopIds.every((id) => Number.isSafeInteger(id) && id >= 0))) {
    fail(`generate: stopIds must be an array of token ids (non-negative integers), e.g. [1, 106]; got ${JSON.stringify(o.stopIds)}.`);
  }
  if (o.forbiddenIds !== undefined && !Array.isArray(o.forbiddenIds)) {
    fail(`generate: forbiddenIds must be an array of token ids; got ${JSON.stringify(o.forbiddenIds)}.`);
  }
  if (o.slidingWindowCache !== undefined && o.slidingWindowCache !== 'full' && o.slidingWindowCache !== 'window') {
    fail(`generate: slidingWindowCache must be 'full' or 'window'; got ${JSON.stringify(o.slidingWindowCache)}.`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') fail(`generate: onProgress must be a function; got ${typeof o.onProgress}.`);
  if (o.tokenizer !== undefined && (o.tokenizer === null || typeof (o.tokenizer as { encode?: unknown }).encode !== 'function')) {
    fail('generate: tokenizer must be a Tokenizer (from loadTokenizer); got something without an encode method.');
  }
}
