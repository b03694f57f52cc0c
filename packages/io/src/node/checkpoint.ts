/**
 * A checkpoint = one safetensors file or several shards tied together by
 * `model.safetensors.index.json`. This module opens either behind one interface that
 * lists every tensor and reads any of them by name.
 */
import { readdir, stat } from 'node:fs/promises';
import { readTextFile } from './files.js';
import { basename, dirname, join } from 'node:path';
import { SafetensorsError } from '../errors.js';
import { INDEX_FILE, SINGLE_FILE } from '../hf-files.js';
import type { TensorInfo } from '../header.js';
import type { ProgressCallback } from '../progress.js';
import { SAVE_ID_KEY } from '../save-id.js';
import { openSafetensors, suggest, type ReadOptions, type SafetensorsFile, type TensorData } from './reader.js';


/** Options for reading many tensors in a row. */
export interface ReadManyOptions {
  /** Which tensors, in which order (default: all, file by file in file order). */
  readonly names?: readonly string[];
  /** Totals refer to all the tensors requested. */
  readonly onProgress?: ProgressCallback;
}

/** One or more safetensors files read as one. Close it when done. */
export interface SafetensorsCheckpoint {
  /** What was opened: a directory, a `.safetensors` file or an index file. */
  readonly path: string;
  /** The safetensors files, in shard order. */
  readonly files: readonly string[];
  /** Every tensor name, shard by shard in file order. */
  readonly names: readonly string[];
  /** The index's `metadata` for sharded checkpoints, else the file's `__metadata__`. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Sum of all tensors' bytes on disk. */
  readonly totalBytes: number;
  /** Things that were odd but harmless (e.g. shard tensors the index does not list). */
  readonly warnings: readonly string[];
  has(name: string): boolean;
  /** Dtype, shape and byte range of a tensor, plus the file it lives in. */
  header(name: string): TensorInfo & { readonly file: string };
  read(name: string, options?: ReadOptions): Promise<TensorData>;
  /** Reads tensors one at a time, so the caller can convert and drop each before the next. */
  entries(options?: ReadManyOptions): AsyncGenerator<[string, TensorData]>;
  close(): Promise<void>;
}

/**
 * Opens a checkpoint: a directory (with `model.safetensors`, else `model.safetensors.index.json`,
 * else exactly one `*.safetensors` file), a `.safetensors` file, or an index file. Every
 * shard is opened once, up front, so a missing shard or a tensor the index promises but
 * the shard lacks is reported before anything is loaded.
 *
 * @example
 * const ckpt = await openCheckpoint('path/to/gemma-3-1b-it');
 * for await (const [name, t] of ckpt.entries({ onProgress: (p) => bar.update(p.bytesDone) })) {
 *   params.set(name, tf.tensor(t.data, [...t.shape]));
 * }
 * await ckpt.close();
 */
export async function openCheckpoint(path: string): Promise<SafetensorsCheckpoint> {
  const kind = await statKind(path);
  if (kind === 'missing') {
    throw new SafetensorsError(path, 'no such file or directory', { fix: 'Check the path, or download the checkpoint.' });
  }
  if (kind === 'dir') {
    const entries = await readdir(path);
    // As in transformers, a single file wins over an index: a save removes the other kind
    // afterwards, so if both are present the single file is the newer (or only complete) one.
    if (entries.includes(SINGLE_FILE)) return openSingle(join(path, SINGLE_FILE), path);
    if (entries.includes(INDEX_FILE)) return openIndexed(join(path, INDEX_FILE), path);
    const candidates = entries.filter((e) => e.endsWith('.safetensors')).sort();
    if (candidates.length === 1) return openSingle(join(path, candidates[0]), path);
    throw new SafetensorsError(path,
      candidates.length === 0
        ? `directory has no ${INDEX_FILE}, no ${SINGLE_FILE} and no other .safetensors file`
        : `directory has ${candidates.length} .safetensors files (${candidates.join(', ')}) but no ${INDEX_FILE} to say how they fit together`,
      { fix: 'Point at the checkpoint directory that Hugging Face downloaded, or at one .safetensors file.' });
  }
  if (path.endsWith('.json')) return openIndexed(path, path);
  return openSingle(path, path);
}

async function statKind(path: string): Promise<'dir' | 'file' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

async function openSingle(file: string, opened: string): Promise<SafetensorsCheckpoint> {
  const f = await openSafetensors(file);
  return new Checkpoint(opened, [f], new Map(f.names.map((n) => [n, f])), f.metadata, []);
}

/** Reads and checks the index JSON, returning its weight map and metadata. */
async function readIndex(indexFile: string): Promise<{ weightMap: Record<string, string>; metadata: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readTextFile(indexFile);
  } catch (cause) {
    throw new SafetensorsError(indexFile, `cannot read the index file (${(cause as Error).message})`, { cause, fix: 'Check the path.' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError(indexFile, `index is not valid JSON (${(cause as Error).message})`,
      { cause, fix: 'Download the index file again.' });
  }
  const wm = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) {
    throw new SafetensorsError(indexFile, 'index has no "weight_map" object', { fix: 'Download the index file again.' });
  }
  for (const [name, shard] of Object.entries(wm)) {
    if (typeof shard !== 'string' || shard === '' || shard !== basename(shard) || shard === '..' || shard.includes('\\')) {
      throw new SafetensorsError(indexFile, `weight_map maps the tensor to ${JSON.stringify(shard)}, not a file name in this directory`,
        { tensor: name, fix: 'Each weight_map value must be a plain shard file name such as "model-00001-of-00002.safetensors".' });
    }
  }
  const md = (json as { metadata?: unknown }).metadata;
  const metadata = typeof md === 'object' && md !== null && !Array.isArray(md) ? (md as Record<string, unknown>) : {};
  return { weightMap: wm as Record<string, string>, metadata };
}

