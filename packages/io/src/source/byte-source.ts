/**
 * Random access to the bytes of one file, wherever it lives: in memory, in a Blob/File a
 * page was given, or behind a URL (HTTP Range requests, so a tensor is fetched without the
 * rest of its shard). The safetensors reader needs nothing more, so it runs unchanged in
 * Node, Deno and browsers.
 */
import { SafetensorsError } from '../errors.js';

/** A file's bytes, readable at any offset. */
export interface ByteSource {
  /** Names the file in messages (a path, URL or file name). */
  readonly name: string;
  /** Size of the file in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `offset` (fails naming the file if it has fewer). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/**
 * A ByteSource over bytes in memory (no copy).
 * @example const src = bytesSource(new Uint8Array(await file.arrayBuffer()), 'model.safetensors');
 */
export function bytesSource(bytes: Uint8Array | ArrayBuffer, name = 'model.safetensors'): ByteSource {
  const all = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: all.byteLength,
    read: async (offset, length) => {
      checkRange(name, all.byteLength, offset, length);
      return all.subarray(offset, offset + length);
    },
  };
}

/**
 * A ByteSource over a Blob or File: each read slices it, so a large file a user picks is
 * never held in memory whole.
 * @example const src = blobSource(input.files[0]);
 */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    read: async (offset, length) => {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** Options of {@link urlSource}. */
export interface UrlSourceOptions {
  /** The fetch to use (default: globalThis.fetch), e.g. one that adds an authorization header. */
  readonly fetch?: typeof fetch;
}

/**
 * A ByteSource over a URL. Reads are HTTP Range requests; a server that ignores Range (it
 * answers 200 with the whole body) is read once and then served from memory.
 * @example const src = await urlSource('https://example.org/tiny/model.safetensors');
 */
export async function urlSource(url: string, options: UrlSourceOptions = {}): Promise<ByteSource> {
  const get = options.fetch ?? globalThis.fetch;
  const first = await fetchOrThrow(get, url, { headers: { Range: 'bytes=0-7' } });
  if (first.status === 200) {
    // No range support: the whole file came back.
    return bytesSource(new Uint8Array(await first.arrayBuffer()), url);
  }
  const total = /\/(\d+)\s*$/.exec(first.headers.get('content-range') ?? '')?.[1];
  // The probe's bytes are the file's first bytes (the header length): kept, not fetched twice.
  const head = new Uint8Array(await first.arrayBuffer());
  if (total === undefined) {
    throw new SafetensorsError(url, `the server answered a Range request with status ${first.status} but no Content-Range size`, {
      fix: 'Serve the file from a server that supports HTTP Range requests (or that sends the whole file), or pass its bytes.',
    });
  }
  const size = Number(total);
  return {
    name: url,
    size,
    read: async (offset, length) => {
      checkRange(url, size, offset, length);
      if (length === 0) return new Uint8Array(0);
      if (offset + length <= head.byteLength) return head.subarray(offset, offset + length);
      const res = await fetchOrThrow(get, url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
      const body = new Uint8Array(await res.arrayBuffer());
      // A 200 here means the server dropped Range support between requests: cut the slice out.
      const bytes = res.status === 200 ? body.subarray(offset, offset + length) : body;
      if (bytes.byteLength !== length) {
        throw new SafetensorsError(url, `asked for ${length} bytes at ${offset}, got ${bytes.byteLength}`, {
          fix: 'The file changed on the server or the transfer broke; load it again.',
        });
      }
      return bytes;
    },
  };
}

async function fetchOrThrow(get: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await get(url, init);
  } catch (cause) {
    throw new SafetensorsError(url, `cannot be fetched (${(cause as Error).message})`, {
      cause, fix: 'Check the URL and that the server allows this page to fetch it (CORS).',
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new SafetensorsError(url, `the server answered ${res.status} ${res.statusText}`.trimEnd(), {
      fix: res.status === 404 ? 'Check the URL: no file is there.' : 'Check the URL and the server.',
    });
  }
  return res;
}

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new SafetensorsError(name, `file ended after ${size} bytes while reading ${length} bytes at ${offset}`, {
      fix: 'The file is truncated; download it again.',
    });
  }
}
