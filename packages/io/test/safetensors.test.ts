import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INDEX_FILE, MAX_HEADER_BYTES, openCheckpoint, openSafetensors, SafetensorsError, writeSafetensors,
  writeShardedSafetensors, type Progress, type TensorToWrite,
} from '@penjing/io/node';

let dir: string;
let counter = 0;
const tmp = (name = 'f') => join(dir, `${name}-${counter++}.safetensors`);
const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/gemma/', import.meta.url));
/** The fixture case directories (the README beside them is not one). */
const fixtureCases = async () =>
  (await readdir(FIXTURES, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'penjing-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file with an arbitrary header (object or raw string) and data bytes, for malformed cases. */
async function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Promise<string> {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  const p = tmp('raw');
  await writeFile(p, out);
  return p;
}

/** The error a promise rejects with (failing the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<SafetensorsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return e as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError, but the call succeeded');
}

/** Nearest value (ties to the even bit pattern) among ascending `grid` values with bit patterns `bits`. */
function nearestOnGrid(x: number, grid: number[]): number {
  const a = Math.abs(x);
  let lo = 0, hi = grid.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid[mid] <= a) lo = mid; else hi = mid;
  }
  const dl = a - grid[lo], dh = grid[hi] - a;
  const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
  return Math.sign(x) * grid[pick];
}

/** Every non-negative bf16 value up to the largest finite one plus its rounding boundary to Inf. */
const BF16_GRID = Array.from({ length: 0x7f81 }, (_, h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0]);
const nearestBf16 = (x: number) => nearestOnGrid(x, BF16_GRID);
/** Every finite non-negative half value (0x0000..0x7bff); bit patterns are monotonic in value. */
const F16_GRID = Array.from({ length: 0x7c00 }, (_, h) => {
  const e = h >> 10, m = h & 0x3ff;
  return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
});
// Values at or past 65520 (halfway from 65504 to the next, absent, step) round to Inf, as IEEE requires.
const nearestF16 = (x: number) => (Math.abs(x) >= 65520 ? Math.sign(x) * Infinity : nearestOnGrid(x, F16_GRID));

async function roundTrip(t: TensorToWrite) {
  const p = tmp();
  await writeSafetensors(p, { t });
  const f = await openSafetensors(p);
  try {
    return await f.read('t');
  } finally {
    await f.close();
  }
}

