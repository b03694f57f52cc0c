/**
 * The vision half of a Gemma 3 multimodal config: the SigLIP tower's sizes (HF
 * `vision_config`) and how its soft tokens enter the text (`mm_tokens_per_image`, the
 * image, begin-of-image and end-of-image token ids at the top level of config.json).
 */
import { GemmaConfigError, type ConfigIssue } from '../config/validate.js';

/** Sizes of a SigLIP vision tower and Gemma 3's projector. */
export interface VisionConfig {
  /** Side of the (square) input image in pixels. */
  readonly imageSize: number;
  /** Side of one square patch in pixels; must divide imageSize. */
  readonly patchSize: number;
  readonly numChannels: number;
  /** Width of the tower's residual stream. */
  readonly hiddenSize: number;
  /** Width of the tower's MLP. */
  readonly intermediateSize: number;
  readonly numLayers: number;
  /** Attention heads; must divide hiddenSize. */
  readonly numHeads: number;
  /** Epsilon of the tower's LayerNorms and of the projector's RMSNorm. */
  readonly layerNormEps: number;
  /** Soft tokens per image after pooling; a square number whose side divides imageSize / patchSize. */
  readonly mmTokensPerImage: number;
  /** Token id whose positions receive the soft tokens. */
  readonly imageTokenId: number;
  /** Token id placed before an image's soft tokens. */
  readonly boiTokenId: number;
  /** Token id placed after an image's soft tokens. */
  readonly eoiTokenId: number;
}

/** Patches per side of the grid. @example patchGridSide({ imageSize: 896, patchSize: 14 }) // 64 */
export const patchGridSide = (c: Pick<VisionConfig, 'imageSize' | 'patchSize'>): number => c.imageSize / c.patchSize;

/** Soft tokens per side after pooling. @example tokensPerSide({ mmTokensPerImage: 256 }) // 16 */
export const tokensPerSide = (c: Pick<VisionConfig, 'mmTokensPerImage'>): number => Math.round(Math.sqrt(c.mmTokensPerImage));

/**
 * Every problem with a vision config, each naming the Hugging Face key.
 *
 * @example validateVisionConfig(config) // [] when consistent
 */
export function validateVisionConfig(c: VisionConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pos = (key: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) issues.push({ key, message: `must be a positive integer; got ${v}` });
  };
  pos('vision_config.image_size', c.imageSize);
  pos('vision_config.patch_size', c.patchSize);
  pos('vision_config.num_channels', c.numChannels);
  pos('vision_config.hidden_size', c.hiddenSize);
  pos('vision_config.intermediate_size', c.intermediateSize);
  pos('vision_config.num_hidden_layers', c.numLayers);
  pos('vision_config.num_attention_heads', c.numHeads);
  pos('mm_tokens_per_image', c.mmTokensPerImage);
  if (!(c.layerNormEps > 0)) issues.push({ key: 'vision_config.layer_norm_eps', message: `must be positive; got ${c.layerNormEps}` });
  if (issues.length) return issues;
  if (c.imageSize % c.patchSize !== 0) {
    issues.push({ key: 'vision_config.patch_size', message: `${c.patchSize} does not divide image_size ${c.imageSize}` });
  }
  if (c.hiddenSize % c.numHeads !== 0) {
    issues.push({ key: 'vision_config.num_attention_heads', message: `${c.numHeads} does not divide hidden_size ${c.hiddenSize}` });
  }
  const side = tokensPerSide(c);
  if (side * side !== c.mmTokensPerImage) {
    issues.push({ key: 'mm_tokens_per_image', message: `${c.mmTokensPerImage} is not a square number (the pooled grid is square)` });
  } else if (c.imageSize % c.patchSize === 0 && patchGridSide(c) % side !== 0) {
    issues.push({
      key: 'mm_tokens_per_image',
      message: `its side ${side} does not divide the patch grid side ${patchGridSide(c)} (image_size / patch_size), so the patches cannot be average-pooled to it`,
    });
  }
  for (const [key, v] of [['image_token_index', c.imageTokenId], ['boi_token_index', c.boiTokenId], ['eoi_token_index', c.eoiTokenId]] as const) {
    if (!Number.isInteger(v) || v < 0) issues.push({ key, message: `must be a non-negative integer; got ${v}` });
  }
  return issues;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Hugging Face's SiglipVisionConfig defaults that Gemma 3's files may leave out. */
const SIGLIP_DEFAULTS: Json = {
  image_size: 224, patch_size: 16, num_channels: 3, hidden_size: 768, intermediate_size: 3072,
  num_hidden_layers: 12, num_attention_heads: 12, layer_norm_eps: 1e-6, hidden_act: 'gelu_pytorch_tanh',
};

/**
 * The vision config of a Hugging Face `gemma3` config.json, or null when it has no
 * `vision_config` (a text-only checkpoint). Throws GemmaConfigError listing every problem.
 *
 * @example
 * const vision = visionConfigFromHuggingFace(JSON.parse(readFileSync('gemma-3-4b-it/config.json', 'utf8')));
 * vision?.mmTokensPerImage; // 256
 */
export function visionConfigFromHuggingFace(json: unknown, file = 'config.json'): VisionConfig | null {
  if (!isObject(json) || json.vision_config === undefined || json.vision_config === null) return null;
  if (!isObject(json.vision_config)) throw new GemmaConfigError([{ key: 'vision_config', message: 'is not an object' }], file);
  const v: Json = { ...SIGLIP_DEFAULTS, ...json.vision_config };
  const issues: ConfigIssue[] = [];
  if (v.hidden_act !== 'gelu_pytorch_tanh' && v.hidden_act !== 'gelu_new') {
    issues.push({ key: 'vision_config.hidden_act', message: `is ${JSON.stringify(v.hidden_act)}; Penjing's SigLIP supports gelu_pytorch_tanh` });
  }
  if (v.vision_use_head === true) {
    issues.push({ key: 'vision_config.vision_use_head', message: 'is true; Gemma 3 uses the patch outputs, not a pooling head' });
  }
  const num = (key: string, value: unknown, dflt?: number): number => {
    const x = value === undefined ? dflt : value;
    if (typeof x !== 'number') {
      issues.push({ key, message: x === undefined ? 'is missing' : `must be a number; got ${JSON.stringify(x)}` });
      return NaN;
    }
    return x;
  };
  const config: VisionConfig = {
    imageSize: num('vision_config.image_size', v.image_size),
    patchSize: num('vision_config.patch_size', v.patch_size),
    numChannels: num('vision_config.num_channels', v.num_channels),
    hiddenSize: num('vision_config.hidden_size', v.hidden_size),
    intermediateSize: num('vision_config.intermediate_size', v.intermediate_size),
    numLayers: num('vision_config.num_hidden_layers', v.num_hidden_layers),
    numHeads: num('vision_config.num_attention_heads', v.num_attention_heads),
    layerNormEps: num('vision_config.layer_norm_eps', v.layer_norm_eps),
    mmTokensPerImage: num('mm_tokens_per_image', json.mm_tokens_per_image, 256),
    imageTokenId: num('image_token_index', json.image_token_index, 262144),
    boiTokenId: num('boi_token_index', json.boi_token_index, 255999),
    eoiTokenId: num('eoi_token_index', json.eoi_token_index, 256000),
  };
  if (issues.length === 0) issues.push(...validateVisionConfig(config));
  if (issues.length) throw new GemmaConfigError(issues, file);
  return Object.freeze(config);
}
