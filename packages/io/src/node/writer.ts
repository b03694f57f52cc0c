/**
 * Writing safetensors files, single or sharded. Data is encoded and written a chunk at a
 * time, and may be supplied lazily, so saving a large model never builds the whole file
 * in memory. Files are written under fresh, exclusively created temporary names and renamed
 * when complete (see files.ts), so an interrupted save never leaves a truncated file that
 * looks valid, and a sharded save is committed only once every shard is complete.
 */
import { readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SAVE_ID_KEY } from '../save-id.js';
import { commitRenames, fileError, removeQuietly, writeTempFile } from './files.js';
import { SafetensorsError } from '../errors.js';
import { assertLittleEndianHost, encodeInto, WRITABLE_SIZE, type WritableDtype } from '../dtypes.js';
import { INDEX_FILE, SINGLE_FILE } from '../hf-files.js';
import type { ProgressCallback } from '../progress.js';

/** Values of a tensor to write, or a function producing them when the writer gets to it. */
export type TensorSource = ArrayLike<number> | (() => ArrayLike<number> | Promise<ArrayLike<number>>);

/** One tensor to write: values are converted to `dtype` (floats rounded to nearest even). */
export interface TensorToWrite {
  readonly dtype: WritableDtype;
  readonly shape: readonly number[];
  readonly data: TensorSource;
}

/** Tensors to write, by name, in the order they should appear in the file. */
export type TensorsToWrite = Readonly<Record<string, TensorToWrite>> | Iterable<readonly [string, TensorToWrite]>;

/** Options of `writeSafetensors`. */
export interface WriteOptions {
  /** Written as `__metadata__` (string values only, per the format). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Totals refer to the data bytes of this file. */
  readonly onProgress?: ProgressCallback;
}

const CHUNK_ELEMENTS = 1 << 20;

function toEntries(tensors: TensorsToWrite): [string, TensorToWrite][] {
  const it = tensors as Iterable<readonly [string, TensorToWrite]>;
  if (typeof it[Symbol.iterator] === 'function') return [...it].map(([k, v]) => [k, v]);
  return Object.entries(tensors as Record<string, TensorToWrite>);
}

/** Byte size of a tensor as stored, checking its dtype and shape first. */
function storedBytes(file: string, name: string, t: TensorToWrite): number {
  if (!Object.prototype.hasOwnProperty.call(WRITABLE_SIZE, t.dtype)) {
    throw new SafetensorsError(file, `cannot write dtype ${JSON.stringify(t.dtype)}`,
      { tensor: name, fix: `Use one of ${Object.keys(WRITABLE_SIZE).join(', ')}.` });
  }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(file, `shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`, { tensor: name });
  }
  return t.shape.reduce((a, b) => a * b, 1) * WRITABLE_SIZE[t.dtype];
}

/** The header bytes, padded with spaces so the data region starts 8-byte aligned. */
function encodeHeader(file: string, entries: [string, TensorToWrite][], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(file, `metadata entry ${JSON.stringify(k)} is not a string`, { fix: 'Convert metadata values to strings.' });
      }
    }
    header['__metadata__'] = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__' || name === '') {
      throw new SafetensorsError(file, 'tensor name is reserved or empty', { tensor: name, fix: 'Rename the tensor.' });
    }
    const bytes = storedBytes(file, name, t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.byteLength) / 8) * 8 - 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/**
 * Writes tensors to one safetensors file (F32, BF16, F16, I32, I64, U8 or BOOL).
 * Returns the number of bytes written.
 *
 * @example
 * await writeSafetensors('tiny.safetensors', {
 *   'model.norm.weight': { dtype: 'BF16', shape: [4], data: new Float32Array([0, 0.5, 1, 2]) },
 * }, { metadata: { format: 'pt' } });
 */
export async function writeSafetensors(path: string, tensors: TensorsToWrite, options: WriteOptions = {}): Promise<number> {
  const { temp, bytes } = await writeSafetensorsTemp(path, toEntries(tensors), options);
  await commitRenames([[temp, path]]);
  return bytes;
}

