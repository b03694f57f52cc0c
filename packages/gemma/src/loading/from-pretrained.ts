/**
 * `GemmaTransformer.fromPretrained`: builds the model's structure with parameter slots,
 * converts each checkpoint tensor to its named parameter one at a time (so the raw bytes
 * of a large checkpoint are never held next to the converted weights), and binds the
 * parameters by label.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { bindParameters, type Layer } from '@penjing/layers';
import { configFromHuggingFace, gemmaPreset, type GemmaConfig, type GemmaPresetName } from '../config.js';
import { checkpointDir, openCheckpoint, progressSink, readHfConfigJson, type ProgressOption } from '@penjing/io/node';
import { flaxToHfTensors, type FlaxParams } from './flax.js';
import { hfLayout, hfToParameterValue } from './hf-layout.js';
import { checkCheckpointAgainstConfig, detectNaming, fullName } from './hf-names.js';

export type { FlaxParams } from './flax.js';

/**
 * Builds the (parameter-less) model a checkpoint's values are bound into. The loader takes it
 * as an argument so that loading never imports the model class (the model's `fromPretrained`
 * passes its own `fromConfig`).
 */
export type ModelBuilder<M extends Layer> = (config: GemmaConfig, options: { seed: null; returnLastOnly?: boolean }) => M;

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
}

const resolveConfig = (c: GemmaConfig | GemmaPresetName) => (typeof c === 'string' ? gemmaPreset(c) : c);

/**
 * Loads a Hugging Face checkpoint (a directory, or one of its `.safetensors` or index files,
 * with config.json beside it) or a record of Flax parameters.
 *
 * @example const model = await loadPretrained('models/gemma-3-270m', (c, o) => GemmaTransformer.fromConfig(c, o));
 */
export async function loadPretrained<M extends Layer>(
  source: string | FlaxParams, build: ModelBuilder<M>, options: FromPretrainedOptions = {},
): Promise<M> {
  await nx.ensureReady();
  if (typeof source === 'string') return loadHuggingFace(source, build, options);
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(`fromPretrained expects a checkpoint directory or a record of Flax arrays; got ${source === null ? 'null' : typeof source}.`);
  }
  return loadFlax(source, build, options);
}

async function readConfig(path: string, options: FromPretrainedOptions): Promise<{ config: GemmaConfig; file: string }> {
  if (options.config) {
    await checkpointDir(path);
    return { config: resolveConfig(options.config), file: 'the config option' };
  }
  const { json, file } = await readHfConfigJson(path);
  return { config: configFromHuggingFace(json, { file, quiet: options.quiet }).config, file };
}

async function loadHuggingFace<M extends Layer>(dir: string, build: ModelBuilder<M>, options: FromPretrainedOptions): Promise<M> {
  const { config, file: configFile } = await readConfig(dir, options);
  const structure = build(config, { seed: null, returnLastOnly: options.returnLastOnly });
  const ckpt = await openCheckpoint(dir);
  const values = new Map<string, NamedArray>();
  try {
    const naming = detectNaming(ckpt);
    const layout = hfLayout(config);
    checkCheckpointAgainstConfig(ckpt, naming, layout, config, configFile);
    const byName = new Map(layout.map((w) => [fullName(naming, w), w]));
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

async function loadFlax<M extends Layer>(params: FlaxParams, build: ModelBuilder<M>, options: FromPretrainedOptions): Promise<M> {
  const { config, tensors } = flaxToHfTensors(params, options.config ? resolveConfig(options.config) : undefined);
  const structure = build(config, { seed: null, returnLastOnly: options.returnLastOnly });
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
