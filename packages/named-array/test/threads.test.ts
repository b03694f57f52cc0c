// wasm threads in Node and Deno: each configuration runs in its own process (threads are
// fixed when wasm first starts), from a bundle of the package's source. Evidence that more
// than one thread computes comes from the kernel's per-thread CPU accounting (/proc), not
// from timings; results must be bit-identical to one thread; every child must exit on its
// own (the workers never keep a process alive).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleChild } from '../../../tests/support/bundle-child.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let bundle = '';
const deno = join(root, 'node_modules', 'deno', 'deno');

interface ChildResult {
  backend: string;
  threads: number;
  stats: { workersCreated: number; pthreadsStarted: number };
  mainTicks: number;
  otherTicks: number;
  hash: number;
  first: number[];
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ result: ChildResult; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(cmd, args, {
    cwd: root,
    // PENJING_WASM_THREADS would override the default under test.
    env: { ...process.env, PENJING_WASM_THREADS: '', NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env },
    timeout: 90_000, // a child kept alive by its workers fails here
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split('\n').pop()!;
  return { result: JSON.parse(line) as ChildResult, stderr };
}
const node = (arg: string, extra: string[] = []) => run(process.execPath, [...extra, bundle, arg]);

beforeAll(async () => {
  bundle = await bundleChild(fileURLToPath(new URL('./fixtures/threads-child.ts', import.meta.url)));
});

describe('wasm threads', () => {
  // The thread-count evidence needs a second core to run on.
  const multiCore = cpus().length >= 2;

  it.runIf(multiCore)('Node: 2 threads really compute, bit-identical to 1 thread, and the process exits by itself', async () => {
    const one = (await node('1')).result;
    const two = (await node('2')).result;
    expect(one).toMatchObject({ backend: 'wasm', threads: 1, stats: { workersCreated: 0, pthreadsStarted: 0 } });
    expect(two).toMatchObject({ backend: 'wasm', threads: 2, stats: { workersCreated: 8, pthreadsStarted: 1 } });
    // One thread: (almost) all CPU time on the main thread. Two: the pool thread does a share.
    expect(one.otherTicks / (one.mainTicks + one.otherTicks)).toBeLessThan(0.15);
    expect(two.otherTicks / (two.mainTicks + two.otherTicks)).toBeGreaterThan(0.25);
    expect(two.hash).toBe(one.hash);
    expect(two.first).toEqual(one.first);
  });

  it('Node: threads are on by default (every core, at most 8)', async () => {
    const { result } = await node('default');
    expect(result.threads).toBe(Math.min(8, cpus().length));
  });

  it('Node: when workers cannot start, a warning and the single-threaded binary, same results', async () => {
    const breakWorkers =
      "data:text/javascript,process.getBuiltinModule('node:worker_threads').Worker = class { constructor() { throw new Error('no workers in this test') } };";
    const { result, stderr } = await node('2', ['--import', breakWorkers]);
    expect(stderr).toMatch(/penjing: wasm threads could not start \(.*no workers in this test\); using the single-threaded wasm binary/);
    expect(result).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(result.hash).toBe((await node('1')).result.hash);
  });

  it.runIf(multiCore && existsSync(deno))('Deno: 2 threads compute, bit-identical to Node, and the process exits by itself', async () => {
    const { result } = await run(deno, ['run', '-A', '--cached-only', bundle, '2']);
    expect(result).toMatchObject({ backend: 'wasm', threads: 2, stats: { pthreadsStarted: 1 } });
    expect(result.otherTicks / (result.mainTicks + result.otherTicks)).toBeGreaterThan(0.25);
    expect(result.hash).toBe((await node('1')).result.hash);
  });
});
