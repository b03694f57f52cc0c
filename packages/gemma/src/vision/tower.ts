/**
 * The SigLIP vision tower and Gemma 3's multimodal projector as Penjing layer trees:
 *
 * ```
 * images {…, height, width, channel}
 *   → Patchify → Linear+bias over each patch's pixels (the stride-p convolution)
 *   → + learned position embedding {patches, embedding}
 *   → encoder layers: x + MHA(LayerNorm(x)), x + MLP(LayerNorm(x)) (bidirectional, gelu-tanh)
 *   → post LayerNorm                                           {…, patches, embedding}
 *   → AveragePoolPatches → RMSNorm (1+w) → Linear to the text width   {…, tokens, embedding}
 * ```
 *
 * Every stage is a catalogue layer or a small struct, so the tree prints and selects like the
 * text model (e.g. `select(encoder).atInstancesOf(Softmax)` finds the tower's attention).
 */
import {
  ATTENTION_FIELDS, AddBias, Elementwise, Layer, LayerNorm, Linear, NamedEinsum, NamedGroup, RenameAxes, Residual, RMSLayerNorm,
  Sequential, Softmax, ConstantRescale, type SideInputs,
} from '@penjing/layers';
import type { NamedArray } from '@penjing/named-array';
import { patchGridSide, tokensPerSide, type VisionConfig } from './config.js';
import { AveragePoolPatches, Patchify } from './patches.js';

/** Parameter label stems of the vision path (labels add `.weights` / `.bias`, norms `/scale` and `/shift`). */
export const VISION_NAMES = {
  patchEmbedding: 'vision/embeddings/patch',
  positionEmbedding: 'vision/embeddings/position',
  layer: (i: number) => {
    const p = `vision/encoder/layer_${i}`;
    return {
      norm1: `${p}/pre_attention_norm`, query: `${p}/attention/query`, key: `${p}/attention/key`, value: `${p}/attention/value`,
      output: `${p}/attention/output`, norm2: `${p}/pre_ffw_norm`, fc1: `${p}/mlp/fc1`, fc2: `${p}/mlp/fc2`,
    };
  },
  postNorm: 'vision/post_norm',
  softEmbeddingNorm: 'projector/soft_embedding_norm',
  projection: 'projector/input_projection',
} as const;

/**
 * The tower's attention: the same five sublayers and dataflow as the catalogue `Attention`, as
 * its own class so that text-model tooling that rewrites every `Attention` (KV caching, the
 * decoder's attention probes) leaves the bidirectional, uncached vision attention alone.
 * Select it with `atInstancesOf(SiglipAttention)`.
 *
 * @example select(model).atInstancesOf(SiglipAttention).count() // vision_config.num_hidden_layers
 */
export class SiglipAttention extends Layer.define('SiglipAttention', ATTENTION_FIELDS)<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const q = this.inputToQuery.call(x, side);
    const k = this.inputToKey.call(x, side);
    const v = this.inputToValue.call(x, side);
    return this.attnValueToOutput.call([this.queryKeyToAttn.call([q, k], side), v], side);
  }
}

/** A Linear followed by its bias (SigLIP's projections all have one). */
function affine(name: string, seed: number | null, inputAxes: Record<string, number>, outputAxes: Record<string, number>): Layer[] {
  return [Linear.fromConfig({ name, seed, inputAxes, outputAxes }), AddBias.fromConfig({ name, seed, biasedAxes: outputAxes })];
}

