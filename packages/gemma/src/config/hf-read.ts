/**
 * Reading a Hugging Face config.json (model_type gemma, gemma2, gemma3_text, or the
 * multimodal gemma3 wrapper, whose text part is used) into a GemmaConfig. Unknown keys
 * warn and never fail; values Penjing cannot honour are errors naming the key.
 */
import { defaultAttentionTypes } from './layers.js';
import {
  HF_DEFAULTS, HF_KEY_OF, KNOWN_GEMMA3_WRAPPER_KEYS, KNOWN_KEYS, REQUIRED_KEYS, SUPPORTED_MODEL_TYPES, TANH_GELU_NAMES,
  type HfModelType, type HfTextModelType,
} from './hf-keys.js';
import type { AttentionType, GemmaConfig, GemmaFamily } from './types.js';
import { FLOAT32_MAX, GemmaConfigError, MAX_LAYERS, overflowNote, validateConfig, type ConfigIssue } from './validate.js';

/** Options of configFromHuggingFace. */
export interface FromHuggingFaceOptions {
  /** Where the JSON came from; named in warnings and errors. */
  readonly file?: string;
  /** Do not console.warn the warnings (they are still returned). */
  readonly quiet?: boolean;
}

/** The parsed config plus what the file said that was not used. */
export interface FromHuggingFaceResult {
  readonly config: GemmaConfig;
  /** The file's model_type; `gemma3` means the weights sit under a language-model prefix. */
  readonly modelType: HfModelType;
  /** One line per unknown key (prefixed with `text_config.` inside the multimodal wrapper). */
  readonly warnings: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const FAMILY: Record<HfTextModelType, GemmaFamily> = { gemma: 'gemma1', gemma2: 'gemma2', gemma3_text: 'gemma3' };

/**
 * Parses a Hugging Face Gemma config. Throws GemmaConfigError (listing every problem) for
 * an unknown model_type, a missing size key, or values that are wrong or unsupported.
 *
 * @example
 * const json = JSON.parse(await readFile(dir + '/config.json', 'utf8'));
 * const { config, warnings } = configFromHuggingFace(json, { file: dir + '/config.json' });
 */
export function configFromHuggingFace(json: unknown, options: FromHuggingFaceOptions = {}): FromHuggingFaceResult {
  const file = options.file ?? 'config.json';
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  if (!isObject(json)) throw new GemmaConfigError([{ key: '(file)', message: 'is not a JSON object' }], file);
  const modelType = json.model_type;
  if (!SUPPORTED_MODEL_TYPES.includes(modelType as HfModelType)) {
    const found = modelType === undefined ? 'is missing' : `is ${JSON.stringify(modelType)}`;
    throw new GemmaConfigError([{ key: 'model_type', message: `${found}; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}` }], file);
  }
  let text: Json = json;
  let prefix = '';
  let textType: HfTextModelType;
  if (modelType === 'gemma3') {
    warnUnknown(json, KNOWN_GEMMA3_WRAPPER_KEYS, '', 'gemma3', file, warnings);
    if (json.text_config !== undefined && !isObject(json.text_config)) {
      throw new GemmaConfigError([{ key: 'text_config', message: 'is not an object' }], file);
    }
    // Token ids at the top level (e.g. eos [1, 106]) apply unless text_config states its own.
    const inherited: Json = {};
    for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id', 'tie_word_embeddings']) if (k in json) inherited[k] = json[k];
    text = { ...inherited, ...((json.text_config as Json | undefined) ?? {}) };
    prefix = 'text_config.';
    textType = 'gemma3_text';
    if (text.model_type !== undefined && text.model_type !== 'gemma3_text') {
      issues.push({ key: 'text_config.model_type', message: `is ${JSON.stringify(text.model_type)}; expected "gemma3_text"` });
    }
  } else {
    textType = modelType as HfTextModelType;
    for (const k of REQUIRED_KEYS) if (!(k in json)) issues.push({ key: k, message: 'is missing; a top-level Gemma config must state it' });
  }
  warnUnknown(text, KNOWN_KEYS[textType], prefix, textType, file, warnings);

  const config = buildConfig(new Fields(text, HF_DEFAULTS[textType], prefix, issues), textType);
  if (issues.length === 0) {
    for (const i of validateConfig(config)) {
      const hf = HF_KEY_OF[i.key];
      issues.push({ key: hf ? `${prefix}${hf} (${i.key})` : i.key, message: i.message });
    }
  }
  if (issues.length) throw new GemmaConfigError(issues, file);
  if (warnings.length && !options.quiet) console.warn(warnings.join('\n'));
  return { config, modelType: modelType as HfModelType, warnings };
}

function warnUnknown(obj: Json, known: ReadonlySet<string>, prefix: string, type: string, file: string, out: string[]) {
  for (const k of Object.keys(obj)) {
    if (!known.has(k)) out.push(`${file}: unknown key "${prefix}${k}" ignored (not a ${type} option Penjing knows)`);
  }
}

/** Typed access to config keys with defaults; problems are collected, not thrown. */
class Fields {
  constructor(readonly obj: Json, readonly defaults: Readonly<Json>, readonly prefix: string, readonly issues: ConfigIssue[]) {}