describe('round trips', () => {
  it('F32 is exact, including specials and a scalar', async () => {
    const data = new Float32Array([0, -0, 1.5, -3.25e-30, 3.4e38, Infinity, -Infinity, NaN, 1e-45]);
    const r = await roundTrip({ dtype: 'F32', shape: [3, 3], data });
    expect(r.dtype).toBe('F32');
    expect(r.shape).toEqual([3, 3]);
    expect(Array.from(r.data)).toEqual(Array.from(data));
    const s = await roundTrip({ dtype: 'F32', shape: [], data: [7] });
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data)).toEqual([7]);
  });

  it('zero-size tensors', async () => {
    const r = await roundTrip({ dtype: 'BF16', shape: [0, 5], data: [] });
    expect(r.shape).toEqual([0, 5]);
    expect(r.data.length).toBe(0);
  });

  it('BF16 rounds to nearest even (checked against a brute-force rounding)', async () => {
    // 1 + 2^-8 is exactly halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
    const exact = [1, -2, 0.5, 3.140625, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 65280, -0];
    const r = await roundTrip({ dtype: 'BF16', shape: [exact.length], data: exact });
    expect(Array.from(r.data)).toEqual([1, -2, 0.5, 3.140625, 1, 1 + 2 ** -6, 65280, -0]);
    const rnd = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 40) - 20));
    const back = (await roundTrip({ dtype: 'BF16', shape: [rnd.length], data: rnd })).data;
    for (let i = 0; i < rnd.length; i++) {
      expect(back[i]).toBe(nearestBf16(rnd[i]));
      expect(Math.abs(back[i] - rnd[i])).toBeLessThanOrEqual(Math.abs(rnd[i]) * 2 ** -8);
    }
    const special = (await roundTrip({ dtype: 'BF16', shape: [3], data: [Infinity, -Infinity, NaN] })).data;
    expect(Array.from(special)).toEqual([Infinity, -Infinity, NaN]);
  });

  it('BF16 bytes match the format (1.0 = 0x3f80)', async () => {
    const p = tmp();
    await writeSafetensors(p, { t: { dtype: 'BF16', shape: [2], data: [1, -2] } });
    const f = await openSafetensors(p);
    expect(Array.from(await f.readBytes('t'))).toEqual([0x80, 0x3f, 0x00, 0xc0]);
    await f.close();
  });

  it('F16 rounds to nearest even, keeps subnormals, overflows to Inf', async () => {
    const cases: [number, number][] = [
      [1, 1], [65504, 65504], [65519, 65504], [65520, Infinity], [-1e6, -Infinity],
      [2 ** -24, 2 ** -24], [2 ** -25, 0], [3 * 2 ** -26, 2 ** -24], [2 ** -14, 2 ** -14],
      [1 + 2 ** -11, 1], [1 + 3 * 2 ** -11, 1 + 2 ** -9], [0.1, 0.0999755859375], [-0, -0],
    ];
    const r = await roundTrip({ dtype: 'F16', shape: [cases.length], data: cases.map((c) => c[0]) });
    expect(Array.from(r.data)).toEqual(cases.map((c) => c[1]));
    const rnd = Float32Array.from({ length: 5000 }, (_, i) => Math.cos(i * 78.233) * 2 ** ((i % 44) - 28));
    const back = (await roundTrip({ dtype: 'F16', shape: [rnd.length], data: rnd })).data;
    for (let i = 0; i < rnd.length; i++) {
      expect(back[i]).toBe(nearestF16(rnd[i]));
      expect(Math.abs(back[i] - rnd[i])).toBeLessThanOrEqual(Math.max(Math.abs(rnd[i]) * 2 ** -11, 2 ** -25));
    }
    expect(Number.isNaN((await roundTrip({ dtype: 'F16', shape: [1], data: [NaN] })).data[0])).toBe(true);
  });

  it('F16 bytes match the format (1.0 = 0x3c00)', async () => {
    const p = tmp();
    await writeSafetensors(p, { t: { dtype: 'F16', shape: [1], data: [1] } });
    const f = await openSafetensors(p);
    expect(Array.from(await f.readBytes('t'))).toEqual([0x00, 0x3c]);
    await f.close();
  });

  it('integer dtypes and BOOL come back as Int32Array', async () => {
    const ints = [0, 1, -1, 2147483647, -2147483648, 12345];
    for (const dtype of ['I32', 'I64'] as const) {
      const r = await roundTrip({ dtype, shape: [2, 3], data: ints });
      expect(r.data).toBeInstanceOf(Int32Array);
      expect(Array.from(r.data)).toEqual(ints);
    }
    expect(Array.from((await roundTrip({ dtype: 'U8', shape: [3], data: [0, 7, 255] })).data)).toEqual([0, 7, 255]);
    expect(Array.from((await roundTrip({ dtype: 'BOOL', shape: [3], data: [1, 0, 1] })).data)).toEqual([1, 0, 1]);
  });

  it('reads F64, I16, I8, U16, U32 and U64 written by other tools', async () => {
    const parts: [string, string, number[], (v: DataView, i: number, x: number) => void, number][] = [
      ['a', 'F64', [1.5, -2.25], (v, i, x) => v.setFloat64(i * 8, x, true), 8],
      ['b', 'I16', [-32768, 5], (v, i, x) => v.setInt16(i * 2, x, true), 2],
      ['c', 'I8', [-128, 127], (v, i, x) => v.setInt8(i, x), 1],
      ['d', 'U16', [65535, 3], (v, i, x) => v.setUint16(i * 2, x, true), 2],
      ['e', 'U32', [2147483647, 9], (v, i, x) => v.setUint32(i * 4, x, true), 4],
      ['f', 'U64', [2147483647, 0], (v, i, x) => v.setBigUint64(i * 8, BigInt(x), true), 8],
    ];
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let off = 0;
    for (const [name, dtype, vals, set, size] of parts) {
      const b = new Uint8Array(vals.length * size);
      vals.forEach((x, i) => set(new DataView(b.buffer), i, x));
      header[name] = { dtype, shape: [vals.length], data_offsets: [off, off + b.length] };
      chunks.push(b);
      off += b.length;
    }
    const data = new Uint8Array(off);
    let at = 0;
    for (const c of chunks) { data.set(c, at); at += c.length; }
    const f = await openSafetensors(await rawFile(header, data));
    for (const [name, , vals] of parts) expect(Array.from((await f.read(name)).data)).toEqual(vals);
    expect((await f.read('a')).data).toBeInstanceOf(Float32Array);
    await f.close();
  });

  it('writes __metadata__, 8-byte aligned data and space padding', async () => {
    const p = tmp();
    await writeSafetensors(p, { x: { dtype: 'F32', shape: [1], data: [1] } }, { metadata: { format: 'pt', note: 'hi' } });
    const bytes = await readFile(p);
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/^\{.*\} *$/.test(header)).toBe(true);
    const f = await openSafetensors(p);
    expect(f.metadata).toEqual({ format: 'pt', note: 'hi' });
    expect(f.names).toEqual(['x']);
    await f.close();
  });

  it('accepts lazy data, Maps, and keeps tensor order', async () => {
    const p = tmp();
    let called = 0;
    const tensors = new Map<string, TensorToWrite>([
      ['z', { dtype: 'F32', shape: [2], data: () => { called++; return new Float32Array([1, 2]); } }],
      ['a', { dtype: 'F16', shape: [1], data: async () => [3] }],
    ]);
    await writeSafetensors(p, tensors);
    expect(called).toBe(1);
    const f = await openSafetensors(p);
    expect(f.names).toEqual(['z', 'a']);
    expect(f.header('a')).toMatchObject({ dtype: 'F16', shape: [1], dataOffsets: [8, 10], byteLength: 2 });
    await f.close();
  });

  it('large tensors cross read and write chunk boundaries intact', async () => {
    const n = (3 << 20) + 17; // more than one 8 MB chunk of F32/BF16 data and more than one write chunk
    const data = Float32Array.from({ length: n }, (_, i) => (i % 255) - 127); // exact in bf16
    for (const dtype of ['F32', 'BF16'] as const) {
      const r = await roundTrip({ dtype, shape: [n], data });
      expect(r.data.length).toBe(n);
      expect(r.data[0]).toBe(-127);
      expect(r.data[n - 1]).toBe(data[n - 1]);
      expect(r.data[(2 << 20) + 5]).toBe(data[(2 << 20) + 5]);
    }
  });
});