async function openIndexed(indexFile: string, opened: string): Promise<SafetensorsCheckpoint> {
  const { weightMap, metadata } = await readIndex(indexFile);
  const dir = dirname(indexFile);
  const shardNames = [...new Set(Object.values(weightMap))].sort();
  const files: SafetensorsFile[] = [];
  try {
    for (const shard of shardNames) {
      const shardPath = join(dir, shard);
      if ((await statKind(shardPath)) !== 'file') {
        const example = Object.keys(weightMap).find((n) => weightMap[n] === shard);
        throw new SafetensorsError(indexFile, `shard ${shard} listed in weight_map does not exist in ${dir}`,
          { tensor: example, fix: 'Download every shard the index lists into the same directory.' });
      }
      files.push(await openSafetensors(shardPath));
    }
    checkOneSave(indexFile, metadata, files);
    const byShard = new Map(shardNames.map((s, i) => [s, files[i]]));
    const owner = new Map<string, SafetensorsFile>();
    for (const f of files) {
      for (const n of f.names) if (weightMap[n] === basename(f.path)) owner.set(n, f);
    }
    for (const [name, shard] of Object.entries(weightMap)) {
      if (!owner.has(name)) {
        throw new SafetensorsError(indexFile, `weight_map says the tensor is in ${shard}, but that shard has no such tensor`,
          { tensor: name, fix: `The shard and the index disagree; download both again. ${suggest(name, byShard.get(shard)!.names)}` });
      }
    }
    const warnings: string[] = [];
    for (const f of files) {
      const extra = f.names.filter((n) => weightMap[n] !== basename(f.path));
      if (extra.length) {
        warnings.push(`${f.path}: ${extra.length} tensor(s) not listed for this shard in ${indexFile} were ignored, e.g. ${JSON.stringify(extra[0])}`);
      }
    }
    // Order names shard by shard, in file order, so entries() reads each file sequentially.
    const ordered = new Map<string, SafetensorsFile>();
    for (const f of files) for (const n of f.names) if (owner.get(n) === f) ordered.set(n, f);
    return new Checkpoint(opened, files, ordered, metadata, warnings);
  } catch (e) {
    await Promise.all(files.map((f) => f.close()));
    throw e;
  }
}

/**
 * Penjing's sharded saves stamp the index and every shard with one save id; shards from
 * another save (a re-save that crashed mid-commit) are refused instead of loaded as a mixture.
 */
function checkOneSave(indexFile: string, metadata: Readonly<Record<string, unknown>>, files: readonly SafetensorsFile[]): void {
  const want = metadata[SAVE_ID_KEY];
  for (const f of files) {
    const have = f.metadata[SAVE_ID_KEY];
    if (have !== want && (have !== undefined || want !== undefined)) {
      throw new SafetensorsError(indexFile,
        `shard ${basename(f.path)} was written by another save than the index (save id ${JSON.stringify(have ?? null)} vs ${JSON.stringify(want ?? null)}), so the directory mixes two checkpoints`,
        { fix: 'An earlier save was interrupted; save the model again (or restore the checkpoint) before loading.' });
    }
  }
}

class Checkpoint implements SafetensorsCheckpoint {
  readonly files: readonly string[];
  readonly names: readonly string[];
  readonly totalBytes: number;

  constructor(
    readonly path: string,
    private readonly handles: readonly SafetensorsFile[],
    private readonly owner: ReadonlyMap<string, SafetensorsFile>,
    readonly metadata: Readonly<Record<string, unknown>>,
    readonly warnings: readonly string[],
  ) {
    this.files = handles.map((h) => h.path);
    this.names = [...owner.keys()];
    let total = 0;
    for (const [n, f] of owner) total += f.header(n).byteLength;
    this.totalBytes = total;
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  private fileOf(name: string): SafetensorsFile {
    const f = this.owner.get(name);
    if (!f) throw new SafetensorsError(this.path, 'no such tensor in this checkpoint', { tensor: name, fix: suggest(name, this.names) });
    return f;
  }

  header(name: string): TensorInfo & { readonly file: string } {
    const f = this.fileOf(name);
    return { ...f.header(name), file: f.path };
  }

  read(name: string, options?: ReadOptions): Promise<TensorData> {
    return this.fileOf(name).read(name, options);
  }

  async *entries(options: ReadManyOptions = {}): AsyncGenerator<[string, TensorData]> {
    const names = options.names ?? this.names;
    const infos = names.map((n) => this.header(n));
    const bytesTotal = infos.reduce((s, i) => s + i.byteLength, 0);
    let before = 0;
    for (const info of infos) {
      const onProgress = options.onProgress;
      const data = await this.read(info.name, onProgress && {
        onProgress: (p) => onProgress({ ...p, bytesDone: before + p.bytesDone, bytesTotal }),
      });
      before += info.byteLength;
      yield [info.name, data];
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}
