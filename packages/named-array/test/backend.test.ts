// Backend selection: wasm by default in Node, a warned fallback to cpu, and a browser bundle
// of the package that starts the wasm backend in Chromium (nothing Node-only is imported).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { build } from 'esbuild';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as nx from '@penjing/named-array';
import { closeServer, launchBrowser, openHtml, serve, type Browser } from '../../../tests/browser/harness.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('nx.ready()', () => {
  afterEach(async () => {
    vi.restoreAllMocks();
    await nx.ready(); // leave the default backend for the next test
  });

  it('gives the wasm backend in Node', async () => {
    expect(await nx.ready()).toBe('wasm');
    expect(nx.backendName()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('falls back to cpu with a warning naming the backend, the reason and what is registered', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await nx.ready({ backend: 'no-such-backend' })).toBe('cpu');
    expect(warn).toHaveBeenCalledTimes(1);
    const msg = String(warn.mock.calls[0][0]);
    expect(msg).toMatch(/'no-such-backend' tensor backend could not start \(Backend name 'no-such-backend' not found in registry\); falling back to 'cpu'/);
    expect(msg).toMatch(/Registered backends: .*wasm/);
    // Computation still works after the fallback.
    expect(nx.fromArray([1, 2], ['a']).sum('a').item()).toBe(3);
  });

  it('quiet: true silences the fallback warning; a later ready() returns to wasm', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await nx.ready({ backend: 'missing', quiet: true })).toBe('cpu');
    expect(warn).not.toHaveBeenCalled();
    expect(await nx.ready()).toBe('wasm');
  });

  it('notices a backend switched behind its back', async () => {
    await nx.ready();
    await tf.setBackend('cpu');
    expect(await nx.ready()).toBe('wasm');
  });

  it('cpu can be chosen explicitly, and results agree with wasm', async () => {
    const run = () => {
      const x = nx.fromArray([[1, 2, 3], [4, 5, 6]], ['a', 'b']);
      const y = nx.contract(['b'], x, x.softmax('a'));
      const v = y.arraySync('a') as number[];
      tf.dispose([x.data, y.data]);
      return v;
    };
    const onWasm = run();
    expect(await nx.ready({ backend: 'cpu' })).toBe('cpu');
    run().forEach((v, i) => expect(v).toBeCloseTo(onWasm[i], 5));
  });
});

describe('in a browser', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await closeServer();
  });

  it('the package bundles for the browser without Node built-ins and runs on wasm in Chromium', async () => {
    const entry = join(here, '../src/index.ts');
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    expect(out.errors).toEqual([]);
    const inputs = Object.keys(out.metafile!.inputs);
    expect(inputs.filter((p) => /^(node:|fs$|path$|os$|worker_threads|crypto$)/.test(p))).toEqual([]);
    const bundle = out.outputFiles[0].text;
    const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      await serve(`/wasm/${f}`, readFileSync(join(wasmDir, 'dist', f)), 'application/wasm');
    }
    await serve('/nx.js', bundle, 'text/javascript');
    browser = await launchBrowser();
    const page = await openHtml(
      browser,
      `<!doctype html><meta charset="utf-8"><script type="module">
        import * as nx from '/nx.js';
        const backend = await nx.ready({ wasmPaths: '/wasm/' });
        const q = nx.fromArray([[1, 0], [0, 1]], ['seq', 'projection']);
        const k = nx.fromArray([[1, 0], [0, 1], [1, 1]], ['kv_seq', 'projection']);
        const p = nx.contract(['projection'], q, k).softmax('kv_seq');
        window.result = { backend, probs: p.arraySync('seq', 'kv_seq') };
      </script>`,
    );
    await page.page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 30_000 });
    const result = (await page.page.evaluate(() => (window as unknown as { result: unknown }).result)) as { backend: string; probs: number[][] };
    expect(result.backend).toBe('wasm');
    const e = Math.E;
    const z = 2 * e + 1;
    [[e / z, 1 / z, e / z], [1 / z, e / z, e / z]].forEach((row, i) => row.forEach((v, j) => expect(result.probs[i][j]).toBeCloseTo(v, 5)));
    expect(page.errors).toEqual([]);
    expect(page.externalRequests()).toEqual([]);
    await page.close();
  });
});
