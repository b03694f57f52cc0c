/**
 * Model families: how a checkpoint directory becomes a model without this package knowing
 * the families. A family package (e.g. `@penjing/gemma`) registers itself when imported,
 * naming the Hugging Face `model_type` values it reads; `loadPretrainedModel` reads a
 * checkpoint's config.json and hands it to the family that claims its `model_type`. So the
 * dependencies point one way (gemma imports transformer, never the reverse) and the CLI
 * loads any registered family.
 *
 * @example
 * import '@penjing/gemma';                      // registers 'gemma'
 * const model = await loadPretrainedModel('models/gemma-3-270m');
 */
import type { NamedArray } from '@penjing/named-array';
import type { Layer } from '@penjing/layers';
import { CheckpointError, readPretrainedConfig, type PretrainedSource, type ProgressOption } from '@penjing/io';
import type { GemmaFamily } from './tokenizer/types.js';

/** Options every family's loader understands. */
export interface FamilyLoadOptions {
  /** Progress bar: automatic (default), forced, off, or a callback. */
  readonly progress?: ProgressOption;
  /** Do not print config warnings. */
  readonly quiet?: boolean;
}

/** What a family registers. */
export interface ModelFamily {
  /** A short name for messages, e.g. 'gemma'. */
  readonly name: string;
  /** The config.json `model_type` values this family loads. */
  readonly modelTypes: readonly string[];
  /**
   * Loads a checkpoint whose config.json names one of `modelTypes`: a directory (or a file in
   * it), a URL, bytes, files from a page, or an already opened source (which it must not close).
   */
  fromPretrained(source: PretrainedSource, options: FamilyLoadOptions): Promise<Layer<NamedArray, NamedArray>>;
  /** Builds a random (or, with `seed: null`, parameter-slot) model from a config.json object. */
  fromConfig?(config: Readonly<Record<string, unknown>>, options: { seed?: number | null; returnLastOnly?: boolean }): Layer<NamedArray, NamedArray>;
  /** One line describing a model of this family (its config), or undefined if the model is not one. */
  describe?(model: Layer): string | undefined;
  /** The tokenizer family (vocabulary and chat format) a model of this family uses, if it is one. */
  tokenizerFamily?(model: Layer): GemmaFamily | undefined;
  /**
   * For a multimodal model of this family: the prompt with its image placeholders expanded and
   * the image files preprocessed into the model's `images` side input (undefined if the model
   * is not one of this family's; throws when it is but has no vision tower).
   */
  imagePrompt?(model: Layer, prompt: string, files: readonly string[]): Promise<{ prompt: string; images: NamedArray } | undefined>;
}

const families: ModelFamily[] = [];

/**
 * Registers a family (idempotent by name: registering the same name again replaces it).
 *
 * @example
 * registerFamily({ name: 'toy', modelTypes: ['toy'], fromPretrained: async (dir) => buildToy(dir) });
 */
export function registerFamily(family: ModelFamily): void {
  const i = families.findIndex((f) => f.name === family.name);
  if (i >= 0) families[i] = family;
  else families.push(family);
}

/**
 * The registered families, in registration order.
 * @example modelFamilies().map((f) => f.name) // ['gemma'] once @penjing/gemma is imported
 */
export function modelFamilies(): readonly ModelFamily[] {
  return [...families];
}

/**
 * Loads a Hugging Face checkpoint (directory path, URL, bytes, files) with the registered family
 * that reads its `model_type`.
 *
 * @example
 * import '@penjing/gemma';
 * const model = await loadPretrainedModel('models/gemma-3-270m', { progress: false });
 */
export async function loadPretrainedModel(source: PretrainedSource, options: FamilyLoadOptions = {}): Promise<Layer<NamedArray, NamedArray>> {
  const { json, file } = await readPretrainedConfig(source);
  const family = familyFor((json as { model_type?: unknown } | null)?.model_type, file);
  return family.fromPretrained(source, options);
}

/** The family that reads a model_type; throws naming the known types when none does. */
function familyFor(modelType: unknown, file: string): ModelFamily {
  const family = families.find((f) => f.modelTypes.includes(modelType as string));
  if (family) return family;
  const known = families.flatMap((f) => f.modelTypes.map((t) => `${t} (${f.name})`));
  throw new CheckpointError(file, `no registered model family reads model_type ${JSON.stringify(modelType)}`, {
    fix: known.length
      ? `Supported values: ${known.join(', ')}; import the package of the family you need (e.g. '@penjing/gemma').`
      : `No family is registered: import one first, e.g. import '@penjing/gemma'.`,
  });
}

/**
 * Builds a model from a config.json object with the family that reads its `model_type`
 * (random parameters from `seed`, default 0; `seed: null` for parameter slots).
 *
 * @example buildModelFromConfig(JSON.parse(readFileSync('tiny-llama/config.json', 'utf8')), { seed: 0 })
 */
export function buildModelFromConfig(
  config: Readonly<Record<string, unknown>>, options: { seed?: number | null; returnLastOnly?: boolean } = {},
): Layer<NamedArray, NamedArray> {
  const family = familyFor(config?.model_type, 'the config');
  if (!family.fromConfig) {
    throw new CheckpointError('the config', `the ${family.name} family does not build models from a config.json object`, { fix: `Use its own constructor (e.g. GemmaTransformer.fromConfig).` });
  }
  return family.fromConfig(config, options);
}

/**
 * The registered families' one-line description of a model, if one recognises it.
 * @example describeModel(model) // 'gemma3: 26 layers (…), embedding 1152, …'
 */
export function describeModel(model: Layer): string | undefined {
  for (const f of families) {
    const d = f.describe?.(model);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * The tokenizer family of a model, as its family reports it.
 * @example tokenizerFamilyOf(model) // 'gemma3'
 */
export function tokenizerFamilyOf(model: Layer): GemmaFamily | undefined {
  for (const f of families) {
    const t = f.tokenizerFamily?.(model);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * The expanded prompt and `images` for image files, from the family that recognises the
 * model; throws naming the model's description when no family takes images for it.
 * @example const { prompt, images } = await imagePromptOf(model, 'Describe this.', ['cat.png']);
 */
export async function imagePromptOf(model: Layer, prompt: string, files: readonly string[]): Promise<{ prompt: string; images: NamedArray }> {
  for (const f of families) {
    const r = await f.imagePrompt?.(model, prompt, files);
    if (r !== undefined) return r;
  }
  throw new RangeError(`images need a multimodal model (Gemma 3 with a vision tower); this one is ${describeModel(model) ?? model.typeName()}.`);
}
