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
import { hasFileSystem, isPretrainedSource, openPretrained, requireConfig, type OpenedPretrained, type PretrainedSource, type ProgressOption, type SafetensorsCheckpoint } from '@penjing/io';
import { flaxToHfTensors, type FlaxParams } from './flax.js';
import { FLAX_VISION_NAMING } from './flax-vision.js';
import { hfLayout, hfToParameterValue, type WeightLayout } from './hf-layout.js';
import { bindLazily } from './lazy.js';
import { bindCheckpoint, checkCheckpointTensors } from '@penjing/transformer';
import { visionConfigFromHuggingFace, type VisionConfig } from '../vision/config.js';
import { detectVisionNaming, isVisionTensor, requireVisionNaming, visionLayout } from '../vision/hf-layout.js';
import { withVision } from '../vision/multimodal.js';
import { checkCheckpointAgainstConfig, checkSizesAgainstCheckpoint, detectNaming, fullName } from './hf-names.js';

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
  /**
   * `'eager'` (default): weights become tfjs tensors. `'lazy'`: weights stay in the
   * safetensors files as LazyParameters (nothing enters the wasm heap) and are read when the
   * model is compiled with `jit(model)` from `@penjing/jit`; eager calls fail saying so.
   * Lazy loading needs a Hugging Face checkpoint on disk (Node or Deno).
   */
  readonly weights?: 'eager' | 'lazy';
  /**
   * Gemma 3's vision tower and projector: `'auto'` (default) loads them when config.json has a
   * `vision_config` and the checkpoint holds vision tensors; `true` requires them; `false`
   * loads the text model only.
   */
  readonly vision?: boolean | 'auto';
  /**
   * Flax records only: the vision settings the arrays do not hold (`mmTokensPerImage`, the image,
   * begin- and end-of-image token ids, `layerNormEps`); Gemma 3's by default (256; 262144,
   * 255999, 256000; 1e-6). The tower's sizes come from the arrays.
   */
  readonly visionConfig?: Partial<VisionConfig>;
}

const resolveConfig = (c: GemmaConfig | GemmaPresetName) => (typeof c === 'string' ? gemmaPreset(c) : c);

/**
 * Loads a Hugging Face checkpoint — a directory (or one of its `.safetensors` or index files,
 * with config.json beside it), a URL or base URL, `{ safetensors: bytes, config }` (or bare
 * bytes with the `config` option), files or a directory handle from a page — or a record of
 * Flax parameters.
 *
 * @example const model = await loadPretrained('models/gemma-3-270m', (c, o) => GemmaTransformer.fromConfig(c, o));
 */
export async function loadPretrained<M extends Layer>(
  source: PretrainedSource | FlaxParams, build: ModelBuilder<M>, options: FromPretrainedOptions = {},
): Promise<M> {
  const weights = options.weights ?? 'eager';
  if (weights !== 'eager' && weights !== 'lazy') {
    throw new TypeError(`fromPretrained: option weights must be 'eager' or 'lazy'; got ${JSON.stringify(weights)}.`);
  }
  await nx.ensureReady();
  if (options.visionConfig !== undefined && (typeof source === 'string' || isPretrainedSource(source))) {
    throw new TypeError('fromPretrained: the visionConfig option is for Flax records; a Hugging Face checkpoint reads vision_config from its config.json.');
  }
  if (weights === 'lazy' && typeof source === 'string' && hasFileSystem()) return loadHuggingFaceLazy(source, build, options);
  if (isPretrainedSource(source)) {
    if (weights === 'lazy') {
      throw new TypeError(`fromPretrained: {weights: 'lazy'} reads weights from files on disk, so it needs a checkpoint path in Node or Deno; ` +
        `drop the option to load this source's weights now.`);
    }
    return loadHuggingFace(source, build, options);
  }
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(`fromPretrained expects a checkpoint (path, URL, bytes, files) or a record of Flax arrays; got ${source === null ? 'null' : typeof source}.`);
  }
  if (weights === 'lazy') {
    throw new TypeError(`fromPretrained: {weights: 'lazy'} keeps weights in safetensors files, so it needs a checkpoint directory; ` +
      `Flax arrays are already in memory (drop the option, or save them with saveSafetensors first).`);
  }
  return loadFlax(source, build, options);
}