  has(key: string): boolean {
    return key in this.obj && this.obj[key] !== undefined;
  }
  raw(key: string): unknown {
    return this.has(key) ? this.obj[key] : this.defaults[key];
  }
  bad(key: string, message: string): void {
    this.issues.push({ key: this.prefix + key, message });
  }
  int(key: string, fallback = 1): number {
    const v = this.raw(key);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
    this.bad(key, `is ${JSON.stringify(v)}; expected a positive integer`);
    return fallback;
  }
  num(key: string, fallback = 1): number {
    const v = this.raw(key);
    if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= FLOAT32_MAX) return v;
    this.bad(key, `is ${JSON.stringify(v)}; expected a positive number${overflowNote(v)}`);
    return fallback;
  }
  cap(key: string): number | null {
    const v = this.raw(key);
    if (v === null || v === undefined) return null;
    if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= FLOAT32_MAX) return v;
    this.bad(key, `is ${JSON.stringify(v)}; expected a positive number or null${overflowNote(v)}`);
    return null;
  }
  tokenIds(key: string): number[] {
    const v = this.raw(key);
    const ids = Array.isArray(v) ? v : [v];
    if (ids.length && ids.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) return ids as number[];
    this.bad(key, `is ${JSON.stringify(v)}; expected a token id or a list of them`);
    return [0];
  }
}

function buildConfig(f: Fields, type: HfTextModelType): GemmaConfig {
  const family = FAMILY[type];
  let numLayers = f.int('num_hidden_layers');
  if (numLayers > MAX_LAYERS) {
    // Checked before any per-layer list is built: 1e9 layers must fail in milliseconds.
    f.bad('num_hidden_layers', `is ${numLayers}; no Gemma has more than ${MAX_LAYERS} layers (the file is corrupt or not this model's)`);
    numLayers = 1;
  }
  const headDim = f.int('head_dim');
  checkUnsupported(f);
  const rope = parseRope(f, family);
  const attentionTypes = parseLayerTypes(f, family, numLayers);
  const hasWindow = family !== 'gemma1';
  const bos = f.tokenIds('bos_token_id');
  const pad = f.raw('pad_token_id') === null ? [0] : f.tokenIds('pad_token_id');
  const tie = f.raw('tie_word_embeddings');
  if (typeof tie !== 'boolean') f.bad('tie_word_embeddings', `is ${JSON.stringify(tie)}; expected true or false`);
  return {
    family,
    numLayers,
    vocabSize: f.int('vocab_size'),
    embedDim: f.int('hidden_size'),
    hiddenDim: f.int('intermediate_size'),
    numHeads: f.int('num_attention_heads'),
    numKvHeads: f.int('num_key_value_heads'),
    headDim,
    queryPreAttnScalar: family === 'gemma1' ? headDim : f.num('query_pre_attn_scalar'),
    attentionTypes,
    slidingWindowSize: hasWindow ? f.int('sliding_window') : null,
    ropeBaseFrequency: rope.global,
    ropeLocalBaseFrequency: rope.local,
    ropeScaleFactor: rope.scale,
    attnLogitsSoftCap: family === 'gemma1' ? null : f.cap('attn_logit_softcapping'),
    finalLogitSoftCap: family === 'gemma1' ? null : f.cap('final_logit_softcapping'),
    usePostAttnNorm: family !== 'gemma1',
    usePostFfwNorm: family !== 'gemma1',
    useQkNorm: family === 'gemma3',
    // Only the Flax layout depends on it: Gemma 2 2B (hidden 2304) keeps [2, D, F]; later models store [2, F, D].
    transposeGatingEinsum: family === 'gemma3' || (family === 'gemma2' && f.raw('hidden_size') !== 2304),
    rmsNormEps: f.num('rms_norm_eps', 1e-6),
    activation: 'gelu_tanh',
    tieEmbeddings: tie !== false,
    maxPositionEmbeddings: f.int('max_position_embeddings', 8192),
    bosTokenId: bos[0],
    eosTokenIds: f.tokenIds('eos_token_id'),
    padTokenId: pad[0],
  };
}

