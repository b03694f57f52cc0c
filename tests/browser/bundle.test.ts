// Issue 17: every package bundles for the browser with plain esbuild from its public names (no
// aliases, no shims), and the bundled packages run the tiny Gemma checkpoint in headless
// Chromium — loaded from a URL (Range requests) and from bytes — on wasm and webgl, giving
// Node's logits; the minified bundle still shows the class names in the viewer and formatTree.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { REPO_ROOT, openHtml, rangeRequests, serve, useBrowser, type OpenedPage } from './harness.js';

const PACKAGES = ['named-array', 'layers', 'io', 'transformer', 'interp', 'gemma', 'viewer'];
const TINY = join(REPO_ROOT, 'examples/tiny-gemma');
const IDS = [2, 10, 20, 30, 40, 10, 20, 30, 40, 11];
const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

/** esbuild for the browser from the repository root: the packages resolve through node_modules by their public names. */
function bundle(contents: string, minify: boolean) {
  return build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true, platform: 'browser', format: 'esm', minify, write: false, logLevel: 'silent', target: 'es2022',
  });
}

const browser = useBrowser();
let page: OpenedPage;
let nodeLogits: number[];

beforeAll(async () => {
  await nx.ready();
  const model = await GemmaTransformer.fromPretrained(TINY, { progress: false });
  const tokens = nx.wrap(tf.tensor2d(IDS, [1, IDS.length], 'int32')).tag('batch', 'seq');
  const logits = model.call(tokens);
  nodeLogits = Array.from(await logits.unwrap('batch', 'seq', 'vocabulary').data());
  tokens.dispose();
  logits.dispose();
  disposeTree(model);

  const page_ = await bundle(readFileSync(join(REPO_ROOT, 'tests/browser/pages/model-page.ts'), 'utf8'), true);
  // The wasm files sit next to the bundle, so nx.ready() finds them with no configuration.
  await serve('/app/model-page.js', page_.outputFiles[0]!.contents);
  await serve('/bare/model-page.js', page_.outputFiles[0]!.contents);
  for (const f of ['config.json', 'model.safetensors']) await serve(`/tiny/${f}`, readFileSync(join(TINY, f)));
  for (const f of readdirSync(WASM_DIR).filter((n) => n.endsWith('.wasm'))) await serve(`/app/${f}`, readFileSync(join(WASM_DIR, f)));
  page = await openPage('/app/model-page.js');
});

async function openPage(script: string): Promise<OpenedPage> {
  const p = await openHtml(browser(), `<!doctype html><meta charset="utf-8"><body><script type="module" src="${script}"></script></body>`);
  await p.page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
  return p;
}

const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('browser bundles (esbuild, public names, no aliases)', () => {
  it('every package bundles for the browser on its own, with no errors', async () => {
    // One esbuild run, one entry per package (`export * from '@penjing/<name>'`).
    const dir = join(REPO_ROOT, 'out/browser/entries');
    mkdirSync(dir, { recursive: true });
    const entryPoints = PACKAGES.map((p) => {
      const file = join(dir, `${p}.js`);
      writeFileSync(file, `export * from '@penjing/${p}';\n`);
      return file;
    });
    const out = await build({
      entryPoints, outdir: join(dir, 'out'), bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
    }).catch((e: { errors: { text: string }[] }) => e);
    expect(out.errors.map((e) => e.text)).toEqual([]);
  });

  it('wasm: a checkpoint from a URL (Range reads) and from bytes gives Node\'s logits; class names survive minification', async () => {
    // No wasmPaths: the files are found beside the bundle (import.meta.url).
    expect(await page.page.evaluate(() => (window as any).penjing.ready('wasm'))).toBe('wasm');
    rangeRequests.length = 0;
    const r = await page.page.evaluate((ids) => (window as any).penjing.fromUrl('/tiny/', ids), IDS);
    expect(r.logits.length).toBe(nodeLogits.length);
    expect(maxDiff(r.logits, nodeLogits)).toBeLessThan(1e-4);
    expect(maxDiff(r.lmLogits, nodeLogits)).toBeLessThan(1e-4);
    // Tensors were read by byte range, not the whole shard at once.
    expect(rangeRequests.filter((q) => q.startsWith('/tiny/model.safetensors')).length).toBeGreaterThan(3);
    const fromBytes = await page.page.evaluate((ids) => (window as any).penjing.fromBytes('/tiny/', ids), IDS);
    expect(maxDiff(fromBytes, nodeLogits)).toBeLessThan(1e-4);
    // Minified: the constructor's own name is mangled, the struct name is not.
    expect(r.className).not.toBe('GemmaTransformer');
    expect(r.text).toMatch(/^GemmaTransformer\b/);
    expect(r.formatted).toMatch(/^GemmaTransformer\b/);
    expect(page.errors).toEqual([]);
    expect(page.externalRequests()).toEqual([]);
  });

  it('webgl (SwiftShader): the same logits', async () => {
    expect(await page.page.evaluate(() => (window as any).penjing.ready('webgl'))).toBe('webgl');
    const r = await page.page.evaluate((ids) => (window as any).penjing.fromUrl('/tiny/', ids), IDS);
    expect(maxDiff(r.logits, nodeLogits)).toBeLessThan(2e-3);
    expect(page.errors).toEqual([]);
  });

  it('nx.ready() without the wasm files refuses to fall back to cpu silently and says what to do', async () => {
    const bare = await openPage('/bare/model-page.js');
    const msg = await bare.page.evaluate(() => (window as any).penjing.ready('wasm').then(String, (e: Error) => e.message));
    expect(msg).toMatch(/could not start the wasm backend/);
    expect(msg).toContain(`${bare.origin}/bare/`);
    expect(msg).toMatch(/wasmPaths/);
    expect(msg).toMatch(/tfjs-backend-wasm-simd\.wasm/);
    expect(await bare.page.evaluate(() => (window as any).penjing.backend())).not.toBe('cpu');
    await bare.close();
  });

  it('a URL with no checkpoint fails naming the URL', async () => {
    const msg = await page.page.evaluate(() => (window as any).penjing.headerOnly('/nothing/').then(String, (e: Error) => e.message));
    expect(msg).toMatch(/\/nothing\/.*model\.safetensors|\/nothing\//);
    expect(await page.page.evaluate(() => (window as any).penjing.headerOnly('/tiny/'))).toBeGreaterThan(10);
  });
});
