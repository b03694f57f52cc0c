// The GPU backends in headless Chromium, chosen with nx.ready({ backend }). webgl runs on
// SwiftShader (Chromium's CPU GL), webgpu on SwiftShader's Vulkan once Chromium is started
// with --enable-unsafe-webgpu: a tiny Gemma's forward pass must equal the same model's in
// Node on wasm.
import * as tf from '@tensorflow/tfjs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { bundleForBrowser } from '../support/bundle-child.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, closeServer, openHtml, serve } from './harness.js';

const CONFIG = {
  numLayers: 2, embedDim: 16, hiddenDim: 24, numHeads: 4, numKvHeads: 2, headDim: 8, queryPreAttnScalar: 8, vocabSize: 120,
  attentionTypes: ['local', 'global'] as ('local' | 'global')[], slidingWindowSize: 3,
};
const IDS = [[2, 17, 33, 4, 90, 5]];

let browser: Browser;
let webgpuBrowser: Browser;
let bundleUrl: string;

beforeAll(async () => {
  // The page builds its model with fromConfig and never reaches the packages' file loading.
  const bundle = await bundleForBrowser(
    "export * as nx from '@penjing/named-array'; export { GemmaTransformer, gemmaPreset } from '@penjing/gemma'; export * as tf from '@tensorflow/tfjs';",
  );
  bundleUrl = await serve('/penjing.js', bundle, 'text/javascript');
  // Without --disable-gpu: WebGL then runs on SwiftShader, Chromium's software GL.
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000,
    args: [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  // WebGPU on Linux without a GPU: Chromium offers its SwiftShader adapter only with
  // --enable-unsafe-webgpu (without it navigator.gpu.requestAdapter() resolves to null).
  webgpuBrowser = await chromium.launch({
    executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'],
  });
  await nx.ready({ threads: 1 });
});

afterAll(async () => {
  await browser?.close();
  await webgpuBrowser?.close();
  await closeServer();
});

async function forwardInPage(backend: string, on: Browser = browser): Promise<{ backend: string; logits: number[] } | { error: string }> {
  const page = await openHtml(
    on,
    `<!doctype html><meta charset="utf-8"><script type="module">
      import { nx, tf, GemmaTransformer, gemmaPreset } from '${bundleUrl}';
      try {
        const backend = await nx.ready({ backend: '${backend}', quiet: true });
        const model = GemmaTransformer.fromConfig(gemmaPreset('gemma3_270m', ${JSON.stringify(CONFIG)}), { seed: 5 });
        const tokens = nx.wrap(tf.tensor2d(${JSON.stringify(IDS)}, [1, ${IDS[0].length}], 'int32')).tag('batch', 'seq');
        const logits = model.call(tokens).unwrap('batch', 'seq', 'vocabulary');
        window.result = { backend, logits: Array.from(await logits.data()) };
      } catch (e) {
        window.result = { error: String(e && e.stack || e) };
      }
    </script>`,
  );
  try {
    await page.page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 90_000 });
  } catch (e) {
    throw new Error(`no result from the page (${(e as Error).message}); page errors: ${page.errors.join(' | ')}; console: ${page.console.slice(-5).join(' | ')}`);
  }
  const result = await page.page.evaluate(() => (window as unknown as { result: { backend: string; logits: number[] } | { error: string } }).result);
  await page.close();
  return result;
}

function nodeLogits(): Float32Array {
  const model = GemmaTransformer.fromConfig(gemmaPreset('gemma3_270m', CONFIG), { seed: 5 });
  return tf.tidy(() => {
    const tokens = nx.wrap(tf.tensor2d(IDS, [1, IDS[0].length], 'int32')).tag('batch', 'seq');
    return model.call(tokens).unwrap('batch', 'seq', 'vocabulary').dataSync() as Float32Array;
  });
}

describe('GPU backends in headless Chromium', () => {
  it.each([
    ['webgl', 'SwiftShader GL', () => browser],
    ['webgpu', 'SwiftShader Vulkan, --enable-unsafe-webgpu', () => webgpuBrowser],
  ] as const)('%s (%s): a tiny Gemma forward equals Node on wasm', async (backend, _how, which) => {
    const result = await forwardInPage(backend, which());
    if ('error' in result) throw new Error(`page failed: ${result.error}`);
    expect(result.backend).toBe(backend);
    const want = nodeLogits();
    expect(result.logits.length).toBe(want.length);
    const scale = Math.max(...Array.from(want, Math.abs));
    const worst = Math.max(...result.logits.map((v, i) => Math.abs(v - want[i])));
    console.log(`${backend} in Chromium vs wasm in Node: max|Δ|/max = ${(worst / scale).toExponential(2)}`);
    // WebGL's shaders (exp, tanh, rsqrt on SwiftShader) agree to ~3e-4 of the largest logit.
    expect(worst / scale).toBeLessThan(1e-3);
    // …and pick the same next token at every position.
    const V = CONFIG.vocabSize;
    const argmax = (xs: ArrayLike<number>, p: number) => Array.from({ length: V }, (_, v) => xs[p * V + v]).reduce((b, x, v, a) => (x > a[b] ? v : b), 0);
    for (let p = 0; p < IDS[0].length; p++) expect(argmax(result.logits, p)).toBe(argmax(want, p));
  });
});
