/**
 * safetensors dtypes: their sizes, and conversion of little-endian bytes to and from
 * the two array types Penjing hands out (Float32Array for floats, Int32Array for
 * integers and booleans), because those are the two dtypes tfjs computes in.
 */

/** The dtypes this reader converts. */
export type SafetensorsDtype =
  | 'F64' | 'F32' | 'BF16' | 'F16'
  | 'I64' | 'I32' | 'I16' | 'I8'
  | 'U64' | 'U32' | 'U16' | 'U8'
  | 'BOOL';

/** The dtypes the writer produces. */
export type WritableDtype = 'F32' | 'BF16' | 'F16' | 'I32' | 'I64' | 'U8' | 'BOOL';

/** Decoded tensor contents: floats become Float32Array, integers and booleans Int32Array. */
export type TensorArray = Float32Array | Int32Array;

/** Bytes per element of every dtype the reader converts. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8, F32: 4, BF16: 2, F16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1,
  U64: 8, U32: 4, U16: 2, U8: 1,
  BOOL: 1,
};

/** Dtypes the safetensors format defines but Penjing does not convert (named in errors). */
export const UNSUPPORTED_DTYPES: readonly string[] = [
  'C64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F4', 'F6_E2M3', 'F6_E3M2',
];

/** Whether `d` is a dtype the reader converts. */
export function isSupportedDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, d);
}

/** Whether a dtype decodes to Float32Array (otherwise Int32Array). */
export function isFloatDtype(d: SafetensorsDtype): boolean {
  return d === 'F64' || d === 'F32' || d === 'BF16' || d === 'F16';
}

/** Allocates the output array for `count` elements of dtype `d`. */
export function allocateFor(d: SafetensorsDtype, count: number): TensorArray {
  return isFloatDtype(d) ? new Float32Array(count) : new Int32Array(count);
}

// The typed-array views below read the host's byte order; safetensors is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Throws unless the host is little-endian (every platform tfjs runs on is). */
export function assertLittleEndianHost(): void {
  if (!LITTLE_ENDIAN) throw new Error('safetensors I/O needs a little-endian host; this one is big-endian.');
}

let f16Table: Float32Array | undefined;

/** Every half-precision bit pattern decoded once; a lookup is faster than bit twiddling per element. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac === 0 ? sign * Infinity : NaN;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return (f16Table = t);
}

/**
 * Decodes `bytes` (whole elements of dtype `d`, starting at offset 0 of their own
 * ArrayBuffer so views are aligned) into `out` at element `at`. Returns the index
 * within this chunk of the first integer that does not fit in int32, or -1.
 *
 * @example
 * const out = new Float32Array(2);
 * decodeInto('BF16', new Uint8Array([0x80, 0x3f, 0x00, 0x40]), out, 0); // out = [1, 2]
 */
export function decodeInto(d: SafetensorsDtype, bytes: Uint8Array, out: TensorArray, at: number): number {
  const n = bytes.byteLength / DTYPE_SIZE[d];
  const buf = bytes.buffer, off = bytes.byteOffset;
  switch (d) {
    case 'F32': case 'I32': {
      const src = d === 'F32' ? new Float32Array(buf, off, n) : new Int32Array(buf, off, n);
      out.set(src, at);
      return -1;
    }
    case 'F64': out.set(new Float64Array(buf, off, n), at); return -1;
    case 'BF16': {
      const src = new Uint16Array(buf, off, n);
      // bf16 is the top half of an f32, so widening is a shift of the bit pattern.
      const dst = new Uint32Array(out.buffer, out.byteOffset + at * 4, n);
      for (let i = 0; i < n; i++) dst[i] = src[i] << 16;
      return -1;
    }
    case 'F16': {
      const src = new Uint16Array(buf, off, n), t = halfTable();
      for (let i = 0; i < n; i++) out[at + i] = t[src[i]];
      return -1;
    }
    case 'I16': out.set(new Int16Array(buf, off, n), at); return -1;
    case 'I8': out.set(new Int8Array(buf, off, n), at); return -1;
    case 'U16': out.set(new Uint16Array(buf, off, n), at); return -1;
    case 'U8': out.set(new Uint8Array(buf, off, n), at); return -1;
    case 'BOOL': {
      const src = new Uint8Array(buf, off, n);
      for (let i = 0; i < n; i++) out[at + i] = src[i] === 0 ? 0 : 1;
      return -1;
    }
    case 'U32': {
      const src = new Uint32Array(buf, off, n);
      for (let i = 0; i < n; i++) {
        if (src[i] > 0x7fffffff) return i;
        out[at + i] = src[i];
      }
      return -1;
    }
    case 'I64': case 'U64': {
      // Read each 64-bit integer as (low, high) int32 words; it fits in int32 exactly
      // when the high word is the sign extension of the low one.
      const w = new Int32Array(buf, off, 2 * n);
      const signed = d === 'I64';
      for (let i = 0; i < n; i++) {
        const lo = w[2 * i], hi = w[2 * i + 1];
        const ok = hi === 0 ? lo >= 0 : signed && hi === -1 && lo < 0;
        if (!ok) return i;
        out[at + i] = lo;
      }
      return -1;
    }
  }
}

