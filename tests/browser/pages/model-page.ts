// The page of bundle.test.ts: imports every package by its public name (bundled by esbuild
// for the browser, minified, no aliases) and exposes what the test drives.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { formatTree } from '@penjing/layers';
import { openPretrained } from '@penjing/io';
import { TransformerLM, tokenizerFromFile } from '@penjing/transformer';
import * as interp from '@penjing/interp';
import { GemmaTransformer } from '@penjing/gemma';
import { renderText } from '@penjing/viewer';

async function logitsOf(model: { call(x: nx.NamedArray): nx.NamedArray }, ids: number[]): Promise<number[]> {
  const tokens = nx.wrap(tf.tensor2d(ids, [1, ids.length], 'int32')).tag('batch', 'seq');
  const logits = model.call(tokens);
  const out = Array.from(await logits.unwrap('batch', 'seq', 'vocabulary').data());
  tokens.dispose();
  logits.dispose();
  return out;
}

const api = {
  /** Starts a backend; `wasmPaths` undefined lets Penjing find the wasm files itself. */
  ready: (backend: string, wasmPaths?: string) => nx.ready({ backend, wasmPaths }),
  backend: () => tf.getBackend(),
  /** Loads the checkpoint from a base URL and returns the logits of `ids`, the tree's head and the names. */
  async fromUrl(url: string, ids: number[]) {
    const model = await GemmaTransformer.fromPretrained(url, { progress: false });
    const logits = await logitsOf(model, ids);
    const text = renderText(model).split('\n')[0];
    const formatted = formatTree(model).split('\n')[0];
    const lm = await TransformerLM.fromPretrained(url, { progress: false });
    const lmLogits = await logitsOf(lm, ids);
    return { logits, lmLogits, text, formatted, className: model.constructor.name };
  },
  /** Loads from the bytes of model.safetensors plus the config object. */
  async fromBytes(url: string, ids: number[]) {
    const bytes = new Uint8Array(await (await fetch(`${url}model.safetensors`)).arrayBuffer());
    const config = await (await fetch(`${url}config.json`)).json();
    const model = await GemmaTransformer.fromPretrained({ safetensors: bytes, config }, { progress: false });
    return logitsOf(model, ids);
  },
  /** Loads from File objects, as an <input type=file multiple> hands them over. */
  async fromFiles(url: string, ids: number[]) {
    const files = await Promise.all(['config.json', 'model.safetensors'].map(async (n) => new File([await (await fetch(url + n)).blob()], n)));
    const model = await GemmaTransformer.fromPretrained(files, { progress: false });
    return logitsOf(model, ids);
  },
  /** How many tensors a URL checkpoint lists, reading only headers. */
  async headerOnly(url: string) {
    const { checkpoint } = await openPretrained(url);
    const names = checkpoint.names.length;
    await checkpoint.close();
    return names;
  },
  tokenizerError: (url: string) => tokenizerFromFile(url).then(() => 'loaded', (e: Error) => e.message),
  tensors: () => tf.memory().numTensors,
  interpExports: () => Object.keys(interp).length,
};
(window as unknown as { penjing: typeof api }).penjing = api;
document.body.dataset.ready = 'true';
