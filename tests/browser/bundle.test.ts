// Issue 17: every package bundles for the browser with plain esbuild from its public names (no
// aliases, no shims), and the bundled packages run the tiny Gemma checkpoint in headless
// Chromium — loaded from a URL (Range requests), from bytes and from File objects — on wasm and webgl, giving
// Node's logits; the minified bundle still shows the class names in the viewer and formatTree.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { knockOutHeads, tokenLosses } from '@penjing/interp';
import { REPO_ROOT, openHtml, rangeRequests, serve, useBrowser, type OpenedPage } from './harness.js';

const PACKAGES = ['named-array', 'layers', 'io', 'transformer', 'interp', 'gemma', 'jit', 'viewer'];
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
    const fromFiles = await page.page.evaluate((ids) => (window as any).penjing.fromFiles('/tiny/', ids), IDS);
    expect(maxDiff(fromFiles, nodeLogits)).toBeLessThan(1e-4);
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

describe('the circuit lab (npm run lab)', () => {
  it('type a prompt, click a head: the displayed loss becomes the loss of the same knockout in Node', async () => {
    // @ts-expect-error a plain .mjs script without types
    const { serveLab } = await import('../../scripts/lab.mjs');
    const lab = (await serveLab(0)) as { url: string; close(): Promise<void> };
    const context = await browser().newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} ${m.location().url}`));
      await page.goto(lab.url);
      await page.waitForFunction(() => Number(document.getElementById('lab')!.dataset.runs) >= 1, undefined, { timeout: 30_000 });
      const prompt = 'bakomitu fesolanu bakomitu fesolanu';
      const ids = [2, 4, 27, 36, 63, 15, 57, 29, 43, 4, 27, 36, 63, 15, 57, 29, 43];
      await page.fill('#prompt', prompt);
      const runs = async () => Number(await page.getAttribute('#lab', 'data-runs'));
      const before = await runs();
      await page.waitForFunction((n) => Number(document.getElementById('lab')!.dataset.runs) > n, before);
      const clean = Number(await page.getAttribute('#loss', 'data-value'));
      expect(await page.locator('#losses .tok').count()).toBe(ids.length - 1);
      expect(await page.locator('canvas.head').count()).toBe(8);
      const t0 = await runs();
      const started = Date.now();
      await page.click('canvas.head[data-block="1"][data-head="0"]');
      await page.waitForFunction((n) => Number(document.getElementById('lab')!.dataset.runs) > n, t0);
      const updateMs = Date.now() - started;
      const knocked = Number(await page.getAttribute('#loss', 'data-value'));
      // The tree beside it is the viewer's component (mount), showing the inserted knock-out layer.
      await page.waitForSelector('#tree pj-view[data-ready]');
      const tree = (await page.locator('#tree pj-view .ln').allInnerTexts()).join('\n');
      expect(tree).toMatch(/GemmaTransformer/);

      // The same in Node, with the same public functions.
      const model = await GemmaTransformer.fromPretrained(TINY, { progress: false });
      const tokens = nx.wrap(tf.tensor2d(ids, [1, ids.length], 'int32')).tag('batch', 'seq');
      const mean = async (m: typeof model) => {
        const l = tokenLosses(m, tokens);
        const v = (await l.data.data()) as Float32Array;
        l.dispose();
        return v.reduce((a, b) => a + b, 0) / v.length;
      };
      const ablated = knockOutHeads(model, [{ block: 1, head: 0 }]);
      const [nodeClean, nodeKnocked] = [await mean(model), await mean(ablated)];
      disposeTree(ablated, { except: [model] });
      disposeTree(model);
      tokens.dispose();
      expect(Math.abs(clean - nodeClean)).toBeLessThan(1e-4);
      expect(Math.abs(knocked - nodeKnocked)).toBeLessThan(1e-4);
      expect(Math.abs(knocked - clean)).toBeGreaterThan(1e-3);
      console.log(`lab: loss ${clean.toFixed(4)} → ${knocked.toFixed(4)} after knocking out head 1.0; click-to-update ${updateMs} ms`);
      // A checkpoint picked from disk (here the same files) replaces the model and resets the knock-outs.
      const t1 = await runs();
      await page.setInputFiles('#pick', TINY);
      await page.waitForFunction((n) => Number(document.getElementById('lab')!.dataset.runs) > n, t1, { timeout: 30_000 });
      expect(Math.abs(Number(await page.getAttribute('#loss', 'data-value')) - nodeClean)).toBeLessThan(1e-4);
      expect(await page.locator('canvas.head.off').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await lab.close();
    }
  });
});