describe('lazy reading and progress', () => {
  it('reads each tensor only when asked (a truncated tail only breaks the tensors in it)', async () => {
    const p = tmp();
    await writeSafetensors(p, {
      first: { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] },
      second: { dtype: 'F32', shape: [4], data: [5, 6, 7, 8] },
    });
    const f = await openSafetensors(p);
    await truncate(p, (await readFile(p)).length - 4); // after the header was validated
    expect(Array.from((await f.read('first')).data)).toEqual([1, 2, 3, 4]);
    const e = await failure(f.read('second'));
    expect(e.message).toMatch(/file ended/);
    expect(e.tensor).toBe('second');
    await f.close();
  });

  it('reports progress per tensor and across a checkpoint', async () => {
    const d = join(dir, `progress-${counter++}`);
    const big = new Float32Array(3 << 20);
    const events: Progress[] = [];
    await writeShardedSafetensors(d, {
      a: { dtype: 'F32', shape: [big.length], data: big },
      b: { dtype: 'BF16', shape: [big.length], data: big },
    }, { maxShardBytes: 13 << 20, onProgress: (p) => events.push(p) });
    const total = big.length * 6;
    expect(events.at(-1)).toMatchObject({ bytesDone: total, bytesTotal: total, tensor: 'b' });
    expect(events.every((e, i) => i === 0 || e.bytesDone >= events[i - 1].bytesDone)).toBe(true);

    const ckpt = await openCheckpoint(d);
    expect(ckpt.files.length).toBe(2);
    const seen: Progress[] = [];
    const names: string[] = [];
    for await (const [name, t] of ckpt.entries({ onProgress: (p) => seen.push(p) })) {
      names.push(name);
      expect(t.data.length).toBe(big.length);
    }
    expect(names).toEqual(['a', 'b']);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toMatchObject({ bytesDone: total, bytesTotal: total, tensor: 'b' });
    expect(seen.every((e, i) => i === 0 || e.bytesDone > seen[i - 1].bytesDone)).toBe(true);
    const single: Progress[] = [];
    await ckpt.read('a', { onProgress: (p) => single.push(p) });
    expect(single.at(-1)).toMatchObject({ bytesDone: big.length * 4, bytesTotal: big.length * 4 });
    await ckpt.close();
  });
});

