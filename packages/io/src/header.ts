/**
 * Parsing and validating a safetensors header: the 8-byte length prefix and the JSON
 * table of tensors. Everything here is checked before a single tensor byte is read, so
 * a corrupt or hostile file fails fast with a message instead of a huge allocation.
 */
import { SafetensorsError } from './errors.js';
import { DTYPE_SIZE, isSupportedDtype, UNSUPPORTED_DTYPES, type SafetensorsDtype } from './dtypes.js';

/** The largest header the reference implementation accepts (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor lives in a safetensors file and how to interpret it. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte range relative to the start of the data region, end exclusive. */
  readonly dataOffsets: readonly [number, number];
  /** Number of elements (product of the shape; 1 for a scalar). */
  readonly size: number;
  readonly byteLength: number;
}

/** A validated header. */
export interface ParsedHeader {
  /** Absolute file offset where the data region starts (8 + header length). */
  readonly dataStart: number;
  /** Tensors in file order (by data offset). */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Reads the header length from the first 8 bytes and checks it against the file size.
 *
 * @example
 * const n = headerLength(firstEightBytes, stat.size, 'model.safetensors');
 */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new SafetensorsError(file, `file is ${fileSize} bytes, too short for the 8-byte header length`,
      { fix: 'The file is truncated or not a safetensors file; download it again.' });
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(file, `header length ${n} exceeds the 100 MB limit`,
      { fix: 'The file is corrupt or not a safetensors file.' });
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new SafetensorsError(file, `header length ${len} runs past the end of the ${fileSize}-byte file`,
      { fix: 'The file is truncated or not a safetensors file; download it again.' });
  }
  if (len < 2) {
    throw new SafetensorsError(file, `header length ${len} is too short to hold a JSON object`,
      { fix: 'The file is corrupt or not a safetensors file.' });
  }
  return len;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and validates the header JSON (`bytes` = the header region, without the length
 * prefix). Checks every tensor entry, the dtype, that shape and byte count agree, and
 * that the tensors tile the data region exactly (no holes, no overlaps, nothing left over).
 *
 * @example
 * const { tensors, dataStart } = parseHeader(headerBytes, fileSize, 'model.safetensors');
 */
export function parseHeader(bytes: Uint8Array, fileSize: number, file: string): ParsedHeader {
  const dataStart = 8 + bytes.byteLength;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new SafetensorsError(file, 'header is not valid UTF-8', { cause, fix: 'The file is corrupt; download it again.' });
  }
  if (!text.startsWith('{')) {
    throw new SafetensorsError(file, `header does not start with "{" (starts with ${JSON.stringify(text.slice(0, 16))})`,
      { fix: 'The file is corrupt or not a safetensors file.' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError(file, `header is not valid JSON (${(cause as Error).message})`,
      { cause, fix: 'The file is corrupt or truncated; download it again.' });
  }
  if (!isRecord(json)) {
    throw new SafetensorsError(file, 'header JSON is not an object', { fix: 'The file is corrupt or not a safetensors file.' });
  }

  const metadata = parseMetadata(json['__metadata__'], file);
  const dataLength = fileSize - dataStart;
  const entries: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    entries.push(parseEntry(name, entry, dataLength, file));
  }
  checkTiling(entries, dataLength, file);
  entries.sort(byOffset);
  return { dataStart, tensors: new Map(entries.map((e) => [e.name, e])), metadata };
}

function parseMetadata(raw: unknown, file: string): Record<string, string> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    throw new SafetensorsError(file, '"__metadata__" is not an object of strings', { fix: 'The file was written by a non-conforming tool.' });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(file, `"__metadata__" entry ${JSON.stringify(k)} is ${JSON.stringify(v)}, not a string`,
        { fix: 'safetensors metadata maps strings to strings; re-save the file with string values.' });
    }
    out[k] = v;
  }
  return out;
}

function parseEntry(name: string, entry: unknown, dataLength: number, file: string): TensorInfo {
  const fail = (problem: string, fix = 'The file is corrupt or was written by a non-conforming tool.'): never => {
    throw new SafetensorsError(file, problem, { tensor: name, fix });
  };
  if (!isRecord(entry)) fail('header entry is not an object with dtype, shape and data_offsets');
  const e = entry as Record<string, unknown>;
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!(key in e)) fail(`header entry has no "${key}"`);
  }
  const { dtype, shape, data_offsets: offsets } = e;
  if (!isSupportedDtype(dtype)) {
    if (typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype)) {
      fail(`dtype ${dtype} is valid safetensors but Penjing cannot convert it`,
        'Convert the checkpoint to F32, BF16 or F16 (e.g. with torch: t.to(torch.bfloat16)) and save it again.');
    }
    fail(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPE_SIZE).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] of non-negative integers`);
  }
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    fail(`data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data region`,
      'The file is truncated; download it again.');
  }
  let size = 1;
  for (const d of dims) size *= d;
  const dt = dtype as SafetensorsDtype;
  const expected = size * DTYPE_SIZE[dt];
  if (!Number.isSafeInteger(expected) || expected !== end - begin) {
    fail(`shape [${dims.join(', ')}] of ${dt} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype: dt, shape: dims, dataOffsets: [begin, end], size, byteLength: end - begin };
}

function byOffset(a: TensorInfo, b: TensorInfo): number {
  return a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1];
}

/** The tensors must cover the data region exactly once, as the format requires. */
function checkTiling(entries: TensorInfo[], dataLength: number, file: string): void {
  const sorted = [...entries].sort(byOffset);
  let pos = 0;
  let prev: TensorInfo | undefined;
  for (const t of sorted) {
    const [begin, end] = t.dataOffsets;
    if (begin < pos) {
      throw new SafetensorsError(file,
        `data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(prev?.name)} ending at ${pos}`,
        { tensor: t.name, fix: 'The file is corrupt or was written by a non-conforming tool.' });
    }
    if (begin > pos) {
      throw new SafetensorsError(file,
        `data_offsets [${begin}, ${end}] leave bytes ${pos}..${begin} of the data region unused`,
        { tensor: t.name, fix: 'The file is corrupt or was written by a non-conforming tool.' });
    }
    pos = end;
    prev = t;
  }
  if (pos !== dataLength) {
    throw new SafetensorsError(file,
      `the tensors cover ${pos} bytes but the data region after the header is ${dataLength} bytes`,
      { fix: 'The file is truncated, has trailing bytes, or its header is wrong; download it again.' });
  }
}
