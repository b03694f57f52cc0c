/**
 * Lazy reading of one safetensors file: only the header is read when the file is opened;
 * each tensor's bytes are read on demand, in chunks, straight into the output array, so
 * a multi-gigabyte checkpoint never sits in memory as raw bytes next to its decoded copy.
 */
import type { FileHandle } from 'node:fs/promises';
import { openRegularFile, type FileError } from './files.js';
import { SafetensorsError } from '../errors.js';
import { allocateFor, assertLittleEndianHost, decodeInto, DTYPE_SIZE } from '../dtypes.js';
import { headerLength, parseHeader, type TensorInfo } from '../header.js';
import { suggest, type ReadOptions, type SafetensorsFile, type TensorData } from '../source/safetensors-source.js';

export { suggest, type ReadOptions, type SafetensorsFile, type TensorData };

/** Bytes moved per read call: large enough to be fast, small enough to bound the scratch buffer. */
const CHUNK_BYTES = 8 << 20;

/**
 * Opens a safetensors file and validates its header; no tensor data is read yet.
 *
 * @example
 * const f = await openSafetensors('model.safetensors');
 * try {
 *   const { shape, data } = await f.read('model.embed_tokens.weight');
 * } finally { await f.close(); }
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  assertLittleEndianHost();
  let handle: FileHandle;
  try {
    // Regular files only, opened without blocking: a FIFO in a checkpoint's place fails at once.
    handle = await openRegularFile(path);
  } catch (cause) {
    const e = cause as FileError;
    throw new SafetensorsError(path, e.code === 'ENOENT' ? 'file does not exist' : `cannot open file (${e.message.slice(path.length + 2)})`,
      { cause, fix: e.code === 'ENOENT' ? 'Check the path, or download the checkpoint file.' : undefined });
  }
  try {
    const { size } = await handle.stat();
    const prefix = await readExactly(handle, 0, Math.min(8, size), path);
    const n = headerLength(prefix, size, path);
    const parsed = parseHeader(await readExactly(handle, 8, n, path), size, path);
    return new LazyFile(path, handle, parsed.dataStart, parsed.tensors, parsed.metadata, size - parsed.dataStart);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Reads `length` bytes at `position` into `into` (or a fresh buffer), failing if the file ends early. */
async function readExactly(
  handle: FileHandle, position: number, length: number, file: string, into?: Uint8Array, tensor?: string,
): Promise<Uint8Array> {
  const buf = into ?? new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new SafetensorsError(file, `file ended after ${position + done} bytes while reading ${length} bytes at ${position}`,
        { tensor, fix: 'The file was truncated or changed while open; download it again.' });
    }
    done += bytesRead;
  }
  return buf;
}

class LazyFile implements SafetensorsFile {
  readonly names: readonly string[];
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly dataStart: number,
    private readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    readonly dataBytes: number,
  ) {
    this.names = [...tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  header(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) {
      throw new SafetensorsError(this.path, 'no such tensor in this file', { tensor: name, fix: suggest(name, this.names) });
    }
    return info;
  }

  async readBytes(name: string): Promise<Uint8Array> {
    const info = this.checkOpen(name);
    return readExactly(this.handle, this.dataStart + info.dataOffsets[0], info.byteLength, this.path, undefined, name);
  }

  async read(name: string, options: ReadOptions = {}): Promise<TensorData> {
    const info = this.checkOpen(name);
    const { dtype, byteLength } = info;
    const out = allocateFor(dtype, info.size);
    const start = this.dataStart + info.dataOffsets[0];
    const report = (bytesDone: number) =>
      options.onProgress?.({ file: this.path, tensor: name, bytesDone, bytesTotal: byteLength });
    const elem = DTYPE_SIZE[dtype];
    if (dtype === 'F32' || dtype === 'I32') {
      // Same layout on disk and in memory: read straight into the output, chunk by chunk.
      const bytes = new Uint8Array(out.buffer);
      for (let done = 0; done < byteLength;) {
        const len = Math.min(CHUNK_BYTES, byteLength - done);
        await readExactly(this.handle, start + done, len, this.path, bytes.subarray(done, done + len), name);
        done += len;
        report(done);
      }
    } else {
      const chunk = new Uint8Array(Math.min(byteLength, Math.floor(CHUNK_BYTES / elem) * elem));
      for (let done = 0; done < byteLength;) {
        const len = Math.min(chunk.byteLength, byteLength - done);
        const view = await readExactly(this.handle, start + done, len, this.path, chunk.subarray(0, len), name);
        const bad = decodeInto(dtype, view, out, done / elem);
        if (bad >= 0) {
          throw new SafetensorsError(this.path, `element ${done / elem + bad} of this ${dtype} tensor does not fit in int32`,
            { tensor: name, fix: 'Penjing reads integer tensors as int32; store this tensor as I32 or a float dtype.' });
        }
        done += len;
        report(done);
      }
    }
    if (byteLength === 0) report(0);
    return { dtype, shape: info.shape, data: out };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private checkOpen(name: string): TensorInfo {
    const info = this.header(name);
    if (this.closed) {
      throw new SafetensorsError(this.path, 'file was already closed', { tensor: name, fix: 'Read tensors before calling close().' });
    }
    return info;
  }
}
