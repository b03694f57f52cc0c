// Loading from anywhere (issue 17): the same checkpoint read from disk, from bytes, from a Blob
// and over HTTP — with Range requests, and from a server that ignores Range — gives the same
// tensors; a sharded checkpoint loads from a base URL; missing files are named.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobSource, bytesSource, openPretrained, openSafetensorsSource, urlSource, type SafetensorsCheckpoint } from '@penjing/io';
import { openCheckpoint, writeSafetensors, writeShardedSafetensors } from '@penjing/io/node';

const tmp = mkdtempSync(join(tmpdir(), 'penjing-sources-'));
const tensors = {
  a: { dtype: 'F32' as const, shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => i / 7 - 1) },
  b: { dtype: 'BF16' as const, shape: [4], data: new Float32Array([1, -2, 0.5, 3]) },
  c: { dtype: 'I32' as const, shape: [2], data: new Int32Array([7, -9]) },
};
const ranges: string[] = [];
let server: Server;
let origin: string;

beforeAll(async () => {
  await writeSafetensors(join(tmp, 'single', 'model.safetensors'), tensors);
  await writeShardedSafetensors(join(tmp, 'sharded'), tensors, { maxShardBytes: 64, extraFiles: { 'config.json': '{"model_type":"toy"}' } });
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const [mode, ...rest] = url.pathname.slice(1).split('/');
    let body: Buffer;
    try {
      body = readFileSync(join(tmp, ...rest));
    } catch {
      return void res.writeHead(404).end();
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (mode === 'ranges' && range) {
      const [from, to] = [Number(range[1]), Math.min(Number(range[2]), body.byteLength - 1)];
      ranges.push(`${rest.join('/')} ${from}-${to}`);
      return void res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${body.byteLength}` }).end(body.subarray(from, to + 1));
    }
    res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

async function contents(ckpt: SafetensorsCheckpoint): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for await (const [name, t] of ckpt.entries()) out[name] = [...t.shape, ...Array.from(t.data)];
  await ckpt.close();
  return out;
}

describe('reading a checkpoint from anywhere', () => {
  it('disk, bytes, Blob, URL with Range and URL without Range give the same tensors', async () => {
    const want = await contents(await openCheckpoint(join(tmp, 'single')));
    expect(want.b).toEqual([4, 1, -2, 0.5, 3]);
    const bytes = readFileSync(join(tmp, 'single', 'model.safetensors'));
    expect(await contents((await openPretrained(new Uint8Array(bytes))).checkpoint)).toEqual(want);
    expect(await contents((await openPretrained(new Blob([bytes]))).checkpoint)).toEqual(want);
    ranges.length = 0;
    expect(await contents((await openPretrained(`${origin}/ranges/single/`)).checkpoint)).toEqual(want);
    // Header (2 reads) then one read per tensor: never the whole file in one response.
    expect(ranges.length).toBe(2 + 3);
    expect(await contents((await openPretrained(`${origin}/plain/single/model.safetensors`)).checkpoint)).toEqual(want);
  });

  it('a sharded checkpoint and its config.json load from a base URL', async () => {
    expect(readdirSync(join(tmp, 'sharded')).filter((f) => f.endsWith('.safetensors')).length).toBeGreaterThan(1);
    const opened = await openPretrained(`${origin}/ranges/sharded`);
    expect(opened.config?.json).toEqual({ model_type: 'toy' });
    expect(opened.checkpoint.files.length).toBeGreaterThan(1);
    expect(await contents(opened.checkpoint)).toEqual(await contents(await openCheckpoint(join(tmp, 'sharded'))));
  });

  it('byte sources refuse reads past the end and missing URLs, naming the file', async () => {
    await expect(bytesSource(new Uint8Array(4), 'x.safetensors').read(2, 3)).rejects.toThrow(/x\.safetensors: file ended after 4 bytes/);
    await expect(blobSource(new Blob([new Uint8Array(4)]), 'y').read(0, 5)).rejects.toThrow(/y: file ended/);
    await expect(urlSource(`${origin}/ranges/nope.safetensors`)).rejects.toThrow(/nope\.safetensors: the server answered 404.*Check the URL/);
    await expect(openPretrained(`${origin}/ranges/empty/`)).rejects.toThrow(/\/ranges\/empty\/: has no model\.safetensors, no model\.safetensors\.index\.json/);
    await expect(openSafetensorsSource(bytesSource(new Uint8Array(3)))).rejects.toThrow(/model\.safetensors/);
  });
});