/** Keys whose non-default values would change the model in ways Penjing does not implement. */
function checkUnsupported(f: Fields): void {
  if (f.raw('attention_bias') === true) f.bad('attention_bias', 'is true; Gemma has no attention biases and Penjing does not load them');
  if (f.raw('use_bidirectional_attention') === true) {
    f.bad('use_bidirectional_attention', 'is true (an embedding model); Penjing implements causal language models only');
  }
  if (f.has('quantization_config')) {
    f.bad('quantization_config', 'is present; Penjing loads unquantized F32, BF16 or F16 weights only — use the unquantized checkpoint');
  }
  for (const key of ['hidden_activation', 'hidden_act']) {
    const act = f.raw(key);
    if (act !== undefined && act !== null && !TANH_GELU_NAMES.includes(act as string)) {
      f.bad(key, `is ${JSON.stringify(act)}; Gemma uses tanh-approximated GELU ("gelu_pytorch_tanh")`);
    }
  }
}

/** One RoPE setting: `{rope_type|type, rope_theta?, factor?}`; returns the linear factor (1 for default). */
function ropeFactor(f: Fields, key: string, v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (!isObject(v)) {
    f.bad(key, `is ${JSON.stringify(v)}; expected an object like {"rope_type": "linear", "factor": 8}`);
    return 1;
  }
  const kind = v.rope_type ?? v.type ?? 'default';
  if (kind === 'default') return 1;
  if (kind === 'linear' && typeof v.factor === 'number' && v.factor > 0) return v.factor;
  f.bad(key, `is ${JSON.stringify(v)}; Penjing supports RoPE types "default" and "linear" (with a positive factor)`);
  return 1;
}

function parseRope(f: Fields, family: GemmaFamily): { global: number; local: number; scale: number } {
  const params = f.raw('rope_parameters');
  let global = f.num('rope_theta', 10000);
  let local = family === 'gemma3' ? f.num('rope_local_base_freq', 10000) : global;
  let scale = ropeFactor(f, 'rope_scaling', f.raw('rope_scaling'));
  let localScale = family === 'gemma2' ? scale : 1; // HF applies rope_scaling to every Gemma 2 layer
  if (isObject(params)) {
    // transformers v5: one setting for all layers, or one per attention type.
    const perType = 'full_attention' in params || 'sliding_attention' in params;
    const full = (perType ? params.full_attention : params) as Json | undefined;
    const sliding = (perType ? params.sliding_attention : params) as Json | undefined;
    const theta = (p: Json | undefined, fallback: number) => (isObject(p) && typeof p.rope_theta === 'number' ? p.rope_theta : fallback);
    global = theta(full, global);
    local = theta(sliding, family === 'gemma3' ? local : global);
    scale = ropeFactor(f, 'rope_parameters.full_attention', full);
    localScale = ropeFactor(f, 'rope_parameters.sliding_attention', sliding);
  } else if (params !== undefined && params !== null) {
    f.bad('rope_parameters', 'is not an object');
  }
  if (localScale !== 1 && family !== 'gemma1') {
    f.bad(family === 'gemma2' ? 'rope_scaling' : 'rope_parameters.sliding_attention',
      `scales RoPE on local layers by ${localScale}; Penjing scales global layers only`);
  }
  return { global, local, scale };
}

function parseLayerTypes(f: Fields, family: GemmaFamily, numLayers: number): AttentionType[] {
  const lt = f.raw('layer_types');
  if (family !== 'gemma1' && lt !== undefined && lt !== null) {
    const names: Record<string, AttentionType> = { sliding_attention: 'local', full_attention: 'global' };
    if (!Array.isArray(lt) || lt.some((t) => !(t in names))) {
      f.bad('layer_types', `is ${JSON.stringify(lt)}; expected a list of "sliding_attention" | "full_attention"`);
    } else if (lt.length !== numLayers) {
      f.bad('layer_types', `has ${lt.length} entries but num_hidden_layers is ${numLayers}`);
    } else {
      return lt.map((t: string) => names[t]);
    }
  }
  const period = f.has('sliding_window_pattern') || !f.has('_sliding_window_pattern') ? 'sliding_window_pattern' : '_sliding_window_pattern';
  return defaultAttentionTypes(family, numLayers, family === 'gemma3' ? f.int(period, 6) : 6);
}
