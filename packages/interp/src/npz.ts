/**
 * Reading NumPy `.npz` archives (a zip of `.npy` files, as Gemma Scope ships its SAEs): the zip
 * is opened by fflate, each `.npy` header is parsed here. Only little-endian float32/float64
 * C-order arrays are accepted; everything else is refused naming the file and key.
 */
import { unzipSync } from 'fflate';

/** One array of an archive: row-major float32 data and its shape. */
export interface NpyArray {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parses one `.npy` file; `where` names it in errors (e.g. `params.npz:W_enc`).
 * @example parseNpy(bytes, 'params.npz:W_enc').shape // [2304, 16384]
 */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${where}: not a .npy array (the magic string \\x93NUMPY is missing).`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new Error(`${where}: the .npy header runs past the end of the file (truncated?).`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${where}: unreadable .npy header ${JSON.stringify(header.trim())}.`);
  if (fortran === 'True') throw new Error(`${where}: Fortran-order arrays are not supported; save it with np.ascontiguousarray.`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(start + headerLen);
  const size = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!size) throw new Error(`${where}: dtype '${descr}' is not supported; expected little-endian float32 ('<f4') or float64 ('<f8').`);
  if (body.length !== count * size) throw new Error(`${where}: shape [${shape.join(', ')}] needs ${count * size} bytes of data but the file has ${body.length} (truncated?).`);
  const copy = body.slice().buffer; // aligned
  const data = size === 4 ? new Float32Array(copy) : Float32Array.from(new Float64Array(copy));
  return { data, shape };
}

/**
 * Every array of an `.npz` archive, keyed by name without `.npy`.
 * @example Object.keys(parseNpz(bytes, 'params.npz')) // ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold']
 */
export function parseNpz(bytes: Uint8Array, file: string): Record<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new Error(`${file}: not a readable .npz (zip) archive: ${(e as Error).message}.`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, data] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    out[key] = parseNpy(data, `${file}:${key}`);
  }
  return out;
}
