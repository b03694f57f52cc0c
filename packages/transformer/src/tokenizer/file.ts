/**
 * Loading a checkpoint directory's own tokenizer (`tokenizer.json`, plus
 * `tokenizer_config.json` when present), falling back to the bundled Gemma 3 tokenizer when
 * the directory has none. The folder may be a path (Node/Deno: the file system is imported
 * only then), a base URL, or files from a page.
 */
import { TokenizerError } from './errors.js';
import { tokenizerFromJson } from './from-json.js';
import { GEMMA3_BUNDLED_SOURCE, gemma3Tokenizer } from './gemma3.js';
import type { GemmaFamily, Tokenizer } from './types.js';
import { folderOf, hasFileSystem, type CheckpointFolder, type PretrainedSource } from '@penjing/io';

/** Options for {@link tokenizerFromFile} and {@link loadTokenizer}. */
export interface TokenizerFileOptions {
  /**
   * The checkpoint's Gemma generation, when known. Without a `tokenizer.json`, a Gemma 1 or 2
   * checkpoint is an error rather than a fallback: the bundled Gemma 3 vocabulary has other ids.
   */
  readonly family?: GemmaFamily;
  /** Receives the notice that the bundled tokenizer is used instead. Default: `console.warn`. */
  readonly onFallback?: (message: string) => void;
}

/** A file of the folder as JSON; undefined when it is absent. */
async function readJson(folder: CheckpointFolder, name: string): Promise<unknown> {
  const file = `${folder.label.replace(/\/$/, '')}/${name}`;
  let text: string | undefined;
  try {
    text = await folder.text(name);
  } catch (cause) {
    throw new TokenizerError(file, `could not be read (${(cause as Error).message})`, { cause });
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new TokenizerError(file, `is not valid JSON (${(cause as Error).message})`, { cause });
  }
}

/**
 * The tokenizer saved in a Hugging Face checkpoint folder: a directory path (Node/Deno), a
 * base URL, or files/a directory handle from a page. When `tokenizer.json` is absent it says
 * so (through `onFallback`) and returns the bundled Gemma 3 tokenizer — unless `family` says
 * the checkpoint is Gemma 1 or 2, which is an error. A missing directory, an unreadable or
 * malformed file, or a vocabulary without Gemma's special tokens is a {@link TokenizerError}
 * naming the file.
 *
 * @example
 * const tok = await tokenizerFromFile('checkpoints/gemma-3-1b-it');
 * tok.source;   // 'checkpoints/gemma-3-1b-it/tokenizer.json'
 * const web = await tokenizerFromFile('https://example.org/models/tiny/');
 */
export async function tokenizerFromFile(dir: PretrainedSource, options: TokenizerFileOptions = {}): Promise<Tokenizer> {
  let folder: CheckpointFolder | undefined;
  try {
    folder = await folderOf(dir);
  } catch (cause) {
    const missing = /no such file or directory/.test((cause as Error).message);
    throw new TokenizerError(String(dir), missing ? 'no such directory' : `cannot be opened (${(cause as Error).message})`, { cause });
  }
  if (!folder) throw new TokenizerError(String(dir), 'is not a folder', { fix: 'Pass the checkpoint directory (or base URL, or files) that holds tokenizer.json.' });
  if (typeof dir === 'string' && folder.label !== dir && hasFileSystem() && !/^[a-z]+:/i.test(dir)) {
    throw new TokenizerError(dir, 'is not a directory', { fix: 'Pass the checkpoint directory that holds tokenizer.json.' });
  }
  const jsonPath = `${folder.label.replace(/\/$/, '')}/tokenizer.json`;
  const json = await readJson(folder, 'tokenizer.json');
  if (json === undefined) return fallback(jsonPath, options);
  const config = await readJson(folder, 'tokenizer_config.json');
  return tokenizerFromJson(json, config ?? {}, jsonPath);
}

function fallback(jsonPath: string, options: TokenizerFileOptions): Promise<Tokenizer> {
  if (options.family !== undefined && options.family !== 'gemma3') {
    throw new TokenizerError(jsonPath, `is missing, and the bundled Gemma 3 tokenizer does not fit a ${options.family} checkpoint (its vocabulary has different ids)`, {
      fix: "Copy tokenizer.json from the model's Hugging Face repository into the checkpoint directory.",
    });
  }
  const notice = (options.onFallback ?? console.warn.bind(console));
  notice(`penjing: ${jsonPath} not found; using the ${GEMMA3_BUNDLED_SOURCE}. This is right for Gemma 3 checkpoints only.`);
  return gemma3Tokenizer();
}

/**
 * The one entry point for a tokenizer: a checkpoint directory's own (see
 * {@link tokenizerFromFile}) when `dir` is given, else the bundled Gemma 3 tokenizer.
 *
 * @example
 * const tok = await loadTokenizer();                 // bundled Gemma 3
 * const own = await loadTokenizer('ckpt/gemma-2-2b', { family: 'gemma2' });
 */
export function loadTokenizer(dir?: PretrainedSource, options: TokenizerFileOptions = {}): Promise<Tokenizer> {
  return dir === undefined ? gemma3Tokenizer() : tokenizerFromFile(dir, options);
}
