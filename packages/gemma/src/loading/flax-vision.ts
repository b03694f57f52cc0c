/**
 * Gemma 3's vision tower and projector from gm.nn's Flax record, converted to the Hugging Face
 * tensors `visionLayout` binds. The names are those of google-deepmind/gemma's
 * `gemma/multimodal/vision_utils.py` (`ViTModel`: an `embedding` Conv, `pos_embedding`,
 * `Transformer/encoderblock_{i}/{LayerNorm_0, MultiHeadDotProductAttention_0/{query, key, value,
 * out}, LayerNorm_1, MlpBlock_0/Dense_{0,1}}`, `Transformer/encoder_norm`) under
 * `SigLiPFromPatches_0/siglip_encoder/` in flat checkpoints (`vision_encoder/siglip_encoder/`
 * once gm.ckpts nests them), and the projector's `embedder/mm_input_projection` and
 * `embedder/mm_soft_embedding_norm` beside the text embedding. The layouts are Flax linen's
 * (Conv kernels [kh, kw, in, out], Dense kernels [in, out], attention kernels [D, heads,
 * head_dim] and [heads, head_dim, D]); HF's convert_gemma3_weights_orbax_to_hf.py makes the same
 * conversions. The record does not hold mm_tokens_per_image, the image token ids or the
 * LayerNorm epsilon: they default to Gemma 3's (256; 262144, 255999, 256000; 1e-6).
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '@penjing/io';
import { GemmaConfigError } from '../config/validate.js';
import { validateVisionConfig, type VisionConfig } from '../vision/config.js';
import type { VisionNaming } from '../vision/hf-layout.js';
import { SOURCE, toTensor, type FlaxRecord } from './flax-arrays.js';

/** Vision options of loading a Flax record. */
export interface FlaxVisionOptions {
  /** `'auto'` (default): load the tower when the record has its arrays; `true`: require them; `false`: the text model only. */
  readonly vision?: boolean | 'auto';
  /** What the arrays do not determine: `mmTokensPerImage`, the token ids, `layerNormEps` (Gemma 3's by default). */
  readonly visionConfig?: Partial<VisionConfig>;
}

/** The Hugging Face names the converted tensors carry. */
export const FLAX_VISION_NAMING: VisionNaming = { tower: 'vision_tower.vision_model.', projector: 'multi_modal_projector.' };

const TOWER = 'SigLiPFromPatches_0/siglip_encoder/';
const GEMMA3_DEFAULTS = { layerNormEps: 1e-6, mmTokensPerImage: 256, imageTokenId: 262144, boiTokenId: 255999, eoiTokenId: 256000 };

/**
 * Adds the vision tensors (HF names, `FLAX_VISION_NAMING`) to `tensors` and returns the tower's
 * config inferred from the arrays' shapes; null when the record has no tower (or `vision: false`).
 *
 * @example const vision = flaxVision(record, config.embedDim, { visionConfig: { mmTokensPerImage: 256 } }, tensors);
 */
