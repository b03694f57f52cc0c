/**
 * A checkpoint folder wherever it is: a base URL, the files a page was given (a FileList or
 * File[] from `<input type=file webkitdirectory>` or a drop), or a directory handle from
 * `showDirectoryPicker()`. Each can hand out a file's text and its bytes; the checkpoint is
 * found in it as on disk (`model.safetensors`, else the index, else one `*.safetensors`).
 */
import { SafetensorsError } from '../errors.js';
import { INDEX_FILE, SINGLE_FILE } from '../hf-files.js';
import { indexedCheckpoint, singleFileCheckpoint, type SafetensorsCheckpoint } from '../checkpoint.js';
import { blobSource, urlSource, type ByteSource, type UrlSourceOptions } from './byte-source.js';
import { openSafetensorsSource } from './safetensors-source.js';

/** The files of one checkpoint folder. */
export interface CheckpointFolder {
  /** Names the folder in messages (a URL, or the picked folder's name). */
  readonly label: string;
  /** Every file name, when the folder can be listed (files from a page); undefined for URLs. */
  list(): Promise<readonly string[] | undefined>;
  /** A file's bytes, or undefined when it does not exist. */
  source(name: string): Promise<ByteSource | undefined>;
  /** A file's text, or undefined when it does not exist. */
  text(name: string): Promise<string | undefined>;
}

/** A directory handle as `showDirectoryPicker()` returns it (only what is used here). */
export interface DirectoryHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  getFileHandle(name: string): Promise<{ getFile(): Promise<File> }>;
  keys?(): AsyncIterable<string>;
}

/**
 * The folder at a base URL (a trailing slash is added when missing).
 * @example const folder = urlFolder('https://example.org/models/tiny/');
 */
export function urlFolder(base: string, options: UrlSourceOptions = {}): CheckpointFolder {
  const root = base.endsWith('/') ? base : `${base}/`;
  const get = options.fetch ?? globalThis.fetch;
  return {
    label: root,
    list: async () => undefined,
    source: async (name) => {
      try {
        return await urlSource(new URL(name, root).href, options);
      } catch (e) {
        if (e instanceof SafetensorsError && /answered 404/.test(e.message)) return undefined;
        throw e;
      }
    },
    text: async (name) => {
      const url = new URL(name, root).href;
      let res: Response;
      try {
        res = await get(url);
      } catch (cause) {
        throw new SafetensorsError(url, `cannot be fetched (${(cause as Error).message})`, { cause, fix: 'Check the URL and CORS.' });
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new SafetensorsError(url, `the server answered ${res.status}`, { fix: 'Check the URL and the server.' });
      return res.text();
    },
  };
}

/**
 * The folder of files a page was given; a file's name is its last path part.
 * @example const folder = filesFolder(input.files);
 */
export function filesFolder(files: ArrayLike<File> | Iterable<File>, label?: string): CheckpointFolder {
  const byName = new Map<string, File>();
  for (const f of Array.from(files as ArrayLike<File>)) byName.set(f.name, f);
  const first = Array.from(files as ArrayLike<File>)[0] as (File & { webkitRelativePath?: string }) | undefined;
  const dir = label ?? (first?.webkitRelativePath?.split('/')[0] || 'the chosen files');
  return {
    label: dir,
    list: async () => [...byName.keys()],
    source: async (name) => {
      const f = byName.get(name);
      return f && blobSource(f, `${dir}/${name}`);
    },
    text: async (name) => byName.get(name)?.text(),
  };
}

/**
 * The folder behind a directory handle from `showDirectoryPicker()`.
 * @example const folder = directoryHandleFolder(handle); // handle = await showDirectoryPicker()
 */
export function directoryHandleFolder(handle: DirectoryHandleLike): CheckpointFolder {
  const file = async (name: string) => {
    try {
      return await (await handle.getFileHandle(name)).getFile();
    } catch (e) {
      if ((e as Error).name === 'NotFoundError' || (e as Error).name === 'TypeError') return undefined;
      throw e;
    }
  };
  return {
    label: handle.name,
    list: async () => {
      if (!handle.keys) return undefined;
      const names: string[] = [];
      for await (const n of handle.keys()) names.push(n);
      return names;
    },
    source: async (name) => {
      const f = await file(name);
      return f && blobSource(f, `${handle.name}/${name}`);
    },
    text: async (name) => (await file(name))?.text(),
  };
}

/**
 * Opens the checkpoint in a folder: `model.safetensors`, else `model.safetensors.index.json`
 * and its shards, else (when the folder can be listed) its only `*.safetensors` file.
 * @example const ckpt = await openFolderCheckpoint(urlFolder(base));
 */
export async function openFolderCheckpoint(folder: CheckpointFolder): Promise<SafetensorsCheckpoint> {
  const openFile = async (name: string) => {
    const src = await folder.source(name);
    return src && openSafetensorsSource(src);
  };
  const listed = await folder.list();
  if (!listed || listed.includes(SINGLE_FILE)) {
    const single = await openFile(SINGLE_FILE);
    if (single) return singleFileCheckpoint(single, folder.label);
  }
  if (!listed || listed.includes(INDEX_FILE)) {
    const index = await folder.text(INDEX_FILE);
    if (index !== undefined) return indexedCheckpoint(`${folder.label.replace(/\/$/, '')}/${INDEX_FILE}`, index, folder.label, openFile, folder.label);
  }
  const candidates = (listed ?? []).filter((n) => n.endsWith('.safetensors')).sort();
  if (candidates.length === 1) return singleFileCheckpoint((await openFile(candidates[0]!))!, folder.label);
  throw new SafetensorsError(folder.label,
    candidates.length > 1
      ? `has ${candidates.length} .safetensors files (${candidates.join(', ')}) but no ${INDEX_FILE} to say how they fit together`
      : `has no ${SINGLE_FILE}, no ${INDEX_FILE}${listed ? ' and no other .safetensors file' : ''}`,
    { fix: 'Point at the folder (or base URL) that holds a Hugging Face checkpoint: config.json with model.safetensors or an index and its shards.' });
}
