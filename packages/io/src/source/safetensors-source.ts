/**
 * A safetensors file read through a {@link ByteSource}: only the header is read when it is
 * opened; each tensor's byte range is read when asked for and decoded into a fresh array.
 * The same reader serves bytes in memory, Blobs/Files and URLs (Range requests).
 */
import { SafetensorsError } from '../errors.js';
import { allocateFor, assertLittleEndianHost, decodeInto, DTYPE_SIZE, type SafetensorsDtype, type TensorArray } from '../dtypes.js';
import { headerLength, parseHeader, type TensorInfo } from '../header.js';
import type { ProgressCallback } from '../progress.js';
import type { ByteSource } from './byte-source.js';

/** A decoded tensor: its stored dtype, its shape, and its values (row-major). */
export interface TensorData {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: TensorArray;
}

/** Options of a single read. */
export interface ReadOptions {
  /** Called as the tensor's bytes arrive; totals refer to this tensor. */
  readonly onProgress?: ProgressCallback;
}

/** An open safetensors file. Close it when done; reads after `close()` fail. */
export interface SafetensorsFile {
  readonly path: string;
  /** Tensor names in file order. */
  readonly names: readonly string[];
  /** The `__metadata__` table ({} if absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Size of the data region in bytes (the sum of all tensors' bytes). */
  readonly dataBytes: number;
  has(name: string): boolean;
  /** Dtype, shape and byte range of a tensor; throws SafetensorsError for an unknown name. */
  header(name: string): TensorInfo;
  /** Reads and decodes one tensor (F16/BF16/F64 → Float32Array, integers/BOOL → Int32Array). */
  read(name: string, options?: ReadOptions): Promise<TensorData>;
  /** Reads one tensor's raw little-endian bytes, undecoded. */
  readBytes(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Bytes per read: one Range request per chunk, so progress moves on large tensors. */
const CHUNK_BYTES = 8 << 20;

/**
 * Opens a safetensors file from any byte source and validates its header.
 * @example
 * const f = await openSafetensorsSource(bytesSource(bytes));
 * const { shape, data } = await f.read('model.norm.weight');
 */
export async function openSafetensorsSource(source: ByteSource): Promise<SafetensorsFile> {
  assertLittleEndianHost();
  const n = headerLength(await source.read(0, Math.min(8, source.size)), source.size, source.name);
  const parsed = parseHeader(await source.read(8, n), source.size, source.name);
  return new SourceFile(source, parsed.dataStart, parsed.tensors, parsed.metadata, source.size - parsed.dataStart);
}

class SourceFile implements SafetensorsFile {
  readonly names: readonly string[];
  readonly path: string;
  private closed = false;

  constructor(
    private readonly source: ByteSource,
    private readonly dataStart: number,
    private readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    readonly dataBytes: number,
  ) {
    this.path = source.name;
    this.names = [...tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  header(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new SafetensorsError(this.path, 'no such tensor in this file', { tensor: name, fix: suggest(name, this.names) });
    return info;
  }

  async readBytes(name: string): Promise<Uint8Array> {
    const info = this.checkOpen(name);
    return this.source.read(this.dataStart + info.dataOffsets[0], info.byteLength);
  }

  async read(name: string, options: ReadOptions = {}): Promise<TensorData> {
    const info = this.checkOpen(name);
    const { dtype, byteLength } = info;
    const out = allocateFor(dtype, info.size);
    const elem = DTYPE_SIZE[dtype];
    const start = this.dataStart + info.dataOffsets[0];
    const step = Math.max(elem, Math.floor(CHUNK_BYTES / elem) * elem);
    for (let done = 0; done < byteLength;) {
      const len = Math.min(step, byteLength - done);
      const bytes = await this.source.read(start + done, len);
      if (dtype === 'F32' || dtype === 'I32') {
        new Uint8Array(out.buffer).set(bytes, done);
      } else {
        const bad = decodeInto(dtype, bytes, out, done / elem);
        if (bad >= 0) {
          throw new SafetensorsError(this.path, `element ${done / elem + bad} of this ${dtype} tensor does not fit in int32`,
            { tensor: name, fix: 'Penjing reads integer tensors as int32; store this tensor as I32 or a float dtype.' });
        }
      }
      done += len;
      options.onProgress?.({ file: this.path, tensor: name, bytesDone: done, bytesTotal: byteLength });
    }
    if (byteLength === 0) options.onProgress?.({ file: this.path, tensor: name, bytesDone: 0, bytesTotal: 0 });
    return { dtype, shape: info.shape, data: out };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.close?.();
  }

  private checkOpen(name: string): TensorInfo {
    const info = this.header(name);
    if (this.closed) throw new SafetensorsError(this.path, 'file was already closed', { tensor: name, fix: 'Read tensors before calling close().' });
    return info;
  }
}

/** A hint naming the nearest tensor names, for typos and prefix mix-ups. */
export function suggest(name: string, names: readonly string[]): string {
  const tail = name.split('.').slice(-3).join('.');
  const close = names.filter((n) => n.endsWith(tail)).slice(0, 3);
  if (close.length) return `Did you mean ${close.map((n) => JSON.stringify(n)).join(' or ')}?`;
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n)).join(', ');
  return names.length ? `The file has ${names.length} tensors, e.g. ${shown}.` : 'The file has no tensors.';
}