/** Rounds an f32 bit pattern to bf16 (round to nearest, ties to even; NaN stays NaN). */
function toBf16Bits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return 0x7fc0 | ((bits >>> 16) & 0x8000);
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Rounds an f32 bit pattern to IEEE half (round to nearest even, overflow to ±Inf, subnormals kept). */
function toF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    mant |= 0x800000; // make the implicit bit explicit, then shift into subnormal range
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent, which is right
  return sign | h;
}

/** Bytes per element of each writable dtype. */
export const WRITABLE_SIZE: Readonly<Record<WritableDtype, number>> = {
  F32: 4, BF16: 2, F16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1,
};

/**
 * Encodes `src[start..end)` as dtype `d` into `out` (whose length is exactly the byte
 * count, starting at offset 0 of its own ArrayBuffer). Returns the index of the first
 * element that the dtype cannot hold (a non-integer for integer dtypes, a value
 * outside 0..255 for U8, other than 0/1 for BOOL), or -1.
 *
 * @example
 * const out = new Uint8Array(2);
 * encodeInto('BF16', new Float32Array([1]), 0, 1, out); // out = [0x80, 0x3f]
 */
export function encodeInto(
  d: WritableDtype, src: ArrayLike<number>, start: number, end: number, out: Uint8Array,
): number {
  const n = end - start;
  const buf = out.buffer, off = out.byteOffset;
  const f32bits = (i: number): number => {
    scratchF[0] = src[i];
    return scratchU[0];
  };
  switch (d) {
    case 'F32': {
      const dst = new Float32Array(buf, off, n);
      for (let i = 0; i < n; i++) dst[i] = src[start + i];
      return -1;
    }
    case 'BF16': case 'F16': {
      const dst = new Uint16Array(buf, off, n);
      const round = d === 'BF16' ? toBf16Bits : toF16Bits;
      if (src instanceof Float32Array) {
        // Reinterpret the floats' bits directly instead of copying each through a scratch cell.
        const bits = new Uint32Array(src.buffer, src.byteOffset + start * 4, n);
        for (let i = 0; i < n; i++) dst[i] = round(bits[i]);
      } else {
        for (let i = 0; i < n; i++) dst[i] = round(f32bits(start + i));
      }
      return -1;
    }
    case 'I32': case 'I64': case 'U8': case 'BOOL': {
      const lo = d === 'U8' || d === 'BOOL' ? 0 : -0x80000000;
      const hi = d === 'U8' ? 255 : d === 'BOOL' ? 1 : 0x7fffffff;
      const words = d === 'I64' ? new Int32Array(buf, off, 2 * n) : null;
      const dst = d === 'I32' ? new Int32Array(buf, off, n) : null;
      for (let i = 0; i < n; i++) {
        const v = src[start + i];
        if (!Number.isInteger(v) || v < lo || v > hi) return i;
        if (words) { words[2 * i] = v; words[2 * i + 1] = v < 0 ? -1 : 0; }
        else if (dst) dst[i] = v;
        else out[i] = v;
      }
      return -1;
    }
  }
}

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

/**
 * Index of the first NaN or ±Infinity in `data`, or −1 (one pass, no allocation).
 *
 * @example firstNonFinite(new Float32Array([1, NaN])) // 1
 */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}