function encoderLayer(c: VisionConfig, i: number, seed: number | null): NamedGroup {
  const n = VISION_NAMES.layer(i);
  const embedding = { embedding: c.hiddenSize };
  const headDim = c.hiddenSize / c.numHeads;
  const heads = { heads: c.numHeads, projection: headDim };
  const norm = (name: string) => LayerNorm.fromConfig({ name, seed, acrossAxes: embedding, epsilon: c.layerNormEps });
  const toKv = () => new RenameAxes({ old: 'patches', new: 'kv_patches' });
  const attention = new SiglipAttention({
    inputToQuery: new Sequential({ sublayers: [...affine(n.query, seed, embedding, heads), new ConstantRescale({ by: Math.fround(headDim ** -0.5) })] }),
    inputToKey: new Sequential({ sublayers: [...affine(n.key, seed, embedding, heads), toKv()] }),
    inputToValue: new Sequential({ sublayers: [...affine(n.value, seed, embedding, heads), toKv()] }),
    // Every patch sees every patch of its image: no mask.
    queryKeyToAttn: new Sequential({
      sublayers: [
        new NamedEinsum({ inputAxes: [['patches', 'heads', 'projection'], ['kv_patches', 'heads', 'projection']], outputAxes: ['heads', 'patches', 'kv_patches'] }),
        new Softmax({ axes: 'kv_patches' }),
      ],
    }) as unknown as Layer<readonly NamedArray[], NamedArray>,
    attnValueToOutput: new Sequential({
      sublayers: [
        new NamedEinsum({ inputAxes: [['heads', 'patches', 'kv_patches'], ['kv_patches', 'heads', 'projection']], outputAxes: ['patches', 'heads', 'projection'] }),
        ...affine(n.output, seed, heads, embedding),
      ],
    }) as unknown as Layer<readonly NamedArray[], NamedArray>,
  });
  const mlp = new NamedGroup({
    name: 'mlp',
    sublayers: [...affine(n.fc1, seed, embedding, { neurons: c.intermediateSize }), new Elementwise({ fn: 'gelu' }), ...affine(n.fc2, seed, { neurons: c.intermediateSize }, embedding)],
  });
  return new NamedGroup({
    name: `vision_layer_${i}`,
    sublayers: [
      new Residual({ delta: new Sequential({ sublayers: [norm(n.norm1), attention] }) }),
      new Residual({ delta: new Sequential({ sublayers: [norm(n.norm2), mlp] }) }),
    ],
  });
}

/**
 * The SigLIP tower: images `{…, height, width, channel}` (normalised to [−1, 1]) → patch
 * features `{…, patches, embedding}`. `seed: null` leaves parameter slots (checkpoint loading).
 *
 * @example buildSiglipTower(visionConfig, 0).call(images) // {batch, image, patches: 4096, embedding: 1152} for Gemma 3 4B
 */
export function buildSiglipTower(c: VisionConfig, seed: number | null): NamedGroup {
  const patches = patchGridSide(c) ** 2;
  const embedding = { embedding: c.hiddenSize };
  return new NamedGroup({
    name: 'siglip_vision_tower',
    sublayers: [
      new Patchify({ patchSize: c.patchSize }),
      ...affine(VISION_NAMES.patchEmbedding, seed, { channel: c.numChannels, patch_height: c.patchSize, patch_width: c.patchSize }, embedding),
      AddBias.fromConfig({ name: VISION_NAMES.positionEmbedding, seed, biasedAxes: { patches, ...embedding } }),
      ...Array.from({ length: c.numLayers }, (_, i) => encoderLayer(c, i, seed)),
      LayerNorm.fromConfig({ name: VISION_NAMES.postNorm, seed, acrossAxes: embedding, epsilon: c.layerNormEps }),
    ],
  });
}

/**
 * Gemma 3's multimodal projector: patch features `{…, patches, embedding: vision width}` →
 * soft tokens `{…, tokens: mmTokensPerImage, embedding: textWidth}` (average pool, Gemma
 * RMSNorm with the stored `1 + w` folded in, projection).
 *
 * @example buildProjector(visionConfig, 2560, 0).call(features) // {batch, image, tokens: 256, embedding: 2560}
 */
export function buildProjector(c: VisionConfig, textWidth: number, seed: number | null): NamedGroup {
  return new NamedGroup({
    name: 'multimodal_projector',
    sublayers: [
      new AveragePoolPatches({ poolSize: patchGridSide(c) / tokensPerSide(c) }),
      RMSLayerNorm.fromConfig({ name: VISION_NAMES.softEmbeddingNorm, seed, acrossAxes: { embedding: c.hiddenSize }, epsilon: c.layerNormEps }),
      new RenameAxes({ old: 'embedding', new: 'vision_embedding' }),
      Linear.fromConfig({ name: VISION_NAMES.projection, seed, inputAxes: { vision_embedding: c.hiddenSize }, outputAxes: { embedding: textWidth } }),
    ],
  });
}

/**
 * The whole image encoder: tower then projector, images → soft tokens.
 *
 * @example buildImageEncoder(visionConfig, 640, 0).call(images) // {batch, image, tokens, embedding: 640}
 */
export function buildImageEncoder(c: VisionConfig, textWidth: number, seed: number | null): Sequential {
  return new Sequential({ sublayers: [buildSiglipTower(c, seed), buildProjector(c, textWidth, seed)] });
}
