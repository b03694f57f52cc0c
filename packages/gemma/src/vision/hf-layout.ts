/**
 * Where each vision parameter lives in a Hugging Face Gemma 3 checkpoint
 * (`vision_tower.vision_model.*` and `multi_modal_projector.*`, or the same under `model.`
 * as transformers ≥ 4.52 saves them), in the text model's `WeightLayout` form so one
 * converter serves both.
 */
import type { SafetensorsCheckpoint } from '@penjing/io/node';
import { CheckpointError } from '@penjing/io';
import type { WeightLayout } from '../loading/hf-layout.js';
import { patchGridSide, type VisionConfig } from './config.js';
import { VISION_NAMES } from './tower.js';

/** The prefixes of the vision tensors in one checkpoint. */
export interface VisionNaming {
  readonly tower: string;
  readonly projector: string;
}

const NAMINGS: readonly VisionNaming[] = [
  { tower: 'vision_tower.vision_model.', projector: 'multi_modal_projector.' },
  { tower: 'model.vision_tower.vision_model.', projector: 'model.multi_modal_projector.' },
];

/**
 * The naming the checkpoint's vision tensors use, or null when it has none (a text-only file).
 *
 * @example detectVisionNaming(ckpt) // { tower: 'vision_tower.vision_model.', projector: 'multi_modal_projector.' }
 */
export function detectVisionNaming(ckpt: SafetensorsCheckpoint): VisionNaming | null {
  return NAMINGS.find((n) => ckpt.has(`${n.projector}mm_input_projection_weight`)) ?? null;
}

/** True for a tensor of the vision tower or projector in any naming. */
export const isVisionTensor = (name: string): boolean => /^(model\.)?(vision_tower|multi_modal_projector)\./.test(name);

type Axes = readonly (readonly [string, number])[];

/**
 * Every vision tensor of a config under a naming, with full names, as `WeightLayout`s.
 *
 * @example visionLayout(vision, 2560, detectVisionNaming(ckpt)!).length // 4 + 16·27 + 4 for Gemma 3 4B
 */
export function visionLayout(c: VisionConfig, textWidth: number, naming: VisionNaming): WeightLayout[] {
  const D = c.hiddenSize;
  const I = c.intermediateSize;
  const p = c.patchSize;
  const heads = c.numHeads;
  const hd = D / heads;
  const out: WeightLayout[] = [];
  const add = (hfName: string, label: string, axes: Axes, order: readonly string[], shapeFrom: string, offsetNorm = false, hfShape = axes.map(([, s]) => s)) =>
    out.push({ hfName, label, isLmHead: false, offsetNorm, hfShape, axes, order, shapeFrom });
  const size = (a: Axes) => a.reduce((n, [, s]) => n * s, 1);
  const t = naming.tower;
  // nn.Linear stores [out, in] with head axes flattened (row n·hd + h is head n, component h).
  const linear = (hf: string, stem: string, outAxes: Axes, inAxes: Axes, from: string, conv = false) => {
    const shape = conv ? [...outAxes, ...inAxes].map(([, s]) => s) : [size(outAxes), size(inAxes)];
    add(`${hf}.weight`, `${stem}.weights`, [...outAxes, ...inAxes], [...inAxes, ...outAxes].map(([n]) => n), from, false, shape);
    add(`${hf}.bias`, `${stem}.bias`, outAxes, outAxes.map(([n]) => n), from, false, [size(outAxes)]);
  };
  const layerNorm = (hf: string, stem: string) => {
    add(`${hf}.weight`, `${stem}/scale.weights`, [['embedding', D]], ['embedding'], 'vision_config.hidden_size');
    add(`${hf}.bias`, `${stem}/shift.bias`, [['embedding', D]], ['embedding'], 'vision_config.hidden_size');
  };
  const emb: Axes = [['embedding', D]];
  // The convolution's [out, in, kh, kw] kernel is a Linear from each patch's pixels.
  linear(`${t}embeddings.patch_embedding`, VISION_NAMES.patchEmbedding, emb, [['channel', c.numChannels], ['patch_height', p], ['patch_width', p]],
    'vision_config.hidden_size × num_channels × patch_size × patch_size', true);
  const n = patchGridSide(c) ** 2;
  add(`${t}embeddings.position_embedding.weight`, `${VISION_NAMES.positionEmbedding}.bias`, [['patches', n], ['embedding', D]], ['patches', 'embedding'],
    '(image_size / patch_size)² × vision_config.hidden_size');
  for (let i = 0; i < c.numLayers; i++) {
    const L = VISION_NAMES.layer(i);
    const h = `${t}encoder.layers.${i}.`;
    const qkv: Axes = [['heads', heads], ['projection', hd]];
    layerNorm(`${h}layer_norm1`, L.norm1);
    linear(`${h}self_attn.q_proj`, L.query, qkv, emb, 'vision_config.hidden_size × hidden_size');
    linear(`${h}self_attn.k_proj`, L.key, qkv, emb, 'vision_config.hidden_size × hidden_size');
    linear(`${h}self_attn.v_proj`, L.value, qkv, emb, 'vision_config.hidden_size × hidden_size');
    linear(`${h}self_attn.out_proj`, L.output, emb, qkv, 'vision_config.hidden_size × hidden_size');
    layerNorm(`${h}layer_norm2`, L.norm2);
    linear(`${h}mlp.fc1`, L.fc1, [['neurons', I]], emb, 'vision_config.intermediate_size × hidden_size');
    linear(`${h}mlp.fc2`, L.fc2, emb, [['neurons', I]], 'vision_config.hidden_size × intermediate_size');
  }
  layerNorm(`${t}post_layernorm`, VISION_NAMES.postNorm);
  const m = naming.projector;
  add(`${m}mm_soft_emb_norm.weight`, `${VISION_NAMES.softEmbeddingNorm}/scale.weights`, emb, ['embedding'], 'vision_config.hidden_size', true);
  // Stored [vision width, text width] and applied as x·W (not a transposed nn.Linear).
  add(`${m}mm_input_projection_weight`, `${VISION_NAMES.projection}.weights`, [['vision_embedding', D], ['embedding', textWidth]],
    ['vision_embedding', 'embedding'], 'vision_config.hidden_size × text_config.hidden_size');
  return out;
}

/**
 * Throws a CheckpointError naming the file when a config has a vision_config but the
 * checkpoint has no vision tensors in either naming.
 */
export function requireVisionNaming(ckpt: SafetensorsCheckpoint, configFile: string): VisionNaming {
  const naming = detectVisionNaming(ckpt);
  if (naming) return naming;
  throw new CheckpointError(ckpt.path, `${configFile} has a vision_config but the checkpoint has no "multi_modal_projector.mm_input_projection_weight" (or "model.multi_modal_projector.…")`, {
    fix: `Load it as a text model with { vision: false }, or use the checkpoint's full set of safetensors files.`,
  });
}