/** Writes a complete safetensors file under a fresh temporary name beside `path`; the caller renames it. */
async function writeSafetensorsTemp(
  path: string, entries: [string, TensorToWrite][], options: WriteOptions,
): Promise<{ temp: string; bytes: number }> {
  assertLittleEndianHost();
  const header = encodeHeader(path, entries, options.metadata);
  const bytesTotal = entries.reduce((s, [n, t]) => s + storedBytes(path, n, t), 0);
  const temp = await writeTempFile(path, async (handle) => {
    await handle.write(header);
    let done = 0;
    for (const [name, t] of entries) {
      done = await writeTensor(handle, path, name, t, done, bytesTotal, options.onProgress);
    }
  });
  return { temp, bytes: header.byteLength + bytesTotal };
}

async function writeTensor(
  handle: import('node:fs/promises').FileHandle, file: string, name: string, t: TensorToWrite,
  before: number, bytesTotal: number, onProgress?: ProgressCallback,
): Promise<number> {
  const src = typeof t.data === 'function' ? await t.data() : t.data;
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (!src || typeof src.length !== 'number' || src.length !== count) {
    throw new SafetensorsError(file, `shape [${t.shape.join(', ')}] has ${count} elements but the data has ${src?.length}`,
      { tensor: name, fix: 'Pass data with exactly one value per element, in row-major order.' });
  }
  const elem = WRITABLE_SIZE[t.dtype];
  let done = before;
  if (t.dtype === 'F32' && src instanceof Float32Array) {
    // Already in the stored layout: write the array's own bytes, no copy.
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < bytes.byteLength; i += CHUNK_ELEMENTS * 4) {
      const part = bytes.subarray(i, i + CHUNK_ELEMENTS * 4);
      await handle.write(part);
      done += part.byteLength;
      onProgress?.({ file, tensor: name, bytesDone: done, bytesTotal });
    }
  } else {
    const scratch = new Uint8Array(Math.min(count, CHUNK_ELEMENTS) * elem);
    for (let i = 0; i < count; i += CHUNK_ELEMENTS) {
      const end = Math.min(count, i + CHUNK_ELEMENTS);
      const out = scratch.subarray(0, (end - i) * elem);
      const bad = encodeInto(t.dtype, src, i, end, out);
      if (bad >= 0) {
        throw new SafetensorsError(file, `element ${i + bad} (${src[i + bad]}) cannot be stored as ${t.dtype}`,
          { tensor: name, fix: 'Integer dtypes need integers in range (U8: 0..255, BOOL: 0 or 1); use a float dtype otherwise.' });
      }
      await handle.write(out);
      done += out.byteLength;
      onProgress?.({ file, tensor: name, bytesDone: done, bytesTotal });
    }
  }
  if (count === 0) onProgress?.({ file, tensor: name, bytesDone: done, bytesTotal });
  return done;
}

/** Options of `writeShardedSafetensors`. */
export interface ShardedWriteOptions {
  /** Largest data size of one shard; a single larger tensor gets a shard of its own. */
  readonly maxShardBytes: number;
  /** Written as `__metadata__` in every shard. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Totals refer to all shards together. */
  readonly onProgress?: ProgressCallback;
  /** Other files of the checkpoint (e.g. `config.json`), by name, committed together with the weights. */
  readonly extraFiles?: Readonly<Record<string, string>>;
}

/** What `writeShardedSafetensors` wrote. */
export interface ShardedWriteResult {
  /** Shard file names (relative to the directory). */
  readonly files: readonly string[];
  /** The index file name, or undefined when everything fit in one `model.safetensors`. */
  readonly indexFile: string | undefined;
}

/**
 * Writes tensors into a directory the way Hugging Face does: `model.safetensors` when they
 * fit in one shard, otherwise `model-0000i-of-0000n.safetensors` plus
 * `model.safetensors.index.json` (`{metadata: {total_size}, weight_map}`). Tensors keep
 * their order; a shard is closed when the next tensor would overflow it. Nothing in `dir` changes
 * until every file is complete; then the new files replace the old checkpoint's and the old
 * checkpoint's other weight files (a stale index or shards) are removed.
 *
 * @example
 * await writeShardedSafetensors('out/', tensors, { maxShardBytes: 2e9 });
 */
