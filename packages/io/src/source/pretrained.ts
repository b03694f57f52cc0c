/**
 * Where a pretrained checkpoint can come from, and opening it: a directory or file path
 * (Node, Deno), a URL or base URL (fetch, Range requests), bytes of one safetensors file with
 * its config, or what a page was given (File, FileList, File[], a directory handle). The
 * result is the same in every case: the checkpoint, and its config.json when there is one.
 * Node's file system is imported only for paths, so browser bundles never reach it.
 */
import { CheckpointError } from '../checkpoint-error.js';
import { singleFileCheckpoint, type SafetensorsCheckpoint } from '../checkpoint.js';
import { CONFIG_FILE, SINGLE_FILE } from '../hf-files.js';
import { blobSource, bytesSource, type UrlSourceOptions } from './byte-source.js';
import { directoryHandleFolder, filesFolder, openFolderCheckpoint, urlFolder, type CheckpointFolder, type DirectoryHandleLike } from './folder.js';
import { openSafetensorsSource } from './safetensors-source.js';

/** One safetensors file's bytes and its config.json object. */
export interface BytesCheckpoint {
  readonly safetensors: Uint8Array | ArrayBuffer | Blob;
  readonly config?: Readonly<Record<string, unknown>>;
}

/** Anything `fromPretrained` and `openPretrained` accept. */
export type PretrainedSource =
  | string | URL | Uint8Array | ArrayBuffer | Blob | FileList | readonly File[] | DirectoryHandleLike | BytesCheckpoint | OpenedPretrained;

/** A checkpoint that was opened, with its config.json when it has one. Close `checkpoint` when done. */
export interface OpenedPretrained {
  readonly kind: 'penjing.opened-pretrained';
  /** Names the source in messages. */
  readonly label: string;
  readonly checkpoint: SafetensorsCheckpoint;
  /** config.json, parsed, and where it came from; undefined when the source has none. */
  readonly config: { readonly json: unknown; readonly file: string } | undefined;
  /** The folder, for other files beside the checkpoint (a tokenizer); undefined for bare bytes. */
  readonly folder: CheckpointFolder | undefined;
}

/** True in Node and Deno, where a string is a file path; false in browsers and workers. */
export function hasFileSystem(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  return Boolean(g.process?.versions?.node || g.Deno);
}

const URL_LIKE = /^(https?|blob|data):/i;

/**
 * The Node file-system half of @penjing/io, imported on first use. The specifier is not a
 * literal, so bundlers leave it out of browser builds; in a browser it throws saying what to
 * pass instead.
 * @example const { writeSafetensors } = await nodeIo('saving a checkpoint');
 */
export async function nodeIo(why: string): Promise<typeof import('../node.js')> {
  if (!hasFileSystem()) {
    throw new Error(`${why} needs a file system (Node or Deno); in a browser pass a URL, bytes or File objects instead of a path.`);
  }
  const specifier = '@penjing/io/node';
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<typeof import('../node.js')>;
}

/**
 * The folder a source names, when it is one (a URL, files from a page, a directory handle);
 * a path in Node/Deno is a folder on disk.
 * @example const folder = await folderOf('https://example.org/tiny/');
 */
export async function folderOf(source: PretrainedSource, options: UrlSourceOptions = {}): Promise<CheckpointFolder | undefined> {
  if (typeof source === 'string' || source instanceof URL) {
    const s = String(source);
    if (URL_LIKE.test(s) || !hasFileSystem()) {
      const base = typeof location !== 'undefined' ? new URL(s, location.href).href : s;
      return urlFolder(base.endsWith('.safetensors') || base.endsWith('.json') ? new URL('.', base).href : base, options);
    }
    return (await nodeIo('reading a checkpoint path')).diskFolder(s);
  }
  if (isDirectoryHandle(source)) return directoryHandleFolder(source);
  if (isFileList(source)) return filesFolder(source);
  return undefined;
}

/**
 * Opens a checkpoint and reads its config.json, from any {@link PretrainedSource}.
 * @example
 * const { checkpoint, config } = await openPretrained('https://example.org/tiny-gemma/');
 * try { console.log(checkpoint.names, config?.json); } finally { await checkpoint.close(); }
 */
export async function openPretrained(source: PretrainedSource, options: UrlSourceOptions = {}): Promise<OpenedPretrained> {
  if (isOpened(source)) return source;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || isBlob(source)) {
    return openBytes({ safetensors: source });
  }
  if (isBytesCheckpoint(source)) return openBytes(source);
  const folder = await folderOf(source, options);
  if (!folder) {
    throw new TypeError(`fromPretrained: cannot read a checkpoint from ${describe(source)}. Pass a directory path (Node/Deno), a URL, ` +
      `the bytes of a .safetensors file (with {config}), a File/FileList or a directory handle.`);
  }
  const single = typeof source === 'string' || source instanceof URL ? String(source) : '';
  const checkpoint = single.endsWith('.safetensors') && !hasPath(single)
    ? singleFileCheckpoint(await openSafetensorsSource((await folder.source(single.slice(single.lastIndexOf('/') + 1)))!), single)
    : await openCheckpointIn(folder, source);
  try {
    const file = `${folder.label.replace(/\/$/, '')}/${CONFIG_FILE}`;
    const text = await configText(folder, file);
    return { kind: 'penjing.opened-pretrained', label: folder.label, checkpoint, config: text === undefined ? undefined : { json: parseConfig(text, file), file }, folder };
  } catch (e) {
    await checkpoint.close();
    throw e;
  }
}