describe('sharded checkpoints', () => {
  const tensors = (): Record<string, TensorToWrite> => ({
    'model.embed_tokens.weight': { dtype: 'BF16', shape: [8, 4], data: Float32Array.from({ length: 32 }, (_, i) => i) },
    'model.layers.0.mlp.up_proj.weight': { dtype: 'F32', shape: [4, 4], data: new Float32Array(16).fill(0.5) },
    'model.layers.1.mlp.up_proj.weight': { dtype: 'F16', shape: [4, 4], data: new Float32Array(16).fill(-2) },
    'model.norm.weight': { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] },
  });

  it('writes shards plus an index, and reads every tensor by name', async () => {
    const d = join(dir, `sharded-${counter++}`);
    const res = await writeShardedSafetensors(d, tensors(), { maxShardBytes: 70, metadata: { format: 'pt' } });
    expect(res.indexFile).toBe(INDEX_FILE);
    expect(res.files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    const index = JSON.parse(await readFile(join(d, INDEX_FILE), 'utf8'));
    expect(index.metadata.total_size).toBe(64 + 64 + 32 + 16);
    expect(Object.keys(index.weight_map)).toEqual(Object.keys(tensors()).sort());
    expect(index.weight_map['model.norm.weight']).toBe('model-00003-of-00003.safetensors');

    for (const path of [d, join(d, INDEX_FILE)]) {
      const ckpt = await openCheckpoint(path);
      expect([...ckpt.names].sort()).toEqual(Object.keys(tensors()).sort());
      expect(ckpt.totalBytes).toBe(176);
      expect(ckpt.metadata).toEqual({ total_size: 176, penjing_save_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(ckpt.header('model.norm.weight').file).toBe(join(d, 'model-00003-of-00003.safetensors'));
      expect(Array.from((await ckpt.read('model.embed_tokens.weight')).data)).toEqual(Array.from({ length: 32 }, (_, i) => i));
      expect(Array.from((await ckpt.read('model.layers.1.mlp.up_proj.weight')).data)).toEqual(new Array(16).fill(-2));
      expect(ckpt.warnings).toEqual([]);
      await ckpt.close();
    }
  });

  it('puts an oversized tensor in a shard of its own, and writes model.safetensors when one shard suffices', async () => {
    const d = join(dir, `sharded-${counter++}`);
    const res = await writeShardedSafetensors(d, tensors(), { maxShardBytes: 40 });
    expect(res.files.length).toBe(4);
    const one = join(dir, `single-${counter++}`);
    const single = await writeShardedSafetensors(one, tensors(), { maxShardBytes: 1e9 });
    expect(single).toEqual({ files: ['model.safetensors'], indexFile: undefined });
    expect((await readdir(one)).sort()).toEqual(['model.safetensors']);
    const ckpt = await openCheckpoint(one);
    expect(ckpt.names.length).toBe(4);
    await ckpt.close();
  });

  it('a missing shard is an error naming the index, the shard and a tensor', async () => {
    const d = join(dir, `sharded-${counter++}`);
    await writeShardedSafetensors(d, tensors(), { maxShardBytes: 70 });
    await rm(join(d, 'model-00002-of-00003.safetensors'));
    const e = await failure(openCheckpoint(d));
    expect(e.file).toBe(join(d, INDEX_FILE));
    expect(e.message).toMatch(/shard model-00002-of-00003\.safetensors .*does not exist/);
    expect(e.tensor).toBe('model.layers.0.mlp.up_proj.weight');
  });

  it('a tensor the index promises but its shard lacks is an error naming both', async () => {
    const d = join(dir, `sharded-${counter++}`);
    await writeShardedSafetensors(d, tensors(), { maxShardBytes: 70 });
    const index = JSON.parse(await readFile(join(d, INDEX_FILE), 'utf8'));
    index.weight_map['model.layers.2.mlp.up_proj.weight'] = 'model-00001-of-00003.safetensors';
    await writeFile(join(d, INDEX_FILE), JSON.stringify(index));
    const e = await failure(openCheckpoint(d));
    expect(e.tensor).toBe('model.layers.2.mlp.up_proj.weight');
    expect(e.message).toContain(INDEX_FILE);
    expect(e.message).toMatch(/model-00001-of-00003\.safetensors, but that shard has no such tensor/);
  });

  it('tensors in a shard that the index does not list are ignored with a warning', async () => {
    const d = join(dir, `sharded-${counter++}`);
    await writeShardedSafetensors(d, tensors(), { maxShardBytes: 70 });
    const index = JSON.parse(await readFile(join(d, INDEX_FILE), 'utf8'));
    delete index.weight_map['model.norm.weight'];
    await writeFile(join(d, INDEX_FILE), JSON.stringify(index));
    const ckpt = await openCheckpoint(d);
    expect(ckpt.has('model.norm.weight')).toBe(false);
    expect(ckpt.warnings[0]).toMatch(/model-00003-of-00003\.safetensors: 1 tensor\(s\) not listed .*"model\.norm\.weight"/);
    await ckpt.close();
  });

  it('rejects malformed indexes and ambiguous directories', async () => {
    const d = join(dir, `bad-index-${counter++}`);
    await mkdir(d);
    await writeFile(join(d, INDEX_FILE), '{"weight_map": ');
    expect((await failure(openCheckpoint(d))).message).toMatch(/index is not valid JSON/);
    await writeFile(join(d, INDEX_FILE), '{"metadata": {}}');
    expect((await failure(openCheckpoint(d))).message).toMatch(/no "weight_map" object/);
    await writeFile(join(d, INDEX_FILE), '{"weight_map": {"w": "../../etc/passwd"}}');
    const e = await failure(openCheckpoint(d));
    expect(e.tensor).toBe('w');
    expect(e.message).toMatch(/not a file name in this directory/);

    const two = join(dir, `two-${counter++}`);
    await mkdir(two);
    await writeSafetensors(join(two, 'a.safetensors'), {});
    await writeSafetensors(join(two, 'b.safetensors'), {});
    expect((await failure(openCheckpoint(two))).message).toMatch(/2 \.safetensors files \(a\.safetensors, b\.safetensors\) but no model\.safetensors\.index\.json/);
    const empty = join(dir, `empty-${counter++}`);
    await mkdir(empty);
    expect((await failure(openCheckpoint(empty))).message).toMatch(/no model\.safetensors\.index\.json, no model\.safetensors/);
    expect((await failure(openCheckpoint(join(dir, 'nope')))).message).toMatch(/no such file or directory/);
  });
});

describe('malformed files: every error names the file, the tensor, and what is wrong', () => {
  const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });

  it('file too short, header length past the end or over 100 MB', async () => {
    const short = tmp('short');
    await writeFile(short, new Uint8Array([1, 2, 3]));
    let e = await failure(openSafetensors(short));
    expect(e.file).toBe(short);
    expect(e.message).toMatch(/3 bytes, too short/);

    e = await failure(openSafetensors(await rawFile({}, undefined, 1000n)));
    expect(e.message).toMatch(/header length 1000 runs past the end of the 10-byte file/);

    e = await failure(openSafetensors(await rawFile({}, undefined, BigInt(MAX_HEADER_BYTES) + 1n)));
    expect(e.message).toMatch(/exceeds the 100 MB limit/);
    e = await failure(openSafetensors(await rawFile({}, undefined, 2n ** 64n - 1n)));
    expect(e.message).toMatch(/exceeds the 100 MB limit/);
  });

  it('header that is not JSON, not UTF-8, not an object', async () => {
    let e = await failure(openSafetensors(await rawFile('{"a": {"dtype": ')));
    expect(e.message).toMatch(/header is not valid JSON/);
    e = await failure(openSafetensors(await rawFile('[1, 2]')));
    expect(e.message).toMatch(/does not start with "\{"/);
    const bad = await rawFile('{"\u00e9":1}');
    const bytes = await readFile(bad);
    bytes[10] = 0xff; // break the UTF-8 sequence
    await writeFile(bad, bytes);
    e = await failure(openSafetensors(bad));
    expect(e.message).toMatch(/not valid UTF-8/);
  });

  it('entries missing dtype, shape or data_offsets', async () => {
    for (const key of ['dtype', 'shape', 'data_offsets']) {
      const entry: Record<string, unknown> = f32([1], [0, 4]);
      delete entry[key];
      const p = await rawFile({ 'layer.w': entry }, new Uint8Array(4));
      const e = await failure(openSafetensors(p));
      expect(e.file).toBe(p);
      expect(e.tensor).toBe('layer.w');
      expect(e.message).toContain(`${p}, tensor "layer.w": header entry has no "${key}"`);
    }
    const e = await failure(openSafetensors(await rawFile({ w: 5 })));
    expect(e.message).toMatch(/tensor "w": header entry is not an object/);
  });

  it('unknown and unsupported dtypes', async () => {
    let e = await failure(openSafetensors(await rawFile({ w: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))));
    expect(e.tensor).toBe('w');
    expect(e.message).toMatch(/unknown dtype "Q7"; expected one of F64, F32, BF16, F16/);
    e = await failure(openSafetensors(await rawFile({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))));
    expect(e.message).toMatch(/dtype F8_E4M3 is valid safetensors but Penjing cannot convert it/);
  });

  it('bad shapes and offsets', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ w: f32([2, 2], [0, 12]) }, 12, /shape \[2, 2\] of F32 needs 16 bytes but data_offsets \[0, 12\] hold 12/],
      [{ w: f32([-1], [0, 4]) }, 4, /shape \[-1\] is not a list of non-negative integers/],
      [{ w: f32([1.5], [0, 4]) }, 4, /shape \[1.5\] is not a list/],
      [{ w: f32([2 ** 40, 2 ** 40], [0, 4]) }, 4, /needs .* bytes but data_offsets/],
      [{ w: f32([1], [0, 4, 8]) }, 4, /data_offsets \[0,4,8\] is not a pair/],
      [{ w: f32([1], [8, 4]) }, 8, /end before they begin/],
      [{ w: f32([1], [4, 8]) }, 4, /data_offsets \[4, 8\] run past the 4-byte data region/],
      [{ a: f32([2], [0, 8]), w: f32([1], [4, 8]) }, 8, /data_offsets \[4, 8\] overlap tensor "a" ending at 8/],
      [{ a: f32([1], [0, 4]), w: f32([1], [8, 12]) }, 12, /data_offsets \[8, 12\] leave bytes 4\.\.8 of the data region unused/],
      [{ w: f32([1], [0, 4]) }, 9, /the tensors cover 4 bytes but the data region after the header is 9 bytes/],
    ];
    for (const [header, bytes, pattern] of cases) {
      const p = await rawFile(header, new Uint8Array(bytes));
      const e = await failure(openSafetensors(p));
      expect(e.message).toMatch(pattern);
      expect(e.file).toBe(p);
      if (!/cover/.test(pattern.source)) expect(e.tensor).toBe('w');
      expect(e.message.startsWith(p)).toBe(true);
    }
  });

  it('non-string metadata', async () => {
    const e = await failure(openSafetensors(await rawFile({ __metadata__: { step: 5 } })));
    expect(e.message).toMatch(/"__metadata__" entry "step" is 5, not a string/);
  });

  it('unknown names, reads after close, missing files', async () => {
    const p = tmp();
    await writeSafetensors(p, { 'model.layers.0.self_attn.q_proj.weight': { dtype: 'F32', shape: [1], data: [1] } });
    const f = await openSafetensors(p);
    expect(() => f.header('language_model.model.layers.0.self_attn.q_proj.weight')).toThrow(
      /no such tensor in this file\. Did you mean "model\.layers\.0\.self_attn\.q_proj\.weight"\?/);
    await f.close();
    const e = await failure(f.read('model.layers.0.self_attn.q_proj.weight'));
    expect(e.message).toMatch(/already closed/);
    expect((await failure(openSafetensors(join(dir, 'missing.safetensors')))).message).toMatch(/file does not exist/);
  });

  it('integers that do not fit in int32', async () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigInt64(8, 2n ** 40n, true);
    const f = await openSafetensors(await rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, b));
    const e = await failure(f.read('ids'));
    expect(e.tensor).toBe('ids');
    expect(e.message).toMatch(/element 1 of this I64 tensor does not fit in int32/);
    await f.close();
  });

  it('writer errors name the file and tensor', async () => {
    const p = tmp('w');
    let e = await failure(writeSafetensors(p, { w: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } }));
    expect(e.message).toBe(`${p}, tensor "w": shape [2, 2] has 4 elements but the data has 3. Pass data with exactly one value per element, in row-major order.`);
    e = await failure(writeSafetensors(p, { w: { dtype: 'U8', shape: [2], data: [1, 256] } }));
    expect(e.message).toMatch(/element 1 \(256\) cannot be stored as U8/);
    e = await failure(writeSafetensors(p, { w: { dtype: 'Q4' as 'F32', shape: [1], data: [1] } }));
    expect(e.message).toMatch(/cannot write dtype "Q4"/);
    e = await failure(writeSafetensors(p, { __metadata__: { dtype: 'F32', shape: [1], data: [1] } }));
    expect(e.message).toMatch(/reserved or empty/);
    // A failed write leaves neither the target nor a partial file behind.
    expect((await readdir(dir)).filter((n) => n.startsWith('w-'))).toEqual([]);
  });
});

