/**
 * `GemmaTransformer` (Penzai's GemmaTransformer, gm.nn.Transformer): a Gemma 1, 2 or 3
 * decoder whose side-input handlers live inside it, so `model.call(tokens)` just works and
 * the printed tree shows where positions (hence masks and RoPE angles) come from.
 */
import { NamedArray } from '@penjing/named-array';
import { Layer, child, staticField, LayerError, PositionsFromTokens, WithSideInputsFromInput, type SideInputs } from '@penjing/layers';
import { checkConfig, CONFIG_KEYS, gemmaPreset, type GemmaConfig, type GemmaPresetName } from '../config.js';
import { buildGemmaBody } from './body.js';
import { callSize, checkForwardFits, checkTokens, transformerMetadata, TransformerLM, type Logits, type TransformerMetadata } from '@penjing/transformer';
import type { PretrainedSource } from '@penjing/io';
import { loadPretrained, type FlaxParams, type FromPretrainedOptions } from '../loading/from-pretrained.js';
import { saveSafetensors, type SaveOptions } from '../loading/save.js';

/** Options of `GemmaTransformer.fromConfig`. */
export interface GemmaFromConfigOptions {
  /**
   * Seed of the random initialisation (default 0). `null` builds the structure only, with a
   * `ParameterSlot` per parameter, to be bound by label (`bindParameters`) — how checkpoints load.
   */
  readonly seed?: number | null;
  /** Default of the `returnLastOnly` call option (default false). */
  readonly returnLastOnly?: boolean;
}

/** Options of `GemmaTransformer.call`. */
export interface GemmaCallOptions {
  /** Logits of each sequence's last real token only, `{batch…, vocabulary}`. Default: the model's `returnLastOnly`. */
  readonly returnLastOnly?: boolean;
  /**
   * Images for a multimodal Gemma 3 (`withVision`, or a checkpoint with a vision tower):
   * float32 `{batch, image, height, width, channel}`, resized and normalised (`preprocessImages`).
   */
  readonly images?: NamedArray;
  readonly [sideInput: string]: unknown;
}

/**
 * A Gemma model: `config` (how it was built; used to rebuild, save or convert it) and
 * `body`, a `WithSideInputsFromInput` that derives `tokenPositions` from the tokens (pad
 * tokens get −1 and are masked, so batches of different lengths can be padded) around the
 * decoder `Sequential` (see `buildGemmaBody`).
 *
 * @example
 * const model = GemmaTransformer.fromConfig('gemma3_270m', { seed: 0 });
 * const tokens = nx.wrap(tf.tensor2d([[2, 651, 6037]], [1, 3], 'int32')).tag('batch', 'seq');
 * model.call(tokens);                             // {batch: 1, seq: 3, vocabulary: 262144}
 * model.call(tokens, { returnLastOnly: true });   // {batch: 1, vocabulary: 262144}
 */