/**
 * Only the config.json of a source (nothing else is opened): for choosing the family that
 * loads it. Throws a CheckpointError naming the file when there is none.
 * @example const { json, file } = await readPretrainedConfig('https://example.org/tiny/');
 */
export async function readPretrainedConfig(source: PretrainedSource, options: UrlSourceOptions = {}): Promise<{ json: unknown; file: string }> {
  if (isOpened(source)) return requireConfig(source);
  if (isBytesCheckpoint(source)) {
    if (source.config) return { json: source.config, file: 'the config object' };
  } else if (typeof source === 'string' && hasPath(source)) {
    return (await nodeIo('reading a checkpoint path')).readHfConfigJson(source);
  }
  const folder = isBytesCheckpoint(source) || source instanceof Uint8Array || source instanceof ArrayBuffer || isBlob(source)
    ? undefined : await folderOf(source, options);
  const label = folder?.label ?? 'the bytes';
  const file = `${label.replace(/\/$/, '')}/${CONFIG_FILE}`;
  const text = folder && (await configText(folder, file));
  if (text === undefined) {
    throw new CheckpointError(file, 'cannot read the config (not found)', {
      fix: 'A Hugging Face checkpoint has a config.json next to its safetensors; with bytes pass { safetensors, config }.',
    });
  }
  return { json: parseConfig(text, file), file };
}

/** On disk the node half opens the path itself (a file or index path works too). */
async function openCheckpointIn(folder: CheckpointFolder, source: PretrainedSource): Promise<SafetensorsCheckpoint> {
  if (typeof source === 'string' && hasPath(source)) return (await nodeIo('reading a checkpoint path')).openCheckpoint(source);
  return openFolderCheckpoint(folder);
}

const hasPath = (s: string) => !URL_LIKE.test(s) && hasFileSystem();

async function openBytes(b: BytesCheckpoint): Promise<OpenedPretrained> {
  const src = isBlob(b.safetensors) ? blobSource(b.safetensors) : bytesSource(b.safetensors, SINGLE_FILE);
  const checkpoint = singleFileCheckpoint(await openSafetensorsSource(src));
  return {
    kind: 'penjing.opened-pretrained', label: src.name, checkpoint, folder: undefined,
    config: b.config === undefined ? undefined : { json: b.config, file: 'the config object' },
  };
}

/** The text of config.json, undefined when absent; a CheckpointError naming it when unreadable. */
async function configText(folder: CheckpointFolder, file: string): Promise<string | undefined> {
  try {
    return await folder.text(CONFIG_FILE);
  } catch (cause) {
    throw new CheckpointError(file, `cannot read the config (${(cause as Error).message})`, {
      fix: 'A Hugging Face checkpoint directory has a config.json file next to its safetensors.',
    });
  }
}

/** config.json parsed, or a CheckpointError naming it. */
export function parseConfig(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(file, `not valid JSON (${(cause as Error).message})`, { fix: 'Download config.json again.' });
  }
}

/**
 * The config.json of an opened source, or a CheckpointError saying how to give one.
 * @example const { json, file } = requireConfig(opened);
 */
export function requireConfig(opened: OpenedPretrained): { json: unknown; file: string } {
  if (opened.config) return opened.config;
  throw new CheckpointError(`${opened.label.replace(/\/$/, '')}/${CONFIG_FILE}`, 'cannot read the config (not found)', {
    fix: 'A Hugging Face checkpoint has a config.json next to its safetensors; with bytes pass { safetensors, config }.',
  });
}

/**
 * Whether a value is a checkpoint source (rather than, say, a record of Flax arrays).
 * @example isPretrainedSource('https://example.org/tiny/') // true
 */
export function isPretrainedSource(s: unknown): s is PretrainedSource {
  return typeof s === 'string' || s instanceof URL || s instanceof Uint8Array || s instanceof ArrayBuffer || isBlob(s) ||
    isOpened(s) || isBytesCheckpoint(s) || isDirectoryHandle(s) || isFileList(s);
}

function isOpened(s: unknown): s is OpenedPretrained {
  return typeof s === 'object' && s !== null && (s as OpenedPretrained).kind === 'penjing.opened-pretrained';
}
function isBlob(s: unknown): s is Blob {
  return typeof Blob !== 'undefined' && s instanceof Blob;
}
function isBytesCheckpoint(s: unknown): s is BytesCheckpoint {
  return typeof s === 'object' && s !== null && 'safetensors' in s;
}
function isDirectoryHandle(s: unknown): s is DirectoryHandleLike {
  return typeof s === 'object' && s !== null && (s as DirectoryHandleLike).kind === 'directory' && typeof (s as DirectoryHandleLike).getFileHandle === 'function';
}
function isFileList(s: unknown): s is ArrayLike<File> {
  if (typeof FileList !== 'undefined' && s instanceof FileList) return true;
  return Array.isArray(s) && s.length > 0 && s.every(isBlob);
}
function describe(s: unknown): string {
  if (s === null) return 'null';
  if (typeof s !== 'object') return typeof s;
  return (s as object).constructor?.name ?? 'an object';
}