describe('fuzzing: garbage either parses or throws SafetensorsError, never crashes or hangs', () => {
  /** Opening and reading everything must succeed or fail with SafetensorsError only. */
  async function survives(bytes: Uint8Array): Promise<void> {
    const p = join(dir, 'fuzz.safetensors');
    await writeFile(p, bytes);
    try {
      const f = await openSafetensors(p);
      try {
        for (const n of f.names) await f.read(n);
      } finally {
        await f.close();
      }
    } catch (e) {
      if (!(e instanceof SafetensorsError)) throw e;
    }
  }

  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), survives), { numRuns: 300 });
  });

  it('random bytes behind a plausible length prefix', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), fc.nat(100), async (body, n) => {
      const b = new Uint8Array(8 + body.length);
      new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
      b.set(body, 8);
      await survives(b);
    }), { numRuns: 300 });
  });

  it('random headers with random entries', async () => {
    const dtype = fc.constantFrom('F32', 'BF16', 'F16', 'I64', 'U32', 'BOOL', 'F8_E5M2', 'X', 7, null);
    const entry = fc.record({
      dtype,
      shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 5 }), { maxLength: 3 }), fc.constant('x')),
      data_offsets: fc.oneof(fc.tuple(fc.nat(40), fc.nat(40)), fc.array(fc.nat(40), { maxLength: 3 })),
    }, { requiredKeys: [] });
    const header = fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(entry, fc.anything()), { maxKeys: 4 });
    await fc.assert(fc.asyncProperty(header, fc.uint8Array({ maxLength: 48 }), async (h, data) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const b = new Uint8Array(8 + json.length + data.length);
      new DataView(b.buffer).setBigUint64(0, BigInt(json.length), true);
      b.set(json, 8);
      b.set(data, 8 + json.length);
      await survives(b);
    }), { numRuns: 400 });
  });

  it('mutations of a valid file (flips, truncations, insertions)', async () => {
    const p = join(dir, 'valid-for-fuzz.safetensors');
    await writeSafetensors(p, {
      a: { dtype: 'BF16', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
      b: { dtype: 'I64', shape: [2], data: [-1, 7] },
      c: { dtype: 'F16', shape: [], data: [0.5] },
    }, { metadata: { format: 'pt' } });
    const valid = new Uint8Array(await readFile(p));
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(valid.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(valid.length - 1), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(valid.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
      let b = valid.slice();
      for (const m of muts) {
        const at = Math.min(m.at, b.length);
        if (m.kind === 'flip' && at < b.length) b[at] = m.value;
        else if (m.kind === 'truncate') b = b.slice(0, at);
        else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), m.value, ...b.subarray(at)]);
      }
      await survives(b);
    }), { numRuns: 400 });
  });
});