export async function writeShardedSafetensors(
  dir: string, tensors: TensorsToWrite, options: ShardedWriteOptions,
): Promise<ShardedWriteResult> {
  const { maxShardBytes } = options;
  if (!(maxShardBytes > 0)) {
    throw new SafetensorsError(dir, `maxShardBytes ${maxShardBytes} is not positive`, { fix: 'Pass a shard size in bytes, e.g. 2e9.' });
  }
  const entries = toEntries(tensors);
  const shards: [string, TensorToWrite][][] = [];
  let current: [string, TensorToWrite][] = [];
  let size = 0;
  for (const e of entries) {
    const bytes = storedBytes(dir, e[0], e[1]);
    if (current.length && size + bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += bytes;
  }
  if (current.length || !shards.length) shards.push(current);

  const n = shards.length;
  const pad = (i: number) => String(i).padStart(5, '0');
  const files = n === 1 ? [SINGLE_FILE] : shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(n)}.safetensors`);
  const bytesTotal = entries.reduce((s, [name, t]) => s + storedBytes(dir, name, t), 0);
  // Every shard and the index carry one id of this save; the loader refuses shards whose id
  // differs from the index's, so no crash mid-commit can leave a loadable mixture of saves.
  const saveId = randomBytes(8).toString('hex');
  const metadata = n === 1 ? options.metadata : { ...options.metadata, [SAVE_ID_KEY]: saveId };
  const temps: [string, string][] = [];
  try {
    let before = 0;
    for (let i = 0; i < n; i++) {
      const onProgress = options.onProgress;
      const { temp } = await writeSafetensorsTemp(join(dir, files[i]!), shards[i]!, {
        metadata,
        onProgress: onProgress && ((p) => onProgress({ ...p, bytesDone: before + p.bytesDone, bytesTotal })),
      });
      temps.push([temp, join(dir, files[i]!)]);
      before += shards[i]!.reduce((s, [name, t]) => s + storedBytes(dir, name, t), 0);
    }
    if (n > 1) {
      const weightMap: Record<string, string> = {};
      const names = shards.flatMap((s, i) => s.map(([name]) => [name, files[i]!] as const));
      for (const [name, file] of [...names].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) weightMap[name] = file;
      const index = { metadata: { total_size: bytesTotal, [SAVE_ID_KEY]: saveId }, weight_map: weightMap };
      temps.push([await writeTempFile(join(dir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n'), join(dir, INDEX_FILE)]);
    }
    for (const [name, content] of Object.entries(options.extraFiles ?? {})) {
      temps.push([await writeTempFile(join(dir, name), content), join(dir, name)]);
    }
  } catch (e) {
    await Promise.all(temps.map(([t]) => removeQuietly(t)));
    throw e;
  }
  // Commit: shards, then the extra files, then the index (the sharded checkpoint's commit
  // point); then remove what the previous checkpoint left (a single file wins over an index
  // at load, as in transformers, so it goes once the new shards are complete).
  const index = n > 1 ? temps.splice(n, 1) : [];
  await commitRenames([...temps, ...index]);
  await removeStale(dir, new Set([...files, ...(n > 1 ? [INDEX_FILE] : [])]));
  return { files, indexFile: n > 1 ? INDEX_FILE : undefined };
}

/** The shard file names Hugging Face (and this writer) use. */
const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;

/** Removes the checkpoint files of an earlier save that the new one did not write. */
async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw fileError(dir, 'cannot list the directory after saving', cause);
  }
  const stale = names.filter((f) => !keep.has(f) && (f === SINGLE_FILE || f === INDEX_FILE || SHARD_NAME.test(f)));
  // The index goes first: without it the old shards are inert.
  stale.sort((a, b) => Number(b === INDEX_FILE) - Number(a === INDEX_FILE));
  for (const f of stale) await removeQuietly(join(dir, f));
}