export function flaxVision(record: FlaxRecord, textWidth: number, options: FlaxVisionOptions, tensors: Map<string, () => tf.Tensor>): VisionConfig | null {
  const mode = options.vision ?? 'auto';
  const present = record.has(`${TOWER}embedding/kernel`) || record.has('embedder/mm_input_projection/w');
  if (mode === false || (mode === 'auto' && !present)) return null;
  if (!present) {
    throw new CheckpointError(SOURCE, `{vision: true} but the record has no vision tower ("${TOWER}embedding/kernel", or "vision_encoder/siglip_encoder/embedding/kernel" in gm.nn's nesting)`, {
      fix: 'Load the text model with { vision: false }, or pass the parameters of a Gemma 3 4B, 12B or 27B checkpoint.',
    });
  }
  const vision = inferVisionConfig(record, options.visionConfig ?? {});
  const { hiddenSize: W, intermediateSize: I, numHeads: N, patchSize: p, numChannels: C } = vision;
  const hd = W / N;
  const n = (vision.imageSize / p) ** 2;
  const t = FLAX_VISION_NAMING.tower;
  const m = FLAX_VISION_NAMING.projector;
  const set = (hf: string, key: string, shape: number[], from: string, convert: (x: tf.Tensor) => tf.Tensor = (x) => x) => {
    const e = record.need(key, shape, from);
    tensors.set(hf, () => {
      const x = toTensor(e.name, e.array);
      try {
        const y = convert(x);
        return y === x ? x.clone() : y;
      } finally {
        x.dispose();
      }
    });
  };
  // [kh, kw, in, out] → [out, in, kh, kw], nn.Conv2d's layout.
  set(`${t}embeddings.patch_embedding.weight`, `${TOWER}embedding/kernel`, [p, p, C, W], 'patch × patch × channels × width', (x) => tf.transpose(x, [3, 2, 0, 1]));
  set(`${t}embeddings.patch_embedding.bias`, `${TOWER}embedding/bias`, [W], 'width');
  set(`${t}embeddings.position_embedding.weight`, `${TOWER}pos_embedding`, [1, n, W], '1 × patches × width', (x) => tf.reshape(x, [n, W]));
  const dense = (x: tf.Tensor) => tf.transpose(x); // [in, out] → [out, in]
  for (let i = 0; i < vision.numLayers; i++) {
    const b = `${TOWER}Transformer/encoderblock_${i}/`;
    const h = `${t}encoder.layers.${i}.`;
    const a = `${b}MultiHeadDotProductAttention_0/`;
    for (const [norm, hf] of [['LayerNorm_0', 'layer_norm1'], ['LayerNorm_1', 'layer_norm2']] as const) {
      set(`${h}${hf}.weight`, `${b}${norm}/scale`, [W], 'width');
      set(`${h}${hf}.bias`, `${b}${norm}/bias`, [W], 'width');
    }
    for (const [flax, hf] of [['query', 'q_proj'], ['key', 'k_proj'], ['value', 'v_proj']] as const) {
      // [D, heads, head_dim] → [heads·head_dim, D]: row n·hd + h is head n, component h.
      set(`${h}self_attn.${hf}.weight`, `${a}${flax}/kernel`, [W, N, hd], 'width × heads × head_dim', (x) => tf.tidy(() => tf.reshape(tf.transpose(x, [1, 2, 0]), [N * hd, W])));
      set(`${h}self_attn.${hf}.bias`, `${a}${flax}/bias`, [N, hd], 'heads × head_dim', (x) => tf.reshape(x, [N * hd]));
    }
    set(`${h}self_attn.out_proj.weight`, `${a}out/kernel`, [N, hd, W], 'heads × head_dim × width', (x) => tf.tidy(() => tf.transpose(tf.reshape(x, [N * hd, W]))));
    set(`${h}self_attn.out_proj.bias`, `${a}out/bias`, [W], 'width');
    set(`${h}mlp.fc1.weight`, `${b}MlpBlock_0/Dense_0/kernel`, [W, I], 'width × mlp width', dense);
    set(`${h}mlp.fc1.bias`, `${b}MlpBlock_0/Dense_0/bias`, [I], 'mlp width');
    set(`${h}mlp.fc2.weight`, `${b}MlpBlock_0/Dense_1/kernel`, [I, W], 'mlp width × width', dense);
    set(`${h}mlp.fc2.bias`, `${b}MlpBlock_0/Dense_1/bias`, [W], 'width');
  }
  set(`${t}post_layernorm.weight`, `${TOWER}Transformer/encoder_norm/scale`, [W], 'width');
  set(`${t}post_layernorm.bias`, `${TOWER}Transformer/encoder_norm/bias`, [W], 'width');
  // Both stored as HF stores them: the RMSNorm's w (applied as 1 + w) and W [vision width, text width] applied as x·W.
  set(`${m}mm_soft_emb_norm.weight`, 'embedder/mm_soft_embedding_norm/scale', [W], 'vision width');
  set(`${m}mm_input_projection_weight`, 'embedder/mm_input_projection/w', [W, textWidth], 'vision width × text embedDim');
  return vision;
}

/** The tower's sizes from the arrays' shapes, with the rest from `given` or Gemma 3's defaults. */
function inferVisionConfig(record: FlaxRecord, given: Partial<VisionConfig>): VisionConfig {
  const kernel = record.need(`${TOWER}embedding/kernel`, [null, null, null, null], 'patch × patch × channels × width');
  const [p, p2, C, W] = kernel.shape;
  if (p !== p2) throw new CheckpointError(SOURCE, `patches must be square; the kernel is ${p}×${p2}`, { tensor: kernel.name });
  const pos = record.need(`${TOWER}pos_embedding`, [1, null, W], '1 × patches × width');
  const side = Math.round(Math.sqrt(pos.shape[1]));
  if (side * side !== pos.shape[1]) throw new CheckpointError(SOURCE, `${pos.shape[1]} position embeddings are not a square grid of patches`, { tensor: pos.name });
  const layers = new Set<number>();
  for (const k of record.flat.keys()) {
    const match = /^SigLiPFromPatches_0\/siglip_encoder\/Transformer\/encoderblock_(\d+)\//.exec(k);
    if (match) layers.add(Number(match[1]));
  }
  const q = record.need(`${TOWER}Transformer/encoderblock_0/MultiHeadDotProductAttention_0/query/kernel`, [W, null, null], 'width × heads × head_dim');
  const fc1 = record.need(`${TOWER}Transformer/encoderblock_0/MlpBlock_0/Dense_0/kernel`, [W, null], 'width × mlp width');
  const vision: VisionConfig = {
    imageSize: side * p, patchSize: p, numChannels: C, hiddenSize: W, intermediateSize: fc1.shape[1],
    numLayers: layers.size === 0 ? 0 : Math.max(...layers) + 1, numHeads: q.shape[1], ...GEMMA3_DEFAULTS, ...given,
  };
  const issues = validateVisionConfig(vision);
  if (issues.length) throw new GemmaConfigError(issues, 'the Flax vision arrays (with the visionConfig option)');
  return Object.freeze(vision);
}