describe('the committed Gemma fixtures', () => {
  it('every fixture checkpoint opens and its tensors read', async () => {
    const cases = await fixtureCases();
    expect(cases).toContain('gemma3_bf16_sharded');
    for (const c of cases) {
      const ckpt = await openCheckpoint(join(FIXTURES, c));
      expect(ckpt.names.length).toBeGreaterThan(5);
      for await (const [name, t] of ckpt.entries()) {
        expect(t.data.length, name).toBe(t.shape.reduce((a, b) => a * b, 1));
        expect(t.data.every((x) => Number.isFinite(x)), name).toBe(true);
      }
      await ckpt.close();
    }
  });

  it('the two multimodal fixtures hold the same weights under both prefixes (and a tied lm_head)', async () => {
    const a = await openCheckpoint(join(FIXTURES, 'gemma3_multimodal_wrapper'));
    const b = await openCheckpoint(join(FIXTURES, 'gemma3_multimodal_resaved'));
    const e1 = await a.read('language_model.model.embed_tokens.weight');
    expect(e1.dtype).toBe('BF16');
    expect(Array.from((await b.read('model.language_model.embed_tokens.weight')).data)).toEqual(Array.from(e1.data));
    expect(Array.from((await b.read('lm_head.weight')).data)).toEqual(Array.from(e1.data));
    expect(a.has('vision_tower.vision_model.embeddings.patch_embedding.bias')).toBe(true);
    await a.close();
    await b.close();
  });

  it('the sharded BF16 fixture spans three shards through its index', async () => {
    const ckpt = await openCheckpoint(join(FIXTURES, 'gemma3_bf16_sharded'));
    expect(ckpt.files.length).toBe(3);
    expect(ckpt.header('model.embed_tokens.weight')).toMatchObject({ dtype: 'BF16', shape: [64, 32] });
    expect(ckpt.metadata.total_size).toBe(ckpt.totalBytes);
    await ckpt.close();
  });
});
