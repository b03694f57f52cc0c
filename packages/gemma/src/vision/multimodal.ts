/**
 * Turns a text Gemma model into Gemma 3's multimodal model: the image encoder is inserted
 * right after the √D embedding scale (soft tokens are not scaled), the tokens additionally
 * give `imageSlots` and `imageBlocks`, and every causal mask is widened to image blocks.
 */
import {
  ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask, ConstantRescale, Layer, LayerError, Sequential,
  WithSideInputsFromInput, select,
} from '@penjing/layers';
import type { NamedArray } from '@penjing/named-array';
import { validateVisionConfig, type VisionConfig } from './config.js';
import { GemmaConfigError } from '../config/validate.js';
import { buildImageEncoder } from './tower.js';
import { BidirectionalImageBlocks, ImageBlocksFromTokens, ImageSlotsFromTokens, MergeImageSoftTokens } from './merge.js';

/**
 * The model with a vision tower and projector (random from `seed`, or parameter slots for
 * `seed: null`). `textWidth` is the text model's embedding width.
 *
 * @example
 * const mm = withVision(GemmaTransformer.fromConfig(textConfig, { seed: 0 }), visionConfig, textConfig.embedDim, 0);
 * mm.call(tokens, { images });
 */
export function withVision<M extends Layer>(model: M, vision: VisionConfig, textWidth: number, seed: number | null): M {
  const issues = validateVisionConfig(vision);
  if (issues.length) throw new GemmaConfigError(issues, 'withVision');
  if (visionConfigOf(model)) throw new LayerError('withVision: the model already has a vision encoder (MergeImageSoftTokens).');
  const handlers = select(model).atInstancesOf(WithSideInputsFromInput);
  if (handlers.count() !== 1) throw new LayerError(`withVision: expected one WithSideInputsFromInput around the decoder; found ${handlers.count()}.`);
  const merge = new MergeImageSoftTokens({ encoder: buildImageEncoder(vision, textWidth, seed), config: vision });
  return handlers.apply((h: WithSideInputsFromInput) => {
    const inner = h.body;
    if (!(inner instanceof Sequential) || !(inner.sublayers[1] instanceof ConstantRescale)) {
      throw new LayerError('withVision: expected the decoder body to start with the embedding lookup and its √D ConstantRescale.');
    }
    const sublayers = [inner.sublayers[0], inner.sublayers[1], merge, ...inner.sublayers.slice(2)];
    let body: Layer = new Sequential({ sublayers });
    for (const cls of [ApplyCausalAttentionMask, ApplyCausalSlidingWindowAttentionMask] as const) {
      body = select(body).atInstancesOf(cls).apply((m: Layer) => new BidirectionalImageBlocks({ causal: m as Layer<NamedArray, NamedArray> }));
    }
    return new WithSideInputsFromInput({
      body,
      sideInputs: {
        ...h.sideInputs,
        imageSlots: new ImageSlotsFromTokens({ imageTokenId: vision.imageTokenId, mmTokensPerImage: vision.mmTokensPerImage }),
        imageBlocks: new ImageBlocksFromTokens({ imageTokenId: vision.imageTokenId }),
      },
    });
  }) as M;
}

/**
 * The vision config of a multimodal model, or null for a text-only one.
 *
 * @example visionConfigOf(model)?.mmTokensPerImage // 256
 */
export function visionConfigOf(model: unknown): VisionConfig | null {
  const found = select(model).atInstancesOf(MergeImageSoftTokens);
  return found.count() ? (found.getSequence()[0] as MergeImageSoftTokens).config : null;
}