export class GemmaTransformer extends Layer.define('GemmaTransformer', {
  config: staticField<GemmaConfig>().from(canonicalConfig),
  body: child<Layer<NamedArray, NamedArray>>(),
  returnLastOnly: staticField<boolean>().default(false),
})<NamedArray, NamedArray> {

  /**
   * Builds a model from a config or a preset name: randomly initialised from `seed`, or
   * structure-only (`seed: null`).
   *
   * @example
   * GemmaTransformer.fromConfig(gemmaPreset('gemma2_2b', { numLayers: 2 }), { seed: 1 });
   * GemmaTransformer.fromConfig('gemma3_1b', { seed: null }); // slots, for bindParameters
   */
  static fromConfig(config: GemmaConfig | GemmaPresetName, options: GemmaFromConfigOptions = {}): GemmaTransformer {
    const c = checkConfig(typeof config === 'string' ? gemmaPreset(config) : config);
    const inner = buildGemmaBody(c, options.seed === undefined ? 0 : options.seed);
    const body = new WithSideInputsFromInput({ body: inner, sideInputs: { tokenPositions: new PositionsFromTokens({ padId: c.padTokenId }) } });
    return new GemmaTransformer({ config: c, body, returnLastOnly: options.returnLastOnly });
  }

  /**
   * Loads a checkpoint: a Hugging Face directory (config.json + safetensors, single or
   * sharded; model_type gemma, gemma2, gemma3_text or gemma3) or a flat record of arrays
   * named as in the official Flax checkpoints. Awaits `nx.ensureReady()` first (the backend you chose, else wasm).
   *
   * @example
   * const model = await GemmaTransformer.fromPretrained('models/gemma-3-1b-it');
   * const web = await GemmaTransformer.fromPretrained('https://example.org/tiny-gemma/'); // or bytes, File, FileList
   * const fromFlax = await GemmaTransformer.fromPretrained(flatParams, { config: 'gemma2_2b' });
   */
  static fromPretrained(source: PretrainedSource | FlaxParams, options: FromPretrainedOptions = {}): Promise<GemmaTransformer> {
    return loadPretrained(source, (config, o) => GemmaTransformer.fromConfig(config, o), options);
  }

  /** Axis names and sizes (Penzai's TransformerMetadata). */
  get metadata(): TransformerMetadata {
    return transformerMetadata(this.config);
  }

  override handledSideInputs(): readonly string[] {
    return ['returnLastOnly'];
  }

  /**
   * Logits `{batch…, seq, vocabulary}` for int32 tokens `{batch…, seq}`, or
   * `{batch…, vocabulary}` for the last real token with `returnLastOnly`.
   *
   * The axis names are tracked: tokens `{batch, seq}` give `NamedArray<'batch' | 'seq' |
   * 'vocabulary'>`, other batch axes carry through, and a misspelled axis on the logits is a
   * compile error.
   *
   * @example
   * const logits = model.call(tokens);                          // NamedArray<'batch' | 'seq' | 'vocabulary'>
   * const last = model.call(tokens, { returnLastOnly: true });  // NamedArray<'batch' | 'vocabulary'>
   */
  override call<B extends string = 'batch'>(tokens: NamedArray<B | 'seq'>, options: GemmaCallOptions & { readonly returnLastOnly: true }): Logits<B, never>;
  override call<B extends string = 'batch'>(tokens: NamedArray<B | 'seq'>, options?: GemmaCallOptions & { readonly returnLastOnly?: false }): Logits<B>;
  override call<B extends string = 'batch'>(tokens: NamedArray<B | 'seq'>, options?: GemmaCallOptions): Logits<B> | Logits<B, never>;
  override call(tokens: NamedArray, options: GemmaCallOptions = {}): NamedArray {
    return super.call(tokens, options);
  }

  protected override forward(tokens: NamedArray, side: SideInputs): NamedArray {
    checkTokens(tokens, this.config.vocabSize, 'GemmaTransformer.call');
    const returnLastOnly = side.returnLastOnly ?? this.returnLastOnly;
    checkForwardFits(this.metadata, callSize(tokens, returnLastOnly), 'GemmaTransformer.call');
    return this.body.call(tokens, { ...side, returnLastOnly });
  }

  /**
   * The same decoder as a `TransformerLM`, which takes positions from the caller (default
   * `0, 1, …`) instead of deriving them from pad tokens. Shares every parameter.
   *
   * @example model.toTransformerLM().call(tokens, { tokenPositions })
   */
  toTransformerLM(): TransformerLM {
    if (!(this.body instanceof WithSideInputsFromInput)) {
      throw new LayerError(`toTransformerLM: expected the body to be the WithSideInputsFromInput that fromConfig builds; found ${this.body.typeName()}.`);
    }
    return new TransformerLM({ body: this.body.body, metadata: this.metadata, returnLastOnly: this.returnLastOnly });
  }

  /**
   * Writes the model as a Hugging Face checkpoint (config.json + safetensors) that
   * `fromPretrained` and transformers load.
   *
   * @example await model.saveSafetensors('out/my-gemma', { dtype: 'BF16' });
   */
  saveSafetensors(dir: string, options: SaveOptions = {}): Promise<void> {
    return saveSafetensors(this, dir, options);
  }
}

/** A frozen copy with the keys in declaration order, so printed trees read the same for every model. */
function canonicalConfig(c: GemmaConfig): GemmaConfig {
  const copy: GemmaConfig = Object.create(Object.prototype);
  for (const k of CONFIG_KEYS) {
    const v = c[k];
    Object.assign(copy, { [k]: Array.isArray(v) ? Object.freeze([...v]) : v });
  }
  return Object.freeze(copy);
}