function readConfig(opened: OpenedPretrained, options: FromPretrainedOptions): { config: GemmaConfig; file: string; vision: (() => VisionConfig) | null } {
  if (options.config) {
    if (options.vision === true) throw new TypeError('fromPretrained: {vision: true} reads vision_config from config.json, so it cannot be combined with the config option.');
    return { config: resolveConfig(options.config), file: 'the config option', vision: null };
  }
  const { json, file } = requireConfig(opened);
  const hasVision = typeof json === 'object' && json !== null && (json as Record<string, unknown>).vision_config != null;
  if (options.vision === true && !hasVision) throw new TypeError(`fromPretrained: {vision: true} but ${file} has no vision_config.`);
  // Parsed only once the checkpoint is known to hold vision tensors (text-only re-saves often keep a stub vision_config).
  const vision = options.vision === false || !hasVision ? null : () => visionConfigFromHuggingFace(json, file)!;
  return { config: configFromHuggingFace(json, { file, quiet: options.quiet }).config, file, vision };
}

/** A checkpoint opened and checked against its config (every tensor present, shapes and dtypes right). */
interface CheckedCheckpoint<M> {
  readonly structure: M;
  readonly ckpt: SafetensorsCheckpoint;
  /** Full tensor name → where it goes in the model. */
  readonly byName: ReadonlyMap<string, WeightLayout>;
  /** Names the source in messages. */
  readonly label: string;
}

/** Reads the config, builds the structure and opens the checkpoint; the caller closes `ckpt`. */
async function openChecked<M extends Layer>(source: PretrainedSource, build: ModelBuilder<M>, options: FromPretrainedOptions): Promise<CheckedCheckpoint<M>> {
  const opened = await openPretrained(source);
  const ckpt = opened.checkpoint;
  try {
    const { config, file: configFile, vision } = readConfig(opened, options);
    const naming = detectNaming(ckpt);
    const visionNaming = vision === null ? null : options.vision === true ? requireVisionNaming(ckpt, configFile) : detectVisionNaming(ckpt);
    // Sizes are checked against the tensor list before anything per layer is built, so a
    // config claiming 1e9 layers or huge widths fails in milliseconds.
    checkSizesAgainstCheckpoint(ckpt, naming, config, configFile);
    const layout = hfLayout(config);
    checkCheckpointAgainstConfig(ckpt, naming, layout, config, configFile);
    const text = build(config, { seed: null, returnLastOnly: options.returnLastOnly });
    const byName = new Map(layout.map((w) => [fullName(naming, w), w]));
    if (vision === null || visionNaming === null) return { structure: text, ckpt, label: opened.label, byName };
    const visionConfig = vision();
    const visionWeights = visionLayout(visionConfig, config.embedDim, visionNaming);
    checkCheckpointTensors(ckpt, visionWeights.map((w) => ({ name: w.hfName, shape: w.hfShape, shapeFrom: w.shapeFrom })), (n) => !isVisionTensor(n), configFile);
    for (const w of visionWeights) byName.set(w.hfName, w);
    return { structure: withVision(text, visionConfig, config.embedDim, null), ckpt, label: opened.label, byName };
  } catch (e) {
    if (opened !== source) await ckpt.close();
    throw e;
  }
}

async function loadHuggingFaceLazy<M extends Layer>(dir: string, build: ModelBuilder<M>, options: FromPretrainedOptions): Promise<M> {
  const { structure, ckpt, byName } = await openChecked(dir, build, options);
  try {
    return await bindLazily(structure, ckpt, byName);
  } finally {
    await ckpt.close();
  }
}

async function loadHuggingFace<M extends Layer>(source: PretrainedSource, build: ModelBuilder<M>, options: FromPretrainedOptions): Promise<M> {
  const { structure, ckpt, byName, label } = await openChecked(source, build, options);
  try {
    return await bindCheckpoint(structure, ckpt, [...byName.keys()], { progress: options.progress, title: `Loading ${label}` }, (name, t) => {
      const w = byName.get(name)!;
      return [[w.label, hfToParameterValue(w, t)]];
    });
  } finally {
    if (!isOpened(source)) await ckpt.close();
  }
}

const isOpened = (s: PretrainedSource) => typeof s === 'object' && (s as OpenedPretrained).kind === 'penjing.opened-pretrained';

async function loadFlax<M extends Layer>(params: FlaxParams, build: ModelBuilder<M>, options: FromPretrainedOptions): Promise<M> {
  const { config, tensors, vision } = flaxToHfTensors(params, options.config ? resolveConfig(options.config) : undefined, options);
  const text = build(config, { seed: null, returnLastOnly: options.returnLastOnly });
  const structure = vision ? withVision(text, vision, config.embedDim, null) : text;
  const layout = vision ? [...hfLayout(config), ...visionLayout(vision, config.embedDim, FLAX_VISION_NAMING)] : hfLayout(config);
  const values = new Map<string, NamedArray>();
  try {
    for (const w of layout) {
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
