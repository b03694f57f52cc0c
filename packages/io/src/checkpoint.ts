/**
 * A checkpoint = one safetensors file or several shards tied together by
 * `model.safetensors.index.json`, read as one: every tensor listed, any read by name. Where
 * the files live (disk, URL, a File a page was given) is the caller's business: it hands
 * over opened files, or a function that opens a shard by its file name.
 */
import { SafetensorsError } from './errors.js';
import type { TensorInfo } from './header.js';
import type { ProgressCallback } from './progress.js';
import { SAVE_ID_KEY } from './save-id.js';
import { suggest, type ReadOptions, type SafetensorsFile, type TensorData } from './source/safetensors-source.js';

/** Options for reading many tensors in a row. */
export interface ReadManyOptions {
  /** Which tensors, in which order (default: all, file by file in file order). */
  readonly names?: readonly string[];
  /** Totals refer to all the tensors requested. */
  readonly onProgress?: ProgressCallback;
}

/** One or more safetensors files read as one. Close it when done. */
export interface SafetensorsCheckpoint {
  /** What was opened: a directory, a `.safetensors` file, an index file or a URL. */
  readonly path: string;
  /** The safetensors files, in shard order. */
  readonly files: readonly string[];
  /** Every tensor name, shard by shard in file order. */
  readonly names: readonly string[];
  /** The index's `metadata` for sharded checkpoints, else the file's `__metadata__`. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Sum of all tensors' bytes. */
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
 * A checkpoint of one opened safetensors file.
 * @example const ckpt = singleFileCheckpoint(await openSafetensorsSource(bytesSource(bytes)));
 */
export function singleFileCheckpoint(f: SafetensorsFile, opened: string = f.path): SafetensorsCheckpoint {
  return new Checkpoint(opened, [f], new Map(f.names.map((n) => [n, f])), f.metadata, []);
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Parses and checks an index JSON's text, returning its weight map and metadata. */
export function parseIndex(indexFile: string, text: string): { weightMap: Record<string, string>; metadata: Record<string, unknown> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError(indexFile, `index is not valid JSON (${(cause as Error).message})`, { cause, fix: 'Download the index file again.' });
  }
  const wm = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) {
    throw new SafetensorsError(indexFile, 'index has no "weight_map" object', { fix: 'Download the index file again.' });
  }
  for (const [name, shard] of Object.entries(wm)) {
    if (typeof shard !== 'string' || shard === '' || shard.includes('/') || shard === '..' || shard.includes('\\')) {
      throw new SafetensorsError(indexFile, `weight_map maps the tensor to ${JSON.stringify(shard)}, not a file name in this directory`,
        { tensor: name, fix: 'Each weight_map value must be a plain shard file name such as "model-00001-of-00002.safetensors".' });
    }
  }
  const md = (json as { metadata?: unknown }).metadata;
  const metadata = typeof md === 'object' && md !== null && !Array.isArray(md) ? (md as Record<string, unknown>) : {};
  return { weightMap: wm as Record<string, string>, metadata };
}

/**
 * A sharded checkpoint from its index text and a function that opens a shard by file name
 * (undefined when the shard does not exist). Every shard is opened up front, so a missing
 * shard or a tensor the index promises but its shard lacks is reported before anything loads.
 *
 * @example const ckpt = await indexedCheckpoint(indexUrl, indexText, base, async (s) => openSafetensorsSource(await urlSource(base + s)));
 */
export async function indexedCheckpoint(
  indexFile: string, indexText: string, where: string, openShard: (shard: string) => Promise<SafetensorsFile | undefined>, opened = indexFile,
): Promise<SafetensorsCheckpoint> {
  const { weightMap, metadata } = parseIndex(indexFile, indexText);
  const shardNames = [...new Set(Object.values(weightMap))].sort();
  const files: SafetensorsFile[] = [];
  const shardOf = new Map<SafetensorsFile, string>();
  try {
    for (const shard of shardNames) {
      const f = await openShard(shard);
      if (!f) {
        const example = Object.keys(weightMap).find((n) => weightMap[n] === shard);
        throw new SafetensorsError(indexFile, `shard ${shard} listed in weight_map does not exist in ${where}`,
          { tensor: example, fix: 'Download every shard the index lists into the same directory.' });
      }
      files.push(f);
      shardOf.set(f, shard);
    }
    checkOneSave(indexFile, metadata, files);
    const byShard = new Map(shardNames.map((s, i) => [s, files[i]]));
    const owner = new Map<string, SafetensorsFile>();
    for (const f of files) for (const n of f.names) if (weightMap[n] === shardOf.get(f)) owner.set(n, f);
    for (const [name, shard] of Object.entries(weightMap)) {
      if (!owner.has(name)) {
        throw new SafetensorsError(indexFile, `weight_map says the tensor is in ${shard}, but that shard has no such tensor`,
          { tensor: name, fix: `The shard and the index disagree; download both again. ${suggest(name, byShard.get(shard)!.names)}` });
      }
    }
    const warnings: string[] = [];
    for (const f of files) {
      const extra = f.names.filter((n) => weightMap[n] !== shardOf.get(f));
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
        `shard ${baseName(f.path)} was written by another save than the index (save id ${JSON.stringify(have ?? null)} vs ${JSON.stringify(want ?? null)}), so the directory mixes two checkpoints`,
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
