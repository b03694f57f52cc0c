/**
 * `GemmaTransformer.fromPretrained`: builds the model's structure with parameter slots,
 * converts each checkpoint tensor to its named parameter one at a time (so the raw bytes
 * of a large checkpoint are never held next to the converted weights), and binds the
 * parameters by label.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { bindParameters } from '@penjing/layers';
import { configFromHuggingFace, gemmaPreset, type GemmaConfig, type GemmaPresetName } from '../config.js';
import { openCheckpoint, type SafetensorsCheckpoint } from '../io/index.js';
import { GemmaTransformer } from '../model/gemma-transformer.js';
import { CheckpointError } from './errors.js';
import { flaxToHfTensors, type FlaxParams } from './flax.js';
import { hfLayout, hfToParameterValue, type WeightLayout } from './hf-layout.js';
import { bindLazily } from './lazy.js';
import { checkCheckpointAgainstConfig, detectNaming, fullName } from './hf-names.js';
import { progressSink, type ProgressOption } from './progress.js';

export type { FlaxParams } from './flax.js';

/** Options of `GemmaTransformer.fromPretrained`. */
export interface FromPretrainedOptions {
  /**
   * The config. For a Hugging Face directory it replaces config.json; for Flax parameters
   * it is needed unless the shapes match a preset, which is then used.
   */
  readonly config?: GemmaConfig | GemmaPresetName;
  /** Progress bar: automatic (default; large checkpoints on a terminal), forced, off, or a callback. */
  readonly progress?: ProgressOption;
  /** Do not print config warnings (unknown config.json keys). */
  readonly quiet?: boolean;
  /** Default of the model's `returnLastOnly`. */
  readonly returnLastOnly?: boolean;
  /**
   * `'eager'` (default): weights become tfjs tensors. `'lazy'`: weights stay in the
   * safetensors files as LazyParameters (nothing enters the wasm heap) and are read when the
   * model is compiled with `jit(model)` from `@penjing/jit`; eager calls fail saying so.
   * Lazy loading needs a Hugging Face checkpoint on disk (Node or Deno).
   */
  readonly weights?: 'eager' | 'lazy';
}

const resolveConfig = (c: GemmaConfig | GemmaPresetName) => (typeof c === 'string' ? gemmaPreset(c) : c);

/**
 * Loads a Hugging Face checkpoint (a directory, or one of its `.safetensors` or index files,
 * with config.json beside it) or a record of Flax parameters.
 *
 * @example const model = await loadPretrained('models/gemma-3-270m');
 */
export async function loadPretrained(source: string | FlaxParams, options: FromPretrainedOptions = {}): Promise<GemmaTransformer> {
  const weights = options.weights ?? 'eager';
  if (weights !== 'eager' && weights !== 'lazy') {
    throw new TypeError(`fromPretrained: option weights must be 'eager' or 'lazy'; got ${JSON.stringify(weights)}.`);
  }
  await nx.ready();
  if (typeof source === 'string') return weights === 'lazy' ? loadHuggingFaceLazy(source, options) : loadHuggingFace(source, options);
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(`fromPretrained expects a checkpoint directory or a record of Flax arrays; got ${source === null ? 'null' : typeof source}.`);
  }
  if (weights === 'lazy') {
    throw new TypeError(`fromPretrained: {weights: 'lazy'} keeps weights in safetensors files, so it needs a checkpoint directory; ` +
      `Flax arrays are already in memory (drop the option, or save them with saveSafetensors first).`);
  }
  return loadFlax(source, options);
}

/** The directory holding config.json: the path itself, or the folder of a `.safetensors` or index file. */
async function configDir(path: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new CheckpointError(path, 'no such file or directory', { fix: 'Check the path, or download the checkpoint.' });
  }
  return isDir ? path : dirname(path);
}

async function readConfig(path: string, options: FromPretrainedOptions): Promise<{ config: GemmaConfig; file: string }> {
  const dir = await configDir(path);
  if (options.config) return { config: resolveConfig(options.config), file: 'the config option' };
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new CheckpointError(file, `cannot read the config (${(cause as NodeJS.ErrnoException).code ?? cause})`, {
      fix: 'A Hugging Face checkpoint directory has a config.json next to its safetensors; or pass {config}.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(file, `not valid JSON (${(cause as Error).message})`, { fix: 'Download config.json again.' });
  }
  return { config: configFromHuggingFace(json, { file, quiet: options.quiet }).config, file };
}

/** A checkpoint opened and checked against its config (every tensor present, shapes and dtypes right). */
interface CheckedCheckpoint {
  readonly structure: GemmaTransformer;
  readonly ckpt: SafetensorsCheckpoint;
  /** Full tensor name → where it goes in the model. */
  readonly byName: ReadonlyMap<string, WeightLayout>;
}

/** Reads the config, builds the structure and opens the checkpoint; the caller closes `ckpt`. */
async function openChecked(dir: string, options: FromPretrainedOptions): Promise<CheckedCheckpoint> {
  const { config, file: configFile } = await readConfig(dir, options);
  const structure = GemmaTransformer.fromConfig(config, { seed: null, returnLastOnly: options.returnLastOnly });
  const ckpt = await openCheckpoint(dir);
  try {
    const naming = detectNaming(ckpt);
    const layout = hfLayout(config);
    checkCheckpointAgainstConfig(ckpt, naming, layout, config, configFile);
    return { structure, ckpt, byName: new Map(layout.map((w) => [fullName(naming, w), w])) };
  } catch (e) {
    await ckpt.close();
    throw e;
  }
}

async function loadHuggingFaceLazy(dir: string, options: FromPretrainedOptions): Promise<GemmaTransformer> {
  const { structure, ckpt, byName } = await openChecked(dir, options);
  try {
    return await bindLazily(structure, ckpt, byName);
  } finally {
    await ckpt.close();
  }
}

async function loadHuggingFace(dir: string, options: FromPretrainedOptions): Promise<GemmaTransformer> {
  const { structure, ckpt, byName } = await openChecked(dir, options);
  const values = new Map<string, NamedArray>();
  try {
    const names = [...byName.keys()];
    const total = names.reduce((s, n) => s + ckpt.header(n).byteLength, 0);
    const sink = progressSink(options.progress, total, `Loading ${dir}`);
    try {
      for await (const [name, data] of ckpt.entries({ names, onProgress: sink.onProgress })) {
        const w = byName.get(name)!;
        const t = tf.tensor(data.data, [...data.shape], 'float32');
        try {
          values.set(w.label, hfToParameterValue(w, t));
        } finally {
          t.dispose();
        }
      }
    } finally {
      sink.stop();
    }
    return bindParameters(structure, values);
  } catch (e) {
    for (const v of values.values()) v.dispose();
    throw e;
  } finally {
    await ckpt.close();
  }
}

async function loadFlax(params: FlaxParams, options: FromPretrainedOptions): Promise<GemmaTransformer> {
  const { config, tensors } = flaxToHfTensors(params, options.config ? resolveConfig(options.config) : undefined);
  const structure = GemmaTransformer.fromConfig(config, { seed: null, returnLastOnly: options.returnLastOnly });
  const values = new Map<string, NamedArray>();
  try {
    for (const w of hfLayout(config)) {
      const t = tensors.get(w.hfName)!();
      try {
        values.set(w.label, hfToParameterValue(w, t));
      } finally {
        t.dispose();
      }
    }
    return bindParameters(structure, values);
  } catch (e) {
    for (const v of values.values()) v.dispose();
    throw e;
  }
}
