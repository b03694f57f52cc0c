// Issue 12: @penjing/jit in headless Chromium on onnxruntime-web — wasm, and WebGPU where
// Chromium offers an adapter (--enable-unsafe-webgpu: SwiftShader's Vulkan). The page bundles the
// packages with plain esbuild (no Node built-ins stubbed), serves ORT Web's files from
// node_modules (env.wasm.wasmPaths) and loads the tiny Gemma by URL; the weights reach ORT from
// memory. jit logits must equal eager tfjs in the same page, jit generation eager greedy tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { penjingSources } from '../support/bundle-child.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, REPO_ROOT, closeServer, openHtml, serve, type OpenedPage } from './harness.js';

const TINY = join(REPO_ROOT, 'examples/tiny-gemma');
const ORT_DIST = join(REPO_ROOT, 'node_modules/onnxruntime-web/dist');
const TFJS_WASM = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const IDS = [[2, 10, 20, 30, 40, 10, 20, 30], [2, 11, 12, 13, 0, 0, 0, 0]];
const PROMPTS = [[2, 10, 20, 30, 40, 10], [2, 11]];

let wasmBrowser: Browser;
let webgpuBrowser: Browser;

beforeAll(async () => {
  const out = await build({
    entryPoints: [join(REPO_ROOT, 'tests/browser/pages/jit-page.ts')], bundle: true, platform: 'browser', format: 'esm',
    write: false, logLevel: 'silent', target: 'es2022', plugins: [penjingSources],
  });
  await serve('/app/jit-page.js', out.outputFiles[0]!.contents);
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) await serve(`/app/${f}`, readFileSync(join(TFJS_WASM, f)));
  // The default onnxruntime-web build (ort.bundle.min.mjs) runs the JSEP wasm: wasm and WebGPU in one.
  for (const f of ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs']) await serve(`/ort/${f}`, readFileSync(join(ORT_DIST, f)));
  for (const f of ['config.json', 'model.safetensors']) await serve(`/tiny/${f}`, readFileSync(join(TINY, f)));
  wasmBrowser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000, args: CHROMIUM_ARGS });
  // WebGPU without a GPU: Chromium offers its SwiftShader adapter only with --enable-unsafe-webgpu.
  webgpuBrowser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] });
});

afterAll(async () => {
  await wasmBrowser?.close();
  await webgpuBrowser?.close();
  await closeServer();
});

async function openPage(on: Browser, providers?: string[]): Promise<{ page: OpenedPage; adapter: boolean; fallback: boolean }> {
  const page = await openHtml(on, '<!doctype html><meta charset="utf-8"><body><script type="module" src="/app/jit-page.js"></script></body>');
  await page.page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
  const { adapter, info } = await page.page.evaluate((p) => (window as any).penjing.setup(p), providers);
  return { page, adapter, fallback: info?.fallback === true };
}

/** Largest |a − b| / max(|b|, 1). */
const worstRelative = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!) / Math.max(Math.abs(b[i]!), 1)), 0);

async function checkPage(page: OpenedPage, provider: string, tolerance: number) {
  const r = await page.page.evaluate((ids) => (window as any).penjing.logits(ids), IDS);
  console.log(`jit in Chromium on ${r.provider}: worst relative difference ${worstRelative(r.jit, r.eager).toExponential(2)}; first call (compile) ${r.ms.firstMs.toFixed(0)} ms, second ${r.ms.secondMs.toFixed(1)} ms, eager ${r.ms.eagerMs.toFixed(1)} ms`);
  expect(r.provider).toBe(provider);
  expect(r.jit.length).toBe(r.eager.length);
  expect(worstRelative(r.jit, r.eager)).toBeLessThanOrEqual(tolerance);
  // …and the same next token at every position.
  const argmaxes = (xs: number[]) => Array.from({ length: xs.length / r.vocab }, (_, p) => xs.slice(p * r.vocab, (p + 1) * r.vocab).reduce((b, x, v, a) => (x > a[b]! ? v : b), 0));
  expect(argmaxes(r.jit)).toEqual(argmaxes(r.eager));
  expect(r.second).toEqual(r.jit);
  expect(r.badIds).toMatch(/token id 300 \(element 1\) is outside the vocabulary \[0, \d+\)/);
  expect(r.afterCall).toMatch(/disposed; call jit\(model\) again/);
  expect(r.sessionsOpen).toBeGreaterThan(0);
  expect(r.sessionsLeft).toBe(0);
  expect(r.leaked).toBe(0);
  const g = await page.page.evaluate(([p, n]) => (window as any).penjing.generate(p, n), [PROMPTS, 6] as const);
  expect(g.jit).toEqual(g.eager);
  // Prefill and decode both run on the chosen provider.
  expect(g.providers).toEqual([provider, provider]);
  expect(g.jit[0].length).toBe(6);
  expect(g.leaked).toBe(0);
  expect(g.sessionsOpen).toBeGreaterThan(0);
  expect(g.sessionsLeft).toBe(0);
  expect(page.errors).toEqual([]);
  expect(page.externalRequests()).toEqual([]);
}

describe('jit in headless Chromium on onnxruntime-web', () => {
  it('wasm: jit logits equal eager tfjs (1e-5), generation gives eager greedy tokens, bad ids fail as eager, sessions released', async () => {
    const { page } = await openPage(wasmBrowser);
    await checkPage(page, 'wasm', 1e-5);
    await page.close();
  });

  it('the README\'s browser example runs (wasm here)', async () => {
    const page = await openHtml(wasmBrowser, '<!doctype html><meta charset="utf-8"><body><script type="module" src="/app/jit-page.js"></script></body>');
    await page.page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
    await page.page.evaluate(() => (window as any).penjing.setup());
    const [provider, shape, tokens] = await page.page.evaluate(() => (window as any).penjing.readme());
    expect(provider).toBe('wasm');
    expect(shape).toEqual({ batch: 1, seq: 8, vocabulary: 64 });
    expect(tokens).toHaveLength(8);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('WebGPU (SwiftShader adapter): chosen automatically only on hardware adapters; asked for, the same checks with logits within 1e-3', async () => {
    const { page, adapter, fallback } = await openPage(webgpuBrowser);
    expect(adapter).toBe(true);
    // SwiftShader is a fallback (software) adapter, slower than wasm: the automatic choice is wasm.
    expect(fallback).toBe(true);
    const auto = await page.page.evaluate((ids) => (window as any).penjing.logits(ids), IDS);
    expect(auto.provider).toBe('wasm');
    await page.page.evaluate(() => (window as any).penjing.setup(['webgpu']));
    // WebGPU's shaders (sin and cos of the rotary embedding differ by 2e-4 already) differ from
    // tfjs's wasm kernels by ~4e-4 of a logit, as tfjs's own webgpu backend does (gpu-backends.test.ts allows 1e-3).
    await checkPage(page, 'webgpu', 1e-3);
    await page.close();
  });
});
