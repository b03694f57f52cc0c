/**
 * `SparseAutoencoder.fromPretrained`: Gemma Scope (`params.npz`, upper-case `W_enc`/`W_dec`,
 * no config), Gemma Scope 2 (`params.safetensors`, lower-case `w_enc`/`w_dec`, optional
 * `affine_skip_connection`, beside a `config.json`) and SAELens's own JumpReLU saves
 * (`sae_weights.safetensors` with upper-case names, beside `cfg.json` with `hook_name`). A path may be the directory or the file.
 * File access is imported lazily so the package's main entry stays browser-safe; the arrays are
 * turned into layers by `SparseAutoencoder.fromPretrained`.
 */
import { nodeIo } from '@penjing/io';
import { parseNpz, type NpyArray } from './npz.js';
import type { SaeInfo, SaeWeights } from './sae.js';

const KEYS = {
  npz: { wEnc: 'W_enc', wDec: 'W_dec', bEnc: 'b_enc', bDec: 'b_dec', threshold: 'threshold' },
  safetensors: { wEnc: 'w_enc', wDec: 'w_dec', bEnc: 'b_enc', bDec: 'b_dec', threshold: 'threshold' },
} as const;

/** Picks the named arrays out of a file's table, naming the file, the missing key and those present. */
function pick(table: Record<string, NpyArray>, keys: Record<keyof typeof KEYS.npz, string>, file: string, skipKey?: string): SaeWeights {
  const get = (k: string) => {
    const a = table[k];
    if (!a) throw new Error(`SparseAutoencoder.fromPretrained: ${file} has no array '${k}' (it has: ${Object.keys(table).join(', ') || 'none'}). A JumpReLU SAE needs ${Object.values(keys).join(', ')}.`);
    return a;
  };
  const w = { wEnc: get(keys.wEnc), wDec: get(keys.wDec), bEnc: get(keys.bEnc), bDec: get(keys.bDec), threshold: get(keys.threshold) };
  return skipKey && table[skipKey] ? { ...w, wSkip: table[skipKey] } : w;
}

/** Reads Gemma Scope 2's config.json beside the weights, if there is one. */
async function readInfo(dir: string, source: string): Promise<SaeInfo> {
  const { readFile } = await nodeFs();
  let file = `${dir}/config.json`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    try {
      file = `${dir}/cfg.json`; // SAELens
      text = await readFile(file, 'utf8');
    } catch {
      return { type: 'sae', source };
    }
  }
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`SparseAutoencoder.fromPretrained: ${file} is not valid JSON (${(e as Error).message}).`);
  }
  if (c.architecture !== undefined && c.architecture !== 'jump_relu' && c.architecture !== 'jumprelu') {
    throw new Error(`SparseAutoencoder.fromPretrained: ${file} has architecture '${String(c.architecture)}'; only JumpReLU SAEs ('jump_relu', SAELens's 'jumprelu') are supported.`);
  }
  if (c.apply_b_dec_to_input === true) {
    throw new Error(`SparseAutoencoder.fromPretrained: ${file} sets apply_b_dec_to_input, which subtracts b_dec from the input; this loader implements Gemma Scope's JumpReLU, which does not.`);
  }
  // SAELens names the site in TransformerLens spelling (hook_name); Gemma Scope 2 in Hugging Face's.
  const hook = typeof c.hook_name === 'string' ? c.hook_name : undefined;
  const hin = typeof c.hf_hook_point_in === 'string' ? c.hf_hook_point_in : hook;
  const hout = typeof c.hf_hook_point_out === 'string' ? c.hf_hook_point_out : hook;
  const type = c.type === 'transcoder' || (hin !== undefined && hout !== undefined && hin !== hout) ? 'transcoder' : 'sae';
  return { type, hookPointIn: hin, hookPointOut: hout, l0: typeof c.l0 === 'number' ? c.l0 : undefined, source };
}

/**
 * Reads the weights and what the config says of a JumpReLU SAE or transcoder from a Gemma Scope
 * directory (`params.npz`), a Gemma Scope 2 directory (`params.safetensors` + `config.json`),
 * a SAELens directory (`sae_weights.safetensors` + `cfg.json`), or any of those files directly.
 *
 * @example
 * const { weights, info } = await readSaeFiles('gemma-scope-2-1b-pt/resid_post/layer_12_width_16k_l0_small');
 */
export async function readSaeFiles(pathOrDir: string): Promise<{ weights: SaeWeights; info: SaeInfo }> {
  const { readFile, stat } = await nodeFs();
  let st;
  try {
    st = await stat(pathOrDir);
  } catch {
    throw new Error(`SparseAutoencoder.fromPretrained: ${pathOrDir} does not exist; give a Gemma Scope directory (params.npz) or a Gemma Scope 2 directory (params.safetensors + config.json).`);
  }
  let file = pathOrDir;
  if (st.isDirectory()) {
    const { readdir } = await nodeFs();
    const names = await readdir(pathOrDir);
    const found = ['params.safetensors', 'params.npz', 'sae_weights.safetensors'].find((n) => names.includes(n)) ?? names.find((n) => n.endsWith('.safetensors') || n.endsWith('.npz'));
    if (!found) throw new Error(`SparseAutoencoder.fromPretrained: ${pathOrDir} holds neither params.npz (Gemma Scope), params.safetensors (Gemma Scope 2) nor sae_weights.safetensors (SAELens); it has: ${names.join(', ') || 'nothing'}.`);
    file = `${pathOrDir}/${found}`;
  }
  const dir = file.slice(0, Math.max(0, file.lastIndexOf('/'))) || '.';
  if (file.endsWith('.npz')) {
    const table = parseNpz(new Uint8Array(await readFile(file)), file);
    return { weights: pick(table, KEYS.npz, file), info: { type: 'sae', source: file } };
  }
  if (!file.endsWith('.safetensors')) throw new Error(`SparseAutoencoder.fromPretrained: ${file} is neither .npz nor .safetensors.`);
  const info = await readInfo(dir, file);
  const { openSafetensors } = await nodeIo('reading an SAE file');
  const f = await openSafetensors(file);
  try {
    const table: Record<string, NpyArray> = {};
    for (const name of f.names) {
      const t = await f.read(name);
      if (!(t.data instanceof Float32Array)) throw new Error(`SparseAutoencoder.fromPretrained: ${file}:${name} has dtype ${t.dtype}; expected a float type.`);
      table[name] = { data: t.data, shape: t.shape };
    }
    // SAELens saves Gemma Scope's upper-case names (W_enc, W_dec); Gemma Scope 2 lower-case ones.
    const keys = 'W_enc' in table ? KEYS.npz : KEYS.safetensors;
    return { weights: pick(table, keys, file, 'affine_skip_connection'), info };
  } finally {
    await f.close();
  }
}

/** node:fs/promises, imported on first use by a specifier bundlers leave alone (SAE files are read from disk in Node/Deno only). */
async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  const specifier = 'node:fs/promises';
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<typeof import('node:fs/promises')>;
}
